"""The digest e-mail a mediator opts into: daily or on Mondays, from the daily jobs, with how many
follow-ups are due (as « À relancer » counts them) and how many referrals wait for her posts,
links to both pages, and never a name, a phone, a request type or anything on health. Nothing
is sent when nothing waits, and never twice for the same day (or week)."""

import datetime
import functools
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mediation import operations
from mediation.enums import Role
from mediation.models import JobRun
from partners.digest import DIGESTS, send_digests
from partners.enums import DigestFrequency
from partners.models import DigestSubscription
from tests.accompaniments.factories import BeneficiaryFactory, SheetFactory, SheetRequestFactory
from tests.factories import PostFactory, make_mediator, make_user

from .factories import ReferralFactory

pytestmark = pytest.mark.django_db

SITE = "https://mediation-sante.example.fr"
MONDAY = datetime.date(2026, 11, 30)
SETTINGS_URL = reverse("partners:digest_settings")
# What the e-mail must never carry: the person's names and phone, the request's type and domain,
# the referred patient's name and phone, the referral's reference.
SECRETS = ("Zéphyrine", "ZANZIBAR", "Philomène", "06 98 76 54 32", "complémentaire", "Accès aux", "Benali", "ORI-")


def at_nine(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))


def digest_job(day=None):
    """The registered job as the daily jobs run it; on another day when `day` is given."""
    if day is None:
        return DIGESTS
    return operations.DailyJob(DIGESTS.name, DIGESTS.label, functools.partial(send_digests, now=at_nine(day)))


def run_digests(committed, day=None):
    [run] = committed(operations.run_daily_jobs, [digest_job(day)])
    assert run.succeeded, run.error
    return run


def subscribe(user, frequency, last_sent_on=None):
    return DigestSubscription.objects.create(user=user, frequency=frequency, last_sent_on=last_sent_on)


def due_request(mediator, *, post, follow_up_on, **kwargs):
    person = BeneficiaryFactory(
        structure=post.structure,
        referent=mediator,
        last_name="Zanzibar-Zéphyrine",
        first_name="Philomène",
        phone="06 98 76 54 32",
    )
    sheet = SheetFactory(beneficiary=person, post=post, mediator=mediator)
    return SheetRequestFactory(sheet=sheet, follow_up_on=follow_up_on, **kwargs)


@pytest.fixture
def lille(world, settings):
    settings.SITE_URL = SITE + "/"  # a trailing slash does not double in the links
    return world.lille


def test_the_digest_is_one_of_the_daily_jobs():
    assert DIGESTS.name in operations.JOB_LABELS
    assert DIGESTS in operations.DAILY_JOBS


def test_a_daily_digest_counts_and_links_without_any_name(client, lille, world, mailoutbox, committed):
    today = timezone.localdate()
    mediator, post = lille.mediator, lille.post
    due_request(mediator, post=post, follow_up_on=today)
    due_request(mediator, post=post, follow_up_on=today - datetime.timedelta(days=5))
    due_request(mediator, post=post, follow_up_on=today - datetime.timedelta(days=1), care=True)
    due_request(mediator, post=post, follow_up_on=today + datetime.timedelta(days=1))  # not yet
    due_request(mediator, post=post, follow_up_on=today - datetime.timedelta(days=3), resolved=True)  # closed
    due_request(world.roubaix.mediator, post=world.roubaix.post, follow_up_on=today)  # not hers
    # Her sheet in a structure she left: out of her scope, on the page as in the e-mail.
    due_request(mediator, post=world.amiens.post, follow_up_on=today)
    ReferralFactory(commune=lille.commune, post=post, received_at=timezone.now() - datetime.timedelta(days=6))
    ReferralFactory(commune=lille.commune, post=post)
    ReferralFactory(commune=world.roubaix.commune, post=world.roubaix.post)  # not her post
    subscribe(mediator, DigestFrequency.DAILY)

    call = committed(call_command, "run_daily_jobs", "--job", DIGESTS.name)  # the operators' entry point

    assert call is None
    run = JobRun.objects.get(job=DIGESTS.name)
    assert run.succeeded and run.counts == {"recapitulatifs_envoyes": 1, "rien_a_signaler": 0}
    [mail] = mailoutbox
    assert mail.to == [mediator.email]
    assert mail.subject == "Votre récapitulatif : 3 relances et 2 orientations en attente"
    assert "3 demandes sont à relancer." in mail.body
    assert "2 orientations reçues attendent votre réponse, la plus ancienne depuis 6 jours." in mail.body
    assert SITE + reverse("accompaniments:follow_ups") + "\n" in mail.body
    assert SITE + reverse("partners:referral_inbox") + "\n" in mail.body
    assert SITE + SETTINGS_URL in mail.body and "//" not in mail.body.replace("https://", "")
    for secret in SECRETS:
        assert secret.lower() not in (mail.subject + mail.body).lower(), secret
    # The count is the one « À relancer » shows her.
    client.force_login(mediator)
    page = client.get(reverse("accompaniments:follow_ups")).content.decode()
    assert "3 demandes en cours dont la date de relance est arrivée" in page


def test_a_daily_digest_leaves_once_a_day(lille, mailoutbox, committed):
    today = timezone.localdate()
    due_request(lille.mediator, post=lille.post, follow_up_on=today)
    subscription = subscribe(lille.mediator, DigestFrequency.DAILY)

    run_digests(committed)
    second = run_digests(committed)  # the scheduler restarted, or an operator ran it by hand

    assert len(mailoutbox) == 1
    assert second.counts == {"recapitulatifs_envoyes": 0, "rien_a_signaler": 0}
    subscription.refresh_from_db()
    assert subscription.last_sent_on == today
    run_digests(committed, today + datetime.timedelta(days=1))  # the next morning, again
    assert len(mailoutbox) == 2 and "Une demande est à relancer." in mailoutbox[1].body


def test_a_weekly_digest_leaves_on_monday_or_at_the_first_run_after(lille, mailoutbox, committed):
    due_request(lille.mediator, post=lille.post, follow_up_on=MONDAY - datetime.timedelta(days=10))
    subscription = subscribe(lille.mediator, DigestFrequency.WEEKLY, last_sent_on=MONDAY - datetime.timedelta(days=7))

    run_digests(committed, MONDAY - datetime.timedelta(days=2))  # Saturday: last Monday's was sent
    assert mailoutbox == []
    run_digests(committed, MONDAY)
    assert len(mailoutbox) == 1 and "de la semaine" in mailoutbox[0].body
    for day in range(1, 7):  # the rest of the week: nothing more
        run_digests(committed, MONDAY + datetime.timedelta(days=day))
    assert len(mailoutbox) == 1

    # A week whose Monday run did not happen: Tuesday's run sends it, Wednesday's does not.
    subscription.last_sent_on = MONDAY
    subscription.save()
    run_digests(committed, MONDAY + datetime.timedelta(days=8))
    run_digests(committed, MONDAY + datetime.timedelta(days=9))
    assert len(mailoutbox) == 2


def test_nothing_is_sent_when_nothing_waits(lille, world, mailoutbox, committed):
    today = timezone.localdate()
    due_request(lille.mediator, post=lille.post, follow_up_on=today + datetime.timedelta(days=2))
    subscribe(lille.mediator, DigestFrequency.DAILY)

    run = run_digests(committed)

    assert mailoutbox == []
    assert run.counts == {"recapitulatifs_envoyes": 0, "rien_a_signaler": 1}


def test_only_subscribed_active_mediators_receive_it(lille, world, mailoutbox, committed):
    today = timezone.localdate()
    for team in (world.lille, world.roubaix, world.amiens):
        due_request(team.mediator, post=team.post, follow_up_on=today)
    subscribe(world.roubaix.mediator, DigestFrequency.NONE)  # chose none; Amiens never chose
    gone = make_mediator(structure=lille.structure, post=PostFactory(structure=lille.structure), is_active=False)
    due_request(gone, post=gone.post_holdings.get().post, follow_up_on=today)
    subscribe(gone, DigestFrequency.DAILY)
    subscribe(lille.mediator, DigestFrequency.DAILY)

    run_digests(committed)

    assert [mail.to for mail in mailoutbox] == [[lille.mediator.email]]


def test_a_referral_alone_is_worth_a_digest(lille, mailoutbox, committed):
    ReferralFactory(commune=lille.commune, post=lille.post, received_at=timezone.now())
    subscribe(lille.mediator, DigestFrequency.DAILY)

    run_digests(committed)

    [mail] = mailoutbox
    assert mail.subject == "Votre récapitulatif : 1 orientation en attente"
    assert "Aucune demande à relancer." in mail.body
    assert "Une orientation reçue attend votre réponse, depuis aujourd'hui." in mail.body
    assert reverse("accompaniments:follow_ups") not in mail.body


def subscribers(structure, number, today):
    for _ in range(number):
        post = PostFactory(structure=structure)
        mediator = make_mediator(structure=structure, post=post)
        due_request(mediator, post=post, follow_up_on=today)
        ReferralFactory(commune=post.structure.commune, post=post)
        subscribe(mediator, DigestFrequency.DAILY)


def test_the_counts_of_all_subscribers_take_a_fixed_number_of_queries(
    lille, mailoutbox, committed, django_assert_max_num_queries
):
    today = timezone.localdate()
    subscribers(lille.structure, 1, today)
    with CaptureQueriesContext(connection) as one:
        run_digests(committed)
    assert len(mailoutbox) == 1
    DigestSubscription.objects.update(last_sent_on=None)
    subscribers(lille.structure, 19, today)

    with django_assert_max_num_queries(len(one.captured_queries)):
        run_digests(committed)

    assert len(mailoutbox) == 1 + 20
    assert {re.search(r"(\d+) orientation", m.subject).group(1) for m in mailoutbox} == {"1"}


# ---------------------------------------------------------------- the preference page


def test_the_mediator_chooses_her_digest(client, lille):
    client.force_login(lille.mediator)
    page = client.get(SETTINGS_URL)
    html = page.content.decode()
    assert page.status_code == 200
    assert 'type="radio"' in html and "Chaque lundi" in html
    assert re.search(r'value="none"[^>]*checked', html)  # opt-in: nothing until she chooses
    assert "rien n'est envoyé un jour où rien ne vous attend" in html
    assert not DigestSubscription.objects.exists()

    response = client.post(SETTINGS_URL, {"frequency": "weekly"}, follow=True)

    assert response.redirect_chain == [(SETTINGS_URL, 302)]
    assert "vous recevrez un récapitulatif chaque lundi" in response.content.decode()
    assert DigestSubscription.objects.get(user=lille.mediator).frequency == DigestFrequency.WEEKLY
    client.post(SETTINGS_URL, {"frequency": "none"})
    assert DigestSubscription.objects.get(user=lille.mediator).frequency == DigestFrequency.NONE


def test_an_unknown_frequency_is_refused_in_french(client, lille):
    client.force_login(lille.mediator)
    response = client.post(SETTINGS_URL, {"frequency": "hourly"})
    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in response.content.decode()
    assert not DigestSubscription.objects.exists()


def test_the_page_is_in_the_mediator_menu(client, lille):
    client.force_login(lille.mediator)
    assert f'href="{SETTINGS_URL}"' in client.get(reverse("accompaniments:home")).content.decode()


@pytest.mark.parametrize("role", [Role.STRUCTURE_MANAGER, Role.COORDINATOR, Role.READER, Role.ADMIN])
def test_other_roles_are_refused(client, world, role):
    user = {
        Role.STRUCTURE_MANAGER: world.lille.manager,
        Role.COORDINATOR: world.coordinator_nord,
        Role.READER: world.reader,
        Role.ADMIN: world.admin,
    }[role]
    client.force_login(user)
    assert client.get(SETTINGS_URL).status_code == 403
    assert client.post(SETTINGS_URL, {"frequency": "daily"}).status_code == 403
    assert not DigestSubscription.objects.exists()


def test_a_visitor_is_sent_to_the_login_page(client):
    response = client.get(SETTINGS_URL)
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


def test_a_mediator_who_became_manager_gets_no_digest(world, mailoutbox, committed):
    user = make_user(Role.STRUCTURE_MANAGER, structure=world.lille.structure)
    due_request(user, post=world.lille.post, follow_up_on=timezone.localdate())
    subscribe(user, DigestFrequency.DAILY)
    run_digests(committed)
    assert mailoutbox == []
