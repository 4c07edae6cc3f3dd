"""Imports run in the worker: the upload and the confirmation queue a run (ImportRun) and lead to
its page, which shows the progress written by the worker, then the same result as before (the
review of the dry run, the summary of the import). The person may leave and come back; nobody
else sees the run. All or nothing holds: a failure imports nothing, and says so in French.

The test settings run a task as soon as it is queued (ImmediateBackend); the tests of the worker
itself pick the production queue (the database) and run `run_worker --once`."""

import logging
import re

import pytest
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import DatabaseError
from django.urls import reverse

from accompaniments import imports as sheets
from accompaniments.models import Beneficiary, Sheet, SheetRequest
from mediation import operations
from mediation.enums import Role
from mediation.imports import report as progress
from mediation.imports import services
from mediation.models import ImportRun
from tests.factories import PostFactory, StructureFactory, department, make_mediator, make_user
from tests.imports.conftest import csv_bytes
from tests.imports.test_sheets_import import HEADERS, row

pytestmark = pytest.mark.django_db

PROGRESS = re.compile(r'<p class="fr-mb-0"[^>]*><progress[^>]*></progress> ([^<]*)</p>')
DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _small_chunks(settings, tmp_path, monkeypatch):
    """An event every 2 rows (writes by 2 rows)."""
    settings.IMPORT_TEMP_DIR = str(tmp_path / "imports")
    monkeypatch.setattr(progress, "PROGRESS_EVERY", 2)


@pytest.fixture
def mediator(db):
    post = PostFactory(code="P-59-001", structure=StructureFactory(name="Centre social Élan"))
    return make_mediator(structure=post.structure, post=post, email="awa@exemple.fr")


@pytest.fixture
def shown_progress(client, monkeypatch):
    """The progress line the run's page shows (asked as its htmx polling asks) each time the
    worker writes where it is. The worker lives (it beat just now)."""
    operations.beat(operations.WORKER)
    lines = []
    write = services._write_progress

    def write_then_look(run_id, event):
        write(run_id, event)
        fragment = client.get(reverse("imports:run", args=[run_id]), headers=HTMX)
        assert fragment.status_code == 200
        lines.extend(PROGRESS.findall(fragment.content.decode()))

    monkeypatch.setattr(services, "_write_progress", write_then_look)
    return lines


def five_rows(**bad):
    """Five rows: person A-1 has a sheet at the start and another at the end of the file, so
    that, written by chunks of two rows, her second sheet comes in a later chunk than her."""
    second = {"domaine": "soins", "type_demande": "Conseil santé", "etat": "en cours", "date_cloture": ""}
    return [
        row("A-1", **bad),
        row("A-1", **second),
        row("B-2", date="02/05/2024", date_cloture="03/06/2024"),
        row("C-3", date="10/05/2024", date_cloture="11/06/2024"),
        row("A-1", date="20/05/2024", date_cloture="21/06/2024"),
    ]


def upload(client, rows, name="fiches.csv"):
    """Upload the file; returns its page's URL (the dry run's) and the token it waits under."""
    data = SimpleUploadedFile(name, csv_bytes(HEADERS, rows), content_type="text/csv")
    response = client.post(reverse("imports:upload", args=["fiches"]), {"file": data})
    assert response.status_code == 302
    return response["Location"], client.session[services.SESSION_KEY]["fiches"]["token"]


def confirm(client, token):
    response = client.post(reverse("imports:review", args=["fiches"]), {"token": token})
    assert response.status_code == 302
    return response["Location"]


def stored_files(settings):
    from pathlib import Path

    directory = Path(settings.IMPORT_TEMP_DIR)
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


def page_of(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_a_dry_run_shows_its_progress_then_the_review(client, login_as, mediator, shown_progress):
    login_as(Role.ADMIN)
    url, _ = upload(client, five_rows())
    assert url == reverse("imports:run", args=[ImportRun.objects.get().pk])

    assert shown_progress == [
        "Lecture du fichier…",
        "Lecture des lignes : 0 / 5 lignes",
        "Lecture des lignes : 2 / 5 lignes",
        "Lecture des lignes : 4 / 5 lignes",
        "Lecture des lignes : 5 / 5 lignes",
        "Vérification des personnes et des fiches : 0 / 5 lignes",
        "Vérification des personnes et des fiches : 2 / 5 lignes",
        "Vérification des personnes et des fiches : 4 / 5 lignes",
        "Vérification des personnes et des fiches : 5 / 5 lignes",
    ]
    page = page_of(client, url)
    assert "<h1>Vérification de « fiches.csv »</h1>" in page
    assert "Fichier valide" in page
    assert '<p class="fr-h3 fr-mb-0">5</p><p class="fr-text--sm fr-mb-0">lignes à créer</p>' in page
    assert "3 personne(s) à créer" in page and "4 fiche(s) à créer" in page
    assert "Importer les 5 lignes" in page and 'name="csrfmiddlewaretoken"' in page
    assert "vous pouvez la quitter puis revenir à son résultat" in page
    assert PROGRESS.findall(page) == [] and "hx-get" not in page  # finished: no more polling
    assert not Sheet.objects.exists() and not Beneficiary.objects.exists()
    assert "fiches" in client.session[services.SESSION_KEY]


def test_a_dry_run_lists_every_error_with_its_row_and_column(client, login_as, mediator, shown_progress):
    login_as(Role.ADMIN)
    url, _ = upload(client, five_rows(date_fiche="31/02/2024"))
    assert "Lecture des lignes : 5 / 5 lignes" in shown_progress
    assert not any(line.startswith("Vérification des personnes") for line in shown_progress)  # errors first
    page = page_of(client, url)
    assert "1 erreur : rien ne sera importé" in page
    assert "<td>2</td>" in page and "<code>date_fiche</code>" in page
    assert "Annuler et supprimer le fichier" in page and "Importer les" not in page


def test_a_confirmed_import_writes_every_row_and_shows_the_summary(
    client, login_as, mediator, settings, shown_progress
):
    admin = login_as(Role.ADMIN)
    _, token = upload(client, five_rows())
    shown_progress.clear()
    url = confirm(client, token)
    assert "fiches" not in client.session[services.SESSION_KEY]  # a second click finds nothing

    saving = [line for line in shown_progress if line.startswith("Enregistrement")]
    assert saving == [f"Enregistrement : {n} / 5 lignes" for n in (0, 2, 4, 5)]
    page = page_of(client, url)
    assert "<h1>Import terminé</h1>" in page
    assert "Fiches d&#x27;accompagnement historiques : 5 lignes traitées" in page
    assert "5 lignes créées" in page and "3 personne(s) créée(s)" in page
    assert "Le fichier déposé a été supprimé du serveur." in page

    assert Beneficiary.objects.count() == 3
    assert Sheet.objects.count() == 4 and SheetRequest.objects.count() == 5
    assert Sheet.objects.filter(beneficiary__external_id="A-1").count() == 2
    assert stored_files(settings) == []
    # Audited with the importer as author and the request's address, though written by the worker.
    entries = LogEntry.objects.filter(action=LogEntry.Action.CREATE)
    assert sorted(entry.additional_data["records"] for entry in entries) == [3, 4, 5]  # one entry per model
    assert set(entries.values_list("actor_id", "remote_addr")) == {(admin.pk, "127.0.0.1")}
    # Sent again (a second click, a reload), the confirmation finds no file: nothing twice.
    again = client.post(reverse("imports:review", args=["fiches"]), {"token": token})
    assert again.status_code == 302 and again["Location"] == reverse("imports:upload", args=["fiches"])
    assert SheetRequest.objects.count() == 5


def test_an_import_with_a_bad_row_writes_nothing_and_names_it(client, login_as, mediator, settings):
    login_as(Role.ADMIN)
    rows = five_rows()
    rows[3] = row("C-3", date="10/05/2024", etat="perdue", date_cloture="11/06/2024")
    _, token = upload(client, rows)
    page = page_of(client, confirm(client, token))
    assert "Rien n&#x27;a été importé" in page
    assert "1 erreur : rien n'a été importé" in page
    assert "<td>5</td>" in page and "<code>etat</code>" in page
    assert "Déposer le fichier corrigé" in page
    assert "Annuler et supprimer le fichier" not in page  # the file is already gone
    assert not Beneficiary.objects.exists() and not Sheet.objects.exists()
    assert stored_files(settings) == []
    assert "fiches" not in client.session[services.SESSION_KEY]


def test_a_database_failure_after_some_chunks_undoes_them_all(client, login_as, mediator, monkeypatch):
    """The writes go by chunks, all in one transaction: a failure at the third chunk leaves
    nothing of the first two, and the page says so."""
    login_as(Role.ADMIN)
    _, token = upload(client, five_rows())
    written = []
    original = sheets.SheetImport._write_chunk

    def failing(self, people, chunk):
        if len(written) == 2:
            raise DatabaseError("disk full")
        original(self, people, chunk)
        written.append(len(chunk))
        assert Sheet.objects.exists()

    monkeypatch.setattr(sheets.SheetImport, "_write_chunk", failing)
    page = page_of(client, confirm(client, token))
    assert written == [1, 2]  # chunks of two rows: the first sheet (rows 2 and 3), then two sheets
    assert "L&#x27;import a rencontré une erreur inattendue : rien n&#x27;a été importé." in page
    assert "<td>Fichier</td>" in page
    assert not Beneficiary.objects.exists() and not Sheet.objects.exists() and not LogEntry.objects.exists()


def test_an_unexpected_error_fails_the_run_with_a_message_and_imports_nothing(
    client, login_as, mediator, monkeypatch, settings, caplog
):
    login_as(Role.ADMIN)
    _, token = upload(client, five_rows())

    def broken(self, people, chunk):
        raise RuntimeError("bug")

    monkeypatch.setattr(sheets.SheetImport, "_write_chunk", broken)
    with caplog.at_level(logging.ERROR, logger="mediation.imports.services"):
        url = confirm(client, token)
    run = ImportRun.objects.get(dry_run=False)
    assert run.state == ImportRun.State.FAILED and run.finished_at is not None
    assert "RuntimeError: bug" in caplog.text
    page = page_of(client, url)
    assert '<h2 class="fr-alert__title">Rien n\'a été importé</h2>' in page
    assert "L&#x27;import a rencontré une erreur inattendue : rien n&#x27;a été importé." in page
    assert "bug" not in page
    assert not Beneficiary.objects.exists() and not Sheet.objects.exists()
    assert stored_files(settings) == []


def test_a_run_whose_file_is_gone_fails_with_a_message(client, login_as, mediator, settings):
    """The file left the server before the worker took the run (the daily purge, a worker that
    does not share IMPORT_TEMP_DIR): the run fails, says so, imports nothing."""
    settings.TASKS = DATABASE_QUEUE
    login_as(Role.ADMIN)
    url, token = upload(client, five_rows())
    services.delete_upload(token)
    assert services.execute_run(ImportRun.objects.get().pk) == ImportRun.State.FAILED
    assert "Le fichier déposé n&#x27;est plus sur le serveur : rien n&#x27;a été importé." in page_of(client, url)


def test_the_upload_page_leads_back_to_the_pending_files_dry_run(client, login_as, mediator):
    login_as(Role.ADMIN)
    url, _ = upload(client, five_rows())
    page = page_of(client, reverse("imports:upload", args=["fiches"]))
    assert f'attend votre confirmation. <a href="{url}">Revoir sa vérification</a>' in page
    assert ImportRun.objects.count() == 1


def test_the_imports_page_lists_the_runs_in_a_number_of_queries_that_does_not_grow(client, login_as, mediator):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    login_as(Role.ADMIN)
    upload(client, five_rows())
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("imports:list"))
    for _ in range(5):
        upload(client, five_rows())
    with CaptureQueriesContext(connection) as six:
        page = page_of(client, reverse("imports:list"))
    assert page.count("fiches.csv</a>") == 6
    assert len(six) == len(one)


def test_asked_by_its_polling_once_finished_the_page_reloads_for_the_result(client, login_as, mediator):
    login_as(Role.ADMIN)
    url, _ = upload(client, five_rows())
    response = client.get(url, headers=HTMX)
    assert response.status_code == 200 and response["HX-Refresh"] == "true"


def test_a_run_is_seen_by_the_person_who_started_it_only(client, login_as, mediator):
    """Another coordinator, an administrator: a 404. The imports page lists one's own runs only."""
    coordinator = login_as(Role.COORDINATOR, departments=[department("59")])
    url, _ = upload(client, five_rows())
    assert "fiches.csv" in page_of(client, reverse("imports:list"))
    for other in (Role.COORDINATOR, Role.ADMIN):
        login_as(other, departments=[department("59")]) if other == Role.COORDINATOR else login_as(other)
        assert client.get(url).status_code == 404
        assert client.get(url, headers=HTMX).status_code == 404
        assert "fiches.csv" not in page_of(client, reverse("imports:list"))
    login_as(Role.READER)
    assert client.get(url).status_code == 403
    client.force_login(coordinator)
    assert "Fichier valide" in page_of(client, url)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_worker_runs_the_queued_import_and_the_person_comes_back_to_its_result(client, settings):
    """With the production queue nothing runs in the request: the page says the import waits,
    the person leaves; one turn of the worker runs it; the imports page leads back to the result."""
    settings.TASKS = DATABASE_QUEUE
    post = PostFactory(code="P-59-001", structure=StructureFactory(name="Centre social Élan"))
    make_mediator(structure=post.structure, post=post, email="awa@exemple.fr")
    coordinator = make_user(Role.COORDINATOR, departments=[department("59")])
    from tests.conftest import enable_totp

    enable_totp(coordinator)
    client.force_login(coordinator)
    operations.beat(operations.WORKER)  # the worker lives, it has not taken the task yet

    url, token = upload(client, five_rows())
    waiting = page_of(client, url)
    assert "En attente de démarrage…" in waiting and "hx-get" in waiting
    assert "Vous pouvez quitter cette page" in waiting
    assert ImportRun.objects.get().state == ImportRun.State.QUEUED

    call_command("run_worker", "--once")
    listing = page_of(client, reverse("imports:list"))
    assert f'href="{url}"' in listing and "Fichier valide" in listing
    assert "Importer les 5 lignes" in page_of(client, url)

    done_url = confirm(client, token)
    assert not Sheet.objects.exists()
    call_command("run_worker", "--once")
    assert "5 lignes créées" in page_of(client, done_url)
    assert SheetRequest.objects.count() == 5
    assert stored_files(settings) == []
    # The second coordinator of the Nord does not see it.
    other = make_user(Role.COORDINATOR, departments=[department("59")])
    enable_totp(other)
    client.force_login(other)
    assert client.get(done_url).status_code == 404


def test_with_the_worker_down_the_page_says_the_import_waits_for_it(client, login_as, mediator, settings):
    settings.TASKS = DATABASE_QUEUE
    login_as(Role.ADMIN)
    url, token = upload(client, five_rows())
    page = page_of(client, url)
    assert "L'import attend le travailleur du serveur, qui ne répond pas pour le moment" in page
    assert ImportRun.objects.get().state == ImportRun.State.QUEUED
    assert stored_files(settings) == [token]  # the file waits with it
    assert "L'import attend le travailleur" in client.get(url, headers=HTMX).content.decode()


def test_a_running_import_whose_worker_went_silent_says_so(client, login_as, mediator, settings):
    settings.TASKS = DATABASE_QUEUE
    login_as(Role.ADMIN)
    url, _ = upload(client, five_rows())
    ImportRun.objects.update(state=ImportRun.State.RUNNING)  # taken, then the worker stopped beating
    assert "ne donne plus signe de vie pendant cet import" in page_of(client, url)
    operations.beat(operations.WORKER)
    page = page_of(client, url)
    assert "signe de vie" not in page and "Lecture du fichier…" in page


def test_the_daily_job_forgets_old_runs_and_stale_progress(client, login_as, mediator, settings):
    import datetime
    import os
    import time

    from django.utils import timezone

    login_as(Role.ADMIN)
    upload(client, five_rows())
    old, recent = ImportRun.objects.get(), ImportRun.objects.get()
    recent.pk = None
    recent.save()
    ImportRun.objects.filter(pk=old.pk).update(finished_at=timezone.now() - datetime.timedelta(days=31))
    stale = services.storage_dir() / "progress-999"
    stale.write_text("{}")
    long_ago = time.time() - services.STALE_AFTER.total_seconds() - 60
    os.utime(stale, (long_ago, long_ago))

    counts = operations.purge_abandoned_uploads()
    assert counts["imports_oublies"] == 1
    assert list(ImportRun.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not stale.exists()
