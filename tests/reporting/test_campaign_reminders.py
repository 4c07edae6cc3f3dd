"""Reminders: the late mediators get one e-mail, never two the same day, from the button or
from the daily command after the deadline."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from mediation.enums import Role
from mediation.models import User
from reporting.campaigns import open_campaign, send_reminders
from reporting.enums import BilanState
from reporting.models import Campaign
from tests.conftest import enable_totp
from tests.factories import department, make_user

from .campaign_factories import YEAR, D, mediator_on, post_in

pytestmark = pytest.mark.django_db

BASE_URL = "https://mediation.example.fr/"


@pytest.fixture
def coordinator():
    user = make_user(Role.COORDINATOR, departments=[department("59")])
    enable_totp(user)
    return user


@pytest.fixture
def campaign(coordinator):
    """One mediator in each state: not started, draft and sent back are late."""
    states = list(BilanState)  # not started, draft, submitted, sent back, validated
    for index in range(len(states)):
        mediator_on(post_in("59"), email=f"mediatrice{index}@exemple.fr")
    opened = open_campaign(by=coordinator, year=YEAR, deadline=D(2100, 2, 28), departments=[department("59")])
    for index, state in enumerate(states):
        opened.bilans.filter(mediator__email=f"mediatrice{index}@exemple.fr").update(
            state=state, validated_at=timezone.now() if state == BilanState.VALIDATED else None
        )
    return opened


def recipients(mailoutbox):
    return sorted(address for message in mailoutbox for address in message.to)


def test_only_the_mediators_whose_bilan_is_not_submitted_are_reminded(
    campaign, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert send_reminders(campaign, base_url=BASE_URL) == 3
    assert recipients(mailoutbox) == ["mediatrice0@exemple.fr", "mediatrice1@exemple.fr", "mediatrice3@exemple.fr"]
    assert "https://mediation.example.fr/campagnes/mon-bilan/" in mailoutbox[0].body
    assert "bilan annuel 2024" in mailoutbox[0].subject
    campaign.refresh_from_db()
    assert campaign.reminder_sent_at is not None


def test_never_two_reminders_the_same_day(campaign, mailoutbox, django_capture_on_commit_callbacks):
    morning = timezone.make_aware(datetime.datetime(2100, 3, 2, 8, 0))
    evening = timezone.make_aware(datetime.datetime(2100, 3, 2, 23, 30))
    next_day = timezone.make_aware(datetime.datetime(2100, 3, 3, 0, 10))
    with django_capture_on_commit_callbacks(execute=True):
        assert send_reminders(campaign, base_url=BASE_URL, now=morning) == 3
        assert send_reminders(campaign, base_url=BASE_URL, now=evening) is None
        assert send_reminders(campaign, base_url=BASE_URL, now=next_day) == 3
    assert len(mailoutbox) == 6


def test_a_closed_account_gets_no_reminder(campaign, mailoutbox, django_capture_on_commit_callbacks):
    User.objects.filter(email="mediatrice0@exemple.fr").update(is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert send_reminders(campaign, base_url=BASE_URL) == 2
    assert "mediatrice0@exemple.fr" not in recipients(mailoutbox)


def test_the_button_reminds_then_says_it_was_done_today(
    client, coordinator, campaign, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    url = reverse("campaigns:campaign_remind", kwargs={"pk": campaign.pk})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, follow=True)
    assert "Relance envoyée par e-mail : 3 médiateur·rices" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, follow=True)
    assert "déjà été relancés aujourd&#x27;hui" in response.content.decode()
    assert len(mailoutbox) == 3
    assert client.get(url).status_code == 405


def test_the_daily_command_reminds_only_after_the_deadline(campaign, mailoutbox, django_capture_on_commit_callbacks):
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_campaign_reminders", base_url=BASE_URL, stdout=out)
    assert mailoutbox == []  # deadline not reached

    Campaign.objects.filter(pk=campaign.pk).update(deadline=timezone.localdate() - datetime.timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_campaign_reminders", base_url=BASE_URL, stdout=out)
        call_command("send_campaign_reminders", base_url=BASE_URL, stdout=out)
    assert len(mailoutbox) == 3
    assert "déjà relancée aujourd'hui" in out.getvalue()

    Campaign.objects.filter(pk=campaign.pk).update(
        deadline=timezone.localdate() - datetime.timedelta(days=200), reminder_sent_at=None
    )
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_campaign_reminders", base_url=BASE_URL, stdout=out)
    assert len(mailoutbox) == 3  # too long ago


def test_the_command_needs_the_sites_address(monkeypatch):
    monkeypatch.delenv("SITE_URL", raising=False)
    with pytest.raises(CommandError, match="adresse du site"):
        call_command("send_campaign_reminders", base_url="")


def test_a_departmental_coordinator_cannot_remind_a_regional_campaign(client, mailoutbox):
    from tests.factories import hauts_de_france

    mediator_on(post_in("80"))
    regional = open_campaign(
        by=make_user(Role.COORDINATOR, region=hauts_de_france()),
        year=YEAR,
        deadline=D(2100, 2, 28),
        region=hauts_de_france(),
    )
    nord = make_user(Role.COORDINATOR, departments=[department("59")])
    enable_totp(nord)
    client.force_login(nord)
    page = client.get(reverse("campaigns:campaign_detail", kwargs={"pk": regional.pk})).content.decode()
    assert "Relancer les retardataires" not in page
    response = client.post(reverse("campaigns:campaign_remind", kwargs={"pk": regional.pk}), follow=True)
    assert "sa relance revient à la coordination" in response.content.decode()
    assert mailoutbox == []
    regional.refresh_from_db()
    assert regional.reminder_sent_at is None
