"""A mediator hands a pending referral to another post, or back to the coordination, with a
reason; coordinators assign it again; each step is recorded and shown to the staff on the
referral's page. The professional who referred hears of none of these steps."""

import pytest
from django.urls import reverse
from django.utils import timezone

from partners.models import Referral, ReferralEvent

from .factories import ReferralFactory

pytestmark = pytest.mark.django_db


def url(name, referral):
    return reverse(f"partners:{name}", kwargs={"pk": referral.pk})


@pytest.fixture
def referral(world):
    return ReferralFactory(commune=world.lille.commune, post=world.lille.post)


def test_the_holder_hands_a_referral_to_another_post(client, world, referral, mailoutbox, committed):
    client.force_login(world.lille.mediator)
    response = committed(
        client.post,
        url("referral_hand_over", referral),
        {"post": world.roubaix.post.pk, "reason": "La personne habite à Roubaix"},
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.post == world.roubaix.post and referral.status == "pending"
    [event] = referral.events.all()
    assert (event.kind, event.by, event.from_post, event.to_post) == (
        ReferralEvent.Kind.HANDED_OVER,
        world.lille.mediator,
        world.lille.post,
        world.roubaix.post,
    )
    [mail] = mailoutbox  # the new holder, not the professional
    assert mail.to == [world.roubaix.mediator.email]
    assert referral.referrer_email not in mail.to and "BENALI" not in mail.body

    client.force_login(world.roubaix.mediator)
    html = client.get(url("referral_detail", referral)).content.decode()
    assert "confiée à un autre poste (du poste HDF-59-59350 au poste HDF-59-59512)" in html
    assert "La personne habite à Roubaix" in html
    client.force_login(world.lille.mediator)  # no longer hers
    assert client.get(url("referral_detail", referral)).status_code == 404


def test_a_reason_is_required(client, world, referral):
    client.force_login(world.lille.mediator)
    response = client.post(url("referral_hand_over", referral), {"post": world.roubaix.post.pk, "reason": ""})
    assert response.status_code == 200
    assert "Indiquez pourquoi vous confiez cette orientation." in response.content.decode()
    referral.refresh_from_db()
    assert referral.post == world.lille.post and not referral.events.exists()


def test_handed_back_it_waits_for_the_coordinators_who_assign_it(client, world, referral, mailoutbox, committed):
    client.force_login(world.lille.mediator)
    committed(client.post, url("referral_hand_over", referral), {"post": "", "reason": "Hors de mon secteur"})
    referral.refresh_from_db()
    assert referral.post is None
    [mail] = mailoutbox  # the coordinators are told, the professional is not
    assert world.coordinator_nord.email in mail.to and referral.referrer_email not in mail.to

    client.force_login(world.coordinator_nord)
    assert referral.reference in client.get(reverse("partners:referral_routing")).content.decode()
    committed(client.post, url("referral_assign", referral), {"post": world.roubaix.post.pk})
    referral.refresh_from_db()
    assert referral.post == world.roubaix.post
    assert [e.kind for e in referral.events.all()] == [ReferralEvent.Kind.HANDED_BACK, ReferralEvent.Kind.ASSIGNED]
    assert all(referral.referrer_email not in m.to for m in mailoutbox)


def test_only_the_holder_of_the_post_hands_it_over(client, world, referral):
    for user in (world.roubaix.mediator, world.coordinator_nord, world.lille.manager):
        client.force_login(user)
        response = client.post(url("referral_hand_over", referral), {"post": world.roubaix.post.pk, "reason": "x"})
        assert response.status_code in (403, 404), user
    assert Referral.objects.get(pk=referral.pk).post == world.lille.post


def test_a_handled_referral_cannot_be_handed_over(client, world, referral):
    Referral.objects.filter(pk=referral.pk).update(status="accepted", decided_at=timezone.now())
    client.force_login(world.lille.mediator)
    response = client.post(
        url("referral_hand_over", referral), {"post": world.roubaix.post.pk, "reason": "x"}, follow=True
    )
    assert "déjà été traitée" in response.content.decode()
    assert Referral.objects.get(pk=referral.pk).post == world.lille.post
