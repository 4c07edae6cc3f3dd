"""The Django administration keeps working under the site's Content Security Policy (no inline
script, no inline style): every list, record and add page an administrator reaches from the
admin's index loads without a single CSP violation, and the widgets that build markup in the
browser (date calendar, autocomplete, list filters) open."""

import datetime

import pytest
from playwright.sync_api import expect

from mediation.enums import Role
from tests.browser.test_accessibility import logged_in_page
from tests.conftest import enable_totp
from tests.factories import PostFactory, StructureFactory, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# Listens for the browser's own report of a blocked inline script or style, from the first byte.
REPORT_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const where = `${event.sourceFile || ""}:${event.lineNumber}`;
  window.__cspViolations.push(`${event.violatedDirective} ${where} ${event.sample}`);
});
"""


def admin_page(new_page, live_server):
    admin = make_user(Role.ADMIN, email="admin@exemple.fr")
    enable_totp(admin)
    page = logged_in_page(new_page, live_server, admin.email)
    page.context.add_init_script(REPORT_VIOLATIONS)
    return page


def violations(page):
    return page.evaluate("window.__cspViolations")


def test_the_violation_report_catches_an_inline_style(new_page, live_server):
    page = admin_page(new_page, live_server)
    page.goto("/admin/")
    page.evaluate("document.body.setAttribute('style', 'color: red')")
    page.wait_for_function("window.__cspViolations.length > 0")
    assert "style-src" in violations(page)[0]


def test_every_admin_page_loads_without_a_csp_violation(new_page, live_server):
    post = PostFactory(structure=StructureFactory(), start_date=datetime.date(2024, 1, 1))
    page = admin_page(new_page, live_server)
    page.goto("/admin/")
    lists = sorted(
        set(page.eval_on_selector_all("#content-main a[href$='/']", "links => links.map(link => link.pathname)"))
    )
    lists = [path for path in lists if path.count("/") == 4 and not path.endswith("/add/")]
    assert len(lists) > 15, lists
    seen = {}
    for path in lists:
        response = page.goto(path)
        assert response.status == 200, path
        seen[path] = violations(page)
        first = page.eval_on_selector_all("#result_list tbody th a", "links => links.slice(0, 1).map(l => l.pathname)")
        for record in first:
            page.goto(record)
            seen[record] = violations(page)
    assert {path: found for path, found in seen.items() if found} == {}

    # The widgets that write markup in the browser.
    page.goto(f"/admin/mediation/post/{post.pk}/change/")
    page.locator("#calendarlink0").click()
    expect(page.locator("#calendarbox0")).to_be_visible()
    page.locator(".select2-selection").first.click()
    expect(page.locator(".select2-results")).to_be_visible()
    page.goto("/admin/mediation/post/")
    page.locator("#nav-filter").fill("struct")
    expect(page.locator("#nav-sidebar")).to_contain_text("Structures")
    assert violations(page) == []
