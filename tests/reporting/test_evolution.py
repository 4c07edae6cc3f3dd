"""The bilan over several years (« Sur plusieurs années »): the main figures of N and of the
years before it that have data, a year imported from the history counting as any other, in a
fixed number of queries, on the dashboard, in the JSON, the workbook and the PDF."""

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from accompaniments.enums import RequestStatus
from mediation.enums import PostType, Role
from mediation.models import Department
from reporting import exports
from reporting.bilan import compute_bilan
from reporting.enums import BilanState, FigureKey
from reporting.models import AnnualBilan, BilanFigure, Campaign
from reporting.scope import resolve_scope
from tests.accompaniments.factories import BeneficiaryFactory, SheetFactory, SheetRequestFactory
from tests.factories import CommuneFactory, PostFactory, StructureFactory, department, make_user

pytestmark = pytest.mark.django_db

YEAR = 2024


def post_in(code, start=datetime.date(2015, 1, 1), **fields):
    structure = StructureFactory(commune=CommuneFactory(department=department(code), insee_code=f"{code}996"))
    return PostFactory(structure=structure, department=department(code), start_date=start, **fields)


def sheets(post, year, count, **fields):
    made = []
    for _ in range(count):
        person = BeneficiaryFactory(structure=post.structure)
        made.append(
            SheetFactory(
                beneficiary=person, post=post, mediator=person.referent, opened_on=datetime.date(year, 6, 1), **fields
            )
        )
    return made


def annual_bilans(year, code, count, people, *, imported=False):
    campaign, _ = Campaign.objects.get_or_create(
        year=year,
        region=department(code).region,
        defaults={
            "deadline": None if imported else datetime.date(year + 1, 2, 28),
            "imported": imported,
            "opened_by": make_user(Role.COORDINATOR),
        },
    )
    for _ in range(count):
        bilan = AnnualBilan.objects.create(
            campaign=campaign,
            year=year,
            department=department(code),
            post_type=PostType.QPV,
            state=BilanState.VALIDATED,
            usable=True,
            validated_at=timezone.now(),
        )
        BilanFigure.objects.create(bilan=bilan, key=FigureKey.PEOPLE_TOTAL, computed=people, declared=None)


def region_bilan(year=YEAR, **options):
    return compute_bilan(resolve_scope(Department.objects.all(), year=year, key="region:32", **options), cached=False)


@pytest.fixture
def four_years():
    """Sheets in 2021 (imported from the history, as any sheet), 2022, 2023 and 2024, none in
    2020; annual bilans in 2022 (an imported campaign), 2023 and 2024."""
    nord, somme = post_in("59"), post_in("80")
    sheets(nord, 2021, 1, age=20)
    sheets(nord, 2022, 2, age=30)
    sheets(somme, 2022, 1, age=60)
    sheets(nord, 2023, 3, age=None)
    made = sheets(nord, YEAR, 4, age=40)
    SheetRequestFactory(sheet=made[0], status=RequestStatus.RESOLVED, closed_on=datetime.date(YEAR, 9, 1))
    SheetRequestFactory(sheet=made[1])
    old = sheets(nord, 2022, 1, age=None)[0]
    SheetRequestFactory(
        sheet=old, status=RequestStatus.RESOLVED, closed_on=datetime.date(2023, 1, 10)
    )  # resolved after its year's end: not resolved at the end of 2022
    annual_bilans(2022, "59", 3, people=30, imported=True)
    annual_bilans(2023, "59", 4, people=40)
    annual_bilans(YEAR, "59", 3, people=90)
    return nord, somme


def test_four_years_of_sheets_side_by_side_and_the_year_without_any_left_out(four_years):
    evolution = region_bilan().evolution
    assert evolution.years == (2020, 2021, 2022, 2023, 2024)
    volume = evolution.get("sheets")
    assert volume.years == (2021, 2022, 2023, 2024)  # nothing in 2020: left out, not a zero
    assert volume.row("total").values == (1, 4, 3, 4)
    nord = next(r for r in volume.rows if r.label == "Nord")
    somme = next(r for r in volume.rows if r.label == "Somme")
    assert nord.values == (1, 3, 3, 4)
    assert somme.values == (0, 1, 0, 0)
    people = evolution.get("people")
    assert people.row("people").values == (1, 4, 3, 4)
    assert [str(v) if v is not None else None for v in people.row("mean_age").values] == ["20.0", "40.0", None, "40.0"]


def test_requests_per_domain_and_the_share_resolved_at_each_year_end(four_years):
    requests = region_bilan().evolution.get("requests")
    assert requests.years == (2022, 2024)
    assert requests.row("rights_requests").values == (1, 2)
    assert requests.row("rights_requests_resolved").values == (0, 50)
    assert requests.row("care_requests").values == (0, 0)


def test_annual_bilans_of_an_imported_year_count_as_any_other(four_years):
    evolution = region_bilan().evolution
    annex = evolution.get("annex")
    assert annex.years == (2022, 2023, 2024)  # 2022 is the imported campaign
    assert annex.row("bilans").values == (3, 4, 3)
    assert annex.row(FigureKey.PEOPLE_TOTAL).values == (30, 40, 90)
    posts = evolution.get("posts")
    assert posts.row("posts").values == (2, 2, 2, 2, 2)
    assert posts.row("usable_bilans").values == (0, 0, 3, 4, 3)


def test_the_evolution_agrees_with_the_tables_of_year_n_and_n_minus_1(four_years):
    bilan = region_bilan()
    volume = bilan.evolution.get("sheets")
    assert volume.row("total").values[-2:] == (bilan.previous.volume.total.sheets, bilan.activity.volume.total.sheets)
    assert bilan.evolution.get("people").row("people").values[-1] == bilan.activity.people
    annex = bilan.evolution.get("annex")
    people = next(r for r in bilan.annual.annex.rows if r.key == FigureKey.PEOPLE_TOTAL)
    assert (annex.row(FigureKey.PEOPLE_TOTAL).values[-2], annex.row(FigureKey.PEOPLE_TOTAL).values[-1]) == (
        people.previous,
        people.values[0],
    )


def test_posts_not_open_yet_leave_their_years_out():
    post_in("59", start=datetime.date(2023, 3, 1))
    posts = region_bilan().evolution.get("posts")
    assert posts.years == (2023, 2024)
    assert region_bilan().evolution.get("sheets") is None  # no sheet at all: no series


def test_the_number_of_queries_is_the_same_for_two_and_for_five_years_of_data():
    nord = post_in("59")
    sheets(nord, 2023, 1)
    sheets(nord, YEAR, 1)
    annual_bilans(YEAR, "59", 3, people=10)

    def count():
        with CaptureQueriesContext(connection) as captured:
            bilan = region_bilan()
        return len(captured), bilan

    two, bilan = count()
    assert bilan.evolution.get("sheets").years == (2023, 2024)
    for year in (2020, 2021, 2022):
        sheets(post_in("80"), year, 2)
        annual_bilans(year, "62", 3, people=5, imported=year == 2020)
    five, bilan = count()
    assert bilan.evolution.get("sheets").years == (2020, 2021, 2022, 2023, 2024)
    assert five == two


def test_readers_get_a_year_only_where_it_covers_whole_secrecy_blocks():
    nord = post_in("59")
    sheets(nord, 2023, 2)  # one mediator per sheet: two mediators, too few to publish
    for _ in range(3):
        sheets(post_in("59"), YEAR, 1)
    evolution = region_bilan(protected=True).evolution
    volume = evolution.get("sheets")
    assert volume.years == (2023, 2024)
    assert volume.row("total").values == (None, 3)
    assert "secret statistique" in volume.note


def test_json_workbook_dashboard_and_pdf_carry_the_evolution(client, login_as, four_years):
    login_as(Role.COORDINATOR, region=department("59").region)
    query = f"?annee={YEAR}&perimetre=region:32"

    document = client.get(reverse("reporting:bilan_json") + query).json()
    sheets_series = next(s for s in document["evolution"]["series"] if s["key"] == "sheets")
    assert sheets_series["years"] == [2021, 2022, 2023, 2024]
    total = next(r for r in sheets_series["rows"] if r["key"] == "total")
    assert total["values"] == [1, 4, 3, 4]

    page = client.get(reverse("reporting:dashboard") + query).content.decode()
    assert "Sur plusieurs années" in page
    assert "Fiches d&#x27;accompagnement par département" in page or "Fiches d'accompagnement par département" in page
    assert "<desc>" in page

    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(exports.export_bilan_book(region_bilan())))
    sheet = book["Sur plusieurs années"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header = next(r for r in rows if r and r[0] == "Fiches d'accompagnement par département")
    assert header[1:5] == [2021, 2022, 2023, 2024]
    assert ["Total", 1, 4, 3, 4] in [r[:5] for r in rows]

    pdf = client.get(reverse("reporting:bilan_pdf") + query).content
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]
    contents = next(text for text in pages if "Sommaire" in text)
    assert "Évolution — sur plusieurs années" in contents
    chapter = next(text for text in pages if text.lstrip().startswith("Évolution — sur plusieurs années"))
    assert "Fiches d'accompagnement par département" in chapter
    assert "2021 2022 2023 2024" in chapter


def test_the_json_series_follow_the_schema_and_the_public_edition_leaves_them_out(four_years):
    import json
    import pathlib

    from jsonschema import Draft202012Validator

    from reporting import editions, public_edition

    schema = json.loads((pathlib.Path(__file__).parents[2] / "docs" / "bilan.schema.json").read_text())
    bilan = region_bilan()
    document = json.loads(exports.bilan_json(bilan))
    validator = Draft202012Validator(schema)
    assert not list(validator.iter_errors(document))
    document["evolution"]["series"][0]["years"] = ["2024"]  # the check can fail
    assert list(validator.iter_errors(document))

    readers = region_bilan(protected=True)
    departments = list(Department.objects.filter(pk__in=readers.scope.department_ids).order_by("code"))
    public = public_edition.public_bilan(readers, departments, minimum=0)
    published = editions.public_document(public, version=1, published_at=timezone.now(), reason="")
    assert "evolution" not in published


# The years before N change rarely: each year's column is kept in the cache under that year's
# data version, so that a write to N recomputes N only (transactional: on PostgreSQL a version
# moves when the data are committed).

cached_years = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def cached_region_bilan():
    """The bilan through the cache, and the years whose sheets or requests it read."""
    with CaptureQueriesContext(connection) as captured:
        bilan = compute_bilan(resolve_scope(Department.objects.all(), year=YEAR, key="region:32"))
    read = {
        year
        for query in captured.captured_queries
        if "accompaniments_sheet" in query["sql"]
        for year in range(YEAR - 4, YEAR + 1)
        if f"{year}-01-01" in query["sql"] or f"{year}-12-31" in query["sql"]
    }
    # The database cache's own statements (one set, in its savepoint, per entry) are not the
    # bilan's queries.
    data = [q for q in captured.captured_queries if "cache_table" not in q["sql"] and "SAVEPOINT" not in q["sql"]]
    return bilan, len(data), read


def evolution_figures(evolution):
    return [(s.key, s.years, [(r.key, r.values) for r in s.rows]) for s in evolution.series]


def add_sheet(post, year):
    sheets(post, year, 1, age=50)


@cached_years
def test_after_a_write_to_n_the_years_before_are_read_from_the_cache(four_years):
    from django.core.cache import cache

    cache.clear()
    nord, _somme = four_years
    _bilan, cold, read = cached_region_bilan()
    assert min(read) == 2020  # every year read (as one range)

    add_sheet(nord, YEAR)  # the usual write: a sheet of the year; four years before it cached
    bilan, four_cached, read = cached_region_bilan()
    assert read == {YEAR - 1, YEAR}  # N−1 for the tables of the bilan, the evolution's N
    assert four_cached <= cold
    assert evolution_figures(bilan.evolution) == evolution_figures(region_bilan().evolution)
    assert bilan.evolution.get("sheets").row("total").values == (1, 4, 3, 5)

    for year in (2021, 2022, 2023, YEAR):  # one year before N still cached (2020)
        add_sheet(nord, year)
    bilan, one_cached, read = cached_region_bilan()
    assert min(read) == 2021 and 2020 not in read
    assert one_cached == four_cached
    assert bilan.evolution.get("sheets").row("total").values == (2, 5, 4, 6)
    assert evolution_figures(bilan.evolution) == evolution_figures(region_bilan().evolution)


@cached_years
def test_a_write_to_a_past_year_recomputes_that_years_column(four_years):
    from django.core.cache import cache

    cache.clear()
    nord, _somme = four_years
    before, _, _ = cached_region_bilan()
    assert before.evolution.get("annex").row(FigureKey.PEOPLE_TOTAL).values == (30, 40, 90)
    BilanFigure.objects.filter(bilan__year=2023).update(computed=60)
    add_sheet(nord, 2020)
    after, _, read = cached_region_bilan()
    assert read == {2020, YEAR - 1, YEAR}
    assert after.evolution.get("annex").row(FigureKey.PEOPLE_TOTAL).values == (30, 60, 90)
    assert after.evolution.get("sheets").years == (2020, 2021, 2022, 2023, 2024)
    assert evolution_figures(after.evolution) == evolution_figures(region_bilan().evolution)
