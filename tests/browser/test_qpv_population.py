"""The QPV population of a year in a real browser: an administrator types the Nord's 2024 figure on
the department's page of the administration, and the posts register of 2024 shows it while the
register of 2023 keeps the figure of the former geography, marked with its year."""

import pytest
from playwright.sync_api import expect

from mediation.enums import Role
from tests.browser.test_accessibility import logged_in_page
from tests.conftest import enable_totp
from tests.factories import department, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_an_administrator_gives_the_2024_figure_and_the_registers_differ(new_page, live_server):
    admin = make_user(Role.ADMIN, email="admin@exemple.fr")
    enable_totp(admin)
    page = logged_in_page(new_page, live_server, admin.email)

    page.goto(f"/admin/mediation/department/{department('59').pk}/change/")
    page.locator("input[name='qpv_populations-1-year']").fill("2024")
    page.locator("input[name='qpv_populations-1-population']").fill("380002")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("avec succès")

    page.goto("/bilans/?annee=2024&perimetre=region:32")
    register = page.locator("#postes")
    nord = register.get_by_role("row", name="Nord (59)")
    expect(nord).to_contain_text("380002")
    expect(register.get_by_role("row", name="Aisne (02)")).to_contain_text("37067 (2015)")
    expect(register).to_contain_text("d'avant la nouvelle géographie prioritaire du 1er janvier 2024")

    page.goto("/bilans/?annee=2023&perimetre=region:32")
    nord = page.locator("#postes").get_by_role("row", name="Nord (59)")
    expect(nord).to_contain_text("426598 (2015)")
    expect(nord).not_to_contain_text("380002")
