"""Logs and error reports: one JSON line per request on stdout carrying its request id, and
errors that reach the administrators and the error tracker without the persons' data."""

import io
import json
import logging

import pytest
import sentry_sdk
from django.core import mail
from django.test import Client
from django.urls import include, path
from sentry_sdk.transport import Transport

from mediation.access import public
from mediation.error_tracking import init_error_tracker
from mediation.models import OutgoingEmail
from mediation.settings import base

PATIENT = "Léonie Marchand-Fictive"
PATIENT_EMAIL = "leonie.fictive@example.org"


@public
def boom(request):
    patient = request.POST.get("patient_name")  # a local variable holding the name
    raise RuntimeError("Échec du traitement" if patient else "Échec")


urlpatterns = [path("boom/", boom), path("", include("mediation.urls"))]


@pytest.fixture
def json_lines():
    """What the project's console handler writes, as parsed JSON lines."""
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    handler.setStream(previous)


def access_lines(lines):
    return [line for line in lines if line["logger"] == "mediation.access"]


@pytest.mark.django_db
def test_a_request_writes_one_json_line_with_its_id_and_no_query_string(client, json_lines):
    response = client.get(
        "/compte/connexion/?email=leonie.fictive%40example.org&next=/x", HTTP_X_REQUEST_ID="abc-123-def-456"
    )

    assert response["X-Request-ID"] == "abc-123-def-456"
    (line,) = access_lines(json_lines())
    assert line["request_id"] == "abc-123-def-456"
    assert line["method"] == "GET"
    assert line["path"] == "/compte/connexion/"
    assert line["status"] == response.status_code
    assert isinstance(line["duration_ms"], (int, float))
    assert {"time", "level", "message"} <= line.keys()
    assert "leonie" not in json.dumps(json_lines())


@pytest.mark.django_db
@pytest.mark.parametrize("supplied", ["", "x" * 300, "abc\nforged log line", "<script>"])
def test_a_missing_or_malformed_request_id_is_replaced_by_a_generated_one(client, json_lines, supplied):
    response = client.get("/compte/connexion/", HTTP_X_REQUEST_ID=supplied)

    generated = response["X-Request-ID"]
    assert generated != supplied and len(generated) >= 16
    (line,) = access_lines(json_lines())
    assert line["request_id"] == generated


@pytest.mark.django_db
def test_every_line_of_a_request_carries_its_id(client, json_lines):
    client.get("/page-qui-n-existe-pas/", HTTP_X_REQUEST_ID="req-0000-1111")

    lines = json_lines()
    not_found = [line for line in lines if line["logger"] == "django.request"]
    assert not_found and all(line["request_id"] == "req-0000-1111" for line in not_found)


@pytest.mark.django_db
@pytest.mark.urls(__name__)
@pytest.mark.parametrize("through_the_queue", [False, True], ids=["direct", "queued"])
def test_an_error_reaches_the_admins_by_mail_without_the_persons_data(settings, json_lines, through_the_queue):
    settings.ADMINS = [("Équipe technique", "tech@mediation.example.fr")]
    if through_the_queue:
        # The application's backend (the test runner puts locmem in its place): queued, then
        # delivered by the task (at once with the test settings' task backend).
        settings.EMAIL_BACKEND = base.EMAIL_BACKEND

    response = Client(raise_request_exception=False).post(
        f"/boom/?email={PATIENT_EMAIL}", {"patient_name": PATIENT}, HTTP_X_REQUEST_ID="req-err-4242"
    )

    assert response.status_code == 500
    (report,) = mail.outbox
    assert report.to == ["tech@mediation.example.fr"]
    assert "RuntimeError" in report.body and "req-err-4242" in report.body
    for secret in (PATIENT, "patient_name", PATIENT_EMAIL, "sessionid"):
        assert secret not in report.body and secret not in report.subject
    assert report.alternatives == []
    assert OutgoingEmail.objects.exists() == through_the_queue


class CapturingTransport(Transport):
    def __init__(self, options=None):
        super().__init__(options)
        self.envelopes = []

    def capture_envelope(self, envelope):
        self.envelopes.append(envelope)

    def sent(self):
        return b"".join(envelope.serialize() for envelope in self.envelopes).decode()


@pytest.fixture
def error_tracker():
    transport = CapturingTransport()
    init_error_tracker("https://public@glitchtip.invalid/1", transport=transport)
    yield transport
    sentry_sdk.init()  # no DSN: nothing is sent any more


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_the_error_tracker_receives_the_error_without_the_persons_data(error_tracker, django_user_model):
    user = django_user_model.objects.create_user(email=PATIENT_EMAIL, password="x" * 16, first_name="Léonie")
    browser = Client(raise_request_exception=False)
    browser.force_login(user)

    response = browser.post("/boom/?q=Marchand", {"patient_name": PATIENT}, HTTP_AUTHORIZATION="Bearer s3cr3t-t0ken")
    sentry_sdk.flush()

    assert response.status_code == 500
    sent = error_tracker.sent()
    assert "RuntimeError" in sent and "boom" in sent
    for secret in (PATIENT, "Marchand", PATIENT_EMAIL, "Léonie", "s3cr3t-t0ken", "sessionid"):
        assert secret not in sent, secret
