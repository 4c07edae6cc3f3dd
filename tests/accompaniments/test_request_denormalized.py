"""Requests carry their sheet's post, which the bilan counts them by: a sheet moved to another
post, by its edit form or in bulk, takes its requests (and their figures) along."""

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accompaniments.models import Sheet, SheetRequest
from mediation.models import Department
from reporting.activity import compute_activity
from reporting.scope import resolve_scope
from tests.accompaniments.factories import SheetFactory, SheetRequestFactory
from tests.accompaniments.sheet_fixtures import Team, days_ago, update_data
from tests.factories import PostFactory, PostHoldingFactory, department

pytestmark = pytest.mark.django_db


def rights_requests_by_department(year):
    scope = resolve_scope(Department.objects.all(), year=year, key="region:32")
    table = compute_activity(scope).rights_requests
    return {row.label: sum(cell.count for cell in row.cells) for row in table.rows if any(c.count for c in row.cells)}


@pytest.fixture
def team():
    team = Team()
    team.post.department = department("59")
    team.post.save()
    team.other_post = PostFactory(structure=team.structure, department=department("80"))
    PostHoldingFactory(post=team.other_post, mediator=team.mediator)
    return team


def sheet_with_requests(team, n=2):
    sheet = SheetFactory(beneficiary=team.person, mediator=team.mediator, post=team.post, opened_on=days_ago(20))
    for _ in range(n):
        SheetRequestFactory(sheet=sheet)
    return sheet


def test_a_request_takes_its_sheets_post_when_created_one_by_one_or_in_bulk(team):
    sheet = sheet_with_requests(team, n=1)
    assert sheet.requests.get().post_id == team.post.pk
    kind_id = sheet.requests.get().kind_id
    bulk = SheetRequest(sheet_id=sheet.pk, domain="rights", kind_id=kind_id, opened_on=sheet.opened_on)
    SheetRequest.objects.bulk_create([bulk])
    assert SheetRequest.objects.get(pk=bulk.pk).post_id == team.post.pk


def test_moving_a_sheet_to_another_post_on_its_edit_form_moves_its_requests_and_the_bilan(client, team):
    sheet = sheet_with_requests(team)
    year = sheet.opened_on.year
    assert rights_requests_by_department(year) == {"Nord": 2}

    client.force_login(team.mediator)
    data = update_data(team, sheet, post=team.other_post.pk)
    response = client.post(reverse("accompaniments:sheet_update", args=[sheet.pk]), data)
    assert response.status_code == 302

    assert set(sheet.requests.values_list("post_id", flat=True)) == {team.other_post.pk}
    assert rights_requests_by_department(year) == {"Somme": 2}


def test_a_sheet_saved_with_another_post_moves_its_requests(team):
    sheet = sheet_with_requests(team)
    sheet = Sheet.objects.get(pk=sheet.pk)
    sheet.post = team.other_post
    sheet.save()
    assert set(sheet.requests.values_list("post_id", flat=True)) == {team.other_post.pk}


def test_sheets_moved_in_bulk_move_their_requests(team):
    first, second = sheet_with_requests(team), sheet_with_requests(team)
    Sheet.objects.filter(pk=first.pk).update(post=team.other_post, version=F("version") + 1)
    assert set(first.requests.values_list("post_id", flat=True)) == {team.other_post.pk}
    assert set(second.requests.values_list("post_id", flat=True)) == {team.post.pk}

    second.post = team.other_post
    Sheet.objects.bulk_update([second], ["post"])
    assert set(second.requests.values_list("post_id", flat=True)) == {team.other_post.pk}
    assert rights_requests_by_department(first.opened_on.year) == {"Somme": 4}


def test_saving_a_sheet_without_changing_its_post_does_not_touch_its_requests(team):
    sheet = Sheet.objects.get(pk=sheet_with_requests(team).pk)
    sheet.notes = "Relue"
    with CaptureQueriesContext(connection) as queries:
        sheet.save()
    assert not any("sheetrequest" in q["sql"].lower() for q in queries.captured_queries)
