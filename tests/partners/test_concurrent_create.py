"""A double click on the partners' creation forms (outreach session, collective action,
orientation) creates one record, also when the clicks reach the server at the same moment:
every click lands where the first one does."""

import datetime

import pytest
from django.urls import reverse

from partners.enums import PartnerType
from partners.models import CollectiveAction, Orientation, OutreachSession
from tests.accompaniments.factories import BeneficiaryFactory, SheetFactory
from tests.concurrency import Browser, hidden_value, post_together, require_concurrent_database
from tests.partners import test_collective_actions, test_orientations, test_outreach

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

CLICKS = 6


def clicks_on(browser, url, body):
    """Open the form at `url`, then send it CLICKS times at once with its submission key."""
    page = browser.open_form(url)
    body = {**body, "submission_key": hidden_value(page.body, "submission_key")}
    return post_together(browser, url, [body] * CLICKS)


def test_simultaneous_clicks_log_one_outreach_session(live_server, world):
    require_concurrent_database()
    browser = Browser(live_server, world.lille.mediator)

    replies = clicks_on(browser, reverse("partners:outreach_create"), test_outreach.data(world))

    session = OutreachSession.objects.get()
    assert [reply.status for reply in replies] == [200] * CLICKS
    assert {reply.path for reply in replies} == {reverse("partners:outreach_detail", args=[session.pk])}


def test_simultaneous_clicks_log_one_collective_action(live_server, world):
    require_concurrent_database()
    browser = Browser(live_server, world.lille.mediator)
    body = test_collective_actions.data([{"partner_type": PartnerType.CPAM}])

    replies = clicks_on(browser, reverse("partners:action_create"), body)

    action = CollectiveAction.objects.get()
    assert action.action_partners.count() == 1
    assert [reply.status for reply in replies] == [200] * CLICKS
    assert {reply.path for reply in replies} == {reverse("partners:action_detail", args=[action.pk])}


def test_simultaneous_clicks_record_one_orientation(live_server, world):
    require_concurrent_database()
    person = BeneficiaryFactory(structure=world.lille.structure, referent=world.lille.mediator)
    sheet = SheetFactory(beneficiary=person, post=world.lille.post, opened_on=datetime.date(2025, 3, 1))
    browser = Browser(live_server, world.lille.mediator)
    body = test_orientations.data(partner_type=PartnerType.CPAM)

    replies = clicks_on(browser, f"{reverse('partners:orientation_create')}?sheet={sheet.pk}", body)

    assert Orientation.objects.count() == 1
    assert [reply.status for reply in replies] == [200] * CLICKS
    assert {reply.path for reply in replies} == {reverse("accompaniments:sheet_detail", args=[sheet.pk])}
