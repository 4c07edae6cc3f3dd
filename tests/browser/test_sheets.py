"""The mediator's daily tool in a real browser: create a person, log a sheet with two
requests (the second added in place), find it again in "À relancer", resolve a request."""

import datetime

import pytest
from playwright.sync_api import expect

from accompaniments.enums import RequestStatus
from accompaniments.models import Beneficiary, SheetRequest
from tests.factories import DEFAULT_PASSWORD, make_mediator

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_create_a_person_log_two_requests_follow_up_and_resolve(new_page):
    mediator = make_mediator(email="amina@exemple.fr", first_name="Amina", last_name="Haddad")
    today = datetime.date.today()

    page = new_page()
    page.goto("/compte/connexion/")
    page.get_by_role("textbox", name="Adresse e-mail").fill(mediator.email)
    page.get_by_label("Mot de passe", exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes accompagnements")

    # A new person.
    page.get_by_role("link", name="Nouvelle personne").first.click()
    page.locator("[name=last_name]").fill("Lefebvre")
    page.locator("[name=first_name]").fill("Éléonore")
    page.locator("[name=birth_year]").fill("1971")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("LEFEBVRE")

    # One sheet, two requests: the second row is added without leaving the page.
    page.get_by_role("link", name="Nouvelle fiche pour cette personne").first.click()
    page.locator("[name=contact_mode]").select_option(label="Permanence")
    page.locator("[name=requests-0-kind]").select_option(label="Demande de Complémentaire santé solidaire")
    page.locator("[name=requests-0-follow_up_on]").fill(today.isoformat())
    navigations = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    page.get_by_role("button", name="Ajouter une demande").click()
    expect(page.locator("[name=requests-1-kind]")).to_be_visible()
    assert navigations == []  # the row came in place, the page was not reloaded
    assert page.url.endswith(f"?beneficiary={Beneficiary.objects.get(last_name='Lefebvre').pk}")
    page.locator("[name=requests-1-kind]").select_option(label="Aide à la recherche d'un professionnel de santé")
    page.get_by_role("button", name="Enregistrer la fiche").last.click()
    expect(page.locator(".fr-alert--success")).to_be_visible()
    assert SheetRequest.objects.filter(sheet__beneficiary__last_name="Lefebvre").count() == 2

    # The rights request is due today: it is in "À relancer", and is resolved from there.
    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="À relancer").click()
    row = page.get_by_role("row").filter(has_text="LEFEBVRE")
    expect(row).to_contain_text("Complémentaire santé solidaire")
    row.get_by_role("button", name="Clôturer").click()
    expect(page.locator(".fr-alert--success")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="LEFEBVRE")).to_have_count(0)
    resolved = SheetRequest.objects.get(kind__code="demande_de_complementaire_sante_solidaire")
    assert resolved.status == RequestStatus.RESOLVED and resolved.closed_on == today
