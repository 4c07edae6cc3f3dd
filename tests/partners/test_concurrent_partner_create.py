"""A double click on "Enregistrer" in the partner directory adds one partner, also when the clicks
reach the server at the same moment: every click lands on that partner's page, none on the
"a partner with a close name exists" warning (the close name is its own). Likewise adding a
partner to "Mes partenaires": every click lands on the list, none on "already yours"."""

import pytest
from django.urls import reverse

from partners.models import MediatorPartner, Partner
from tests.concurrency import Browser, hidden_value, post_together, require_concurrent_database
from tests.partners.factories import PartnerFactory
from tests.partners.test_directory import partner_data

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

CLICKS = 6
CREATE = reverse("partners:partner_create")
MY_PARTNER_ADD = reverse("partners:my_partner_add")


def test_simultaneous_clicks_add_one_partner(live_server, world):
    require_concurrent_database()
    browser = Browser(live_server, world.lille.mediator)
    page = browser.open_form(CREATE)
    body = {**partner_data(), "submission_key": hidden_value(page.body, "submission_key")}

    replies = post_together(browser, CREATE, [body] * CLICKS)

    partner = Partner.objects.get()
    assert [reply.status for reply in replies] == [200] * CLICKS
    assert {reply.path for reply in replies} == {reverse("partners:partner_detail", args=[partner.pk])}


def test_the_same_form_sent_again_later_lands_on_the_partner_it_added(live_server, world):
    browser = Browser(live_server, world.lille.mediator)
    page = browser.open_form(CREATE)
    body = {**partner_data(), "submission_key": hidden_value(page.body, "submission_key")}

    first, again = browser.post(CREATE, body), browser.post(CREATE, body)

    partner = Partner.objects.get()
    assert first.path == again.path == reverse("partners:partner_detail", args=[partner.pk])
    assert "nom proche" not in again.body


def test_simultaneous_clicks_add_a_partner_to_my_partners_once(live_server, world):
    require_concurrent_database()
    partner = PartnerFactory(name="CAF du Nord")
    browser = Browser(live_server, world.lille.mediator)
    page = browser.open_form(MY_PARTNER_ADD)
    key = hidden_value(page.body, "submission_key")
    body = {"partner": partner.pk, "since": "2024-02-01", "notes": "", "submission_key": key}

    replies = post_together(browser, MY_PARTNER_ADD, [body] * CLICKS)

    assert MediatorPartner.objects.filter(mediator=world.lille.mediator, partner=partner).count() == 1
    assert [reply.status for reply in replies] == [200] * CLICKS
    assert {reply.path for reply in replies} == {reverse("partners:my_partners")}
