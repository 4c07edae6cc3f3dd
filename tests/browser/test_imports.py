"""Imports in a real browser: a coordinator uploads a posts register, reads the dry run with its
error, fixes the file, uploads it again and imports it; a sheets import run by the worker shows
its progress, then its result."""

import csv
import io
import re
import threading

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections
from django.test import Client
from playwright.sync_api import expect

from accompaniments import imports as sheets
from accompaniments.models import Sheet, SheetRequest
from mediation import operations
from mediation.enums import Role
from mediation.imports import report as progress
from mediation.models import Post, PostHolding
from tests.browser.a11y import page_violations
from tests.conftest import enable_totp
from tests.factories import CommuneFactory, PostFactory, StructureFactory, department, make_mediator, make_user
from tests.imports.conftest import csv_bytes
from tests.imports.test_import_runs import five_rows
from tests.imports.test_sheets_import import HEADERS as SHEET_HEADERS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

HEADERS = ["code_poste", "structure", "commune_structure", "departement", "type_poste", "financement", "date_debut"]
GOOD = ["P-59-101", "Centre social Alma", "59512", "59", "QPV", "ARS et préfecture (adulte-relais)", "01/02/2024"]


def register(*rows):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(HEADERS + ["email_titulaire", "prenom_titulaire", "nom_titulaire"])
    writer.writerows(rows)
    return {"name": "registre-postes.csv", "mimeType": "text/csv", "buffer": out.getvalue().encode("cp1252")}


def logged_in_page(new_page, live_server, user):
    """A page whose browser carries the session of `user` (logged in through Django's test
    client: the live server shares the database)."""
    client = Client()
    client.force_login(user)
    page = new_page()
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    return page


def upload(page, file):
    page.get_by_label("Fichier à importer").set_input_files(file)
    page.get_by_role("button", name="Vérifier le fichier").click()


def test_a_coordinator_fixes_a_register_after_the_dry_run_and_imports_it(new_page, live_server, settings, tmp_path):
    settings.IMPORT_TEMP_DIR = str(tmp_path)
    CommuneFactory(insee_code="59512", name="Roubaix", department=department("59"))
    coordinator = make_user(Role.COORDINATOR, departments=[department("59")], first_name="Camille")
    enable_totp(coordinator)
    page = logged_in_page(new_page, live_server, coordinator)

    page.goto("/postes/")
    menu = page.get_by_role("navigation", name="Menu principal")
    menu.get_by_role("button", name="Administration").click()
    menu.get_by_role("link", name="Imports").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Imports")
    page.get_by_role("link", name="Registre des postes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Importer : Registre des postes")

    bad = [*GOOD[:4], "Urbain", *GOOD[5:]]
    bad[0] = "P-59-102"
    upload(page, register(GOOD + ["awa.diallo@exemple.fr", "Awa", "Diallo"], bad))
    expect(page.get_by_role("heading", level=1)).to_have_text("Vérification de « registre-postes.csv »")
    expect(page.get_by_role("alert")).to_contain_text("1 erreur : rien ne sera importé")
    errors = page.get_by_role("table", name="Erreurs du fichier")
    expect(errors.get_by_role("row").nth(1)).to_contain_text(
        re.compile(r"^\s*3\s*type_poste\s*« Urbain » n.est pas dans la liste \(type de poste\)")
    )
    expect(page.get_by_role("button", name=re.compile("^Importer"))).to_have_count(0)
    assert not Post.objects.exists()

    page.get_by_role("link", name="Déposer le fichier corrigé").click()
    fixed = [*GOOD]
    fixed[0], fixed[4] = "P-59-102", "Rural"
    upload(page, register(GOOD + ["awa.diallo@exemple.fr", "Awa", "Diallo"], fixed + ["", "", ""]))
    expect(page.get_by_role("heading", level=2, name="Fichier valide")).to_be_visible()
    expect(page.get_by_text("1 compte(s) de titulaire à créer, inactif(s) et non invité(s)")).to_be_visible()
    assert not Post.objects.exists()

    page.get_by_role("button", name="Importer les 2 lignes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import terminé")
    expect(page.get_by_role("status")).to_contain_text("2 lignes créées")
    assert sorted(Post.objects.values_list("code", "post_type")) == [("P-59-101", "qpv"), ("P-59-102", "rural")]
    assert PostHolding.objects.get().mediator.email == "awa.diallo@exemple.fr"
    assert list(tmp_path.iterdir()) == []

    page.get_by_role("link", name="Voir le registre des postes").click()
    expect(page.get_by_role("cell", name="P-59-102")).to_be_visible()


def test_a_sheets_import_run_by_the_worker_shows_its_progress_then_its_summary(
    new_page, live_server, settings, tmp_path, monkeypatch
):
    """With the production queue, the dry run waits on its page until the worker takes it, then
    the page reloads by itself with the review. The confirmed import is held by the worker after
    its first chunk of 2 rows: the page shows that progress line, asked again every few seconds;
    released, the import ends and the page shows its summary."""
    settings.IMPORT_TEMP_DIR = str(tmp_path)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    monkeypatch.setattr(progress, "PROGRESS_EVERY", 2)
    post = PostFactory(code="P-59-001", structure=StructureFactory(name="Centre social Élan"))
    make_mediator(structure=post.structure, post=post, email="awa@exemple.fr")
    coordinator = make_user(Role.COORDINATOR, departments=[post.department])
    enable_totp(coordinator)
    operations.beat(operations.WORKER)

    release = threading.Event()
    write_chunk = sheets.SheetImport._write_chunk
    chunks_written = []

    def held_write_chunk(self, people, chunk):
        if chunks_written:  # the second chunk waits until the browser has shown the first
            release.wait(timeout=30)
        write_chunk(self, people, chunk)
        chunks_written.append(len(chunk))

    monkeypatch.setattr(sheets.SheetImport, "_write_chunk", held_write_chunk)
    page = logged_in_page(new_page, live_server, coordinator)
    page.goto("/imports/fiches/")
    upload(page, {"name": "fiches.csv", "mimeType": "text/csv", "buffer": csv_bytes(SHEET_HEADERS, five_rows())})
    expect(page.get_by_role("heading", level=1)).to_have_text("Vérification de « fiches.csv »")
    expect(page.get_by_role("status")).to_contain_text("En attente de démarrage")
    assert page_violations(page) == []
    call_command("run_worker", "--once")
    expect(page.get_by_role("heading", level=2, name="Fichier valide")).to_be_visible()
    expect(page.locator(".app-import-progress")).to_have_count(0)
    assert page_violations(page) == []

    page.get_by_role("button", name="Importer les 5 lignes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import de « fiches.csv »")
    worker = worker_thread()
    worker.start()
    try:
        line = page.get_by_text("Enregistrement : 2 / 5 lignes")
        expect(line).to_be_visible()
        expect(page.locator(".app-import-progress progress")).to_have_attribute("value", "2")
        expect(page.get_by_text("5 lignes créées")).to_have_count(0)
        assert chunks_written == [1]
        assert page_violations(page) == []
    finally:
        release.set()
        worker.join(timeout=30)
    expect(page.get_by_role("heading", level=1)).to_have_text("Import terminé")
    expect(page.get_by_role("heading", level=2, name=re.compile("5 lignes traitées"))).to_be_visible()
    expect(page.get_by_text("5 lignes créées")).to_be_visible()
    expect(line).to_be_hidden()
    expect(page.get_by_role("link", name="Retour aux imports")).to_be_visible()
    assert page_violations(page) == []
    assert Sheet.objects.count() == 4 and SheetRequest.objects.count() == 5
    assert list(tmp_path.iterdir()) == []

    page.get_by_role("link", name="Retour aux imports").click()
    runs = page.get_by_role("table", name=re.compile("Vos vérifications et imports"))
    expect(runs.get_by_role("row")).to_have_count(3)
    expect(runs.get_by_role("row").nth(1)).to_contain_text("Importé")
    assert page_violations(page) == []


def worker_thread():
    """One turn of the worker in a thread of its own. On SQLite the test database lives in memory,
    reached through the test's one connection (which the live server shares): the thread uses it
    too. On PostgreSQL it opens its own, closed at the end."""
    shared = connections["default"]

    def turn():
        if shared.vendor == "sqlite":
            connections["default"] = shared
        try:
            call_command("run_worker", "--once")
        finally:
            if shared.vendor != "sqlite":
                connection.close()

    return threading.Thread(target=turn)
