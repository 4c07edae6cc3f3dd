"""A double click on a creation form creates one record, also when both clicks reach the server
at the same moment: every click lands on that record's page."""

import pytest
from django.urls import reverse

from accompaniments.models import Beneficiary, Sheet
from mediation.enums import Vocabulary
from tests.accompaniments.factories import SheetFactory, item
from tests.accompaniments.sheet_fixtures import Team, days_ago, request_row, sheet_data, today
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


def test_simultaneous_clicks_on_add_contact_add_one_contact(live_server):
    require_concurrent_database()
    team = Team()
    sheet = SheetFactory(beneficiary=team.person, post=team.post, opened_on=days_ago(10))
    browser = Browser(live_server, team.mediator)
    detail = reverse("accompaniments:sheet_detail", args=[sheet.pk])
    page = browser.open_form(detail)
    body = {
        "contact-date": today().isoformat(),
        "contact-mode": item(Vocabulary.CONTACT_MODE, "permanence").pk,
        "contact-minutes": "20",
        "contact-note": "",
        "contact-submission_key": hidden_value(page.body, "contact-submission_key"),
    }

    replies = post_together(browser, reverse("accompaniments:contact_add", args=[sheet.pk]), [body] * CLICKS)

    assert sheet.contacts.count() == 1
    assert [(reply.status, reply.path) for reply in replies] == [(200, detail)] * CLICKS
