"""Accessibility checks in the browser: axe-core (the copy axe-playwright-python ships, injected
into the page, nothing downloaded) run on a page, and a bounded crawl of the pages a person can
reach by following links. Only serious and critical violations fail a test."""

from collections import deque
from urllib.parse import urldefrag, urlsplit

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Error as PlaywrightError

# The impacts that fail a page (axe-core's scale: minor, moderate, serious, critical).
BLOCKING_IMPACTS = frozenset({"serious", "critical"})
# axe-core's rules tagged with these standards (WCAG 2.0 to 2.2, A and AA), as the RGAA asks.
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]},
    "resultTypes": ["violations"],
}
# Links a crawl never follows: they end the session, leave for another site's pages (Django's
# admin is Django's own markup) or download a file instead of showing a page.
SKIPPED_PATH_PARTS = ("/deconnexion/", "/admin/")
DOWNLOAD_SUFFIXES = (".pdf", ".csv", ".xlsx", ".ods", ".json", ".txt")

_axe = Axe()


def violations(page):
    """The serious and critical violations on the page, as "rule (impact): target" lines."""
    results = _axe.run(page, options=AXE_OPTIONS).response
    found = []
    for violation in results["violations"]:
        if violation["impact"] not in BLOCKING_IMPACTS:
            continue
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            found.append(f"{violation['id']} ({violation['impact']}): {target} — {violation['help']}")
    return found


def page_violations(page, label=None):
    """The page's violations, each line prefixed with the page (its path, or `label`)."""
    where = label or urlsplit(page.url).path
    return [f"{where}: {line}" for line in violations(page)]


def _followable(url, origin):
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}" != origin:
        return False
    if any(part in parts.path for part in SKIPPED_PATH_PARTS):
        return False
    return not parts.path.endswith(DOWNLOAD_SUFFIXES)


def _links(page, origin):
    hrefs = page.eval_on_selector_all("a[href]:not([download])", "links => links.map(link => link.href)")
    return [urldefrag(href).url for href in hrefs if _followable(urldefrag(href).url, origin)]


def page_key(url):
    """Pages that differ only by their record id or their query are one page for the crawl:
    /personnes/12/ and /personnes/13/ are checked once."""
    parts = urlsplit(url)
    segments = ["<id>" if segment.isdigit() else segment for segment in parts.path.split("/")]
    return "/".join(segments)


def crawl(page, start, *, limit):
    """Visit up to `limit` pages reachable from the path `start` by GET links of the same
    origin (menus included), run axe on each. Returns (visited paths, violation lines)."""
    page.goto(start)
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(page.url))
    queue = deque([page.url])
    seen = {page_key(page.url)}
    checked = set()  # the pages checked, by the key of the URL a link led to (after redirects)
    visited, found = [], []
    while queue and len(visited) < limit:
        url = queue.popleft()
        try:
            response = page.goto(url)
        except PlaywrightError as error:  # a link that downloads a file rather than showing a page
            if "Download is starting" in str(error):
                continue
            raise
        content_type = response.headers.get("content-type", "") if response else ""
        if not content_type.startswith("text/html") or page_key(page.url) in checked:
            continue
        checked.add(page_key(page.url))
        parts = urlsplit(page.url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        visited.append(path)
        if response.status >= 400:
            found.append(f"{path}: HTTP {response.status}")
            continue
        found.extend(page_violations(page, path))
        for link in _links(page, origin):
            key = page_key(link)
            if key not in seen:
                seen.add(key)
                queue.append(link)
    return visited, found


# Key presses a keyboard step may take to reach its target: a long form has some forty stops.
MAX_KEY_PRESSES = 120


def is_focused(locator):
    return locator.evaluate("element => element === document.activeElement")


def tab_to(page, locator):
    """Press Tab until `locator` has the focus, as a person without a mouse moves through a page;
    fails if it never gets the focus (out of the tab order)."""
    for _ in range(MAX_KEY_PRESSES):
        if is_focused(locator):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{locator} never got the focus with Tab")


def arrow_to(page, select, *, label=None, value=None):
    """With the focus on the drop-down list `select`, press the down arrow until the option
    with `label` (or `value`) is chosen, from the first option on."""
    page.keyboard.press("Home")
    for _ in range(MAX_KEY_PRESSES):
        chosen = select.evaluate("s => [s.value, s.selectedOptions[0] ? s.selectedOptions[0].label : '']")
        if (value is not None and chosen[0] == value) or (label is not None and chosen[1].strip() == label):
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"no option {label or value!r} reached with the arrows in {select}")
