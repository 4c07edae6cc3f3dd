"""Importing past years' bilans: a dry run that names every error's row and column, all or
nothing, and a second import of the same file that changes nothing."""

import base64
import io
import re
from pathlib import Path

import pytest
import tablib
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import resolve, reverse, reverse_lazy

from mediation.enums import PostType, Role
from reporting import history_import
from reporting.enums import BilanState, FigureKey
from reporting.history_import import COLUMNS, ImportFileError, read_rows, run
from reporting.models import AnnualBilan, BilanEvent, BilanFigure, Campaign
from tests.conftest import enable_totp
from tests.factories import department, hauts_de_france, make_user

from .campaign_factories import YEAR, D, mediator_on, post_in

pytestmark = pytest.mark.django_db

PAST = YEAR - 1
DOCS_TEMPLATE = Path(__file__).resolve().parents[2] / "docs" / "modele-import-bilans-historiques.csv"


def row(**values):
    base = {
        "annee": str(PAST),
        "departement": "59",
        "type_poste": "QPV",
        "identifiant": "A1",
        "exploitable": "oui",
        "personnes": "120",
        "personnes_qpv": "80",
        "actions_public": "5",
        "partenariat_cpam": "Oui",
        "projet_professionnel": "en reflexion",
        "themes": "nutrition (alimentation, activité physique); CANCER / DEPISTAGES",
        "freins": "mobilite",
    }
    base.update(values)
    return base


def csv_file(*rows, columns=COLUMNS, delimiter=";"):
    dataset = tablib.Dataset(headers=list(columns))
    for values in rows:
        dataset.append([values.get(column, "") for column in columns])
    return dataset.export("csv", delimiter=delimiter).encode("utf-8")


def import_(content, name="bilans.csv", dry_run=False, year=PAST, allowed=None, by=None):
    by = by or make_user(Role.COORDINATOR, region=hauts_de_france())
    allowed = allowed if allowed is not None else {d.pk for d in hauts_de_france().departments.all()}
    return run(name, content, year=year, by=by, allowed_department_ids=allowed, dry_run=dry_run)


def test_a_valid_file_imports_validated_bilans_in_an_imported_campaign():
    post = post_in("59", code="HDF-59-77")
    mediator = mediator_on(post, email="ancienne@exemple.fr")
    content = csv_file(
        row(),
        row(identifiant="", code_poste="hdf-59-77", type_poste="", exploitable="non", personnes="10", personnes_qpv=""),
        row(identifiant="", email_mediateur="Ancienne@Exemple.fr", departement="80", type_poste="rural"),
    )
    report = import_(content)
    assert report.ok, report.errors
    assert report.created == 3

    campaign = Campaign.objects.get()
    assert campaign.imported and campaign.year == PAST
    assert set(campaign.departments.values_list("code", flat=True)) == {"59", "80"}
    first = AnnualBilan.objects.get(import_key=f"{PAST}:59:ligne:A1")
    assert first.state == BilanState.VALIDATED and first.usable
    assert first.figures.get(key=FigureKey.PEOPLE_TOTAL).declared == 120
    assert first.figures.get(key=FigureKey.PEOPLE_TOTAL).value == 120
    assert first.figures.get(key=FigureKey.PEOPLE_RIGHTS).value is None
    assert first.cpam_partnership is True
    assert first.professional_project.code == "emerging"
    assert sorted(t.code for t in first.themes.all()) == ["cancer_depistages", "nutrition"]
    assert [b.code for b in first.barriers.all()] == ["mobilite"]
    by_post = AnnualBilan.objects.get(post=post)
    assert (by_post.post_type, by_post.usable) == (PostType.QPV, False)
    assert AnnualBilan.objects.get(department__code="80").mediator == mediator
    assert BilanEvent.objects.filter(action="validated").count() == 3


def test_the_dry_run_names_the_row_column_and_reason_of_each_error_and_writes_nothing():
    content = csv_file(
        row(),
        row(identifiant="B2", personnes="-4"),
        row(identifiant="B3", departement="99", exploitable="peut-être"),
        row(identifiant="B4", themes="Nutrition; Jardinage"),
        row(identifiant="B5", personnes="10", personnes_qpv="12"),
        row(identifiant="B6", annee=str(PAST - 1), code_poste="INCONNU"),
        row(identifiant="B7", personnes="1e9", partenariat_cpam="bof"),
        row(identifiant="A1"),  # same key as row 2
        row(identifiant="", type_poste=""),
    )
    report = import_(content, dry_run=True)
    found = {(e.line, e.column) for e in report.errors}
    assert found >= {
        (3, "personnes"),
        (4, "departement"),
        (4, "exploitable"),
        (5, "themes"),
        (6, "personnes_qpv"),
        (7, "annee"),
        (7, "code_poste"),
        (8, "personnes"),
        (8, "partenariat_cpam"),
        (9, "identifiant"),
        (10, "type_poste"),
        (10, "identifiant"),
    }
    messages = {(e.line, e.column): e.message for e in report.errors}
    assert "Jardinage" in messages[(5, "themes")]
    assert "dépasse le total" in messages[(6, "personnes_qpv")]
    assert "Même bilan que la ligne 2" in messages[(9, "identifiant")]
    assert not AnnualBilan.objects.exists() and not Campaign.objects.exists()


def test_one_bad_row_imports_nothing():
    report = import_(csv_file(row(), row(identifiant="B2", personnes="beaucoup")))
    assert not report.ok
    assert report.created == 0
    assert not AnnualBilan.objects.exists() and not Campaign.objects.exists()


def test_importing_the_same_file_twice_changes_nothing():
    content = csv_file(row(), row(identifiant="B2"))
    assert import_(content).created == 2
    snapshot = list(AnnualBilan.objects.values_list("pk", "import_key", "version"))
    figures = BilanFigure.objects.count()

    again = import_(content)
    assert again.ok and again.created == 0
    assert [line for line, _key in again.already_imported] == [2, 3]
    assert list(AnnualBilan.objects.values_list("pk", "import_key", "version")) == snapshot
    assert BilanFigure.objects.count() == figures
    assert Campaign.objects.count() == 1


def test_a_later_file_of_the_same_year_joins_the_imported_campaign():
    import_(csv_file(row()))
    import_(csv_file(row(identifiant="B2"), row(identifiant="C1", departement="80")))
    campaign = Campaign.objects.get(departments__code="59")
    assert campaign.bilans.count() == 2
    assert Campaign.objects.filter(imported=True).count() == 2  # the Somme got its own
    assert AnnualBilan.objects.count() == 3


def test_history_cannot_overlap_a_campaign_of_the_application():
    mediator_on(post_in("59"))
    Campaign.objects.create(year=PAST, deadline=D(2100, 1, 1), opened_by=make_user(Role.COORDINATOR)).departments.set(
        [department("59")]
    )
    report = import_(csv_file(row()))
    assert [(e.line, e.column) for e in report.errors] == [(2, "departement")]


def test_departments_outside_the_coordinators_scope_are_refused():
    report = import_(csv_file(row(departement="80")), allowed={department("59").pk})
    assert [(e.line, e.column) for e in report.errors] == [(2, "departement")]
    assert "pas dans votre périmètre" in report.errors[0].message


def test_headers_are_checked_first():
    content = csv_file(row(), columns=["annee", "departement", "identifiant", "colonne_en_trop", "personnes"])
    report = import_(content, dry_run=True)
    assert {(e.line, e.column) for e in report.errors} == {(1, "colonne_en_trop"), (1, "exploitable")}


def test_english_keys_accented_headers_and_comma_separated_files_are_read():
    content = "Année,Département,Type poste,identifiant,exploitable,people_total\n2023,59,rural,Z1,Oui,42\n"
    content = content.encode("cp1252")
    report = import_(content)
    assert report.ok, report.errors
    assert AnnualBilan.objects.get().figures.get(key=FigureKey.PEOPLE_TOTAL).declared == 42


def test_an_excel_file_is_read():
    dataset = tablib.Dataset(headers=COLUMNS)
    values = row()
    dataset.append([int(values[c]) if values.get(c, "").isdigit() else values.get(c, "") for c in COLUMNS])
    report = import_(dataset.export("xlsx"), name="bilans.xlsx")
    assert report.ok, report.errors
    assert AnnualBilan.objects.get().figures.get(key=FigureKey.PEOPLE_TOTAL).declared == 120


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bilans.pdf", b"%PDF-1.4", "CSV, XLSX ou ODS"),
        ("bilans.xlsx", b"pas un classeur", "n'est pas un classeur Excel"),
        ("bilans.xlsx", b"PK\x03\x04abime", "endommagé ou illisible"),
        ("bilans.csv", b"", "vide"),
        ("bilans.csv", b"\x00\x01\x02" * 10, "pas un texte CSV"),
        ("bilans.csv", b"a;b\n" + b"1;2\n" * (settings.IMPORT_MAX_ROWS + 1), "nombre maximal de lignes"),
        ("bilans.csv", b"x" * (settings.IMPORT_MAX_BYTES + 1), "taille maximale"),
    ],
)
def test_files_that_are_not_spreadsheets_are_refused_clearly(name, content, message):
    with pytest.raises(ImportFileError, match=re.escape(message)):
        read_rows(name, content)


def test_an_unquoted_list_in_a_csv_names_its_line():
    content = (
        "annee;departement;identifiant;exploitable;themes\n2023;59;A;oui;Nutrition\n2023;59;B;oui;Nutrition; Hygiène\n"
    )
    with pytest.raises(ImportFileError, match="Ligne 3 : 6 cellules pour 5 colonnes"):
        read_rows("bilans.csv", content.encode())


def test_random_bytes_are_refused_or_read_never_a_crash():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    @settings(max_examples=80, deadline=None)
    @given(st.binary(max_size=300), st.sampled_from(["f.csv", "f.xlsx"]))
    def check(content, name):
        try:
            read_rows(name, content)
        except ImportFileError:
            pass

    check()


def test_the_template_in_the_docs_matches_the_expected_columns():
    headers, rows = read_rows(DOCS_TEMPLATE.name, DOCS_TEMPLATE.read_bytes())
    assert headers == COLUMNS
    assert len(rows) == 1
    report = import_(DOCS_TEMPLATE.read_bytes(), name=DOCS_TEMPLATE.name, dry_run=True, year=2023)
    assert [e.column for e in report.errors] == ["code_poste"]  # the example's post is the demo's


def test_random_cells_never_break_the_checks():
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    allowed = {department("59").pk}

    @settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(st.text(max_size=20), min_size=len(COLUMNS), max_size=len(COLUMNS)))
    def check(cells):
        history_import.check(COLUMNS, [cells], year=PAST, allowed_department_ids=allowed)

    check()


# ---------------------------------------------------------------- the command and the page


def test_the_command_dry_runs_then_imports(tmp_path):
    make_user(Role.COORDINATOR, region=hauts_de_france(), email="coordination@exemple.fr")
    path = tmp_path / "bilans.csv"
    path.write_bytes(csv_file(row()))
    out = io.StringIO()
    call_command("import_bilans_history", str(path), year=PAST, by="coordination@exemple.fr", dry_run=True, stdout=out)
    assert "1 bilan(s) à importer" in out.getvalue()
    assert not AnnualBilan.objects.exists()
    call_command("import_bilans_history", str(path), year=PAST, by="coordination@exemple.fr", stdout=out)
    assert AnnualBilan.objects.count() == 1

    path.write_bytes(csv_file(row(identifiant="B2", personnes="x")))
    err = io.StringIO()
    with pytest.raises(CommandError, match="rien n'a été importé"):
        call_command("import_bilans_history", str(path), year=PAST, by="coordination@exemple.fr", stderr=err)
    assert "Ligne 2, colonne « personnes »" in err.getvalue()


@pytest.fixture
def coordination_client(client, settings, tmp_path):
    settings.IMPORT_TEMP_DIR = str(tmp_path / "imports")
    coordinator = make_user(Role.COORDINATOR, region=hauts_de_france())
    enable_totp(coordinator)
    client.force_login(coordinator)
    return client


UPLOAD = reverse_lazy("imports:upload", kwargs={"kind": "bilans-historiques"})
REVIEW = reverse_lazy("imports:review", kwargs={"kind": "bilans-historiques"})


def test_the_page_shows_the_dry_run_then_imports_on_confirmation(coordination_client):
    client = coordination_client
    assert client.get(reverse("campaigns:history_import")).url == UPLOAD
    upload = SimpleUploadedFile("bilans.csv", csv_file(row(), row(identifiant="B2", personnes="-1")))
    assert resolve(client.post(UPLOAD, {"year": PAST, "file": upload}).url).url_name == "run"  # the dry run's page
    response = client.get(REVIEW, follow=True)
    page = response.content.decode()
    assert "1 erreur : rien ne sera importé" in page
    assert [(e.line, e.column) for e in response.context["errors"]] == [(3, "personnes")]
    assert "Importer les" not in page

    upload = SimpleUploadedFile("bilans.csv", csv_file(row(), row(identifiant="B2")))
    client.post(UPLOAD, {"year": PAST, "file": upload})
    response = client.get(REVIEW, follow=True)
    page = response.content.decode()
    assert "Fichier valide" in page and f"2 bilan(s) {PAST} à importer" in page
    assert not AnnualBilan.objects.exists()
    token = response.context["form"]["token"].value()

    assert client.post(REVIEW, {"token": "autre" * 8}).status_code == 302
    assert not AnnualBilan.objects.exists()
    response = client.post(REVIEW, {"token": token}, follow=True)
    assert f"2 bilan(s) {PAST} importé(s)" in response.content.decode()
    assert AnnualBilan.objects.count() == 2
    # The kept file is spent: confirming again imports nothing more.
    client.post(REVIEW, {"token": token})
    assert AnnualBilan.objects.count() == 2


def test_after_the_dry_run_nothing_of_the_file_is_in_the_session_table(coordination_client):
    content = csv_file(row(identifiant="MARQUEUR-DU-FICHIER-42"))
    coordination_client.post(UPLOAD, {"year": PAST, "file": SimpleUploadedFile("bilans.csv", content)})
    assert "Fichier valide" in coordination_client.get(REVIEW, follow=True).content.decode()
    stored = [session.session_data for session in Session.objects.all()]
    decoded = " ".join(str(session.get_decoded()) for session in Session.objects.all())
    assert stored
    assert "MARQUEUR-DU-FICHIER-42" not in decoded
    assert base64.b64encode(content)[:24].decode() not in decoded + " ".join(stored)


def test_the_page_refuses_a_file_that_is_not_a_spreadsheet(coordination_client):
    client = coordination_client
    upload = SimpleUploadedFile("bilans.exe", b"MZ\x90\x00")
    page = client.post(UPLOAD, {"year": PAST, "file": upload}).content.decode()
    assert "CSV, XLSX ou ODS" in page
    response = client.post(UPLOAD, {"year": "abc"})
    assert "Saisissez une année" in response.content.decode()
    assert (
        "Aucun fichier n&#x27;a été soumis" in response.content.decode() or "obligatoire" in response.content.decode()
    )


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_template_downloads(client, fmt):
    coordinator = make_user(Role.COORDINATOR, region=hauts_de_france())
    enable_totp(coordinator)
    client.force_login(coordinator)
    response = client.get(reverse("campaigns:history_template", kwargs={"fmt": fmt}))
    assert response.status_code == 200
    headers, _rows = read_rows(f"modele.{fmt}", response.content)
    assert headers == COLUMNS
