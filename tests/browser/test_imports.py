"""Imports in a real browser: a coordinator uploads a posts register, reads the dry run with its
error, fixes the file, uploads it again and imports it."""

import csv
import io
import re

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from mediation.enums import Role
from mediation.models import Post, PostHolding
from tests.conftest import enable_totp
from tests.factories import CommuneFactory, department, make_user

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
