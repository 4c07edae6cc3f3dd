"""The health endpoint /sante/: 200 "ok" when the database answers, migrations are applied, the
worker and the scheduler beat recently and the daily jobs succeeded; 503 "indisponible"
otherwise. Anonymous callers learn nothing more; administrators and probes with the token get
the detail. No session, never cached, a few queries."""

import datetime
import json
import socket

import pytest
from django.db import OperationalError, connection
from django.urls import reverse
from django.utils import timezone

from mediation import health, operations
from mediation.enums import Role
from mediation.models import JobRun

pytestmark = pytest.mark.django_db

URL = "/sante/"


@pytest.fixture
def alive(settings):
    """Worker and scheduler beating, every daily job done last night."""
    settings.HEALTH_MAX_SILENCE = 300
    operations.beat(operations.WORKER)
    operations.beat(operations.SCHEDULER)
    for job in operations.DAILY_JOBS:
        JobRun.objects.create(job=job.name, started_at=timezone.now() - datetime.timedelta(hours=5), succeeded=True)


def beat_ago(name, seconds):
    operations.beat(name, now=timezone.now() - datetime.timedelta(seconds=seconds))


def test_the_url_is_sante():
    assert reverse("health") == URL


def test_healthy_answers_ok_to_anyone_without_detail_session_or_cache(client, alive, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):
        response = client.get(URL)

    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"].startswith("text/plain")
    assert "no-store" in response["Cache-Control"]
    assert not response.cookies
    assert client.head(URL).status_code == 200


def test_a_worker_silent_for_longer_than_the_delay_makes_it_unavailable(client, alive):
    beat_ago(operations.WORKER, 301)

    response = client.get(URL)

    assert response.status_code == 503
    assert response.content == b"indisponible"  # nothing says which check failed


def test_a_worker_that_never_beat_makes_it_unavailable(client, alive):
    from mediation.models import Heartbeat

    Heartbeat.objects.filter(name=operations.WORKER).delete()

    assert client.get(URL).status_code == 503


def test_a_worker_within_the_delay_is_alive(client, alive):
    beat_ago(operations.WORKER, 290)

    assert client.get(URL).status_code == 200


def test_a_silent_scheduler_makes_it_unavailable(client, alive):
    beat_ago(operations.SCHEDULER, 3600)

    assert client.get(URL).status_code == 503


def test_a_daily_job_without_success_for_48_hours_makes_it_unavailable(client, alive):
    JobRun.objects.filter(job="clearsessions").update(started_at=timezone.now() - datetime.timedelta(hours=49))

    assert client.get(URL).status_code == 503


def test_an_unreachable_database_makes_it_unavailable(client, alive, monkeypatch, settings):
    settings.HEALTH_TOKEN = "sonde-de-l-hebergeur-0123456789"

    def unreachable(*args, **kwargs):
        raise OperationalError('connection to server at "db" (10.0.0.2), port 5432 failed: Connection refused')

    monkeypatch.setattr(connection, "cursor", unreachable)

    anonymous = client.get(URL)
    probe = client.get(URL, headers={"X-Health-Token": settings.HEALTH_TOKEN})

    assert anonymous.status_code == 503
    assert anonymous.content == b"indisponible"
    assert probe.status_code == 503
    assert json.loads(probe.content)["checks"] == {"database": {"ok": False, "detail": "injoignable"}}
    assert "10.0.0.2" not in probe.content.decode()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_database_server_that_refuses_connections_makes_it_unavailable(client, settings):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite's in-memory test database ignores close(): its connection cannot be made to fail")
    with socket.socket() as probe:  # a local port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    real = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT=str(closed_port))
    try:
        response = client.get(URL)
    finally:
        connection.close()
        connection.settings_dict.update(real)

    assert response.status_code == 503
    assert response.content == b"indisponible"


def test_pending_migrations_make_it_unavailable(client, alive, monkeypatch, settings):
    settings.HEALTH_TOKEN = "sonde-de-l-hebergeur-0123456789"
    monkeypatch.setattr(health, "_migrated", False)
    monkeypatch.setattr(health.MigrationExecutor, "migration_plan", lambda self, targets: [("migration", False)])

    response = client.get(URL, headers={"X-Health-Token": settings.HEALTH_TOKEN})

    assert response.status_code == 503
    assert json.loads(response.content)["checks"]["migrations"] == {
        "ok": False,
        "detail": "1 migration(s) non appliquée(s)",
    }


def test_an_administrator_sees_the_detail_of_each_check(client, alive, login_as):
    login_as(Role.ADMIN)
    beat_ago(operations.WORKER, 600)

    response = client.get(URL)

    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["status"] == "indisponible"
    assert set(body["checks"]) == {"database", "migrations", "worker", "scheduler", "daily_jobs"}
    assert body["checks"]["worker"]["ok"] is False
    assert body["checks"]["worker"]["detail"].startswith("dernier signe de vie : ")
    assert all(body["checks"][name]["ok"] for name in ("database", "migrations", "scheduler", "daily_jobs"))


@pytest.mark.parametrize("role", [Role.MEDIATOR, Role.COORDINATOR, Role.READER])
def test_other_accounts_get_no_detail(client, alive, login_as, role):
    login_as(role)

    response = client.get(URL)

    assert response.status_code == 200
    assert response.content == b"ok"


def test_the_probe_token_gives_the_detail_and_a_wrong_or_unset_one_does_not(client, alive, settings):
    settings.HEALTH_TOKEN = "sonde-de-l-hebergeur-0123456789"

    with_token = client.get(URL, headers={"X-Health-Token": settings.HEALTH_TOKEN})
    wrong = client.get(URL, headers={"X-Health-Token": "devine"})
    settings.HEALTH_TOKEN = ""
    empty = client.get(URL, headers={"X-Health-Token": ""})

    assert json.loads(with_token.content)["status"] == "ok"
    assert wrong.content == b"ok"
    assert empty.content == b"ok"
