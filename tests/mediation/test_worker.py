"""The worker (`manage.py run_worker`): it beats at each turn, so the health endpoint knows it lives;
it runs the queued tasks; it stops cleanly when asked; and two workers started at the same moment
send each queued e-mail once."""

import pytest
from django.core import mail
from django.core.mail import send_mail
from django.core.management import call_command
from django.urls import reverse

from mediation.management.commands import run_worker
from mediation.models import OutgoingEmail
from mediation.settings import base
from tests.concurrency import require_concurrent_database, simultaneously

HEALTH_URL = reverse("health")
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def queue(settings):
    """The application's e-mail backend and the production task queue (see test_email_queue.py)."""
    settings.EMAIL_BACKEND = base.EMAIL_BACKEND
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.EMAIL_DELIVERY_BACKEND = LOCMEM
    settings.HEALTH_TOKEN = "jeton-de-sonde"
    return settings


def worker_health(client):
    detail = client.get(HEALTH_URL, headers={"X-Health-Token": "jeton-de-sonde"}).json()
    return detail["checks"]["worker"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_one_turn_of_the_worker_beats_for_the_health_endpoint_and_sends_what_is_queued(client, queue):
    assert worker_health(client) == {"ok": False, "detail": "aucun signe de vie"}
    send_mail("Votre accès à Médiation santé", "Bonjour", None, ["a@b.fr"])
    assert mail.outbox == []

    call_command("run_worker", "--once")

    health = worker_health(client)
    assert health["ok"] is True and health["detail"].startswith("dernier signe de vie")
    assert [message.to for message in mail.outbox] == [["a@b.fr"]]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_worker_beats_at_every_turn_and_stops_cleanly(client, queue, monkeypatch, capsys):
    turns = []

    def sleep(seconds):
        # Between two turns: an e-mail arrives; at the third, Ctrl-C.
        turns.append(seconds)
        if len(turns) == 3:
            raise KeyboardInterrupt
        send_mail(f"Message {len(turns)}", "Bonjour", None, ["a@b.fr"])

    monkeypatch.setattr(run_worker.Command, "sleep", staticmethod(sleep))
    beats = []
    monkeypatch.setattr(run_worker, "worker_alive", lambda: beats.append(True))

    call_command("run_worker", "--interval", "5")

    assert turns == [5.0, 5.0, 5.0]
    assert len(beats) == 3
    assert sorted(message.subject for message in mail.outbox) == ["Message 1", "Message 2"]
    assert capsys.readouterr().out.endswith("Travailleur arrêté.\n")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_started_together_send_each_email_once(queue):
    require_concurrent_database()
    for number in range(12):
        send_mail(f"Orientation {number}", "Bonjour", None, [f"pro{number}@exemple.fr"])

    simultaneously(*[lambda: call_command("run_worker", "--once")] * 3)

    assert sorted(message.subject for message in mail.outbox) == sorted(f"Orientation {n}" for n in range(12))
    assert set(OutgoingEmail.objects.values_list("status", "attempts")) == {(OutgoingEmail.Status.SENT, 1)}
