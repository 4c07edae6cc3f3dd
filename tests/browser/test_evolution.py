"""« Sur plusieurs années » in a real browser: a coordinator finds the section in the page's
summary, reads the years side by side with their chart, and the PDF has its « Évolution » page."""

import datetime
import io
import os

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from mediation.enums import Role
from mediation.management.commands.totp_code import current_code
from tests.accompaniments.factories import BeneficiaryFactory, SheetFactory
from tests.conftest import enable_totp
from tests.factories import DEFAULT_PASSWORD, CommuneFactory, PostFactory, StructureFactory, department, make_user
from tests.reporting.test_evolution import annual_bilans

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TOTP_MARGIN = 5


def sheets_in(code, counts):
    structure = StructureFactory(commune=CommuneFactory(department=department(code)))
    post = PostFactory(structure=structure, department=department(code), start_date=datetime.date(2015, 1, 1))
    for year, count in counts.items():
        for _ in range(count):
            SheetFactory(
                beneficiary=BeneficiaryFactory(structure=structure), post=post, opened_on=datetime.date(year, 6, 1)
            )


def test_a_coordinator_reads_the_years_side_by_side_and_finds_them_in_the_pdf(new_page, tmp_path):
    year = datetime.date.today().year - 1
    sheets_in("59", {year - 3: 3, year - 2: 5, year - 1: 4, year: 6})
    sheets_in("80", {year - 2: 2, year: 3})
    annual_bilans(year - 2, "59", 3, people=40, imported=True)
    annual_bilans(year, "59", 4, people=55)
    coordinator = make_user(Role.COORDINATOR, region=department("59").region)
    enable_totp(coordinator)

    page = new_page()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/compte/connexion/")
    page.get_by_role("textbox", name="Adresse e-mail").fill(coordinator.email)
    page.get_by_label("Mot de passe", exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_label("Code à 6 chiffres").fill(current_code(coordinator, min_validity=TOTP_MARGIN))
    page.get_by_role("button", name="Valider").click()

    page.goto(f"/bilans/?annee={year}")
    page.get_by_role("link", name="Sur plusieurs années").click()
    section = page.locator("#sur-plusieurs-annees")
    expect(section.get_by_role("heading", name="Sur plusieurs années")).to_be_visible()
    sheets = page.locator("#evolution-sheets")
    expect(sheets.locator("thead")).to_have_text(f"Indicateur{year - 3}{year - 2}{year - 1}{year}")
    expect(sheets.locator("tr.app-total")).to_have_text("Total3749")
    expect(sheets.get_by_role("img", name=f"Fiches d'accompagnement, de {year - 3} à {year}")).to_be_visible()
    annex = page.locator("#evolution-annex")
    expect(annex.locator("thead")).to_have_text(f"Indicateur{year - 2}{year}")  # the imported year counts
    shots = os.environ.get("SCREENSHOT_DIR") or tmp_path  # to look at the page by hand
    section.screenshot(path=f"{shots}/h11-evolution-section.png")

    with page.expect_download(timeout=120_000) as download:  # the PDF takes a while on a busy machine
        page.get_by_role("link", name="Bilan en PDF").click()
    pdf = download.value.path().read_bytes()
    (tmp_path / "bilan.pdf").write_bytes(pdf)
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]
    chapter = next(text for text in pages if text.lstrip().startswith("Évolution — sur plusieurs années"))
    assert f"{year - 3} {year - 2} {year - 1} {year}" in chapter
