"""The coordinator reviews a bilan's open answers in a real browser, taking a name out of the
published text; a reader then finds that text, and only that one, on the dashboard."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from mediation.enums import PostType, Role
from mediation.management.commands.totp_code import current_code
from reporting.enums import BilanState
from reporting.models import AnnualBilan, Campaign
from tests.conftest import enable_totp
from tests.factories import department, hauts_de_france, make_user

from .test_campaign import TOTP_MARGIN, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

YEAR = 2024


def signed_in(new_page, user):
    page = new_page()
    log_in(page, user.email)
    page.get_by_label("Code à 6 chiffres").fill(current_code(user, min_validity=TOTP_MARGIN))
    page.get_by_role("button", name="Valider").click()
    return page


def test_reviewed_answers_reach_the_reader_as_published(new_page):
    coordinator = make_user(Role.COORDINATOR, region=hauts_de_france(), first_name="Hélène", email="helene@exemple.fr")
    reader = make_user(Role.READER, region=hauts_de_france(), email="lecteur@exemple.fr")
    for user in (coordinator, reader):
        enable_totp(user)
    campaign = Campaign.objects.create(
        year=YEAR, region=hauts_de_france(), deadline=datetime.date(YEAR + 1, 2, 28), opened_by=coordinator
    )
    bilans = [
        AnnualBilan.objects.create(
            campaign=campaign,
            year=YEAR,
            department=department("59"),
            post_type=PostType.QPV,
            state=BilanState.VALIDATED,
            validated_at=timezone.now(),
            what_helped=text,
        )
        for text in (
            "Mme Durand, de la CPAM de Lille, m'a ouvert les portes.",
            "Les permanences en mairie.",
            "Le réseau des centres sociaux.",
        )
    ]

    coord = signed_in(new_page, coordinator)
    coord.goto(f"/campagnes/bilans/{bilans[0].pk}/")
    review = coord.locator("#relecture-reponses")
    expect(review.get_by_text("non relues")).to_be_visible()
    review.get_by_label("Ce qui a facilité l'action").fill("Une conseillère de la CPAM m'a ouvert les portes.")
    review.get_by_role("button", name="Réponses relues").click()
    expect(coord.get_by_text("Réponses relues : les textes enregistrés")).to_be_visible()
    expect(coord.locator("#relecture-reponses").get_by_text("Réponses relues", exact=True)).to_be_visible()

    coord.goto(f"/bilans/?annee={YEAR}&perimetre=region:32&vue=direct")
    answers = coord.locator("#bilans-annuels")
    expect(answers.get_by_text("Une conseillère de la CPAM")).to_be_visible()
    expect(answers.get_by_text("non relue")).to_have_count(2)

    page = signed_in(new_page, reader)
    page.goto(f"/bilans/?annee={YEAR}&perimetre=region:32")
    answers = page.locator("#bilans-annuels")
    expect(answers.get_by_text("Une conseillère de la CPAM m'a ouvert les portes.")).to_be_visible()
    expect(answers.get_by_text("Mme Durand")).to_have_count(0)
    expect(answers.get_by_text("Les permanences en mairie.")).to_have_count(0)
    expect(answers.get_by_text("non relue")).to_have_count(0)
