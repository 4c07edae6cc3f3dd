"""Referrals that nobody handles: after REFERRAL_REMINDER_DAYS the post's holder is reminded,
once; after REFERRAL_ESCALATION_DAYS the department's coordinators are told, and their routing
page shows how long each has waited. Run through the daily jobs, as the scheduler runs them;
the e-mails hold a count and a link, never a name."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from mediation import operations
from mediation.models import JobRun

from .factories import ReferralFactory

pytestmark = pytest.mark.django_db


def days_ago(days):
    return timezone.now() - datetime.timedelta(days=days, minutes=1)


def run_reminders(committed):
    [job] = [job for job in operations.DAILY_JOBS if job.name == "referral_reminders"]
    [run] = committed(operations.run_daily_jobs, [job])
    return run


def test_the_reminders_are_one_of_the_daily_jobs():
    assert "referral_reminders" in operations.JOB_LABELS
    assert "referral_reminders" in {job.name for job in operations.due_jobs(timezone.now())}


def test_a_referral_waiting_past_the_delay_reminds_the_holder_once(world, mailoutbox, committed, settings):
    settings.REFERRAL_REMINDER_DAYS = 10
    ReferralFactory(commune=world.lille.commune, post=world.lille.post, received_at=days_ago(10))
    ReferralFactory(commune=world.lille.commune, post=world.lille.post, received_at=days_ago(12))
    ReferralFactory(commune=world.lille.commune, post=world.lille.post, received_at=days_ago(9))  # not yet

    run = run_reminders(committed)

    assert run.succeeded and run.counts["relances"] == 2
    assert JobRun.objects.filter(job="referral_reminders", succeeded=True).count() == 1
    [mail] = mailoutbox
    assert mail.to == [world.lille.mediator.email]
    assert "2 orientations reçues attendent votre réponse depuis plus de 10 jours" in mail.body
    assert reverse("partners:referral_inbox") in mail.body
    for secret in ("BENALI", "Samira", "ORI-"):
        assert secret not in mail.body and secret not in mail.subject

    run_reminders(committed)  # the same day again, or tomorrow: nothing more
    assert len(mailoutbox) == 1


def test_the_delay_is_the_setting(world, mailoutbox, committed, settings):
    settings.REFERRAL_REMINDER_DAYS = 3
    ReferralFactory(commune=world.lille.commune, post=world.lille.post, received_at=days_ago(4))
    run_reminders(committed)
    assert len(mailoutbox) == 1 and "depuis plus de 3 jours" in mailoutbox[0].body


def test_a_handled_referral_reminds_nobody(world, mailoutbox, committed):
    ReferralFactory(
        commune=world.lille.commune,
        post=world.lille.post,
        received_at=days_ago(30),
        status="declined",
        decided_at=timezone.now(),
    )
    run = run_reminders(committed)
    assert run.counts == {
        "relances": 0,
        "mediateurs_relances": 0,
        "signalees_coordination": 0,
        "coordinateurs_prevenus": 0,
    }
    assert mailoutbox == []


def test_after_the_second_delay_the_coordinators_are_told_and_see_the_wait(client, world, mailoutbox, committed):
    waiting = ReferralFactory(commune=world.lille.commune, post=world.lille.post, received_at=days_ago(21))
    ReferralFactory(commune=world.amiens.commune, post=world.amiens.post, received_at=days_ago(5))

    run = run_reminders(committed)

    assert run.counts["signalees_coordination"] == 1
    to_coordinators = [mail for mail in mailoutbox if world.coordinator_nord.email in mail.to]
    [mail] = to_coordinators
    assert world.coordinator_region.email in mail.to and world.coordinator_somme.email not in mail.to
    assert "Une orientation reçue attend depuis plus de 20 jours" in mail.body
    assert reverse("partners:referral_routing") in mail.body
    assert "BENALI" not in mail.body and waiting.reference not in mail.body
    sent = len(mailoutbox)
    run_reminders(committed)
    assert len(mailoutbox) == sent

    client.force_login(world.coordinator_nord)
    html = client.get(reverse("partners:referral_routing")).content.decode()
    assert waiting.reference in html and "21 jours" in html
    assert "BENALI" not in html
    client.force_login(world.coordinator_somme)
    assert waiting.reference not in client.get(reverse("partners:referral_routing")).content.decode()


def test_the_mediator_home_page_says_how_many_referrals_wait_and_since_when(client, world):
    home = reverse("accompaniments:home")
    client.force_login(world.lille.mediator)
    assert "attend votre réponse" not in client.get(home).content.decode()  # nothing waits: no notice
    ReferralFactory(commune=world.lille.commune, post=world.lille.post, received_at=days_ago(12))
    ReferralFactory(commune=world.lille.commune, post=world.lille.post, received_at=days_ago(3))
    ReferralFactory(commune=world.roubaix.commune, post=world.roubaix.post, received_at=days_ago(30))  # not hers

    html = client.get(home).content.decode()
    assert "2 orientations reçues attendent votre réponse, la plus ancienne depuis 12 jours" in html
    assert reverse("partners:referral_inbox") in html
    assert "BENALI" not in html
