"""The published bilan as a coordinator sees it in Chromium: every chart label and value drawn
inside its chart, at 1280 and at 400 pixels wide; the PDF link says at once that the PDF is on
its way; the wide tables scroll by keyboard with a visible focus; a year with nothing yet says
so; unavailable pagination links are marked disabled. Screenshots go to /tmp/h6-*.png."""

import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.a11y import page_violations
from tests.browser.test_accessibility import ROLE_ACCOUNTS, logged_in_page, seed_demo

# Laying out the regional PDF takes seconds, more on a loaded machine.
PDF_TIMEOUT_MS = 90_000

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# Each text of each chart against the chart's drawing (its viewBox), as Chromium lays it out.
OUTSIDE_TEXTS = """() => {
  const out = [];
  document.querySelectorAll("svg.app-chart").forEach((svg) => {
    const box = svg.viewBox.baseVal;
    svg.querySelectorAll("text").forEach((text) => {
      const b = text.getBBox();
      if (b.x < box.x - 0.5 || b.x + b.width > box.x + box.width + 0.5) {
        const where = `from ${b.x} to ${b.x + b.width} of ${box.width}`;
        out.push(`${svg.getAttribute("aria-label")}: « ${text.textContent} » ${where}`);
      }
    });
  });
  return out;
}"""


def chart_texts(page):
    """Each text of the charts, its lines (tspans) joined by a space."""
    return page.eval_on_selector_all(
        "svg.app-chart text",
        "ts => ts.map(t => t.children.length ? [...t.children].map(s => s.textContent).join(' ') : t.textContent)",
    )


def shot(name):
    """Where a screenshot goes, to be looked at."""
    return str(Path(tempfile.gettempdir()) / f"h6-{name}.png")


def test_charts_show_every_label_and_value_inside_their_drawing(new_page, live_server):
    seed_demo()
    page = logged_in_page(new_page, live_server, ROLE_ACCOUNTS["coordination"])
    for width in (1280, 400):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto("/bilans/")
        # One drawing shown at each width (the wide one, or the stacked one on a phone).
        chart = page.locator("#tableau-rights_requests").get_by_role(
            "img", name="Demandes d'accès aux droits, par type"
        )
        expect(chart).to_have_count(1)
        expect(chart).to_have_class("app-chart" if width > 768 else "app-chart app-chart--narrow")
        assert page.evaluate(OUTSIDE_TEXTS) == []
        page.locator("#tableau-rights_requests").screenshot(path=shot(f"rights-chart-{width}"))
        page.screenshot(path=shot(f"dashboard-{width}"), full_page=False)
    texts = " ".join(chart_texts(page))
    assert "…" not in texts
    assert "Demande de Complémentaire santé solidaire" in texts
    assert "résolues" in texts and " %" in texts
    assert page_violations(page) == []


def test_the_pdf_link_says_the_pdf_is_coming_then_ready(new_page, live_server):
    seed_demo()
    page = logged_in_page(new_page, live_server, ROLE_ACCOUNTS["coordination"])
    page.goto("/bilans/")
    held = []
    # The PDF's response waits until the page has been seen saying it is being prepared.
    page.route("**/bilans/bilan.pdf*", lambda route: held.append(route))
    status = page.get_by_role("status")
    page.get_by_role("link", name="Bilan en PDF").click()
    expect(status).to_contain_text("Préparation du PDF…")
    page.screenshot(path=shot("pdf-coming"))
    assert len(held) == 1
    page.get_by_role("link", name="Bilan en PDF").click()  # a second click starts no second PDF
    with page.expect_download(timeout=PDF_TIMEOUT_MS) as download:
        held[0].continue_()
    pdf = download.value
    assert pdf.suggested_filename.startswith("bilan-") and pdf.suggested_filename.endswith(".pdf")
    assert open(pdf.path(), "rb").read(5) == b"%PDF-"
    expect(status).to_contain_text("PDF prêt.", timeout=PDF_TIMEOUT_MS)
    assert len(held) == 1


def test_wide_tables_scroll_by_keyboard_with_a_visible_focus(new_page, live_server):
    seed_demo()
    page = logged_in_page(new_page, live_server, ROLE_ACCOUNTS["coordination"])
    page.set_viewport_size({"width": 400, "height": 900})
    page.goto("/bilans/")
    scroller = page.get_by_role("region", name="Demandes d'accès aux soins, par type")
    expect(scroller).to_have_attribute("tabindex", "0")
    # Reach it by keyboard from the link just before it.
    page.locator("#tableau-care_requests h3").click()
    for _ in range(10):
        page.keyboard.press("Tab")
        if scroller.evaluate("element => element === document.activeElement"):
            break
    assert scroller.evaluate("element => element === document.activeElement")
    assert scroller.evaluate("element => element.matches(':focus-visible')")
    assert scroller.evaluate("element => getComputedStyle(element).outlineStyle") == "solid"
    assert scroller.evaluate("element => element.scrollWidth > element.clientWidth")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    # Keyboard scrolling is animated: wait for it to move rather than read it at once.
    page.wait_for_function("element => element.scrollLeft > 0", arg=scroller.element_handle())
    page.screenshot(path=shot("table-focus-400"))


def test_an_empty_year_says_there_is_nothing_yet(new_page, live_server):
    seed_demo()
    page = logged_in_page(new_page, live_server, ROLE_ACCOUNTS["coordination"])
    page.goto("/bilans/?annee=2019&perimetre=departement:59")
    expect(
        page.get_by_role("heading", name="Aucune donnée pour 2019 dans ce territoire pour l'instant")
    ).to_be_visible()
    expect(page.locator("#tableau-volume")).to_have_count(0)
    page.screenshot(path=shot("empty-year"), full_page=True)
    assert page_violations(page) == []


def test_unavailable_pagination_links_are_marked_disabled(new_page, live_server):
    seed_demo()
    page = logged_in_page(new_page, live_server, ROLE_ACCOUNTS["médiatrice"])
    page.goto("/accompagnements/personnes/")
    first = page.locator(".fr-pagination__link--first")
    expect(first).to_have_attribute("aria-disabled", "true")
    expect(first).to_have_attribute("role", "link")
    assert first.get_attribute("href") is None
    expect(page.locator(".fr-pagination__link--next")).to_have_attribute("href", "?page=2")
    assert page_violations(page) == []
