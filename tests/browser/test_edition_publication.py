"""Publishing an edition in a real browser, with the production queue: the coordinator sends the
form, the list says « Publication en cours… »; once the worker's task has run, the same page shows
the new edition by itself (htmx asks again every few seconds), without a reload."""

import pytest
from playwright.sync_api import expect

from mediation.enums import Role
from reporting.models import Edition, Publication
from reporting.tasks import run_publication
from tests.conftest import enable_totp
from tests.factories import department, make_user
from tests.reporting.test_editions import YEAR, mediator_on

from .test_imports import logged_in_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# Milliseconds the page may take to find the edition: a few turns of its polling.
POLLED_WITHIN_MS = 15_000


def test_the_list_says_the_publication_is_under_way_then_shows_the_edition_by_itself(new_page, live_server, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    for _ in range(3):
        mediator_on("59")
    coordinator = make_user(Role.COORDINATOR, region=department("59").region, first_name="Camille")
    enable_totp(coordinator)
    page = logged_in_page(new_page, live_server, coordinator)

    page.goto(f"/bilans/editions/publier/?annee={YEAR}&perimetre=region:32")
    page.get_by_role("button", name="Publier l'édition n° 1").click()
    expect(page.get_by_role("heading", name="Publication en cours…")).to_be_visible()
    expect(page.get_by_text("Aucune édition publiée")).to_be_visible()

    run_publication.call(Publication.objects.get().pk)  # the worker's turn

    edition = Edition.objects.get()
    expect(page.locator("table")).to_contain_text(edition.json_sha256, timeout=POLLED_WITHIN_MS)
    expect(page.get_by_role("heading", name="Publication en cours…")).to_have_count(0)
    expect(page.get_by_role("link", name="Publier une nouvelle édition")).to_be_visible()
