"""The bilan is computed once per version of the data and shared by every output: a second
download does not compute it again, and any write that can change a figure (a form, a bulk
update, raw SQL) is on the next download. Transactional tests: on PostgreSQL the version moves
when the data are committed, as they are in production."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accompaniments.models import Sheet, SheetRequest
from mediation.enums import Role, Vocabulary
from mediation.models import Department
from reporting import data_version
from reporting.bilan import compute_bilan
from reporting.scope import resolve_scope
from tests.accompaniments.factories import BeneficiaryFactory, SheetFactory, SheetRequestFactory, item
from tests.factories import CommuneFactory, PostFactory, StructureFactory, department

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

YEAR = 2024
QUERY = f"?annee={YEAR}&perimetre=region:32"
# What only computing the bilan reads (the scope and the edition looked up read departments).
BILAN_TABLES = ("accompaniments_sheet", "accompaniments_sheetrequest", "mediation_postholding", "reporting_annualbilan")


def post_in(code):
    structure = StructureFactory(commune=CommuneFactory(department=department(code), insee_code=f"{code}997"))
    return PostFactory(structure=structure, department=department(code))


@pytest.fixture
def sheets():
    post = post_in("59")
    made = []
    for _ in range(3):
        person = BeneficiaryFactory(structure=post.structure)
        sheet = SheetFactory(beneficiary=person, post=post, opened_on=datetime.date(YEAR, 5, 1))
        SheetRequestFactory(sheet=sheet)
        made.append(sheet)
    return made


@pytest.fixture
def coordinator(client, login_as):
    return login_as(Role.COORDINATOR, region=department("59").region)


def bilan_queries(queries):
    return [q["sql"] for q in queries.captured_queries if any(f'"{t}"' in q["sql"] for t in BILAN_TABLES)]


def json_figures(client):
    document = client.get(reverse("reporting:bilan_json") + QUERY).json()
    return document["activity"]["volume"]["total"]["sheets"], document["activity"]["rights_requests"]["total"]["total"]


def test_a_second_download_of_the_same_bilan_does_not_compute_it_again(client, coordinator, sheets):
    with CaptureQueriesContext(connection) as first:
        assert json_figures(client) == (3, 3)
    assert bilan_queries(first)  # computed once
    with CaptureQueriesContext(connection) as queries:
        assert json_figures(client) == (3, 3)
        for url in (
            reverse("reporting:bilan_workbook", args=["xlsx"]),
            reverse("reporting:table_download", args=["sex", "csv"]),
            reverse("reporting:dashboard"),
        ):
            assert client.get(url + QUERY).status_code == 200
    assert bilan_queries(queries) == []


def test_a_sheet_edited_is_on_the_next_download(client, coordinator, sheets):
    assert json_figures(client) == (3, 3)
    sheet = Sheet.objects.get(pk=sheets[0].pk)
    sheet.opened_on = datetime.date(YEAR + 1, 1, 2)  # no longer a sheet of the year
    sheet.save()
    assert json_figures(client)[0] == 2


def test_writes_that_bypass_the_models_are_on_the_next_download(client, coordinator, sheets):
    assert json_figures(client) == (3, 3)
    SheetRequest.objects.filter(sheet=sheets[0]).update(opened_on=datetime.date(YEAR - 1, 6, 1))
    assert json_figures(client) == (3, 2)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM accompaniments_sheetrequest WHERE sheet_id = %s", [sheets[1].pk])
    assert json_figures(client) == (3, 1)
    # A list value renamed: the labels of the tables are read from the vocabularies.
    female = item(Vocabulary.SEX, "female")
    type(female).objects.filter(pk=female.pk).update(label="Femmes")
    document = client.get(reverse("reporting:bilan_json") + QUERY).json()
    assert "Femmes" in document["activity"]["sex"]["columns"]


def test_readers_and_coordinators_do_not_share_an_entry(client, login_as, sheets):
    Sheet.objects.update(mediator=sheets[0].mediator)
    login_as(Role.READER, region=department("59").region)
    readers = client.get(reverse("reporting:bilan_json") + QUERY).json()
    login_as(Role.COORDINATOR, region=department("59").region)
    coordinators = client.get(reverse("reporting:bilan_json") + QUERY).json()
    # One mediator in the region: the readers' edition withholds what would describe her.
    assert readers["secrecy"]["notices"] and not coordinators["secrecy"]["notices"]


def test_every_table_the_bilan_reads_changes_the_data_version(sheets):
    read = set()
    for protected in (False, True):
        for post_type in ("", "qpv"):
            scope = resolve_scope(
                Department.objects.all(), year=YEAR, key="region:32", post_type=post_type, protected=protected
            )
            with CaptureQueriesContext(connection) as queries:
                compute_bilan(scope, cached=False)
            for query in queries.captured_queries:
                read |= set(re.findall(r'(?:FROM|JOIN)\s+"(\w+)"', query["sql"]))
    assert read
    assert read <= set(data_version.tracked_tables())


def test_the_version_changes_with_each_committed_write(sheets):
    before = data_version.tokens((YEAR,))
    assert before is not None
    Sheet.objects.filter(pk=sheets[0].pk).update(notes="Relue")
    after = data_version.tokens((YEAR,))
    assert after is not None and after[1][YEAR] != before[1][YEAR]


# Per-year versions: a write to a year's rows changes that year's token, not the other years';
# a write to the reference data (posts, vocabularies…) changes the token every key carries.


def year_tokens(*years):
    found = data_version.tokens(years)
    assert found is not None
    return found


def test_a_sheet_written_changes_its_years_token_only(sheets):
    post = sheets[0].post
    global_before, before = year_tokens(2023, YEAR, 2025)
    person = BeneficiaryFactory(structure=post.structure)
    SheetFactory(beneficiary=person, post=post, opened_on=datetime.date(2023, 3, 1))
    global_after, after = year_tokens(2023, YEAR, 2025)
    assert after[2023] != before[2023]
    assert (after[YEAR], after[2025], global_after) == (before[YEAR], before[2025], global_before)


def test_bulk_writes_update_and_raw_sql_change_the_years_of_the_old_and_the_new_rows(sheets):
    post = sheets[0].post
    _, before = year_tokens(2022, 2023, YEAR, 2025)
    Sheet.objects.bulk_create(
        [
            Sheet(
                beneficiary=sheets[0].beneficiary,
                post=post,
                mediator=sheets[0].mediator,
                opened_on=datetime.date(2022, 2, 1),
            )
        ]
    )
    _, after_bulk = year_tokens(2022, 2023, YEAR, 2025)
    assert after_bulk[2022] != before[2022]
    assert after_bulk[YEAR] == before[YEAR] and after_bulk[2025] == before[2025]

    # A request moved from YEAR to 2025: both years change, 2022 does not.
    SheetRequest.objects.filter(sheet=sheets[0]).update(opened_on=datetime.date(2025, 1, 5))
    _, after_update = year_tokens(2022, 2023, YEAR, 2025)
    assert after_update[YEAR] != after_bulk[YEAR] and after_update[2025] != after_bulk[2025]
    assert after_update[2022] == after_bulk[2022] and after_update[2023] == after_bulk[2023]

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM accompaniments_sheetrequest WHERE sheet_id = %s", [sheets[1].pk])
    _, after_raw = year_tokens(2022, 2023, YEAR, 2025)
    assert after_raw[YEAR] != after_update[YEAR]
    assert after_raw[2025] == after_update[2025] and after_raw[2022] == after_update[2022]


def test_an_annual_bilan_figure_changes_the_token_of_its_bilans_year(sheets):
    from reporting.enums import BilanState, FigureKey
    from reporting.models import AnnualBilan, BilanFigure, Campaign
    from tests.factories import make_user

    campaign = Campaign.objects.create(
        year=2023, region=department("59").region, deadline=None, imported=True, opened_by=make_user(Role.COORDINATOR)
    )
    bilan = AnnualBilan.objects.create(
        campaign=campaign,
        year=2023,
        department=department("59"),
        post_type="qpv",
        state=BilanState.VALIDATED,
        validated_at=datetime.datetime.now(datetime.UTC),
    )
    global_before, before = year_tokens(2023, YEAR)
    BilanFigure.objects.create(bilan=bilan, key=FigureKey.PEOPLE_TOTAL, computed=4)
    global_after, after = year_tokens(2023, YEAR)
    assert after[2023] != before[2023]
    assert after[YEAR] == before[YEAR] and global_after == global_before


def test_a_post_written_changes_the_token_of_every_year(sheets):
    global_before, _ = year_tokens(YEAR)
    post = sheets[0].post
    type(post).objects.filter(pk=post.pk).update(code="P-RENAMED")
    global_after, _ = year_tokens(YEAR)
    assert global_after != global_before


def test_a_request_of_the_year_before_edited_is_on_the_next_bilan_of_the_year(client, coordinator, sheets):
    """The bilan of N shows N−1's share of requests resolved: a request of N−1 is a row of
    N−1's year, and N−1's version is part of the key of N's bilan."""
    old = SheetFactory(beneficiary=sheets[0].beneficiary, post=sheets[0].post, opened_on=datetime.date(YEAR - 1, 5, 1))
    request = SheetRequestFactory(sheet=old)
    resolved = "des demandes d'accès aux droits résolues en fin d'année"

    def previous_share():
        document = client.get(reverse("reporting:bilan_json") + QUERY).json()
        return next(h for h in document["summary"] if h["label"] == resolved)["previous"]

    assert previous_share() == 0
    SheetRequest.objects.filter(pk=request.pk).update(status="resolved", closed_on=datetime.date(YEAR - 1, 12, 1))
    assert previous_share() == 100


def test_a_sheet_of_an_older_year_written_is_in_the_next_evolution(client, coordinator, sheets):
    """A year the bilan shows only in its evolution (N−3): its version is part of the key."""
    post = sheets[0].post

    def evolution_total():
        document = client.get(reverse("reporting:bilan_json") + QUERY).json()
        series = next(s for s in document["evolution"]["series"] if s["key"] == "sheets")
        total = next(r for r in series["rows"] if r["key"] == "total")
        return dict(zip(series["years"], total["values"], strict=True))

    assert evolution_total() == {YEAR: 3}
    SheetFactory(beneficiary=sheets[0].beneficiary, post=post, opened_on=datetime.date(YEAR - 3, 5, 1))
    assert evolution_total() == {YEAR - 3: 1, YEAR: 3}
    Sheet.objects.filter(opened_on__year=YEAR - 3).update(opened_on=datetime.date(YEAR - 2, 5, 1))
    assert evolution_total() == {YEAR - 2: 1, YEAR: 3}


def test_a_sheet_given_to_another_mediator_changes_the_years_of_its_requests(sheets):
    """The readers' secrecy blocks count a request under its sheet's mediator."""
    old = SheetFactory(beneficiary=sheets[0].beneficiary, post=sheets[0].post, opened_on=datetime.date(2022, 5, 1))
    SheetRequestFactory(sheet=old, opened_on=datetime.date(YEAR, 2, 1))
    _, before = year_tokens(2022, YEAR, 2025)
    Sheet.objects.filter(pk=old.pk).update(mediator=sheets[1].mediator)
    _, after = year_tokens(2022, YEAR, 2025)
    assert after[2022] != before[2022] and after[YEAR] != before[YEAR]
    assert after[2025] == before[2025]
