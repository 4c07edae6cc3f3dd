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
    before = data_version.current()
    assert before is not None
    Sheet.objects.filter(pk=sheets[0].pk).update(notes="Relue")
    assert data_version.current() not in (None, before)
