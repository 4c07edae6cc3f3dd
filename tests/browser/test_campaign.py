"""The yearly campaign in a real browser: a coordinator opens it; a mediator fills her
pre-filled bilan, saves a draft and submits it; the coordinator sends it back; the mediator
corrects it; the coordinator validates it, and the mediator finds it locked."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from mediation.enums import Role
from mediation.management.commands.totp_code import current_code
from tests.accompaniments.factories import BeneficiaryFactory, SheetFactory, SheetRequestFactory
from tests.conftest import enable_totp
from tests.factories import (
    DEFAULT_PASSWORD,
    MembershipFactory,
    PostFactory,
    PostHoldingFactory,
    StructureFactory,
    UserFactory,
    hauts_de_france,
    make_user,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TOTP_MARGIN = 5


def log_in(page, email):
    page.goto("/compte/connexion/")
    page.get_by_role("textbox", name="Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()


def choose(page, field, value_label):
    """Pick a radio button of a DSFR fieldset by its label (the input itself is styled away)."""
    page.locator(f"fieldset#radio-id_{field}").get_by_text(value_label, exact=True).click()


@pytest.fixture
def year():
    return timezone.localdate().year - 1


@pytest.fixture
def mediator(year):
    """A mediator of the Nord holding her post all year, with twelve people accompanied."""
    structure = StructureFactory(name="Centre social des Tilleuls")
    user = UserFactory(first_name="Nadia", last_name="Benali", email="nadia@exemple.fr")
    MembershipFactory(user=user, role=Role.MEDIATOR, structure=structure)
    post = PostFactory(structure=structure, code="HDF-59-42")
    PostHoldingFactory(post=post, mediator=user, start_date=datetime.date(year - 1, 1, 1))
    for _ in range(12):
        beneficiary = BeneficiaryFactory(structure=structure, referent=user)
        sheet = SheetFactory(beneficiary=beneficiary, post=post, opened_on=datetime.date(year, 4, 1))
        SheetRequestFactory(sheet=sheet)
    return user


@pytest.fixture
def coordinator():
    user = make_user(Role.COORDINATOR, region=hauts_de_france(), first_name="Hélène", email="helene@exemple.fr")
    enable_totp(user)
    return user


def test_open_fill_submit_send_back_correct_validate(new_page, mediator, coordinator, year):
    # The coordinator logs in with her second factor and opens the campaign for the region.
    coord = new_page()
    log_in(coord, coordinator.email)
    coord.get_by_label("Code à 6 chiffres").fill(current_code(coordinator, min_validity=TOTP_MARGIN))
    coord.get_by_role("button", name="Valider").click()
    coord.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Campagnes de bilans").click()
    coord.get_by_role("link", name="Ouvrir une campagne").click()
    expect(coord.get_by_label("Année du bilan")).to_have_value(str(year))
    coord.get_by_label("Toute la région", exact=True).select_option(label="Hauts-de-France")
    coord.get_by_label("Date limite de transmission").fill(f"{year + 2}-02-28")
    coord.get_by_role("button", name="Ouvrir la campagne").click()
    expect(coord.get_by_role("heading", level=1)).to_have_text(f"Campagne {year}")
    expect(coord.get_by_text("1 bilan attendu")).to_be_visible()
    expect(coord.get_by_role("row", name=re.compile("Nadia Benali"))).to_contain_text("Non commencé")

    # The mediator finds her bilan pre-filled, saves a draft, then submits it.
    med = new_page()
    log_in(med, mediator.email)
    med.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Mon bilan annuel").click()
    med.get_by_role("link", name=f"Bilan {year}").click()
    total = med.get_by_label("Personnes distinctes informées, orientées ou accompagnées")
    expect(total).to_have_value("12")
    med.get_by_label("dont accompagnées pour l'accès aux droits").fill("15")
    med.get_by_role("button", name="Enregistrer le brouillon").click()
    expect(med.get_by_text("ne peut dépasser le total des personnes accompagnées (12)")).to_be_visible()
    med.get_by_label("dont accompagnées pour l'accès aux droits").fill("12")
    med.get_by_label("Qu'est-ce qui a facilité votre action cette année ?").fill("Le soutien du centre social")
    med.get_by_role("button", name="Enregistrer le brouillon").click()
    expect(med.get_by_text("Brouillon enregistré")).to_be_visible()

    for field in ("cpam_partnership", "identified_on_ground", "missions_known", "partner_bodies", "trained"):
        choose(med, field, "Oui")
    choose(med, "professional_project", "En réflexion")
    med.get_by_role("button", name="Enregistrer et transmettre…").click()
    med.get_by_role("button", name="Confirmer la transmission").click()
    expect(med.get_by_text("Bilan transmis à la coordination")).to_be_visible()

    # The coordinator sends it back with a comment.
    coord.reload()
    coord.get_by_role("row", name=re.compile("Nadia Benali")).get_by_role("link", name="Examiner").click()
    coord.get_by_label("Ce qui est à corriger").fill("Vos actions collectives manquent : ajoutez-les.")
    coord.get_by_role("button", name="Renvoyer pour correction").click()
    expect(coord.get_by_text("Bilan renvoyé pour correction")).to_be_visible()

    # The mediator reads the comment, corrects and submits again.
    med.reload()
    expect(med.get_by_text("Vos actions collectives manquent : ajoutez-les.")).to_be_visible()
    med.get_by_label("Actions collectives co-animées auprès d'un public").fill("3")
    med.get_by_role("button", name="Enregistrer et transmettre…").click()
    med.get_by_role("button", name="Confirmer la transmission").click()
    expect(med.get_by_text("Bilan transmis à la coordination")).to_be_visible()

    # The coordinator validates: the bilan is locked.
    coord.reload()
    expect(coord.get_by_role("heading", name="Ce bilan attend votre examen")).to_be_visible()
    coord.get_by_role("button", name="Valider le bilan").click()
    expect(coord.get_by_text("Bilan validé : il est verrouillé.")).to_be_visible()

    med.reload()
    expect(med.get_by_role("heading", name=re.compile("Bilan validé par la coordination"))).to_be_visible()
    expect(med.get_by_role("button", name="Enregistrer le brouillon")).to_have_count(0)
