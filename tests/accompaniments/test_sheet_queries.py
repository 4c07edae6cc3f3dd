"""The daily pages run the same number of SQL queries whatever the size of the caseload."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.accompaniments.factories import ContactFactory, SheetFactory, SheetRequestFactory
from tests.accompaniments.sheet_fixtures import Team, days_ago

pytestmark = pytest.mark.django_db


def grow(team, sheets, *, sheet=None):
    """Add `sheets` sheets (each with a due request, a resolved one and a contact), or as many
    requests and contacts to `sheet` when given."""
    for n in range(sheets):
        target = sheet or SheetFactory(
            beneficiary=team.new_person(last_name=f"Nom{n}"), post=team.post, opened_on=days_ago(30 + n)
        )
        SheetRequestFactory(sheet=target, follow_up_on=days_ago(n + 1))
        SheetRequestFactory(sheet=target, care=True, resolved=True)
        ContactFactory(sheet=target)


def count_queries(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context)


@pytest.mark.parametrize(
    "url", [reverse("accompaniments:home"), reverse("accompaniments:follow_ups")], ids=["home", "follow_ups"]
)
def test_list_query_count_does_not_grow_with_the_caseload(client, url):
    team = Team()
    client.force_login(team.mediator)
    grow(team, 2)
    small = count_queries(client, url)
    grow(team, 18)
    assert count_queries(client, url) == small


def test_a_manager_home_query_count_does_not_grow(client):
    team = Team()
    client.force_login(team.manager())
    grow(team, 2)
    small = count_queries(client, reverse("accompaniments:home"))
    grow(team, 18)
    assert count_queries(client, reverse("accompaniments:home")) == small


def test_sheet_page_query_count_does_not_grow_with_requests_and_contacts(client):
    team = Team()
    client.force_login(team.mediator)
    sheet = SheetFactory(beneficiary=team.person, post=team.post, opened_on=days_ago(60))
    url = reverse("accompaniments:sheet_detail", args=[sheet.pk])
    grow(team, 2, sheet=sheet)
    small = count_queries(client, url)
    grow(team, 18, sheet=sheet)
    assert count_queries(client, url) == small
