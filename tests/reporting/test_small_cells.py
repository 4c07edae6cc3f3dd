"""Institutional readers never get a figure of the sheets that describes fewer than three
mediators — a department with one post, a post type with one mediator — in any output: the
rows are grouped by territoire or the tables withheld, and the page says why. Coordinators,
who produce the regional bilan, keep every cell."""

import datetime
import io
import json

import pytest
import tablib
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from mediation.enums import PostType, Role, Vocabulary
from mediation.models import Department
from reporting.bilan import compute_bilan
from reporting.enums import BilanState
from reporting.models import AnnualBilan, Campaign
from reporting.scope import resolve_scope
from tests.accompaniments.factories import BeneficiaryFactory, SheetFactory, item
from tests.factories import CommuneFactory, PostFactory, StructureFactory, UserFactory, department, make_user

pytestmark = pytest.mark.django_db

YEAR = 2024
ACTIVITY_TABLES = ("volume", "sex", "age", "qpv", "resources", "came_via", "rights_requests", "care_requests")
NOTICE = "Secret statistique"


def mediator_on(code, sheets=2, post_type=PostType.QPV):
    structure = StructureFactory(commune=CommuneFactory(department=department(code), insee_code=f"{code}996"))
    post = PostFactory(structure=structure, department=department(code), post_type=post_type)
    mediator = UserFactory()
    for _ in range(sheets):
        person = BeneficiaryFactory(structure=structure, referent=mediator)
        SheetFactory(
            beneficiary=person, post=post, opened_on=datetime.date(YEAR, 5, 1), sex=item(Vocabulary.SEX, "female")
        )


@pytest.fixture
def region_of_sheets():
    """Nord: three QPV mediators and one rural; Pas-de-Calais, Aisne, Somme: three each; Oise: one
    mediator, with five sheets."""
    for code in ("59", "62", "02", "80"):
        for _ in range(3):
            mediator_on(code)
    mediator_on("59", post_type=PostType.RURAL)
    mediator_on("60", sheets=5)


def outputs(client, perimetre, post_type=""):
    """Everything a user can download for one choice, as text, plus the dashboard's bilan."""
    query = {"annee": YEAR, "perimetre": perimetre} | ({"type": post_type} if post_type else {})
    page = client.get(reverse("reporting:dashboard"), query)
    assert page.status_code == 200
    document = client.get(reverse("reporting:bilan_json"), query).json()
    pdf = client.get(reverse("reporting:bilan_pdf"), query).content
    texts = {
        "dashboard": page.content.decode(),
        "json": json.dumps(document, ensure_ascii=False),
        "pdf": "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages),
    }
    for fmt in ("xlsx", "ods"):
        book = tablib.Databook().load(client.get(reverse("reporting:bilan_workbook", args=[fmt]), query).content, fmt)
        texts[fmt] = "\n".join(sheet.export("csv") for sheet in book.sheets())
    tables = {}
    downloads = [(key, "csv") for key in ACTIVITY_TABLES] + [("sex", "xlsx"), ("sex", "ods")]
    for key, fmt in downloads:
        tables[(key, fmt)] = client.get(reverse("reporting:table_download", args=[key, fmt]), query)
    return page.context["bilan"], document, texts, tables


def activity_rows(document):
    return {
        key: [row["label"] for row in table["rows"]]
        for key, table in (document["activity"] or {}).items()
        if key != "people"
    }


def assert_withheld(bilan, document, texts, tables):
    for text in texts.values():
        assert "Oise (1)" not in text and "Nord (1)" not in text
    assert document["activity"] is None and document["previous_year"] is None
    assert all(response.status_code == 404 for response in tables.values())
    assert bilan.activity_withheld
    assert NOTICE in texts["dashboard"] and NOTICE in texts["pdf"]
    assert "Tableaux non diffusés" in texts["dashboard"] and "Tableaux non diffusés" in texts["pdf"]
    assert all(response.status_code == 404 for response in tables.values())
    for fmt in ("xlsx", "ods"):
        assert "Sexe des personnes" not in texts[fmt] and "Fiches d'accompagnement et" not in texts[fmt]
    by_key = {h["key"]: h["value"] for h in document["summary"]}
    assert by_key["sheets"] is None and by_key["people"] is None and by_key["women"] is None


def test_a_reader_of_a_one_post_department_gets_no_figure_of_its_mediator(client, login_as, region_of_sheets):
    login_as(Role.READER, region=department("60").region)
    assert_withheld(*outputs(client, "departement:60"))


def test_a_reader_of_the_region_sees_the_one_post_department_merged_into_its_territoire(
    client, login_as, region_of_sheets
):
    login_as(Role.READER, region=department("60").region)
    bilan, document, texts, tables = outputs(client, "region:32")
    assert [row.label for row in bilan.activity.volume.rows] == [
        "Territoire Picardie (7)",
        "Nord (4)",
        "Pas-de-Calais (3)",
    ]
    for key, labels in activity_rows(document).items():
        assert not {"Oise", "Aisne", "Somme"} & {label.split(" (")[0] for label in labels}, key
    assert bilan.activity.volume.total.sheets == 31  # nothing lost, only grouped
    for text in texts.values():
        assert "Oise (1)" not in text
    csv = tables[("sex", "csv")].content.decode("utf-8-sig")
    assert "Territoire Picardie;" in csv and "\nOise;" not in csv
    assert NOTICE in texts["dashboard"] and "Aisne, Oise et Somme" in texts["dashboard"]
    assert "Aisne, Oise et Somme" in texts["pdf"].replace("\n", " ")
    assert "Aisne, Oise et Somme" in " ".join(document["secrecy"]["notices"])


@pytest.mark.parametrize(
    ("perimetre", "post_type"),
    [
        ("departement:59", PostType.RURAL),  # one rural mediator
        ("departement:59", PostType.QPV),  # Nord less its QPV posts would be that mediator
        ("region:32", PostType.RURAL),
    ],
)
def test_a_reader_filtering_by_post_type_gets_no_figure_of_fewer_than_three_mediators(
    client, login_as, region_of_sheets, perimetre, post_type
):
    login_as(Role.READER, region=department("59").region)
    assert_withheld(*outputs(client, perimetre, post_type))


def test_a_reader_sees_a_department_of_three_mediators_or_more(client, login_as, region_of_sheets):
    login_as(Role.READER, region=department("59").region)
    bilan, document, texts, tables = outputs(client, "departement:59")
    assert [row.label for row in bilan.activity.volume.rows] == ["Nord (4)"]
    assert document["activity"]["volume"]["total"]["sheets"] == 8
    assert tables[("sex", "csv")].status_code == 200
    assert NOTICE not in texts["dashboard"] and not document["secrecy"]["notices"]


@pytest.mark.parametrize(
    ("perimetre", "post_type", "row"),
    [("departement:60", "", "Oise (1)"), ("departement:59", PostType.RURAL, "Nord (1)"), ("region:32", "", "Oise (1)")],
)
def test_coordinators_keep_every_cell(client, login_as, region_of_sheets, perimetre, post_type, row):
    login_as(Role.COORDINATOR, region=department("59").region)
    bilan, document, texts, tables = outputs(client, perimetre, post_type)
    assert not bilan.activity_withheld and not bilan.notices
    assert row in [r["label"] for r in document["activity"]["volume"]["rows"]]
    assert row in texts["dashboard"] and row in texts["pdf"] and row in texts["xlsx"]
    assert all(response.status_code == 200 for response in tables.values())


def test_the_readers_edition_costs_the_same_queries_whatever_the_volume(region_of_sheets):
    def count():
        scope = resolve_scope(Department.objects.all(), year=YEAR, key="region:32", protected=True)
        with CaptureQueriesContext(connection) as captured:
            compute_bilan(scope)
        return len(captured)

    few = count()
    for code in ("62", "60", "80"):
        mediator_on(code, sheets=3, post_type=PostType.RURAL)
    assert count() == few


def annual_bilan(code, what_helped, campaign):
    made = AnnualBilan.objects.create(
        campaign=campaign,
        year=YEAR,
        department=department(code),
        post_type=PostType.QPV,
        state=BilanState.VALIDATED,
        usable=True,
        validated_at=timezone.now(),
        what_helped=what_helped,
        what_helped_for_readers=what_helped,  # reviewed as written (test_open_answers.py)
        answers_reviewed_at=timezone.now(),
    )
    made.health_needs.set([item(Vocabulary.HEALTH_NEED, "sante_mentale")])


@pytest.fixture
def campaign():
    return Campaign.objects.create(
        year=YEAR,
        region=department("59").region,
        deadline=datetime.date(YEAR + 1, 2, 28),
        opened_by=make_user(Role.COORDINATOR),
    )


def answers_and_needs(client, perimetre):
    document = client.get(reverse("reporting:bilan_json"), {"annee": YEAR, "perimetre": perimetre}).json()
    helped = document["annual"]["open_answers"]["what_helped"]["by_department"]
    return helped, document["annual"]["ranked"]["health_needs"]["items"]


def test_a_reader_does_not_learn_which_department_an_open_answer_comes_from(client, login_as, campaign):
    for n in range(3):
        annual_bilan("59", f"Réponse du Nord {n}", campaign)
    annual_bilan("60", "Réponse de l'Oise", campaign)
    login_as(Role.READER, region=department("59").region)
    helped, needs = answers_and_needs(client, "region:32")
    assert [name for name, _texts in helped] == ["Ensemble"]
    assert "Réponse de l'Oise" in helped[0][1] and needs[0]["count"] == 4
    helped, needs = answers_and_needs(client, "departement:60")  # one bilan: nothing of it
    assert helped == [] and needs == []


def test_a_coordinator_reads_the_answers_by_department(client, login_as, campaign):
    for n in range(3):
        annual_bilan("59", f"Réponse du Nord {n}", campaign)
    annual_bilan("60", "Réponse de l'Oise", campaign)
    login_as(Role.COORDINATOR, region=department("59").region)
    helped, needs = answers_and_needs(client, "departement:60")
    # One bilan: its open answers are withheld for coordinators too, as Annexe 1's columns.
    assert helped == [] and needs[0]["count"] == 1
    helped, _needs = answers_and_needs(client, "departement:59")
    assert helped == [["Nord", ["Réponse du Nord 0", "Réponse du Nord 1", "Réponse du Nord 2"]]]
