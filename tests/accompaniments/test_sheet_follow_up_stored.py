"""What « Mes accompagnements » sorts and filters on is stored on each sheet (its next follow-up,
its requests per status) and stays right after every way requests are written: the sheet form,
closing a request, imports and the demo in bulk, a deletion, an anonymisation."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accompaniments import demo
from accompaniments.enums import RequestStatus
from accompaniments.models import Sheet, SheetRequest
from accompaniments.personal_data import anonymise, apply_retention
from tests.accompaniments.factories import SheetFactory, SheetRequestFactory
from tests.accompaniments.sheet_fixtures import Team, days_ago, request_row, sheet_data, today, update_data
from tests.imports.conftest import admin, run  # noqa: F401  (fixture)
from tests.imports.test_sheets_import import mediator, post, row, sheets_file  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db

STORED = ["next_follow_up_on", "open_request_count", "resolved_request_count", "unresolved_request_count"]


def computed(sheet):
    """The four values as the sheet's requests give them now."""
    requests = list(SheetRequest.objects.filter(sheet_id=sheet.pk))
    open_days = [r.follow_up_on for r in requests if r.status == RequestStatus.IN_PROGRESS and r.follow_up_on]
    return {
        "next_follow_up_on": min(open_days, default=None),
        "open_request_count": sum(r.status == RequestStatus.IN_PROGRESS for r in requests),
        "resolved_request_count": sum(r.status == RequestStatus.RESOLVED for r in requests),
        "unresolved_request_count": sum(r.status == RequestStatus.UNRESOLVED for r in requests),
    }


def stored(sheet):
    return Sheet.objects.filter(pk=sheet.pk).values(*STORED).get()


def assert_in_step(sheets):
    for sheet in sheets:
        assert stored(sheet) == computed(sheet), sheet.pk


@pytest.fixture
def team(client):
    team = Team()
    client.force_login(team.mediator)
    return team


def test_a_sheet_created_with_its_requests_stores_its_next_follow_up_and_counts(client, team):
    first, later = today() + datetime.timedelta(days=3), today() + datetime.timedelta(days=9)
    data = sheet_data(
        team,
        requests=[
            request_row(follow_up_on=later.isoformat()),
            request_row(follow_up_on=first.isoformat()),
            request_row(status=RequestStatus.RESOLVED, closed_on=today().isoformat()),
        ],
    )
    response = client.post(reverse("accompaniments:sheet_create") + f"?beneficiary={team.person.pk}", data)
    assert response.status_code == 302
    sheet = Sheet.objects.get(beneficiary=team.person)
    assert stored(sheet) == {
        "next_follow_up_on": first,
        "open_request_count": 2,
        "resolved_request_count": 1,
        "unresolved_request_count": 0,
    }


def test_editing_closing_and_removing_requests_on_the_sheet_form_moves_them(client, team):
    sheet = SheetFactory(beneficiary=team.person, post=team.post, opened_on=days_ago(30))
    soon = SheetRequestFactory(sheet=sheet, follow_up_on=days_ago(2))
    SheetRequestFactory(sheet=sheet, follow_up_on=today() + datetime.timedelta(days=5))
    gone = SheetRequestFactory(sheet=sheet, resolved=True)
    rows = update_data(team, sheet)
    rows = {key: value for key, value in rows.items()}
    # The first request closed, the resolved one removed.
    index = {r.pk: i for i, r in enumerate(sheet.requests.order_by("opened_on", "pk"))}
    rows[f"requests-{index[soon.pk]}-status"] = RequestStatus.UNRESOLVED
    rows[f"requests-{index[soon.pk]}-closed_on"] = today().isoformat()
    rows[f"requests-{index[soon.pk]}-follow_up_on"] = ""
    rows[f"requests-{index[gone.pk]}-DELETE"] = "on"
    response = client.post(reverse("accompaniments:sheet_update", args=[sheet.pk]), rows)
    assert response.status_code == 302, response.context and response.context["form"].errors
    assert not SheetRequest.objects.filter(pk=gone.pk).exists()
    assert stored(sheet) == {
        "next_follow_up_on": today() + datetime.timedelta(days=5),
        "open_request_count": 1,
        "resolved_request_count": 0,
        "unresolved_request_count": 1,
    }


def test_closing_a_request_gives_the_sheet_its_next_follow_up_or_none(client, team):
    sheet = SheetFactory(beneficiary=team.person, post=team.post, opened_on=days_ago(30))
    first = SheetRequestFactory(sheet=sheet, follow_up_on=days_ago(3))
    second = SheetRequestFactory(sheet=sheet, follow_up_on=days_ago(1))
    for closed, expected in ((first, days_ago(1)), (second, None)):
        response = client.post(
            reverse("accompaniments:request_close", args=[closed.pk]),
            {"status": RequestStatus.RESOLVED, "closed_on": today().isoformat()},
        )
        assert response.status_code == 302
        assert stored(sheet)["next_follow_up_on"] == expected
    assert stored(sheet)["resolved_request_count"] == 2
    assert stored(sheet)["open_request_count"] == 0


def test_the_closed_request_leaves_the_caseload_due_filter(client, team):
    sheet = SheetFactory(beneficiary=team.person, post=team.post, opened_on=days_ago(30))
    due = SheetRequestFactory(sheet=sheet, follow_up_on=days_ago(3))
    home = reverse("accompaniments:home")
    assert [s.pk for s in client.get(home, {"a_relancer": "on"}).context["page"]] == [sheet.pk]
    client.post(
        reverse("accompaniments:request_close", args=[due.pk]),
        {"status": RequestStatus.RESOLVED, "closed_on": today().isoformat()},
    )
    assert list(client.get(home, {"a_relancer": "on"}).context["page"]) == []
    assert [s.pk for s in client.get(home, {"statut": RequestStatus.RESOLVED}).context["page"]] == [sheet.pk]


def test_requests_written_and_removed_in_bulk_move_their_sheets(team):
    sheets = [SheetFactory(beneficiary=team.person, post=team.post, opened_on=days_ago(30)) for _ in range(3)]
    kind_id = SheetRequestFactory(sheet=sheets[0], follow_up_on=days_ago(4)).kind_id
    created = SheetRequest.objects.bulk_create(
        [
            SheetRequest(
                sheet_id=sheet.pk, domain="rights", kind_id=kind_id, opened_on=days_ago(30), follow_up_on=days_ago(n)
            )
            for n, sheet in enumerate(sheets)
        ]
    )
    assert_in_step(sheets)
    assert stored(sheets[0])["next_follow_up_on"] == days_ago(4)
    for request in created:
        request.status, request.closed_on, request.follow_up_on = RequestStatus.RESOLVED, today(), None
    SheetRequest.objects.bulk_update(created, ["status", "closed_on", "follow_up_on"])
    assert_in_step(sheets)
    SheetRequest.objects.filter(sheet=sheets[0]).update(follow_up_on=days_ago(9))
    assert stored(sheets[0])["next_follow_up_on"] == days_ago(9)
    SheetRequest.objects.filter(sheet__in=sheets[:2]).delete()
    assert_in_step(sheets)
    assert stored(sheets[0])["resolved_request_count"] == 0
    SheetRequest.objects.filter(sheet=sheets[2]).get().delete()
    assert stored(sheets[2]) == computed(sheets[2]) == dict.fromkeys(STORED, 0) | {"next_follow_up_on": None}


def test_the_historical_import_stores_the_counts_and_a_later_file_moves_them(admin, mediator):  # noqa: F811
    first = sheets_file(row("A-1", etat="en cours", date_cloture=""), row("A-2"))
    assert run("fiches", first, user=admin).applied
    by_person = {s.beneficiary.external_id: s for s in Sheet.objects.select_related("beneficiary")}
    assert stored(by_person["A-1"])["open_request_count"] == 1
    assert stored(by_person["A-2"])["resolved_request_count"] == 1

    later = sheets_file(row("A-1"), row("A-2"))  # A-1's request is now resolved
    assert run("fiches", later, user=admin).updated == 1
    assert_in_step(by_person.values())
    assert stored(by_person["A-1"])["resolved_request_count"] == 1


def test_the_demo_stores_them_for_every_sheet(team):
    holding = team.mediator.post_holdings.get()
    demo.generate(holdings=[holding], sheets_per_holding=40, year=today().year - 1, people_per_sheet=0.5)
    sheets = list(Sheet.objects.filter(mediator=team.mediator))
    assert len(sheets) == 40
    assert_in_step(sheets)
    assert any(stored(s)["next_follow_up_on"] for s in sheets)


def test_anonymising_a_person_and_the_retention_keep_them(team):
    sheet = SheetFactory(beneficiary=team.person, post=team.post, opened_on=days_ago(30))
    SheetRequestFactory(sheet=sheet, follow_up_on=days_ago(3), note="Rappeler le mardi")
    SheetRequestFactory(sheet=sheet, resolved=True, note="Dossier reçu")
    anonymise(team.person)
    assert (
        stored(sheet)
        == computed(sheet)
        == {
            "next_follow_up_on": days_ago(3),
            "open_request_count": 1,
            "resolved_request_count": 1,
            "unresolved_request_count": 0,
        }
    )
    apply_retention(today=today() + datetime.timedelta(days=4000))
    assert_in_step([sheet])


def test_the_migration_fills_every_existing_sheet_in_one_statement(team, django_assert_max_num_queries):
    sheets = [SheetFactory(beneficiary=team.person, post=team.post, opened_on=days_ago(30)) for _ in range(3)]
    SheetRequestFactory(sheet=sheets[0], follow_up_on=days_ago(2))
    SheetRequestFactory(sheet=sheets[1], resolved=True)
    Sheet.objects.update(next_follow_up_on=None, open_request_count=0, resolved_request_count=0)
    migration = importlib.import_module("accompaniments.migrations.0011_sheet_follow_up")
    with django_assert_max_num_queries(1):
        migration.fill_follow_up(apps, None)
    assert_in_step(sheets)
    assert stored(sheets[0])["next_follow_up_on"] == days_ago(2)


def test_the_caseload_costs_the_same_queries_with_three_or_thirty_sheets(client, team, django_assert_num_queries):

    def add_sheets(n):
        for _ in range(n):
            sheet = SheetFactory(beneficiary=team.new_person(), post=team.post, opened_on=days_ago(10))
            SheetRequestFactory(sheet=sheet, follow_up_on=days_ago(1))
            SheetRequestFactory(sheet=sheet, resolved=True)

    home = reverse("accompaniments:home")
    add_sheets(3)
    client.get(home)
    with CaptureQueriesContext(connection) as few:
        client.get(home)
    add_sheets(27)
    with django_assert_num_queries(len(few)):
        response = client.get(home)
    assert len(response.context["page"]) == 30
