"""Browser tests: a real Chromium, driven by Playwright, against pytest-django's live server.

Chromium is Debian's (`make browser-deps`); Playwright only drives it, it downloads nothing.
Without Chromium the tests are skipped, except when CI or REQUIRE_BROWSER is set: there a
missing browser fails them, so that a gate cannot pass without running them.
"""

import os
from pathlib import Path

import pytest
from django.db import connections

from mediation.models import Department, VocabularyItem

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# How long a page or an element may take before a step fails (milliseconds).
STEP_TIMEOUT_MS = 15_000


def browser_required():
    """True when a missing browser must fail the run rather than skip it."""
    return any(
        os.environ.get(name, "").strip().lower() not in {"", "0", "false", "no"} for name in ("CI", "REQUIRE_BROWSER")
    )


@pytest.fixture
def chromium(transactional_db, live_server, monkeypatch):
    """A headless Chromium for one test. It starts after the test database is ready and stops
    before it is emptied, so that no asyncio loop runs while the test case sets it up or flushes it."""
    if not os.access(CHROMIUM, os.X_OK):
        reason = f"Chromium not found at {CHROMIUM}: `make browser-deps` installs it."
        if browser_required():
            pytest.fail(f"{reason} CI or REQUIRE_BROWSER is set, so browser tests may not be skipped.", pytrace=False)
        pytest.skip(reason)

    from playwright.sync_api import sync_playwright

    # While Playwright's sync API runs, an asyncio loop counts as running in this thread: the ORM
    # refuses to run unless told it may, and Django keeps connections per async context instead
    # of per thread. Hand the connections of the test case (which the live server shares) to
    # that context, so that the test body does not open connections of its own.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    test_case_connections = {alias: connections[alias] for alias in connections}
    with sync_playwright() as playwright:
        # Looking a connection up here may create one, unopened, which is replaced at once.
        handed_over = [
            alias for alias, connection in test_case_connections.items() if connections[alias] is not connection
        ]
        for alias in handed_over:
            connections[alias] = test_case_connections[alias]
        try:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
        finally:
            for alias in handed_over:
                del connections[alias]


@pytest.fixture
def new_page(chromium, live_server):
    """Open a page in a fresh browser context (its own cookies: a separate person) on the
    live server. Call it again for another person."""
    contexts = []

    def _new_page():
        context = chromium.new_context(base_url=live_server.url, locale="fr-FR", timezone_id="Europe/Paris")
        context.set_default_timeout(STEP_TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield _new_page
    for context in contexts:
        context.close()


@pytest.fixture(autouse=True)
def _reference_data(db):
    """The live server needs real commits, so these tests use a transactional database that is
    emptied after each test; `serialized_rollback` reloads the reference data the migrations
    created (region, departments, vocabularies). Fail early and clearly if it is missing."""
    assert Department.objects.filter(code="59").exists(), "reference data (departments) missing"
    assert VocabularyItem.objects.exists(), "reference data (vocabularies) missing"


def pytest_collection_modifyitems(config, items):
    """Every test of this folder is a browser test, marked or not: `make test` (-m "not browser")
    never runs one, whose live server and emptied database would break the tests after it."""
    folder = Path(__file__).parent
    for item in items:
        if folder in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)
