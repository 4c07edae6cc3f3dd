"""The QPV population is a figure of a year per department (docs/qpv.md): imported or typed in the
administration, and the posts register of year N shows year N's figure (or else the latest one
before N, with its year), on the page, in the PDF, the JSON and the spreadsheets."""

import datetime
import html
import io

import pytest
import tablib
from django.urls import reverse
from pypdf import PdfReader

from mediation.enums import Role
from mediation.imports import services
from mediation.models import Department, FormerCommuneCode, QpvPopulation
from reporting.queries import posts_register
from tests.factories import CommuneFactory, department, hauts_de_france, make_user
from tests.imports.conftest import errors_of, upload

pytestmark = pytest.mark.django_db

HEADERS = ["departement", "annee", "population"]
KIND = "population-qpv"


def run(rows, *, user, dry_run=False, headers=HEADERS):
    return services.run(services.KINDS[KIND], upload(headers, rows), user=user, dry_run=dry_run)


def register_of(year, *codes):
    departments = Department.objects.filter(code__in=codes or ["02", "59", "60", "62", "80"])
    return posts_register(departments=departments, day=datetime.date(year, 12, 31))


def figures(code):
    return dict(QpvPopulation.objects.filter(department__code=code).values_list("year", "population"))


@pytest.fixture
def admin():
    return make_user(Role.ADMIN)


@pytest.fixture
def coordinator():
    """A coordinator of the Nord (59) only."""
    return make_user(Role.COORDINATOR, departments=[department("59")])


@pytest.fixture
def two_years(admin):
    """The Nord's figures of 2023 (former QPV) and of 2024 (the new geography)."""
    report = run([["59", "2023", "400001"], ["59", "2024", "380002"]], user=admin)
    assert report.applied and report.created == 2
    return report


def test_the_seeded_figures_are_those_of_the_2015_geography():
    assert figures("59") == {2015: 426598}
    assert figures("80") == {2015: 34900}


def test_the_register_of_2023_and_of_2024_show_each_year_s_figure(two_years):
    nord_2023 = register_of(2023, "59").rows[0]
    nord_2024 = register_of(2024, "59").rows[0]
    assert (nord_2023.qpv_population, nord_2023.qpv_year) == (400001, 2023)
    assert (nord_2024.qpv_population, nord_2024.qpv_year) == (380002, 2024)
    assert register_of(2022, "59").rows[0].qpv_population == 426598  # the 2015 figure, until 2023's
    assert register_of(2024).total.qpv_population == 380002 + 37067 + 74339 + 173891 + 34900


def test_the_register_query_stays_one_query_with_the_figures(two_years, django_assert_num_queries):
    with django_assert_num_queries(1):
        register_of(2024)


def test_a_year_without_figure_shows_the_latest_one_before_it_with_its_year(two_years):
    register = register_of(2025, "59", "80")
    nord, somme = register.rows
    assert (nord.qpv_population, nord.qpv_year) == (380002, 2024)
    assert (somme.qpv_population, somme.qpv_year) == (34900, 2015)
    notes = " ".join(register.qpv_notes)
    assert "(2015, 2024)" in notes
    assert "d'avant la nouvelle géographie prioritaire du 1er janvier 2024" in notes
    assert register_of(2024, "59").qpv_notes == ()  # every figure is of the year: nothing to say


def test_a_department_without_figure_shows_a_dash_and_a_note_not_zero(client, login_as):
    QpvPopulation.objects.filter(department__code="80").delete()
    register = register_of(2024, "59", "80")
    nord, somme = register.rows
    assert somme.qpv_population is None
    assert register.total.qpv_population == nord.qpv_population  # the total counts the known figures
    assert "« — » : aucune population des QPV" in " ".join(register.qpv_notes)

    login_as(Role.READER, region=hauts_de_france())
    page = html.unescape(
        client.get(reverse("reporting:dashboard") + "?annee=2024&perimetre=departement:80").content.decode()
    )
    row = page[page.index("Somme (80)") :]
    assert row.split("<td")[1].startswith(' class="fr-cell--right app-figure">—')
    assert "aucune population des QPV n'est donnée pour ce département en 2024 ni avant" in page
    QpvPopulation.objects.all().delete()
    assert register_of(2024).total.qpv_population is None


def test_the_dashboard_pdf_json_and_workbook_show_year_n_s_figure(client, login_as, two_years):
    login_as(Role.READER, region=hauts_de_france())
    for year, figure, other in ((2023, 400001, 380002), (2024, 380002, 400001)):
        params = f"?annee={year}&perimetre=departement:59"
        page = client.get(reverse("reporting:dashboard") + params).content.decode()
        assert str(figure) in page and str(other) not in page
        document = client.get(reverse("reporting:bilan_json") + params).json()
        assert document["register"]["rows"][0]["qpv_population"] == figure
        assert document["register"]["rows"][0]["qpv_year"] == year
        pdf = client.get(reverse("reporting:bilan_pdf") + params).content
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
        assert str(figure) in text and str(other) not in text
        book = client.get(reverse("reporting:table_download", args=["register", "xlsx"]) + params).content
        sheet = tablib.Dataset().load(book, format="xlsx")
        nord = next(row for row in sheet if row[0] == "Nord (59)")
        assert (nord[1], nord[2]) == (figure, year)


def test_the_page_marks_a_figure_of_an_earlier_year(client, login_as):
    login_as(Role.READER, region=hauts_de_france())
    page = html.unescape(
        client.get(reverse("reporting:dashboard") + "?annee=2024&perimetre=departement:59").content.decode()
    )
    assert '426598 <span class="fr-text--xs">(2015)</span>' in page
    assert "d'avant la nouvelle géographie prioritaire du 1er janvier 2024" in page


# ---------------------------------------------------------------- the import


def test_the_dry_run_writes_nothing_and_the_import_everything(admin):
    rows = [["59", "2024", "380 002"], ["80", "2024", "30000"], ["59", "2015", "426598"]]
    dry = run(rows, user=admin, dry_run=True)
    assert errors_of(dry) == []
    assert (dry.created, dry.updated, dry.unchanged, dry.applied) == (2, 0, 1, False)
    assert figures("59") == {2015: 426598}
    done = run(rows, user=admin)
    assert done.applied and (done.created, done.updated, done.unchanged) == (2, 0, 1)
    assert figures("59") == {2015: 426598, 2024: 380002}
    assert figures("80") == {2015: 34900, 2024: 30000}


def test_the_same_file_twice_changes_nothing_and_a_new_figure_replaces_the_old(admin, two_years):
    again = run([["59", "2023", "400001"], ["59", "2024", "380002"]], user=admin)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    corrected = run([["59", "2024", "380500"]], user=admin)
    assert (corrected.created, corrected.updated) == (0, 1)
    assert figures("59") == {2015: 426598, 2023: 400001, 2024: 380500}


def test_a_coordinator_gives_the_figures_of_her_departments_only(coordinator):
    report = run([["59", "2024", "380002"], ["80", "2024", "30000"]], user=coordinator)
    assert not report.applied
    assert errors_of(report) == [(3, "departement", "Ce département n'est pas dans votre périmètre.")]
    assert figures("59") == {2015: 426598} and figures("80") == {2015: 34900}  # all or nothing
    assert run([["59", "2024", "380002"]], user=coordinator).applied
    assert figures("59")[2024] == 380002


def test_bad_cells_are_named_in_french(admin):
    rows = [
        ["99", "2024", "100"],
        ["59", "2014", "100"],
        ["59", "2999", "100"],
        ["59", "deux mille", "100"],
        ["59", "2024", "-12"],
        ["62", "2024", "12,5"],
        ["80", "2024", "beaucoup"],
        ["60", "2024", ""],
        ["02", "", "100"],
    ]
    report = run(rows, user=admin)
    assert not report.applied
    last = datetime.date.today().year + 1
    assert errors_of(report) == [
        (2, "departement", "Département inconnu : « 99 »."),
        (3, "annee", f"L'année 2014 est hors des années possibles : de 2015 (premiers QPV) à {last}."),
        (4, "annee", f"L'année 2999 est hors des années possibles : de 2015 (premiers QPV) à {last}."),
        (5, "annee", "« deux mille » n'est pas une année (AAAA, par exemple 2024)."),
        (6, "population", "La population ne peut pas être négative (« -12 »)."),
        (7, "population", "« 12,5 » n'est pas un nombre d'habitants : un nombre entier, sans décimale."),
        (8, "population", "« beaucoup » n'est pas un nombre d'habitants : un nombre entier, sans décimale."),
        (9, "population", "Population obligatoire : un nombre d'habitants (0 ou plus)."),
        (10, "annee", "Année obligatoire (AAAA, par exemple 2024)."),
    ]
    assert QpvPopulation.objects.count() == 5


def test_a_negative_number_cell_and_a_repeated_row_are_refused(admin):
    rows = [["59", 2024, -5], ["59", 2024.0, 380002], ["59", 2024, 380003]]
    report = services.run(services.KINDS[KIND], upload(HEADERS, rows, fmt="xlsx"), user=admin, dry_run=True)
    assert errors_of(report) == [
        (2, "population", "La population ne peut pas être négative (-5)."),
        (4, "annee", "Cette ligne répète la ligne 3 (même département, même année)."),
    ]


# ---------------------------------------------------------------- the administration


def test_an_administrator_types_and_corrects_a_figure(client, login_as):
    login_as(Role.ADMIN)
    nord = department("59")
    added = client.post(
        reverse("admin:mediation_qpvpopulation_add"), {"department": nord.pk, "year": 2024, "population": 380002}
    )
    assert added.status_code == 302
    figure = QpvPopulation.objects.get(department=nord, year=2024)
    assert register_of(2024, "59").rows[0].qpv_population == 380002
    client.post(
        reverse("admin:mediation_qpvpopulation_change", args=[figure.pk]),
        {"department": nord.pk, "year": 2024, "population": 381000},
    )
    assert register_of(2024, "59").rows[0].qpv_population == 381000
    twice = client.post(
        reverse("admin:mediation_qpvpopulation_add"), {"department": nord.pk, "year": 2024, "population": 1}
    )
    assert twice.status_code == 200 and QpvPopulation.objects.filter(department=nord).count() == 2
    listed = client.get(reverse("admin:mediation_qpvpopulation_changelist") + "?year=2024").content.decode()
    assert "381000" in listed and "426598" not in listed


def test_the_department_page_edits_its_figures_inline(client, login_as):
    login_as(Role.ADMIN)
    nord = department("59")
    figure = QpvPopulation.objects.get(department=nord)
    prefix = "qpv_populations"
    response = client.post(
        reverse("admin:mediation_department_change", args=[nord.pk]),
        {
            "code": nord.code,
            "name": nord.name,
            "region": nord.region_id,
            "territory": nord.territory_id,
            f"{prefix}-TOTAL_FORMS": 2,
            f"{prefix}-INITIAL_FORMS": 1,
            f"{prefix}-0-id": figure.pk,
            f"{prefix}-0-department": nord.pk,
            f"{prefix}-0-year": 2015,
            f"{prefix}-0-population": 426598,
            f"{prefix}-1-department": nord.pk,
            f"{prefix}-1-year": 2024,
            f"{prefix}-1-population": 380002,
        },
    )
    assert response.status_code == 302
    assert figures("59") == {2015: 426598, 2024: 380002}


def test_the_geography_is_readable_in_the_administration(client, login_as):
    login_as(Role.ADMIN)
    commune = CommuneFactory(insee_code="59998", name="Villeneuve-Essai", population=98828, postal_codes=["59990"])
    FormerCommuneCode.objects.create(code="59997", name="Ancienne-Essai", commune=commune)
    communes = client.get(reverse("admin:mediation_commune_changelist") + "?q=Villeneuve-Essai").content.decode()
    assert "98828" in communes and "59990" in communes
    former = client.get(reverse("admin:mediation_formercommunecode_changelist") + "?q=59997").content.decode()
    assert "Ancienne-Essai" in former and "Villeneuve-Essai" in former
    assert client.get(reverse("admin:mediation_formercommunecode_add")).status_code == 403
