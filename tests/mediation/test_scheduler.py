"""The daily jobs run from the scheduler's entry point (`manage.py run_scheduler`, driven with a
fake clock and a sleep that only moves it) and from `run_daily_jobs --once`; each run is recorded
with what it did; a failing job does not stop the others; administrators are warned about a job
that has not succeeded for 48 hours."""

import dataclasses
import datetime
import html
import os
import time
import zoneinfo

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone

from mediation import operations
from mediation.enums import Role
from mediation.management.commands import run_scheduler
from mediation.models import Heartbeat, JobRun, OutgoingEmail, User
from partners.models import ReferralRateBucket

pytestmark = pytest.mark.django_db

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
ALL_JOBS = {job.name for job in operations.DAILY_JOBS}


class FakeClock:
    """The scheduler's clock; its sleep moves the clock instead of waiting."""

    def __init__(self, start):
        self.now = start
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now = (self.now.astimezone(datetime.UTC) + datetime.timedelta(seconds=seconds)).astimezone(PARIS)


def drive_scheduler(clock, iterations):
    command = run_scheduler.Command()
    command.clock = clock
    command.sleep = clock.sleep
    call_command(command, iterations=iterations)


@pytest.fixture
def leftovers(settings, tmp_path):
    """Something for each cleaning job to remove, and something recent it must keep."""
    settings.IMPORT_TEMP_DIR = str(tmp_path / "imports")
    settings.AUDIT_LOG_RETENTION_MONTHS = 12
    directory = tmp_path / "imports"
    directory.mkdir()
    old_upload, recent_upload = directory / ("a" * 43), directory / ("b" * 43)
    old_upload.write_bytes(b"nom;prenom\n")
    recent_upload.write_bytes(b"nom;prenom\n")
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(old_upload, (two_days_ago, two_days_ago))

    now = timezone.now()
    Session.objects.create(session_key="x" * 32, session_data="", expire_date=now - datetime.timedelta(hours=1))
    Session.objects.create(session_key="y" * 32, session_data="", expire_date=now + datetime.timedelta(hours=1))
    log = LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(User), object_pk="1", object_repr="x", action=2
    )
    LogEntry.objects.filter(pk=log.pk).update(timestamp=now - datetime.timedelta(days=400))
    window = int(time.time() // settings.REFERRAL_RATE_LIMIT_WINDOW)
    ReferralRateBucket.objects.create(client="c" * 32, window=window - 3, hits=2)
    ReferralRateBucket.objects.create(client="c" * 32, window=window, hits=1)
    sent = OutgoingEmail.objects.create(recipients="x@exemple.fr", kind="Invitation", status=OutgoingEmail.Status.SENT)
    OutgoingEmail.objects.filter(pk=sent.pk).update(sent_at=now - datetime.timedelta(days=400))
    OutgoingEmail.objects.create(
        recipients="y@exemple.fr", kind="Invitation", status=OutgoingEmail.Status.SENT, sent_at=now
    )
    return directory


def test_the_scheduler_runs_every_daily_job_at_the_hour_and_records_what_each_did(settings, leftovers):
    settings.DAILY_JOBS_HOUR = 3
    settings.SCHEDULER_BEAT_SECONDS = 60
    settings.SITE_URL = "https://mediation-sante.example.fr"
    clock = FakeClock(datetime.datetime(2026, 3, 10, 3, 0, 30, tzinfo=PARIS))

    drive_scheduler(clock, iterations=3)

    runs = {run.job: run for run in JobRun.objects.all()}
    assert JobRun.objects.count() == len(ALL_JOBS)  # once each, not at every wake-up
    assert set(runs) == ALL_JOBS
    assert all(run.succeeded and run.error == "" and run.finished_at for run in runs.values())
    assert runs["clearsessions"].counts == {"sessions_expirees": 1}
    assert runs["purge_audit_logs"].counts == {"entrees_supprimees": 1}
    assert runs["abandoned_uploads"].counts == {"fichiers_supprimes": 1, "imports_oublies": 0}
    assert runs["referral_counters"].counts == {"compteurs_supprimes": 1}
    assert runs["sent_emails"].counts == {"emails_supprimes": 1, "taches_supprimees": 0}
    assert list(OutgoingEmail.objects.values_list("recipients", flat=True)) == ["y@exemple.fr"]
    assert runs["send_campaign_reminders"].counts == {"campagnes": 0, "relances": 0}
    assert set(runs["apply_retention"].counts) == {"warned", "anonymised", "structures_notified", "referrals_wiped"}
    assert list(Session.objects.values_list("session_key", flat=True)) == ["y" * 32]
    assert [path.name for path in leftovers.iterdir()] == ["b" * 43]
    assert ReferralRateBucket.objects.count() == 1
    # It woke up every SCHEDULER_BEAT_SECONDS to beat, without ever really sleeping.
    assert clock.sleeps == [pytest.approx(60), pytest.approx(60)]
    assert Heartbeat.objects.get(name="scheduler").beaten_at == datetime.datetime(2026, 3, 10, 3, 2, 30, tzinfo=PARIS)


def test_the_scheduler_sleeps_until_the_next_day_hour_and_runs_the_jobs_again(settings):
    settings.DAILY_JOBS_HOUR = 3
    settings.SCHEDULER_BEAT_SECONDS = 7 * 24 * 3600
    settings.SITE_URL = "https://mediation-sante.example.fr"
    # The night of the change to summer time: 3:00 is still 3:00 in Paris the next day.
    clock = FakeClock(datetime.datetime(2026, 3, 28, 3, 0, tzinfo=PARIS))

    drive_scheduler(clock, iterations=2)

    assert clock.now == datetime.datetime(2026, 3, 29, 3, 0, tzinfo=PARIS)
    assert clock.sleeps == [pytest.approx(23 * 3600)]
    days = sorted({timezone.localtime(run.started_at).date() for run in JobRun.objects.all()})
    assert days == [datetime.date(2026, 3, 28), datetime.date(2026, 3, 29)]
    assert JobRun.objects.count() == 2 * len(ALL_JOBS)


def test_a_scheduler_down_at_the_hour_catches_up_when_it_comes_back_but_never_runs_twice_a_day(settings):
    settings.DAILY_JOBS_HOUR = 3
    settings.SITE_URL = "https://mediation-sante.example.fr"
    drive_scheduler(FakeClock(datetime.datetime(2026, 3, 10, 11, 0, tzinfo=PARIS)), iterations=1)
    assert JobRun.objects.count() == len(ALL_JOBS)
    drive_scheduler(FakeClock(datetime.datetime(2026, 3, 10, 23, 0, tzinfo=PARIS)), iterations=1)  # a restart
    drive_scheduler(FakeClock(datetime.datetime(2026, 3, 11, 2, 59, tzinfo=PARIS)), iterations=1)
    assert JobRun.objects.count() == len(ALL_JOBS)
    drive_scheduler(FakeClock(datetime.datetime(2026, 3, 11, 3, 0, tzinfo=PARIS)), iterations=1)
    assert JobRun.objects.count() == 2 * len(ALL_JOBS)


def test_a_scheduler_that_cannot_reach_the_database_tries_again_at_the_next_beat(settings, monkeypatch):
    settings.SCHEDULER_BEAT_SECONDS = 60
    settings.SITE_URL = "https://mediation-sante.example.fr"
    real_beat, failures = operations.beat, []

    def beat_once_down(name, **kwargs):
        if not failures:
            failures.append(name)
            raise OperationalError("server closed the connection unexpectedly")
        real_beat(name, **kwargs)

    monkeypatch.setattr(operations, "beat", beat_once_down)
    clock = FakeClock(datetime.datetime(2026, 3, 10, 3, 0, tzinfo=PARIS))

    drive_scheduler(clock, iterations=2)

    assert failures == ["scheduler"]
    assert clock.sleeps == [pytest.approx(60)]
    assert JobRun.objects.count() == len(ALL_JOBS)  # run at the next wake-up


def test_a_failing_job_is_recorded_as_failed_without_personal_data_and_the_others_still_run(
    settings, monkeypatch, leftovers
):
    settings.SITE_URL = ""  # the reminders need the site's address for their link

    def broken():
        raise ValueError("Dupont Marie, née le 01/02/1960")

    jobs = tuple(
        dataclasses.replace(job, run=broken) if job.name == "purge_audit_logs" else job for job in operations.DAILY_JOBS
    )
    monkeypatch.setattr(operations, "DAILY_JOBS", jobs)
    monkeypatch.delenv("SITE_URL", raising=False)

    with pytest.raises(CommandError, match="2 tâche"):
        call_command("run_daily_jobs", "--once")

    runs = {run.job: run for run in JobRun.objects.all()}
    assert set(runs) == ALL_JOBS
    failed = {name for name, run in runs.items() if not run.succeeded}
    assert failed == {"purge_audit_logs", "send_campaign_reminders"}
    assert runs["purge_audit_logs"].error == "ValueError"
    assert "Dupont" not in str(JobRun.objects.values_list("error", "counts"))
    assert "adresse du site" in runs["send_campaign_reminders"].error
    assert runs["clearsessions"].counts == {"sessions_expirees": 1}  # the jobs after the failures ran
    assert runs["referral_counters"].counts == {"compteurs_supprimes": 1}
    assert runs["sent_emails"].counts == {"emails_supprimes": 1, "taches_supprimees": 0}
    assert list(OutgoingEmail.objects.values_list("recipients", flat=True)) == ["y@exemple.fr"]


def test_administrators_see_the_last_runs_and_a_warning_for_a_job_without_success_for_48_hours(login_as, client):
    login_as(Role.ADMIN)
    now = timezone.now()
    for job in operations.DAILY_JOBS:
        JobRun.objects.create(job=job.name, started_at=now - datetime.timedelta(hours=3), succeeded=True)
    JobRun.objects.filter(job="clearsessions").update(started_at=now - datetime.timedelta(hours=49))
    JobRun.objects.create(job="clearsessions", started_at=now - datetime.timedelta(hours=2), error="OperationalError")

    response = client.get(reverse("admin:mediation_jobrun_changelist"))

    page = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert page.count("n'a pas réussi depuis plus de 48 heures") == 1
    assert "La tâche « Sessions expirées » (clearsessions) n'a pas réussi depuis plus de 48 heures" in page
    assert "OperationalError" in page
    assert client.get(reverse("admin:mediation_jobrun_add")).status_code == 403


def test_no_warning_when_every_job_succeeded_in_the_last_48_hours(login_as, client):
    login_as(Role.ADMIN)
    for job in operations.DAILY_JOBS:
        JobRun.objects.create(job=job.name, started_at=timezone.now() - datetime.timedelta(hours=47), succeeded=True)

    page = html.unescape(client.get(reverse("admin:mediation_jobrun_changelist")).content.decode())

    assert "48 heures" not in page
