"""The campaign in a file, in a real browser: the coordinator finds the download links on the
campaign's page, downloads the workbook, and it holds the bilans then the status of each."""

import datetime
import io
import os

import openpyxl
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from mediation.enums import Role
from mediation.management.commands.totp_code import current_code
from reporting.enums import BilanState, FigureKey
from reporting.history_import import COLUMNS
from reporting.models import BilanFigure
from tests.conftest import enable_totp
from tests.factories import DEFAULT_PASSWORD, department, hauts_de_france, make_user
from tests.reporting.campaign_factories import AnnualBilanFactory, CampaignFactory, mediator_on, post_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_coordinator_downloads_the_campaign_workbook(new_page, tmp_path):
    year = timezone.localdate().year - 1
    campaign = CampaignFactory(year=year, departments=[department("59")], deadline=datetime.date(year + 1, 2, 28))
    for first, last, state in (("Nadia", "Benali", BilanState.SUBMITTED), ("Paul", "Durand", BilanState.DRAFT)):
        post = post_in("59")
        mediator = mediator_on(post, first_name=first, last_name=last)
        bilan = AnnualBilanFactory(campaign=campaign, post=post, mediator=mediator, state=state)
        BilanFigure.objects.create(bilan=bilan, key=FigureKey.PEOPLE_TOTAL, computed=12)
    coordinator = make_user(Role.COORDINATOR, region=hauts_de_france(), email="helene@exemple.fr")
    enable_totp(coordinator)

    page = new_page()
    page.goto("/compte/connexion/")
    page.get_by_role("textbox", name="Adresse e-mail").fill(coordinator.email)
    page.get_by_label("Mot de passe", exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_label("Code à 6 chiffres").fill(current_code(coordinator, min_validity=5))
    page.get_by_role("button", name="Valider").click()
    page.goto(f"/campagnes/{campaign.pk}/")

    expect(page.get_by_role("heading", name="Exporter la campagne")).to_be_visible()
    link = page.get_by_role("link", name="Classeur de la campagne XLSX – 2 feuilles, 2 lignes chacune")
    expect(link).to_be_visible()
    shots = os.environ.get("SCREENSHOT_DIR") or tmp_path  # to look at the page by hand
    page.screenshot(path=f"{shots}/h4-campaign-export.png", full_page=True)

    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == f"campagne-{year}-59.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(download.path().read_bytes()))
    assert book.sheetnames == ["Bilans", "État de la campagne"]
    assert [c.value for c in book["Bilans"][1]] == list(COLUMNS)
    status = list(book["État de la campagne"].iter_rows(values_only=True))
    assert sorted((row[0], row[7], row[14]) for row in status[1:]) == [
        ("Nadia Benali", "Transmis", "non"),
        ("Paul Durand", "Brouillon", "oui"),
    ]
