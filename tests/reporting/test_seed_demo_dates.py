"""The demo follows today's date (last year complete, this year in progress up to today, the year
before for comparison) and `seed_demo` puts it back exactly, removing what was added since; it
never wipes a database that is not the demo, nor without DEBUG or --yes-reset."""

import datetime
import io
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Max, Min
from django.test import override_settings
from django.utils import timezone

from accompaniments.enums import RequestStatus
from accompaniments.models import Beneficiary, Sheet, SheetRequest
from mediation import demo_data
from mediation.enums import Vocabulary
from mediation.models import Department, ImportRun, Post, PostHolding, User, VocabularyItem
from partners.models import CollectiveAction, Orientation, OutreachSession, Partner, Referral
from reporting.enums import BilanState
from reporting.management.commands.seed_demo import fingerprint
from reporting.models import AnnualBilan, Campaign

pytestmark = pytest.mark.django_db

EARLY_IN_THE_YEAR = datetime.date(2026, 3, 10)
LATE_IN_THE_YEAR = datetime.date(2027, 11, 20)


@pytest.fixture(autouse=True)
def few_sheets(monkeypatch):
    """The demo's thousands of sheets take a minute to build; a few dozen prove the same."""
    monkeypatch.setattr(demo_data, "DEMO_SHEETS", 60)
    monkeypatch.setattr(demo_data, "DEMO_SHEETS_BEFORE", 40)


def frozen(today):
    """Today's date (and the clock, at noon) as the application reads them."""
    noon = timezone.make_aware(datetime.datetime.combine(today, datetime.time(12, 0)))
    return mock.patch("django.utils.timezone.now", return_value=noon)


def seed(today, **options):
    out = io.StringIO()
    with frozen(today):
        call_command("seed_demo", stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


def add_partner(name):
    category = VocabularyItem.objects.of(Vocabulary.PARTNER_CATEGORY).first()
    return Partner.objects.create(department=Department.objects.get(code="59"), name=name, category=category)


def days_late(campaign, today):
    return (today - campaign.deadline).days


@pytest.mark.parametrize("today", [EARLY_IN_THE_YEAR, LATE_IN_THE_YEAR], ids=str)
def test_the_demo_follows_today(today):
    seed(today)
    last_year, this_year = today.year - 1, today.year

    # Last year complete, the year before it to compare with, this year up to today only.
    months = {d.month for d in Sheet.objects.for_year(last_year).values_list("opened_on", flat=True)}
    assert len(months) >= 10
    assert Sheet.objects.for_year(last_year - 1).exists()
    this_years = Sheet.objects.for_year(this_year)
    assert this_years.exists()
    assert this_years.aggregate(last=Max("opened_on"))["last"] <= today
    assert Sheet.objects.aggregate(last=Max("opened_on"))["last"] <= today
    assert not Sheet.objects.filter(opened_on__year__gt=this_year).exists()
    assert not SheetRequest.objects.filter(closed_on__gt=today).exists()
    for model in (Orientation, OutreachSession, CollectiveAction):
        assert not model.objects.filter(date__gt=today).exists(), model
        assert model.objects.for_year(this_year).exists(), model
    end_of_today = timezone.make_aware(datetime.datetime.combine(today, datetime.time(23, 59)))
    assert not Referral.objects.filter(received_at__gt=end_of_today).exists()
    assert Referral.objects.filter(received_at__year=this_year).exists()
    # A follow-up left behind is weeks late at most, not years.
    oldest_due = SheetRequest.objects.filter(status=RequestStatus.IN_PROGRESS).aggregate(d=Min("follow_up_on"))["d"]
    assert (today - oldest_due).days < 60

    # Posts and holders moved with the years: opened one to four years before the demo year.
    for post in Post.objects.all():
        assert last_year - 4 <= post.start_date.year <= last_year - 1
    assert not PostHolding.objects.filter(start_date__gt=today).exists()
    assert not PostHolding.objects.filter(end_date__gt=today).exists()

    # Last year's campaign, opened in January, late by a realistic number of days at most.
    campaign = Campaign.objects.get(year=last_year, imported=False)
    opened = timezone.localdate(campaign.opened_at)
    assert (opened.year, opened.month) == (this_year, 1)
    assert opened <= today and opened < campaign.deadline
    assert days_late(campaign, today) < 60
    states = set(campaign.bilans.values_list("state", flat=True))
    assert {BilanState.SUBMITTED, BilanState.VALIDATED, BilanState.NOT_STARTED} <= states
    for bilan in campaign.bilans.exclude(submitted_at=None):
        assert opened <= timezone.localdate(bilan.submitted_at) <= today
    assert Campaign.objects.filter(year=last_year - 1, imported=True).exists()


def test_early_in_the_year_the_deadline_is_the_end_of_february():
    seed(datetime.date(2026, 2, 3))
    campaign = Campaign.objects.get(year=2025, imported=False)
    assert campaign.deadline == datetime.date(2026, 2, 27)
    assert not Sheet.objects.filter(opened_on__gt=datetime.date(2026, 2, 3)).exists()


def test_the_same_day_gives_the_same_demo_and_a_reseed_removes_what_was_added():
    today = LATE_IN_THE_YEAR
    seed(today)
    first = fingerprint()

    # A day of use of the demo: a person and a sheet, a partner, a referral, a bilan edit, an
    # account, an import run.
    sheet = Sheet.objects.order_by("pk").first()
    person = Beneficiary.objects.create(
        structure=sheet.beneficiary.structure, referent=sheet.mediator, last_name="AJOUT", first_name="Test"
    )
    Sheet.objects.create(beneficiary=person, mediator=sheet.mediator, post=sheet.post, opened_on=today)
    add_partner("Partenaire ajouté")
    Referral.objects.filter(pk=Referral.objects.order_by("pk").first().pk).update(patient_last_name="MODIFIÉ")
    bilan = AnnualBilan.objects.exclude(mediator=None).order_by("pk").first()
    AnnualBilan.objects.filter(pk=bilan.pk).update(what_helped="Réponse changée")
    newcomer = User.objects.create_user("nouvelle@exemple.fr", "motdepasse-de-test-123")
    ImportRun.objects.create(kind="fiches", dry_run=True, user=newcomer, file_name="fiches.csv")
    assert fingerprint() != first

    output = seed(today, yes_reset=True)
    assert "Effacé avant de tout refaire" in output
    assert fingerprint() == first
    assert not Beneficiary.objects.filter(last_name="AJOUT").exists()
    assert not Partner.objects.filter(name="Partenaire ajouté").exists()
    assert not Referral.objects.filter(patient_last_name="MODIFIÉ").exists()
    assert AnnualBilan.objects.get(pk=bilan.pk).what_helped != "Réponse changée"
    assert not User.objects.filter(email="nouvelle@exemple.fr").exists()
    assert not ImportRun.objects.exists()
    assert User.objects.get(email="mediatrice@demo.fr").check_password(demo_data.DEMO_PASSWORD)

    # Nothing added since: a second run on the same day changes nothing, even without DEBUG.
    assert "rien à changer" in seed(today)
    assert fingerprint() == first


def test_without_debug_nor_yes_reset_nothing_is_removed():
    seed(EARLY_IN_THE_YEAR)
    add_partner("Partenaire ajouté")
    sheets = Sheet.objects.count()
    with pytest.raises(CommandError, match="--yes-reset"):
        seed(EARLY_IN_THE_YEAR)
    assert Partner.objects.filter(name="Partenaire ajouté").exists()
    assert Sheet.objects.count() == sheets
    with override_settings(DEBUG=True):  # the development settings of `make run`
        seed(EARLY_IN_THE_YEAR)
    assert not Partner.objects.filter(name="Partenaire ajouté").exists()


def test_a_database_that_is_not_the_demo_is_never_wiped():
    User.objects.create_user("coordination@ars.example.fr", "motdepasse-de-test-123")
    add_partner("CPAM réelle")
    with pytest.raises(CommandError, match="pas celle de la démonstration"):
        seed(EARLY_IN_THE_YEAR, yes_reset=True)
    assert User.objects.filter(email="coordination@ars.example.fr").exists()
    assert Partner.objects.filter(name="CPAM réelle").exists()
    assert not User.objects.filter(email__endswith="@demo.fr").exists()
