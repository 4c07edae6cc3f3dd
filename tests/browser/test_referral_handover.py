"""A referral waits on the home page of the mediator it was routed to; she hands it to a
colleague better placed, who accepts it there into a sheet."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accompaniments.models import Sheet
from mediation.models import Commune
from partners.enums import ReferralStatus
from tests.factories import PostFactory, StructureFactory, department, make_mediator
from tests.partners.factories import ReferralFactory

from .test_partners import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SHOTS = "/tmp/h14_referral_handover_{}.png"  # noqa: S108  (looked at by hand, never read back)


def team(insee_code, name, code):
    # The migrations load Hauts-de-France's communes: the real one is there.
    commune, _ = Commune.objects.get_or_create(
        insee_code=insee_code, defaults={"name": name, "department": department("59")}
    )
    structure = StructureFactory(name=f"Centre social {name}", commune=commune)
    post = PostFactory(code=code, structure=structure)
    post.communes.set([commune])
    return commune, post, make_mediator(structure=structure, post=post, first_name="Médiatrice", last_name=name)


def test_a_waiting_referral_is_handed_to_another_post_and_accepted_there(new_page):
    lille, lille_post, lille_mediator = team("59350", "Lille", "HDF-59-01")
    _, roubaix_post, roubaix_mediator = team("59512", "Roubaix", "HDF-59-02")
    referral = ReferralFactory(
        commune=lille,
        post=lille_post,
        patient_last_name="Zerbib",
        received_at=timezone.now() - datetime.timedelta(days=12),
    )

    first = new_page()
    log_in(first, lille_mediator.email)
    first.goto("/")
    notice = first.get_by_text("Une orientation reçue attend votre réponse, la plus ancienne depuis 12 jours")
    expect(notice).to_be_visible()
    first.screenshot(path=SHOTS.format(1), full_page=True)
    first.get_by_role("link", name="Voir les orientations reçues").click()
    first.get_by_role("link", name=referral.reference).click()
    first.get_by_role("link", name="Confier à un autre poste").click()
    first.get_by_label("Confier à").select_option(str(roubaix_post.pk))
    first.get_by_label("Motif").fill("La personne a déménagé à Roubaix")
    first.screenshot(path=SHOTS.format(2), full_page=True)
    first.get_by_role("button", name="Confier l'orientation").click()
    expect(first.get_by_text(f"Orientation {referral.reference} confiée au poste")).to_be_visible()

    second = new_page()
    log_in(second, roubaix_mediator.email)
    second.goto(f"/partenaires/orientations-recues/{referral.pk}/")
    expect(second.get_by_text("La personne a déménagé à Roubaix")).to_be_visible()
    second.screenshot(path=SHOTS.format(3), full_page=True)
    second.get_by_role("link", name="Accepter et ouvrir une fiche").click()
    second.get_by_role("button", name="Accepter et ouvrir la fiche").click()

    sheet = Sheet.objects.get()
    expect(second).to_have_url(re.compile(rf"/accompagnements/fiches/{sheet.pk}/$"))
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED and sheet.post == roubaix_post
    assert sheet.mediator == roubaix_mediator
