"""Institutional readers see aggregates only: every page that is not theirs answers 403 before
any view runs, and the pages that are theirs name nobody."""

import io
import uuid

import pytest
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter, UUIDConverter

from mediation.access import rule_of
from mediation.enums import Role
from tests.accompaniments.sheet_fixtures import Team

pytestmark = pytest.mark.django_db


def walk(patterns, prefix="", converters=()):
    for entry in patterns:
        found = {**dict(converters), **entry.pattern.converters}
        if isinstance(entry, URLResolver):
            namespace = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            yield from walk(entry.url_patterns, namespace, found.items())
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{prefix}{entry.name}", entry.callback, found


def sample(converter):
    if isinstance(converter, IntConverter):
        return 1
    if isinstance(converter, UUIDConverter):
        return uuid.uuid4()
    return "x"


def url_of(name, converters):
    try:
        return reverse(name, kwargs={key: sample(converter) for key, converter in converters.items()})
    except NoReverseMatch:
        return None


def text_of(response):
    if response.get("Content-Type", "").startswith("application/pdf"):
        from pypdf import PdfReader

        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    return response.content.decode(errors="replace")


def lets_readers_in(callback):
    rule = rule_of(callback)
    return rule is not None and (rule.public or rule.any_authenticated or Role.READER in rule.roles)


VIEWS = [(name, callback, url_of(name, converters)) for name, callback, converters in walk(get_resolver().url_patterns)]
# Besides their own account pages (password, second factor), the only pages a reader may open.
# Adding one is a decision.
EXPECTED_READER_PAGES = {
    "home",
    "reporting:dashboard",
    "reporting:bilan_pdf",
    "reporting:bilan_json",
    "reporting:bilan_workbook",
    "reporting:table_download",
    # The published editions of the bilan: the readers' edition's figures, stored (docs/editions.md).
    "reporting:edition_list",
    "reporting:edition_file",
}
ACCOUNT_PAGES = ("account_", "mfa_", "mediation:my_account")
NOT_FOR_READERS = sorted(
    (name, url)
    for name, callback, url in VIEWS
    if url and not lets_readers_in(callback) and not name.startswith(("admin:", *ACCOUNT_PAGES))
)
READER_PAGES = sorted(
    (name, url)
    for name, callback, url in VIEWS
    if url and lets_readers_in(callback) and not rule_of(callback).public and not name.startswith(ACCOUNT_PAGES)
)


def test_readers_may_open_exactly_the_expected_pages():
    assert {name for name, _ in READER_PAGES} == EXPECTED_READER_PAGES


def test_the_walk_covers_the_nominative_apps():
    names = {name for name, _ in NOT_FOR_READERS}
    for app in ("accompaniments:", "partners:", "campaigns:", "imports:", "mediation:"):
        assert any(name.startswith(app) for name in names), app


@pytest.mark.parametrize(("name", "url"), NOT_FOR_READERS, ids=[name for name, _ in NOT_FOR_READERS])
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_reader_is_refused_every_page_that_is_not_hers(client, login_as, name, url, method):
    login_as(Role.READER)
    response = getattr(client, method)(url)
    assert response.status_code == 403, f"{name}: {response.status_code}"


@pytest.mark.parametrize(("name", "url"), READER_PAGES, ids=[name for name, _ in READER_PAGES])
def test_the_reader_pages_name_nobody(client, login_as, name, url):
    team = Team()
    people = [team.person, team.new_person(last_name="Vandewalle", first_name="Ophélie")]
    reader = login_as(Role.READER)
    # The reader's own name shows in the header: a fixed one that no random person can share.
    reader.first_name, reader.last_name = "Lectrice", "Institutionnelle"
    reader.save(update_fields=["first_name", "last_name"])
    response = client.get(url)
    assert response.status_code in (200, 302, 404), f"{name}: {response.status_code}"
    content = text_of(response)
    for person in people:
        assert person.last_name not in content and person.last_name.upper() not in content
    assert team.mediator.last_name not in content
