"""The QPV population of a year in a real browser: an administrator types the Nord's 2024 figure on
the department's page of the administration, and the posts register of 2024 shows it while the
register of 2023 keeps the figure of the former geography, marked with its year."""

import datetime

import pytest
from playwright.sync_api import expect

from mediation.enums import Role
from mediation.models import QpvPopulation
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


def population_file(*rows):
    content = "departement;annee;population\r\n" + "".join(f"{';'.join(row)}\r\n" for row in rows)
    return {"name": "population-qpv.csv", "mimeType": "text/csv", "buffer": content.encode("utf-8")}


def test_a_coordinator_imports_her_department_s_figure_after_the_dry_run(new_page, live_server, settings, tmp_path):
    settings.IMPORT_TEMP_DIR = str(tmp_path)
    this_year = datetime.date.today().year
    coordinator = make_user(Role.COORDINATOR, departments=[department("59")])
    enable_totp(coordinator)
    page = logged_in_page(new_page, live_server, coordinator.email)

    page.goto("/imports/")
    page.get_by_role("link", name="Population des QPV").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Importer : Population des QPV")
    page.get_by_label("Fichier à importer").set_input_files(
        population_file(["59", str(this_year), "380002"], ["80", str(this_year), "30000"])
    )
    page.get_by_role("button", name="Vérifier le fichier").click()
    errors = page.get_by_role("table", name="Erreurs du fichier")
    expect(errors.get_by_role("row").nth(1)).to_contain_text("Ce département n'est pas dans votre périmètre.")
    assert not QpvPopulation.objects.filter(year=this_year).exists()

    page.get_by_role("link", name="Déposer le fichier corrigé").click()
    page.get_by_label("Fichier à importer").set_input_files(population_file(["59", str(this_year), "380002"]))
    page.get_by_role("button", name="Vérifier le fichier").click()
    expect(page.get_by_role("heading", level=2, name="Fichier valide")).to_be_visible()
    page.get_by_role("button", name="Importer la ligne").click()
    expect(page.get_by_role("status")).to_contain_text("1 ligne créée")

    page.goto("/postes/")
    expect(page.get_by_role("row", name="Nord (59)")).to_contain_text("380002")
    expect(page.get_by_role("row", name="Nord (59)")).not_to_contain_text("(2015)")
