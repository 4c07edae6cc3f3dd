"""The commune fields in a real browser: the public referral form suggests communes as the
professional types (htmx asks the server, no list of every commune in the page), and a former
code of a merged commune is taken as its current commune."""

import pytest
from playwright.sync_api import expect

from mediation.models import Commune
from partners.models import Referral
from tests.factories import PostFactory, StructureFactory, make_mediator

from .test_partners import log_in, tick

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SHOTS = "/tmp/h1-{}.png"  # noqa: S108  (looked at by hand, never read back)


@pytest.fixture
def saint_souplet_post():
    commune = Commune.objects.get(insee_code="59545")
    structure = StructureFactory(name="Maison de santé du Cateau", commune=commune)
    post = PostFactory(code="HDF-59-09", structure=structure)
    post.communes.set([commune])
    return make_mediator(structure=structure, post=post)


def suggestions(page):
    field = page.get_by_label("Commune de résidence du patient")
    list_id = field.get_attribute("list")
    return page.locator(f"datalist#{list_id} option").evaluate_all("options => options.map(o => o.value)")


def test_the_referral_form_suggests_communes_as_one_types_and_takes_a_former_code(new_page, saint_souplet_post):
    page = new_page()
    page.goto("/orientation/")
    # Before anything is typed: the communes the posts cover, not the region's 3 782.
    assert suggestions(page) == ["Saint-Souplet (59545)"]
    commune = page.get_by_label("Commune de résidence du patient")
    commune.press_sequentially("Roub", delay=30)
    expect(page.locator("datalist option[value='Roubaix (59512)']")).to_have_count(1)
    assert len(suggestions(page)) <= 15
    page.screenshot(path=SHOTS.format("referral-suggestions"), full_page=True)

    page.get_by_label("Vos nom et prénom").fill("Dr Claire Vandamme")
    page.get_by_label("Votre profession").fill("Médecin généraliste")
    page.get_by_label("Votre adresse e-mail").fill("claire.vandamme@exemple.fr")
    page.get_by_role("textbox", name="Nom du patient", exact=True).fill("Zerbib")
    page.get_by_label("Prénom du patient").fill("Ophélie")
    page.get_by_label("Téléphone du patient").fill("06 12 34 56 78")
    commune.fill("02999")
    tick(page, "Rupture de soins")
    tick(page, "Le patient est d'accord pour que le médiateur santé le contacte")
    page.get_by_role("button", name="Envoyer la fiche d'orientation").click()
    expect(page.get_by_text("Aucune commune n'a le code INSEE 02999")).to_be_visible()
    page.screenshot(path=SHOTS.format("referral-unknown-code"), full_page=True)

    # Escaufourt's former code: the referral goes to Saint-Souplet's post.
    page.get_by_label("Commune de résidence du patient").fill("02285")
    expect(page.get_by_role("checkbox", name="Le patient est d'accord", exact=False)).to_be_checked()  # kept
    page.get_by_role("button", name="Envoyer la fiche d'orientation").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("envoyée")
    referral = Referral.objects.get()
    assert (referral.commune.insee_code, referral.post.code) == ("59545", "HDF-59-09")


def test_the_person_form_offers_the_departments_communes_and_takes_a_former_code(new_page, saint_souplet_post):
    page = new_page()
    log_in(page, saint_souplet_post.email)
    page.goto("/accompagnements/personnes/nouvelle/")
    field = page.locator("#id_commune")
    options = page.locator(f"datalist#{field.get_attribute('list')} option")
    assert 600 < options.count() < 700  # the Nord's 648 communes, not the region's 3 782
    page.locator("#id_last_name").fill("Dupont")
    page.locator("#id_first_name").fill("Éléonore")
    page.get_by_label("Année de naissance").fill("1980")
    field.fill("02285")
    page.screenshot(path=SHOTS.format("person-former-code"), full_page=True)
    page.get_by_role("button", name="Enregistrer").first.click()
    expect(page.get_by_text("Saint-Souplet").first).to_be_visible()
    page.screenshot(path=SHOTS.format("person-saved"), full_page=True)
