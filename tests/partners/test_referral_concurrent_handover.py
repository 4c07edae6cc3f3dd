"""A hand-over and an acceptance of the same referral at the same moment (two tabs): one wins,
the other is told in French that the referral was handled meanwhile."""

import html

import pytest
from django.urls import reverse

from accompaniments.models import Sheet
from partners.models import Referral
from tests.concurrency import Browser, require_concurrent_database, simultaneously

from .factories import ReferralFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ALREADY = "Cette orientation a déjà été traitée entre-temps"


def test_a_simultaneous_hand_over_and_acceptance_let_one_win(live_server, world):
    require_concurrent_database()
    referral = ReferralFactory(commune=world.lille.commune, post=world.lille.post)
    # Two sessions of the holder (two devices): each keeps its own messages.
    hand_over_tab, accept_tab = (
        Browser(live_server, user=world.lille.mediator),
        Browser(live_server, user=world.lille.mediator),
    )
    hand_over_tab.open_form(reverse("partners:referral_hand_over", kwargs={"pk": referral.pk}))
    accept_tab.open_form(reverse("partners:referral_accept", kwargs={"pk": referral.pk}))

    replies = simultaneously(
        lambda: hand_over_tab.post(
            reverse("partners:referral_hand_over", kwargs={"pk": referral.pk}),
            {"post": world.roubaix.post.pk, "reason": "La personne habite à Roubaix"},
        ),
        lambda: accept_tab.post(
            reverse("partners:referral_accept", kwargs={"pk": referral.pk}), {"beneficiary": "", "action": "accept"}
        ),
    )

    referral.refresh_from_db()
    handed_over = referral.post_id == world.roubaix.post.pk
    accepted = referral.status == "accepted"
    assert handed_over != accepted  # exactly one won
    assert Sheet.objects.count() == (1 if accepted else 0)
    assert referral.events.count() == (1 if handed_over else 0)
    assert all(reply.status == 200 for reply in replies), [reply.status for reply in replies]
    loser = replies[1] if handed_over else replies[0]
    assert ALREADY in html.unescape(loser.body)
    assert Referral.objects.count() == 1
