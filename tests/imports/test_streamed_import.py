"""A long import shows its progress: from IMPORT_PROGRESS_FROM_ROWS rows, the dry run and the
confirmed import of historical sheets answer with a page streamed while they run (progress lines,
then the same result as the review and done pages). Below the threshold nothing changes; the
other kinds stream alike (test_hardening_imports.py). All or nothing holds: a failure, or a page
closed midway, imports nothing."""

import re

import pytest
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError
from django.urls import reverse

from accompaniments import imports as sheets
from accompaniments.models import Beneficiary, Sheet, SheetRequest
from mediation import import_views
from mediation.enums import Role
from mediation.imports import formats, services
from mediation.imports import report as progress
from tests.factories import PostFactory, StructureFactory, make_mediator
from tests.imports.conftest import csv_bytes, sheet_bytes
from tests.imports.test_sheets_import import HEADERS, row

pytestmark = pytest.mark.django_db

PROGRESS = re.compile(r'<p class="fr-mb-0"[^>]*><progress[^>]*></progress> ([^<]*)</p>')


@pytest.fixture(autouse=True)
def _small_thresholds(settings, tmp_path, monkeypatch):
    """Files of 3 rows or more show their progress, an event every 2 rows (writes by 2 rows)."""
    settings.IMPORT_TEMP_DIR = str(tmp_path / "imports")
    settings.IMPORT_PROGRESS_FROM_ROWS = 3
    monkeypatch.setattr(progress, "PROGRESS_EVERY", 2)


@pytest.fixture
def mediator(db):
    post = PostFactory(code="P-59-001", structure=StructureFactory(name="Centre social Élan"))
    return make_mediator(structure=post.structure, post=post, email="awa@exemple.fr")


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
    data = SimpleUploadedFile(name, csv_bytes(HEADERS, rows), content_type="text/csv")
    response = client.post(reverse("imports:upload", args=["fiches"]), {"file": data})
    assert response.status_code == 302
    return client.session[services.SESSION_KEY]["fiches"]["token"]


def stored_files(settings):
    from pathlib import Path

    directory = Path(settings.IMPORT_TEMP_DIR)
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


def streamed(response):
    assert response.status_code == 200 and response.streaming
    assert response["X-Accel-Buffering"] == "no"
    chunks = [chunk.decode() for chunk in response.streaming_content]
    return chunks, "".join(chunks)


def test_a_long_dry_run_streams_its_progress_then_the_review(client, login_as, mediator):
    login_as(Role.ADMIN)
    upload(client, five_rows())
    chunks, page = streamed(client.get(reverse("imports:review", args=["fiches"])))

    # The layout and the title first, alone; then one progress line a chunk; then the result.
    assert "<h1>Vérification de « fiches.csv »</h1>" in chunks[0] and "Fichier valide" not in chunks[0]
    assert chunks[0].rstrip().endswith('role="status" aria-atomic="false">')
    assert PROGRESS.findall(page) == [
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
    assert all(PROGRESS.fullmatch(chunk.strip()) for chunk in chunks[1:10])
    # Screen readers hear the first line of each stage; the other lines are hidden from them.
    assert page.count('<p class="fr-mb-0">') == 3
    assert chunks[10].startswith('<p class="fr-sr-only">Vérification terminée.</p></div>')
    # The same review as the page of a short file.
    result = chunks[10]
    assert "Fichier valide" in result
    assert '<p class="fr-h3 fr-mb-0">5</p><p class="fr-text--sm fr-mb-0">lignes à créer</p>' in result
    assert "3 personne(s) à créer" in result and "4 fiche(s) à créer" in result
    assert "Importer les 5 lignes" in result and 'name="csrfmiddlewaretoken"' in result
    assert "Sa progression s'affichera sur la page" in result
    assert page.rstrip().endswith("</html>")
    assert not Sheet.objects.exists() and not Beneficiary.objects.exists()
    assert "fiches" in client.session[services.SESSION_KEY]


def test_a_long_dry_run_streams_every_error_with_its_row_and_column(client, login_as, mediator):
    login_as(Role.ADMIN)
    upload(client, five_rows(date_fiche="31/02/2024"))
    _, page = streamed(client.get(reverse("imports:review", args=["fiches"])))
    assert "Lecture des lignes : 5 / 5 lignes" in page
    assert "Vérification des personnes" not in page  # not checked against stored data: errors first
    assert "1 erreur : rien ne sera importé" in page
    assert "<td>2</td>" in page and "<code>date_fiche</code>" in page
    assert "Annuler et supprimer le fichier" in page and "Importer les" not in page


def test_a_confirmed_long_import_writes_every_row_and_shows_the_summary(client, login_as, mediator, settings):
    admin = login_as(Role.ADMIN)
    token = upload(client, five_rows())
    response = client.post(reverse("imports:review", args=["fiches"]), {"token": token})
    # The file left the session before the stream began (the session is saved with the headers).
    assert "fiches" not in client.session[services.SESSION_KEY]
    chunks, page = streamed(response)

    assert "<h1>Import de « fiches.csv »</h1>" in chunks[0]
    saving = [line for line in PROGRESS.findall(page) if line.startswith("Enregistrement")]
    assert saving == [f"Enregistrement : {n} / 5 lignes" for n in (0, 2, 4, 5)]
    assert '<p class="fr-sr-only">Import terminé.</p>' in page
    assert "Fiches d&#x27;accompagnement historiques : 5 lignes traitées" in page
    assert "5 lignes créées" in page and "3 personne(s) créée(s)" in page
    assert "Le fichier déposé a été supprimé du serveur." in page
    assert page.rstrip().endswith("</html>")

    assert Beneficiary.objects.count() == 3
    assert Sheet.objects.count() == 4 and SheetRequest.objects.count() == 5
    assert Sheet.objects.filter(beneficiary__external_id="A-1").count() == 2
    assert stored_files(settings) == []
    assert import_views.DONE_KEY not in client.session  # the summary was in the page: no done page
    # Audited with the importer as author and the request's address, though written after the view.
    entries = LogEntry.objects.filter(action=LogEntry.Action.CREATE)
    assert entries.count() == 3 + 4 + 5
    assert set(entries.values_list("actor_id", "remote_addr")) == {(admin.pk, "127.0.0.1")}
    # Sent again (a second click, a reload), the confirmation finds no file: nothing twice.
    again = client.post(reverse("imports:review", args=["fiches"]), {"token": token})
    assert again.status_code == 302 and again["Location"] == reverse("imports:upload", args=["fiches"])
    assert SheetRequest.objects.count() == 5


def test_a_long_import_with_a_bad_row_writes_nothing_and_names_it(client, login_as, mediator, settings):
    login_as(Role.ADMIN)
    rows = five_rows()
    rows[3] = row("C-3", date="10/05/2024", etat="perdue", date_cloture="11/06/2024")
    token = upload(client, rows)
    _, page = streamed(client.post(reverse("imports:review", args=["fiches"]), {"token": token}))
    assert '<p class="fr-sr-only">Rien n&#x27;a été importé.</p>' in page
    assert "1 erreur : rien n'a été importé" in page
    assert "<td>5</td>" in page and "<code>etat</code>" in page
    assert "Déposer le fichier corrigé" in page
    assert "Annuler et supprimer le fichier" not in page  # the file is already gone
    assert not Beneficiary.objects.exists() and not Sheet.objects.exists()
    assert stored_files(settings) == []
    assert "fiches" not in client.session[services.SESSION_KEY]


def test_a_database_failure_after_some_chunks_undoes_them_all(client, login_as, mediator, monkeypatch):
    """The writes go by chunks, all in one transaction: a failure at the third chunk leaves
    nothing of the first two, and the page says so instead of breaking off."""
    login_as(Role.ADMIN)
    token = upload(client, five_rows())
    written = []
    original = sheets.SheetImport._write_chunk

    def failing(self, people, chunk):
        if len(written) == 2:
            raise DatabaseError("disk full")
        original(self, people, chunk)
        written.append(len(chunk))
        assert Sheet.objects.exists()

    monkeypatch.setattr(sheets.SheetImport, "_write_chunk", failing)
    _, page = streamed(client.post(reverse("imports:review", args=["fiches"]), {"token": token}))
    assert written == [1, 2]  # chunks of two rows: the first sheet (rows 2 and 3), then two sheets
    assert "L&#x27;import a rencontré une erreur inattendue : rien n&#x27;a été importé." in page
    assert "<td>Fichier</td>" in page
    assert not Beneficiary.objects.exists() and not Sheet.objects.exists() and not LogEntry.objects.exists()


def test_an_unexpected_error_midway_ends_the_page_with_a_message(client, login_as, mediator, monkeypatch):
    login_as(Role.ADMIN)
    token = upload(client, five_rows())

    def broken(self, people, chunk):
        raise RuntimeError("bug")

    monkeypatch.setattr(sheets.SheetImport, "_write_chunk", broken)
    _, page = streamed(client.post(reverse("imports:review", args=["fiches"]), {"token": token}))
    assert "erreur inattendue" in page and page.rstrip().endswith("</html>")
    assert not Beneficiary.objects.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_closing_the_page_midway_imports_nothing(client, login_as, mediator, settings):
    """The browser goes away while rows are being written: the server closes the stream, the
    transaction is rolled back, the file deleted. (A real transaction, not the test's savepoint.)"""
    login_as(Role.ADMIN)
    token = upload(client, five_rows())
    response = client.post(reverse("imports:review", args=["fiches"]), {"token": token})
    for chunk in response.streaming_content:
        if b"Enregistrement : 2 / 5" in chunk:
            break
    assert Sheet.objects.exists()  # the first chunk is written, not committed
    response.close()  # what the server does when it cannot send a chunk
    assert not Beneficiary.objects.exists() and not Sheet.objects.exists() and not LogEntry.objects.exists()
    assert stored_files(settings) == []


def test_below_the_threshold_the_import_redirects_as_before(client, login_as, mediator, settings):
    settings.IMPORT_PROGRESS_FROM_ROWS = 6  # the file has 5 rows
    login_as(Role.ADMIN)
    token = upload(client, five_rows())
    review = client.get(reverse("imports:review", args=["fiches"]))
    assert not review.streaming
    content = review.content.decode()
    assert "Fichier valide" in content and "Lecture des lignes" not in content
    assert "progression" not in content
    done = client.post(reverse("imports:review", args=["fiches"]), {"token": token})
    assert done.status_code == 302 and done["Location"] == reverse("imports:done", args=["fiches"])
    assert SheetRequest.objects.count() == 5 and stored_files(settings) == []
    assert "5 lignes créées" in client.get(done["Location"]).content.decode()


def test_a_reference_import_below_the_threshold_does_not_stream(client, login_as, settings):
    """The posts register, as every kind, streams only from IMPORT_PROGRESS_FROM_ROWS rows."""
    from tests.imports.test_posts_import import HEADERS as POST_HEADERS
    from tests.imports.test_posts_import import row as post_row

    login_as(Role.ADMIN)
    data = SimpleUploadedFile("registre.csv", csv_bytes(POST_HEADERS, [post_row("P-1"), post_row("P-2")]))
    client.post(reverse("imports:upload", args=["postes"]), {"file": data})
    assert not client.get(reverse("imports:review", args=["postes"])).streaming


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "ods"])
def test_the_rows_are_estimated_without_parsing_the_file(fmt):
    rows = five_rows()
    content = csv_bytes(HEADERS, rows) if fmt == "csv" else sheet_bytes(HEADERS, rows, fmt)
    upload = formats.check_upload(f"fiches.{fmt}", content)
    assert formats.estimated_rows(upload) == 5
