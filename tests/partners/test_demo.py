"""The demo data of the partners app: believable volumes, idempotent, and consistent with the rules."""

import io

import pytest
from django.core.management import call_command
from django.db.models import F

from mediation import demo_data
from partners.enums import ReferralStatus
from partners.models import ActionPartner, CollectiveAction, MediatorPartner, OutreachSession, Partner, Referral

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def few_sheets(monkeypatch):
    monkeypatch.setattr(demo_data, "DEMO_SHEETS", 40)


def seed():
    out = io.StringIO()
    call_command("seed_demo", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (Partner, MediatorPartner, Referral, OutreachSession, CollectiveAction, ActionPartner)
    }


def test_the_demo_has_partners_referrals_and_activity_and_a_second_run_adds_nothing():
    seed()
    first = counts()
    assert 40 <= first["Partner"] <= 60
    assert first["Referral"] == 60
    # Last year's sessions and actions, and this year's up to today.
    assert 30 <= first["OutreachSession"] <= 120
    assert 40 <= first["CollectiveAction"] <= 140
    assert "rien à changer" in seed()
    assert counts() == first


def test_the_demo_referrals_follow_the_rules():
    seed()
    referrals = Referral.objects.all()
    assert {r.status for r in referrals} == set(ReferralStatus)
    accepted = referrals.filter(status=ReferralStatus.ACCEPTED)
    assert all(r.sheet and r.sheet.came_via.code == "partner_referral" for r in accepted)
    assert not referrals.filter(first_contact_at__lt=F("received_at")).exists()
    assert referrals.filter(post__isnull=True, status=ReferralStatus.PENDING).exists()
    assert referrals.filter(post__code="HDF-59-01", status=ReferralStatus.PENDING).count() >= 3
    assert not OutreachSession.objects.filter(people_accepted_presentation__gt=F("people_met")).exists()
    assert len({r.reference for r in referrals}) == 60
