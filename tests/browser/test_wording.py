"""The words of the everyday path, in the browser: a file of one row is imported with « Importer
la ligne », and the person's record is her « dossier » — never a « fiche », which is the
accompaniment sheet — with no name in the page's title, which the browser's history keeps."""

import pytest
from playwright.sync_api import expect

from mediation.enums import Role
from tests.accompaniments.factories import BeneficiaryFactory
from tests.browser.test_imports import GOOD, logged_in_page, register, upload
from tests.conftest import enable_totp
from tests.factories import department, make_mediator, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_register_of_one_row_is_imported_with_importer_la_ligne(new_page, live_server, settings, tmp_path):
    settings.IMPORT_TEMP_DIR = str(tmp_path)
    coordinator = make_user(Role.COORDINATOR, departments=[department("59")])
    enable_totp(coordinator)
    page = logged_in_page(new_page, live_server, coordinator)
    page.goto("/imports/postes/")
    upload(page, register(GOOD + ["", "", ""]))
    expect(page.get_by_role("heading", level=2, name="Fichier valide")).to_be_visible()
    expect(page.get_by_role("button", name="Importer les 1 ligne")).to_have_count(0)
    page.get_by_role("button", name="Importer la ligne", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import terminé")


def test_the_persons_record_is_her_dossier_and_no_title_names_her(new_page, live_server):
    mediator = make_mediator()
    person = BeneficiaryFactory(
        structure=mediator.membership.structure, referent=mediator, last_name="Dupont", first_name="Éléonore"
    )
    page = logged_in_page(new_page, live_server, mediator)
    page.goto(f"/accompagnements/personnes/{person.pk}/")
    assert "Dupont" not in page.title() and "DUPONT" not in page.title()
    page.get_by_role("link", name="Modifier", exact=False).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Modifier le dossier de")
    assert "DUPONT" not in page.title() and "Dupont" not in page.title()
    page.get_by_role("button", name="Enregistrer", exact=False).first.click()
    expect(page.locator(".fr-alert--success")).to_contain_text("Le dossier de")
    expect(page.locator("main")).not_to_contain_text("La fiche de")
