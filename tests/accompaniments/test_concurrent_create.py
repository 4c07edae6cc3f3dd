"""A double click on a creation form creates one record, also when both clicks reach the server
at the same moment: every click lands on that record's page."""

import pytest
from django.urls import reverse

from accompaniments.models import Beneficiary, Sheet
from tests.accompaniments.sheet_fixtures import Team, request_row, sheet_data
from tests.accompaniments.test_beneficiary_form import person_data
from tests.concurrency import Browser, hidden_value, post_together, require_concurrent_database
from tests.factories import make_mediator

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

CLICKS = 6
NEW_PERSON = reverse("accompaniments:beneficiary_create")


def test_simultaneous_clicks_on_new_person_create_one_person(live_server):
    require_concurrent_database()
    mediator = make_mediator()
    browser = Browser(live_server, mediator)
    page = browser.open_form(NEW_PERSON)
    body = person_data(submission_token=hidden_value(page.body, "submission_token"))

    replies = post_together(browser, NEW_PERSON, [body] * CLICKS)

    person = Beneficiary.objects.get()
    assert [reply.status for reply in replies] == [200] * CLICKS
    assert {reply.path for reply in replies} == {reverse("accompaniments:beneficiary_detail", args=[person.pk])}


def test_simultaneous_clicks_on_save_sheet_create_one_sheet(live_server):
    require_concurrent_database()
    team = Team()
    browser = Browser(live_server, team.mediator)
    url = f"{reverse('accompaniments:sheet_create')}?beneficiary={team.person.pk}"
    page = browser.open_form(url)
    body = sheet_data(team, requests=[request_row()], submission_key=hidden_value(page.body, "submission_key"))

    replies = post_together(browser, url, [body] * CLICKS)

    sheet = Sheet.objects.get()
    assert sheet.requests.count() == 1 and sheet.contacts.count() == 1
    assert [reply.status for reply in replies] == [200] * CLICKS
    assert {reply.path for reply in replies} == {reverse("accompaniments:sheet_detail", args=[sheet.pk])}
