"""Every import kind shows its progress and runs in a number of queries that does not grow with
its rows (a reference file of 4 000 partners took six minutes row by row).

The dry run and the confirmed import of any kind run in the worker, whose progress their page
shows as for the historical sheets (test_import_runs.py); their work reads the file's references
and stored records in a few queries and writes by batches."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mediation.enums import Role
from mediation.imports import report as progress
from mediation.imports import services
from mediation.models import Commune, Post, Qpv, Structure
from partners.models import Partner
from tests.imports.conftest import csv_bytes, errors_of, run, upload
from tests.imports.test_import_runs import shown_progress  # noqa: F401 - the fixture
from tests.imports.test_posts_import import HEADERS as POST_HEADERS
from tests.imports.test_posts_import import row as post_row

pytestmark = pytest.mark.django_db

PARTNER_HEADERS = ["nom", "departement", "type", "categorie", "publics", "commune", "email"]
# kind: (headers, the n-th row, the model it writes, how many of them the fixtures hold)
KINDS = {
    "communes": (["code_insee", "nom", "departement"], lambda n: [f"{99600 + n}", f"Commune {n}", "59"], Commune, 3),
    "qpv": (
        ["code_qpv", "nom", "departement", "communes"],
        lambda n: [f"QN{n:06d}", f"Quartier {n}", "59", "59512 ; 59350"],
        Qpv,
        0,
    ),
    "structures": (["nom", "commune", "type"], lambda n: [f"Structure {n}", "59512", "CCAS"], Structure, 0),
    "partenaires": (
        PARTNER_HEADERS,
        lambda n: [f"Partenaire {n}", "59", "CAF", "Social", "Habitants ; Parents", "59512", f"accueil{n}@exemple.fr"],
        Partner,
        0,
    ),
    "postes": (POST_HEADERS, lambda n: post_row(f"P-59-{n:04d}"), Post, 0),
}


def rows_of(slug, count, start=0):
    headers, make, _, _ = KINDS[slug]
    return headers, [make(n) for n in range(start, start + count)]


@pytest.fixture
def small_thresholds(settings, tmp_path, monkeypatch):
    """An event every 2 rows."""
    settings.IMPORT_TEMP_DIR = str(tmp_path / "imports")
    monkeypatch.setattr(progress, "PROGRESS_EVERY", 2)


@pytest.mark.parametrize("slug", list(KINDS))
def test_every_kind_shows_its_progress_then_its_result(
    client,
    login_as,
    communes,
    small_thresholds,
    shown_progress,  # noqa: F811 - the fixture imported above
    slug,
):
    login_as(Role.ADMIN)
    headers, rows = rows_of(slug, 3)
    data = SimpleUploadedFile(f"{slug}.csv", csv_bytes(headers, rows), content_type="text/csv")
    response = client.post(reverse("imports:upload", args=[slug]), {"file": data})
    assert response.status_code == 302
    token = client.session[services.SESSION_KEY][slug]["token"]
    model = KINDS[slug][2]
    before = model.objects.count()  # the migrations' communes of Hauts-de-France included

    assert shown_progress == [
        "Lecture du fichier…",
        "Vérification des lignes : 0 / 3 lignes",
        "Vérification des lignes : 2 / 3 lignes",
        "Vérification des lignes : 3 / 3 lignes",
    ]
    page = client.get(response["Location"]).content.decode()
    assert f"<h1>Vérification de « {slug}.csv »</h1>" in page
    assert "Fichier valide" in page and "Importer les 3 lignes" in page
    assert model.objects.count() == before

    shown_progress.clear()
    response = client.post(reverse("imports:review", args=[slug]), {"token": token}, follow=True)
    assert [line for line in shown_progress if line.startswith("Enregistrement")] == [
        f"Enregistrement des lignes : {n} / 3 lignes" for n in (0, 2, 3)
    ]
    page = response.content.decode()
    assert "<h1>Import terminé</h1>" in page and "3 lignes créées" in page
    assert model.objects.count() == before + 3


def test_a_reference_import_with_a_bad_row_in_a_later_chunk_names_it_and_writes_nothing(
    client, login_as, communes, small_thresholds
):
    login_as(Role.ADMIN)
    headers, rows = rows_of("partenaires", 5)
    rows[4][1] = "99"  # the sixth row of the file, in the third chunk
    data = SimpleUploadedFile("partenaires.csv", csv_bytes(headers, rows), content_type="text/csv")
    client.post(reverse("imports:upload", args=["partenaires"]), {"file": data})
    token = client.session[services.SESSION_KEY]["partenaires"]["token"]
    page = client.post(reverse("imports:review", args=["partenaires"]), {"token": token}, follow=True)
    page = page.content.decode()
    assert "Rien n&#x27;a été importé" in page
    assert "<td>6</td>" in page and "Département inconnu : « 99 »." in page
    assert not Partner.objects.exists()


def queries_of(slug, count, *, start, user, dry_run):
    headers, rows = rows_of(slug, count, start)
    data = upload(headers, rows)
    with CaptureQueriesContext(connection) as queries:
        report = run(slug, data, user=user, dry_run=dry_run)
    assert errors_of(report) == [] and report.created == count
    return len(queries)


@pytest.mark.parametrize("slug", list(KINDS))
@pytest.mark.parametrize("dry_run", [True, False], ids=["dry-run", "import"])
def test_the_queries_do_not_grow_with_the_rows(admin, communes, slug, dry_run):
    """10 rows and 100 rows: the same queries (the posts register's holders aside, whose
    accounts are created one by one: see PostResource)."""
    few = queries_of(slug, 10, start=0, user=admin, dry_run=dry_run)
    many = queries_of(slug, 100, start=100, user=admin, dry_run=dry_run)
    assert many <= few + 2, (few, many)


def test_unchanged_partners_are_compared_without_a_query_each(admin, communes):
    headers, rows = rows_of("partenaires", 100)
    assert errors_of(run("partenaires", upload(headers, rows), user=admin)) == []
    small = upload(headers, rows[:10])
    with CaptureQueriesContext(connection) as few:
        assert run("partenaires", small, user=admin, dry_run=True).unchanged == 10
    with CaptureQueriesContext(connection) as many:
        report = run("partenaires", upload(headers, rows), user=admin, dry_run=True)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 100)
    assert len(many) <= len(few) + 2


def test_the_dry_run_of_a_posts_register_with_new_holders_does_not_grow_with_them(admin, communes):
    """The dry run counts the holders' accounts and holdings; the import writes them one by one."""

    def register(count, start):
        rows = [post_row(f"P-59-{n:04d}", email=f"titulaire{n}@exemple.fr") for n in range(start, start + count)]
        return upload(POST_HEADERS, rows)

    with CaptureQueriesContext(connection) as few:
        run("postes", register(10, 0), user=admin, dry_run=True)
    with CaptureQueriesContext(connection) as many:
        report = run("postes", register(100, 100), user=admin, dry_run=True)
    assert errors_of(report) == [] and report.created == 100
    assert "100 compte(s) de titulaire à créer, inactif(s) et non invité(s)" in report.notes
    assert "100 titulaire(s) à rattacher à leur poste" in report.notes
    assert len(many) <= len(few) + 2, (len(few), len(many))
    # Two posts of one new holder: one account to create.
    shared = [post_row("P-59-0900", email="awa@exemple.fr"), post_row("P-59-0901", email="awa@exemple.fr")]
    report = run("postes", upload(POST_HEADERS, shared), user=admin, dry_run=True)
    assert "1 compte(s) de titulaire à créer, inactif(s) et non invité(s)" in report.notes
    assert "2 titulaire(s) à rattacher à leur poste" in report.notes
