"""Partners in a real browser: a professional sends a referral from the public page, the
mediator of the patient's commune finds it in her inbox and accepts it into a sheet; a
mediator logs a collective action with two partners."""

import re

import pytest
from playwright.sync_api import expect

from accompaniments.models import Sheet
from mediation.enums import Vocabulary
from mediation.models import Commune
from partners.enums import PartnerType, ReferralStatus
from partners.models import CollectiveAction, Referral
from tests.accompaniments.factories import item
from tests.factories import DEFAULT_PASSWORD, PostFactory, StructureFactory, department, make_mediator
from tests.partners.factories import PartnerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def lille_mediator():
    # The migrations load Hauts-de-France's communes: the real one is there.
    lille, _ = Commune.objects.get_or_create(
        insee_code="59350", defaults={"name": "Lille", "department": department("59")}
    )
    structure = StructureFactory(name="Centre social Lille Sud", commune=lille)
    post = PostFactory(code="HDF-59-01", structure=structure)
    post.communes.set([lille])
    return make_mediator(structure=structure, post=post, first_name="Sophie", last_name="Lambert")


def log_in(page, email):
    page.goto("/compte/connexion/")
    page.get_by_role("textbox", name="Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("navigation", name="Menu principal")).to_be_visible()


def tick(page, label, role="checkbox"):
    """Tick a DSFR radio button or checkbox as a person does: by clicking its label."""
    field = page.get_by_role(role, name=label, exact=True)
    page.locator(f"label[for='{field.get_attribute('id')}']").click()
    expect(field).to_be_checked()


def test_a_referral_goes_from_the_public_page_to_a_sheet(new_page, lille_mediator, mailoutbox):
    professional = new_page()
    professional.goto("/orientation/")
    expect(professional.get_by_role("heading", level=1)).to_have_text("Orienter un patient vers un médiateur santé")
    professional.get_by_label("Vos nom et prénom").fill("Dr Claire Vandamme")
    professional.get_by_label("Votre profession").fill("Médecin généraliste")
    professional.get_by_label("Votre adresse e-mail").fill("claire.vandamme@exemple.fr")
    professional.get_by_role("textbox", name="Nom du patient", exact=True).fill("Zerbib")
    professional.get_by_label("Prénom du patient").fill("Ophélie")
    professional.get_by_label("Téléphone du patient").fill("06 12 34 56 78")
    professional.get_by_label("Commune de résidence du patient").fill("Lille (59350)")
    tick(professional, "Rupture de soins")
    tick(professional, "Le patient est d'accord pour que le médiateur santé le contacte")
    professional.get_by_role("button", name="Envoyer la fiche d'orientation").click()

    expect(professional.get_by_role("heading", level=1)).to_have_text("Votre fiche d'orientation est envoyée")
    referral = Referral.objects.get()
    expect(professional.get_by_text(referral.reference)).to_be_visible()
    expect(professional.locator("body")).not_to_contain_text("Zerbib")
    assert any(referral.reference in mail.body and mail.to == ["claire.vandamme@exemple.fr"] for mail in mailoutbox)

    mediator = new_page()
    log_in(mediator, lille_mediator.email)
    mediator.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Orientations reçues").click()
    expect(mediator.get_by_role("cell", name="ZERBIB Ophélie")).to_be_visible()
    mediator.get_by_role("link", name=referral.reference).click()
    mediator.get_by_role("link", name="Accepter et ouvrir une fiche").click()
    expect(mediator.get_by_label("Créer une nouvelle personne à partir de l'orientation")).to_be_checked()
    mediator.get_by_role("button", name="Accepter et ouvrir la fiche").click()

    sheet = Sheet.objects.get()
    expect(mediator).to_have_url(re.compile(rf"/accompagnements/fiches/{sheet.pk}/$"))
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED and referral.first_contact_at is not None
    assert sheet.came_via == item(Vocabulary.CAME_VIA, "partner_referral")
    assert (sheet.beneficiary.last_name, sheet.mediator) == ("Zerbib", lille_mediator)


def test_a_mediator_logs_a_collective_action_with_two_partners(new_page, lille_mediator):
    PartnerFactory(name="CPAM de Lille-Douai", partner_type=PartnerType.CPAM)
    page = new_page()
    log_in(page, lille_mediator.email)
    menu = page.get_by_role("navigation", name="Menu principal")
    menu.get_by_role("button", name="Mon activité").click()
    menu.get_by_role("link", name="Actions collectives").click()
    page.get_by_role("link", name="Nouvelle action").click()

    page.get_by_label("Date").fill("2025-03-20")
    page.get_by_label("Intitulé").fill("Stand Mars bleu")
    tick(page, "Co-animée", role="radio")
    tick(page, "Public (habitants, usagers)", role="radio")
    tick(page, "Cancer / dépistages")
    tick(page, "Habitants")
    page.get_by_label("Nombre de participants").fill("35")
    page.locator("#id_partenaires-0-partner").select_option(label="CPAM de Lille-Douai (CPAM)")
    page.locator("#id_partenaires-1-partner_type").select_option(label="Professionnel de santé")
    page.get_by_role("button", name="Enregistrer l'action").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Stand Mars bleu")
    expect(page.get_by_role("link", name="CPAM de Lille-Douai")).to_be_visible()
    expect(page.get_by_text("Professionnel de santé", exact=True)).to_be_visible()
    action = CollectiveAction.objects.get()
    assert sorted(action.action_partners.values_list("partner_type", flat=True)) == ["cpam", "health_professional"]
