"""A double click on "Ouvrir la campagne" opens one campaign, also when the clicks reach the server
at the same moment: every click lands on the campaign, none on the "a campaign already covers"
refusal (the campaign covering is this very one). Another coordinator's form is still refused."""

import pytest
from django.urls import reverse

from mediation.enums import Role
from reporting.models import AnnualBilan, Campaign
from tests.concurrency import Browser, hidden_value, post_together, require_concurrent_database
from tests.conftest import enable_totp
from tests.factories import department, make_user

from .campaign_factories import YEAR, mediator_on, post_in

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

CLICKS = 5
CREATE = reverse("campaigns:campaign_create")


def coordinator_browser(live_server):
    coordinator = make_user(Role.COORDINATOR, departments=[department("59")])
    enable_totp(coordinator)
    return Browser(live_server, coordinator)


def campaign_form(browser):
    page = browser.open_form(CREATE)
    return {
        "year": YEAR,
        "departments": [department("59").pk],
        "deadline": "2100-02-28",
        "submission_key": hidden_value(page.body, "submission_key"),
    }


def test_simultaneous_clicks_open_one_campaign(live_server):
    require_concurrent_database()
    mediator_on(post_in("59"))
    browser = coordinator_browser(live_server)

    replies = post_together(browser, CREATE, [campaign_form(browser)] * CLICKS)

    campaign = Campaign.objects.get()
    assert AnnualBilan.objects.count() == 1
    assert [reply.status for reply in replies] == [200] * CLICKS
    assert {reply.path for reply in replies} == {reverse("campaigns:campaign_detail", args=[campaign.pk])}
    assert not any("couvre déjà" in reply.body for reply in replies)


def test_another_form_for_the_same_year_and_scope_is_still_refused(live_server):
    browser = coordinator_browser(live_server)
    first, other = campaign_form(browser), campaign_form(browser)
    browser.post(CREATE, first)

    refused = browser.post(CREATE, other)

    assert Campaign.objects.count() == 1
    assert refused.path == CREATE
    assert f"Une campagne {YEAR} couvre déjà : Nord" in refused.body
