"""Two clicks on "Publier" that reach the server at the same moment publish one edition: the
other clicks are told it was just published. The unique request of a version decides (a
Publication, made by the worker): with the queue of the tests, the worker's task runs inside the
winning request; with the production queue, one request waits for the worker and its one turn
makes one edition."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from mediation.enums import Role
from reporting.models import Edition, Publication
from tests.concurrency import Browser, require_concurrent_database, simultaneously
from tests.conftest import enable_totp
from tests.factories import department, make_user

from .test_editions import mediator_on

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

CLICKS = 3
QUERY = "?annee=2024&perimetre=departement:59"
PUBLISH = reverse("reporting:edition_publish") + QUERY


def test_simultaneous_publications_make_one_version(live_server):
    require_concurrent_database()
    for _ in range(3):
        mediator_on("59")
    coordinator = make_user(Role.COORDINATOR, departments=[department("59")])
    enable_totp(coordinator)
    # The same coordinator on three devices (three sessions), clicking at the same moment.
    browsers = [Browser(live_server, coordinator) for _ in range(CLICKS)]
    for browser in browsers:
        browser.open_form(PUBLISH)

    replies = simultaneously(*(lambda browser=browser: browser.post(PUBLISH, {"version": 1}) for browser in browsers))

    edition = Edition.objects.get()
    assert edition.version == 1
    assert [reply.status for reply in replies] == [200] * CLICKS
    assert {reply.path for reply in replies} == {reverse("reporting:edition_list")}
    for reply in replies:
        # Every click lands on the list, which shows the one edition.
        assert edition.json_sha256 in reply.body
    published = ["Édition n° 1 du bilan 2024 publiée" in reply.body for reply in replies]
    told = ["vient d&#x27;être publiée" in reply.body for reply in replies]
    # One click published it; each other one is told it was just published.
    assert (published.count(True), told.count(True)) == (1, CLICKS - 1)


def test_simultaneous_requests_queue_one_publication_and_the_worker_makes_one_edition(live_server, settings):
    require_concurrent_database()
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    for _ in range(3):
        mediator_on("59")
    first = make_user(Role.COORDINATOR, departments=[department("59")])
    second = make_user(Role.COORDINATOR, departments=[department("59")])
    for coordinator in (first, second):
        enable_totp(coordinator)
    # Two coordinators of the Nord, one of them on two devices, clicking at the same moment.
    browsers = [Browser(live_server, first), Browser(live_server, first), Browser(live_server, second)]
    for browser in browsers:
        browser.open_form(PUBLISH)

    replies = simultaneously(*(lambda browser=browser: browser.post(PUBLISH, {"version": 1}) for browser in browsers))

    publication = Publication.objects.get()
    assert publication.state == Publication.State.PENDING
    assert not Edition.objects.exists()
    assert [reply.status for reply in replies] == [200] * len(browsers)
    for reply in replies:
        assert "Publication en cours…" in reply.body
    told = ["vient d&#x27;être publiée" in reply.body for reply in replies]
    assert told.count(True) == len(browsers) - 1

    call_command("run_worker", "--once")
    edition = Edition.objects.get()
    publication.refresh_from_db()
    assert (publication.state, publication.edition) == (Publication.State.DONE, edition)
    assert edition.published_by == publication.requested_by
