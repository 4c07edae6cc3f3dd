"""Publishing runs in the worker: the coordinator's form asks for the edition (a Publication) and
the list says « Publication en cours… » until one turn of the worker has made it; a publication
that fails says why in French and makes nothing."""

import hashlib
import html

import pytest
from django.core.management import call_command
from django.urls import reverse

from mediation.enums import Role
from reporting import editions
from reporting.models import Edition, Publication
from tests.factories import department

from .test_editions import REGION, mediator_on, publish

pytestmark = pytest.mark.django_db

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def region_of_sheets():
    """Nord: three mediators, two sheets each; Oise: one mediator (as in test_editions)."""
    for _ in range(3):
        mediator_on("59")
    mediator_on("60", sheets=5)


@pytest.fixture
def coordinator(client, login_as):
    return login_as(Role.COORDINATOR, region=department("59").region)


def listing(client):
    return html.unescape(client.get(reverse("reporting:edition_list"), REGION).content.decode())


# The worker closes its database connection after its turn: the test cannot keep its transaction.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_form_queues_the_publication_and_the_list_shows_it_under_way_until_the_worker_made_it(
    client, coordinator, region_of_sheets, settings
):
    settings.TASKS = DATABASE_QUEUE
    sent = html.unescape(publish(client).content.decode())
    assert not Edition.objects.exists()
    assert "Publication en cours…" in sent
    assert "L'édition n° 1, demandée par" in sent
    assert "hx-get" in sent  # the list asks again by itself
    assert Publication.objects.get().state == Publication.State.PENDING
    # Nobody can send the form again meanwhile: the list offers no publish button.
    assert "Publier ce bilan" not in sent

    call_command("run_worker", "--once")

    edition = Edition.objects.get()
    publication = Publication.objects.get()
    assert (publication.state, publication.edition, publication.error) == (Publication.State.DONE, edition, "")
    assert edition.published_by == coordinator and edition.version == 1
    for kind in ("json", "pdf", "xlsx", "public_json", "public_pdf", "public_csv"):
        assert getattr(edition, f"{kind}_sha256") == hashlib.sha256(bytes(getattr(edition, kind))).hexdigest()
    page = listing(client)
    assert "Publication en cours" not in page and "hx-get" not in page
    assert edition.json_sha256 in page and edition.public_csv_sha256 in page
    assert "Publier une nouvelle édition" in page


# The worker closes its database connection after its turn: the test cannot keep its transaction.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_same_form_sent_twice_while_the_worker_has_not_run_asks_once(
    client, coordinator, region_of_sheets, settings
):
    settings.TASKS = DATABASE_QUEUE
    publish(client, version=1)
    again = html.unescape(publish(client, version=1).content.decode())
    assert "vient d'être publiée" in again
    assert Publication.objects.count() == 1
    call_command("run_worker", "--once")
    assert Edition.objects.count() == 1


def test_a_failing_publication_says_why_in_french_and_makes_no_edition(
    client, coordinator, region_of_sheets, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("bug in the public PDF")

    # The public edition's files are rendered last: the edition's own files are made by then.
    monkeypatch.setattr(editions, "render_public_files", broken)
    page = html.unescape(publish(client).content.decode())
    assert "La publication de l'édition n° 1 a échoué" in page
    assert editions.PUBLICATION_UNEXPECTED in page
    assert "bug in the public PDF" not in page
    assert not Edition.objects.exists()
    assert Publication.objects.get().state == Publication.State.FAILED

    # Once mended, the same edition is published.
    monkeypatch.undo()
    page = html.unescape(publish(client).content.decode())
    assert "Édition n° 1 du bilan 2024 publiée" in page and "a échoué" not in page
    assert Edition.objects.get().version == 1
