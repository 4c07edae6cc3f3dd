"""The regional bilan in a real browser: a reader opens the dashboard, changes the year and the
territory, and downloads the PDF of what she sees."""

import datetime

import pytest
from playwright.sync_api import expect

from mediation.enums import Role
from mediation.management.commands.totp_code import current_code
from tests.accompaniments.factories import BeneficiaryFactory, SheetFactory
from tests.conftest import enable_totp
from tests.factories import DEFAULT_PASSWORD, CommuneFactory, PostFactory, StructureFactory, department, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TOTP_MARGIN = 5


def sheets_in(code, count, year):
    structure = StructureFactory(commune=CommuneFactory(department=department(code)))
    post = PostFactory(structure=structure, department=department(code))
    for _ in range(count):
        SheetFactory(
            beneficiary=BeneficiaryFactory(structure=structure), post=post, opened_on=datetime.date(year, 6, 1)
        )


def test_a_reader_changes_year_and_department_and_downloads_the_pdf(new_page):
    this_year = datetime.date.today().year
    sheets_in("59", 3, this_year - 1)
    sheets_in("80", 2, this_year - 1)
    sheets_in("80", 4, this_year - 2)
    reader = make_user(Role.READER, region=department("59").region)
    enable_totp(reader)

    page = new_page()
    page.goto("/compte/connexion/")
    page.get_by_role("textbox", name="Adresse e-mail").fill(reader.email)
    page.get_by_label("Mot de passe", exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_label("Code à 6 chiffres").fill(current_code(reader, min_validity=TOTP_MARGIN))
    page.get_by_role("button", name="Valider").click()

    page.goto("/bilans/")
    volume = page.locator("#tableau-volume tfoot")
    expect(volume).to_contain_text("5")  # last year, whole region
    expect(page).to_have_title(f"Bilan {this_year - 1} — Hauts-de-France — Médiation santé")
    # The year before sits beside it: 4 sheets then, 5 now.
    expect(page.locator("#tableau-volume thead")).to_contain_text(f"Fiches {this_year - 2}")
    expect(volume).to_contain_text("+25 %")

    page.get_by_label("Année").select_option(str(this_year - 2))
    page.get_by_label("Territoire").select_option("departement:80")
    page.get_by_role("button", name="Afficher").click()
    expect(page.locator(".fr-text--lead").first).to_contain_text(f"Somme (80) · {this_year - 2}")
    expect(page.locator("#tableau-volume tbody")).to_contain_text("Somme (4)")  # four sheets by four mediators
    expect(volume).to_contain_text("4")

    with page.expect_download() as download:
        page.get_by_role("link", name="Bilan en PDF").click()
    pdf = download.value
    assert pdf.suggested_filename == f"bilan-{this_year - 2}-departement-80.pdf"
    assert open(pdf.path(), "rb").read(5) == b"%PDF-"
