"""A double click on "Relancer les retardataires" reminds each late mediator once, also when the
clicks reach the server at the same moment: one e-mail queued per late mediator, and every click
lands on the campaign's page."""

import pytest
from django.urls import reverse

from mediation.enums import Role
from mediation.models import OutgoingEmail
from mediation.settings import base
from reporting.campaigns import open_campaign
from tests.concurrency import Browser, post_together, require_concurrent_database
from tests.conftest import enable_totp
from tests.factories import department, make_user

from .campaign_factories import YEAR, D, mediator_on, post_in

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

CLICKS = 5
LATE = 2


def test_simultaneous_clicks_send_one_reminder_per_late_mediator(live_server, settings):
    require_concurrent_database()
    settings.EMAIL_BACKEND = base.EMAIL_BACKEND  # the app's queue: one OutgoingEmail per e-mail
    coordinator = make_user(Role.COORDINATOR, departments=[department("59")])
    enable_totp(coordinator)
    for index in range(LATE):
        mediator_on(post_in("59"), email=f"mediatrice{index}@exemple.fr")
    campaign = open_campaign(by=coordinator, year=YEAR, deadline=D(2100, 2, 28), departments=[department("59")])
    detail = reverse("campaigns:campaign_detail", args=[campaign.pk])
    browser = Browser(live_server, coordinator)
    browser.open_form(detail)

    replies = post_together(browser, reverse("campaigns:campaign_remind", args=[campaign.pk]), [{}] * CLICKS)

    assert [reply.status for reply in replies] == [200] * CLICKS
    assert {reply.path for reply in replies} == {detail}
    reminders = OutgoingEmail.objects.filter(kind__contains="bilan annuel")
    assert sorted(reminders.values_list("recipients", flat=True)) == [
        f"mediatrice{index}@exemple.fr" for index in range(LATE)
    ]
