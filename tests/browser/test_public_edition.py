"""The public edition in a real browser: a reader lists the region's editions and finds the
public files beside the full ones; someone without an account downloads the open data."""

import csv
import io

import pytest
from playwright.sync_api import expect

from mediation.enums import Role
from mediation.management.commands.totp_code import current_code
from mediation.models import Department
from reporting import editions
from reporting.scope import resolve_scope
from tests.conftest import enable_totp
from tests.factories import DEFAULT_PASSWORD, department, make_user
from tests.reporting.test_editions import YEAR, mediator_on

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TOTP_MARGIN = 5


def test_a_reader_finds_the_public_files_and_anyone_downloads_the_open_data(new_page):
    for _ in range(3):
        mediator_on("59", sheets=4)
    mediator_on("62", sheets=3)
    region = department("59").region
    scope = resolve_scope(Department.objects.filter(region=region), year=YEAR, key="region:32")
    edition = editions.publish(scope, by=make_user(Role.COORDINATOR, region=region), version=1)
    reader = make_user(Role.READER, region=region)
    enable_totp(reader)

    page = new_page()
    page.goto("/compte/connexion/")
    page.get_by_role("textbox", name="Adresse e-mail").fill(reader.email)
    page.get_by_label("Mot de passe", exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_label("Code à 6 chiffres").fill(current_code(reader, min_validity=TOTP_MARGIN))
    page.get_by_role("button", name="Valider").click()

    page.goto(f"/bilans/editions/?annee={YEAR}&perimetre=region:32")
    expect(page.get_by_text("Édition publique").first).to_be_visible()
    expect(page.locator("table")).to_contain_text(edition.public_csv_sha256)
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV public (données ouvertes) de l'édition n° 1").click()
    assert open(download.value.path(), "rb").read() == bytes(edition.public_csv)

    anyone = new_page()
    response = anyone.goto(f"/bilans/donnees/bilan-{YEAR}-region-32.json")
    assert response.status == 200 and response.headers["etag"] == f'"{edition.public_json_sha256}"'
    with anyone.expect_download() as download:
        anyone.evaluate(f"window.location = '/bilans/donnees/bilan-{YEAR}-region-32.csv'")
    lines = list(csv.DictReader(io.StringIO(open(download.value.path(), encoding="utf-8").read())))
    assert lines and {line["statut"] for line in lines} <= {"diffuse", "secret"}
    # The full edition's files still need an account.
    assert anyone.goto(f"/bilans/editions/{edition.pk}/bilan.json").url.endswith(
        f"/compte/connexion/?next=/bilans/editions/{edition.pk}/bilan.json"
    )
