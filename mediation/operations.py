"""Work that runs without anyone waiting: heartbeats of the long-running processes, the daily
jobs and the scheduler that runs them (docs/exploitation.md).

- `beat(name)`: the worker and the scheduler say they are alive (Heartbeat rows, read by the
  health endpoint).
- `DAILY_JOBS`: the one list of what runs every day at DAILY_JOBS_HOUR (Europe/Paris).
- `run_daily_jobs()`: run them all once, each recorded as a JobRun with its counts; a job that
  fails is recorded as failed and the others still run.
- `run_scheduler(clock, sleep)`: the loop of `manage.py run_scheduler`. It beats, runs the jobs
  whose last run is older than the latest slot (so a scheduler that was down at the hour catches
  up when it comes back, and a restart never runs them twice the same day), then sleeps until the
  next slot or the next beat. Clock and sleep are injected: tests drive it without waiting.

The jobs of the apps above the core (retention, reminders, referral counters) are named by their
dotted path or command name, as the root URL configuration names their URLs, or registered by
the app itself with `register_daily_job()` (the referral reminders): the core imports none of them."""

import datetime
import io
import logging
import os
import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

from django.apps import apps
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import DatabaseError, close_old_connections, connection
from django.db.models import Max
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import Heartbeat, JobRun

logger = logging.getLogger(__name__)

WORKER = "worker"
SCHEDULER = "scheduler"
# Administrators are warned (admin, health endpoint) about a job without a successful run for this long.
JOB_MAX_AGE = datetime.timedelta(hours=48)


# ---------------------------------------------------------------- heartbeats


def beat(name, *, now=None):
    """Record that the process `name` (WORKER, SCHEDULER) is alive."""
    Heartbeat.objects.update_or_create(name=name, defaults={"beaten_at": now or timezone.now()})


# ---------------------------------------------------------------- the daily jobs


def site_url():
    """The site's address for the links of e-mails (SITE_URL setting or environment variable),
    without a trailing slash: the daily jobs of every app append their paths to it."""
    return (getattr(settings, "SITE_URL", "") or os.environ.get("SITE_URL", "")).rstrip("/")


def _command_output(name, **options):
    output = io.StringIO()
    call_command(name, stdout=output, **options)
    return output.getvalue()


def _numbers(pattern, text):
    return sum(int(found) for found in re.findall(pattern, text))


def apply_retention():
    run = import_string("accompaniments.personal_data.apply_retention")(base_url=site_url())
    counts = asdict(run)
    counts.pop("day", None)
    return counts


def purge_audit_logs():
    output = _command_output("purge_audit_logs")
    return {"entrees_supprimees": _numbers(r"(\d+) entrée\(s\)", output)}


def send_campaign_reminders():
    output = _command_output("send_campaign_reminders", base_url=site_url())
    lines = [line for line in output.splitlines() if line.strip()]
    return {"campagnes": len(lines), "relances": _numbers(r"(\d+) relance\(s\) envoyée\(s\)", output)}


def clear_sessions():
    from django.contrib.sessions.models import Session

    expired = Session.objects.filter(expire_date__lt=timezone.now()).count()
    call_command("clearsessions")
    return {"sessions_expirees": expired}


def purge_abandoned_uploads():
    from .imports import services

    def count():
        return sum(1 for path in services.storage_dir().iterdir() if path.is_file())

    before = count()
    services.purge_stale_uploads()
    return {"fichiers_supprimes": before - count(), "imports_oublies": services.purge_finished_runs()}


def purge_sent_emails():
    from .tasks import purge_sent_emails

    return purge_sent_emails()


def purge_referral_counters():
    bucket = apps.get_model("partners", "ReferralRateBucket")
    current_window = int(time.time() // settings.REFERRAL_RATE_LIMIT_WINDOW)
    deleted, _ = bucket.objects.filter(window__lt=current_window).delete()
    return {"compteurs_supprimes": deleted}


@dataclass(frozen=True)
class DailyJob:
    name: str
    label: str
    run: Callable[[], dict]


DAILY_JOBS = (
    DailyJob("apply_retention", "Durée de conservation des personnes", apply_retention),
    DailyJob("purge_audit_logs", "Purge des journaux", purge_audit_logs),
    DailyJob("send_campaign_reminders", "Relances des campagnes", send_campaign_reminders),
    DailyJob("clearsessions", "Sessions expirées", clear_sessions),
    DailyJob("abandoned_uploads", "Fichiers d'import abandonnés", purge_abandoned_uploads),
    DailyJob("referral_counters", "Compteurs d'envoi des orientations", purge_referral_counters),
    DailyJob("sent_emails", "E-mails envoyés et tâches terminées", purge_sent_emails),
)
JOB_LABELS = {job.name: job.label for job in DAILY_JOBS}


def register_daily_job(job: DailyJob):
    """An app above the core adds its job to the daily jobs (from its AppConfig.ready(), as the
    import kinds register): the core runs and records it without importing the app. Registering
    a name twice keeps the first."""
    global DAILY_JOBS
    if job.name in JOB_LABELS:
        return
    DAILY_JOBS = (*DAILY_JOBS, job)
    JOB_LABELS[job.name] = job.label


def _error_summary(error):
    """The kind of error, and the message only for our own command errors (written by us, in
    French, without personal data): a database error's message may quote a row's values."""
    if isinstance(error, CommandError):
        return f"{type(error).__name__} : {error}"[:500]
    return type(error).__name__


def run_job(job, *, clock=timezone.now):
    record = JobRun.objects.create(job=job.name, started_at=clock())
    try:
        record.counts = job.run()
    except Exception as error:  # a failing job is recorded and must not stop the others
        logger.exception("daily job %s failed", job.name)
        record.error = _error_summary(error)
    else:
        record.succeeded = True
        logger.info("daily job %s: %s", job.name, record.counts)
    record.finished_at = clock()
    record.save(update_fields=["counts", "error", "succeeded", "finished_at"])
    return record


def run_daily_jobs(jobs=None, *, clock=timezone.now):
    """Run every daily job once (or those given), in order; returns their JobRun records."""
    return [run_job(job, clock=clock) for job in (DAILY_JOBS if jobs is None else jobs)]


def overdue_jobs(now=None):
    """(job, start of its last successful run or None) for each daily job without a success
    in the last JOB_MAX_AGE (one query)."""
    now = now or timezone.now()
    successes = dict(
        JobRun.objects.filter(job__in=JOB_LABELS, succeeded=True)
        .values("job")
        .annotate(last=Max("started_at"))
        .values_list("job", "last")
    )
    return [
        (job, successes.get(job.name))
        for job in DAILY_JOBS
        if successes.get(job.name) is None or successes[job.name] < now - JOB_MAX_AGE
    ]


# ---------------------------------------------------------------- the scheduler


def latest_slot(now):
    """The last moment at or before `now` when the daily jobs were due (DAILY_JOBS_HOUR, local time)."""
    local = timezone.localtime(now)
    slot = local.replace(hour=settings.DAILY_JOBS_HOUR, minute=0, second=0, microsecond=0)
    # Arithmetic on a local datetime keeps the wall-clock hour across daylight saving changes.
    return slot - datetime.timedelta(days=1) if slot > local else slot


def next_slot(now):
    return latest_slot(now) + datetime.timedelta(days=1)


def due_jobs(now):
    """The daily jobs not run since the latest slot."""
    slot = latest_slot(now)
    done = set(JobRun.objects.filter(started_at__gte=slot).values_list("job", flat=True))
    return [job for job in DAILY_JOBS if job.name not in done]


def scheduler_iteration(now, *, clock=timezone.now):
    """One wake-up of the scheduler: beat, run what is due; returns when to wake up next."""
    beat(SCHEDULER, now=now)
    run_daily_jobs(due_jobs(now), clock=clock)
    # In UTC: Python compares and subtracts datetimes of one time zone by their wall clock.
    next_beat = now.astimezone(datetime.UTC) + datetime.timedelta(seconds=settings.SCHEDULER_BEAT_SECONDS)
    return min(next_slot(now).astimezone(datetime.UTC), next_beat)


def run_scheduler(*, clock=timezone.now, sleep=time.sleep, iterations=None):
    """The scheduler's loop; `iterations` bounds it (tests), None runs it forever."""
    done = 0
    while iterations is None or done < iterations:
        now = clock()
        if not connection.in_atomic_block:  # (tests run the loop inside their transaction)
            close_old_connections()  # as at each request: drop a connection the database closed
        try:
            wake_at = scheduler_iteration(now, clock=clock)
        except DatabaseError:  # database down or not migrated yet: try again at the next beat
            logger.exception("scheduler: database unavailable")
            wake_at = now.astimezone(datetime.UTC) + datetime.timedelta(seconds=settings.SCHEDULER_BEAT_SECONDS)
        done += 1
        if iterations is None or done < iterations:
            sleep(max((wake_at - clock().astimezone(datetime.UTC)).total_seconds(), 0))
