"""The regional bilan's faces: the dashboard, the downloads, the JSON and the PDF show the same
figures, only within the user's scope, and never a person."""

import csv
import datetime
import io
import json
import re

import pytest
import tablib
from django.urls import reverse
from pypdf import PdfReader

from mediation.enums import Role, Vocabulary
from tests.accompaniments.factories import BeneficiaryFactory, SheetFactory, SheetRequestFactory, item
from tests.factories import CommuneFactory, PostFactory, StructureFactory, UserFactory, department

pytestmark = pytest.mark.django_db

YEAR = 2024


def post_in(code):
    structure = StructureFactory(commune=CommuneFactory(department=department(code), insee_code=f"{code}998"))
    return PostFactory(structure=structure, department=department(code))


def log_sheets(post, mediator, count, sex="female", **fields):
    sheets = []
    for _ in range(count):
        person = BeneficiaryFactory(structure=post.structure, last_name="Zorglub", referent=mediator)
        sheets.append(
            SheetFactory(
                beneficiary=person,
                post=post,
                opened_on=datetime.date(YEAR, 5, 1),
                sex=item(Vocabulary.SEX, sex),
                **fields,
            )
        )
    return sheets


@pytest.fixture
def year_of_sheets():
    nord, somme = post_in("59"), post_in("80")
    in_nord, in_somme = UserFactory(), UserFactory()
    log_sheets(nord, in_nord, 5)
    log_sheets(nord, in_nord, 3, sex="male")
    somme_sheets = log_sheets(somme, in_somme, 2)
    SheetRequestFactory(sheet=somme_sheets[0], opened_on=datetime.date(YEAR, 5, 1))
    return nord, somme


def query(**params):
    return "?" + "&".join(f"{k}={v}" for k, v in ({"annee": YEAR} | params).items())


# Readers see these figures only where they describe three mediators or more: test_small_cells.py.
@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.ADMIN])
def test_coordinators_and_administrators_see_the_regional_figures(client, login_as, role, year_of_sheets):
    login_as(role, region=department("59").region) if role != Role.ADMIN else login_as(role)
    response = client.get(reverse("reporting:dashboard") + query(perimetre="region:32"))
    assert response.status_code == 200
    volume = response.context["bilan"].activity.volume
    assert volume.total.sheets == 10
    content = response.content.decode()
    assert "Nord (1)" in content
    assert "Zorglub" not in content  # aggregates only


def test_the_page_title_is_plain_text_and_each_section_appears_once(client, login_as, year_of_sheets):
    login_as(Role.READER, region=department("59").region)
    content = client.get(reverse("reporting:dashboard") + query(perimetre="region:32")).content.decode()
    title = re.search(r"<title>(.*?)</title>", content, re.S).group(1)
    assert title == f"Bilan {YEAR} — Hauts-de-France — Médiation santé"
    for section in ("en-resume", "postes", "fiches", "bilans-annuels"):
        assert content.count(f'id="{section}"') == 1


@pytest.mark.parametrize("role", [Role.MEDIATOR, Role.STRUCTURE_MANAGER])
@pytest.mark.parametrize(
    "url",
    [
        reverse("reporting:dashboard"),
        reverse("reporting:bilan_pdf"),
        reverse("reporting:bilan_json"),
        reverse("reporting:bilan_workbook", args=["xlsx"]),
        reverse("reporting:table_download", args=["sex", "csv"]),
    ],
)
def test_structure_staff_do_not_reach_the_regional_bilan(client, login_as, role, url):
    login_as(role)
    assert client.get(url).status_code == 403


def test_a_department_coordinator_asking_for_the_region_gets_her_department_only(client, login_as, year_of_sheets):
    login_as(Role.COORDINATOR, departments=[department("80")])
    response = client.get(reverse("reporting:dashboard") + query(perimetre="region:32"))
    bilan = response.context["bilan"]
    assert bilan.scope.key == "departement:80"
    assert [row.label for row in bilan.activity.volume.rows] == ["Somme (1)"]
    assert bilan.activity.volume.total.sheets == 2
    exported = client.get(reverse("reporting:bilan_json") + query(perimetre="departement:59")).json()
    assert exported["scope"]["code"] == "80"


def test_malformed_selectors_fall_back_to_defaults_without_error(client, login_as):
    login_as(Role.READER)
    for params in ("?annee=abc&perimetre=%00&type=x", "?annee=99999999999999999999", "?annee=1800&perimetre=region:"):
        assert client.get(reverse("reporting:dashboard") + params).status_code == 200
    assert client.get(reverse("reporting:table_download", args=["nope", "csv"])).status_code == 404
    assert client.get(reverse("reporting:table_download", args=["sex", "exe"])).status_code == 404


def test_the_screen_the_spreadsheets_and_the_json_agree(client, login_as, year_of_sheets):
    login_as(Role.COORDINATOR, region=department("59").region)
    screen = client.get(reverse("reporting:dashboard") + query()).context["bilan"].activity.sex
    women = list(screen.columns).index("Femme")

    raw = client.get(reverse("reporting:table_download", args=["sex", "csv"]) + query()).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(raw), delimiter=";"))
    nord = next(r for r in rows if r[0] == "Nord")
    assert int(nord[1 + 2 * women]) == 5 == next(r for r in screen.rows if r.label == "Nord").cells[women].count
    assert int(nord[2 + 2 * women]) == 63  # 5 of 8, rounded half up
    assert rows[-1][0] == "Total" and int(rows[-1][-1]) == screen.total.total == 10

    for fmt in ("xlsx", "ods"):
        data = tablib.Dataset().load(
            client.get(reverse("reporting:table_download", args=["sex", fmt]) + query()).content, format=fmt
        )
        assert data[-1][0] == "Total" and int(data[-1][-1]) == 10

    document = client.get(reverse("reporting:bilan_json") + query()).json()
    assert document["schema_version"] == 1
    assert document["activity"]["sex"]["total"]["total"] == 10
    assert document["activity"]["volume"]["total"]["sheets"] == 10
    assert document["activity"]["rights_requests"]["total"]["total"] == 1


def test_the_pdf_carries_the_scope_and_the_same_figures(client, login_as, year_of_sheets):
    login_as(Role.COORDINATOR, region=department("59").region)
    response = client.get(reverse("reporting:bilan_pdf") + query(perimetre="departement:59"))
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert f"Bilan de la médiation santé {YEAR}" in text
    assert "Nord (59)" in text
    assert "Nord (1)" in text  # the volume table's row: one mediator logged the 8 sheets
    assert "63 %" in text  # 5 women of 8
    assert "Zorglub" not in text
    assert f"page 2 / {len(reader.pages)}" in text


def test_the_workbook_has_one_sheet_per_table(client, login_as, year_of_sheets):
    login_as(Role.COORDINATOR, region=department("59").region)
    on_screen = client.get(reverse("reporting:dashboard") + query()).context["bilan"].tables
    content = client.get(reverse("reporting:bilan_workbook", args=["xlsx"]) + query()).content
    book = tablib.Databook().load(content, format="xlsx")
    titles = [sheet.title for sheet in book.sheets()]
    # The summary, one sheet per table, then the figures over several years.
    assert titles[0] == "En résumé" and titles[-1] == "Sur plusieurs années" and len(titles) == len(on_screen) + 2
    assert any(title.startswith("Sexe") for title in titles)
    assert any(title.startswith("Annexe 1") for title in titles)


def test_text_that_a_spreadsheet_would_run_is_neutralised():
    from reporting.exports import safe_cell

    assert safe_cell('=HYPERLINK("x")') == '\'=HYPERLINK("x")'
    assert safe_cell("-2") == "'-2"
    assert safe_cell("Nord") == "Nord"
    assert safe_cell(12) == 12


def test_the_json_is_the_same_through_the_command(tmp_path, year_of_sheets):
    from django.core.management import call_command

    target = tmp_path / "bilan.json"
    call_command("bilan", year=YEAR, scope="region:32", format="json", output=str(target))
    document = json.loads(target.read_text())
    assert document["activity"]["volume"]["total"]["sheets"] == 10
