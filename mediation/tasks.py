"""Work done by the worker (`manage.py run_worker`), on the task library django-tasks (the
backport of Django 6's tasks framework) with its database backend, django-tasks-db: the queue is a
table of our database, SQLite for `make run`, PostgreSQL in production, no other server.

- `deliver_email(email_id)`: send one queued e-mail (mediation/mail.py) through the backend named
  by `EMAIL_DELIVERY_BACKEND`. On failure it is tried again after each delay of `EMAIL_RETRY_DELAYS`
  (1, 5, 30 minutes, 2 hours, 6 hours), then marked as failed for good: the admin lists it and
  can retry it (`retry_failed_emails`).
- `run_import(run_id)`: a dry run or a confirmed import of an uploaded file (an ImportRun), which
  may outlast a page's patience (mediation/imports/services.py, `execute_run`).
- `purge_sent_emails()`: the daily clean-up of sent e-mails and finished tasks.
- `worker_alive()`: the worker's heartbeat, called by `run_worker` at each turn of its loop."""

import datetime
import logging

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from .mail import from_payload
from .models import OutgoingEmail

logger = logging.getLogger(__name__)

ERROR_MAX_LENGTH = 500
EMAIL_RETRY_DELAYS = [
    datetime.timedelta(minutes=1),
    datetime.timedelta(minutes=5),
    datetime.timedelta(minutes=30),
    datetime.timedelta(hours=2),
    datetime.timedelta(hours=6),
]


def _retry_delays():
    return getattr(settings, "EMAIL_RETRY_DELAYS", EMAIL_RETRY_DELAYS)


@task()
def deliver_email(email_id):
    with transaction.atomic():
        email = (
            OutgoingEmail.objects.select_for_update()
            .filter(pk=email_id, status=OutgoingEmail.Status.PENDING, payload__isnull=False)
            .first()
        )
        if email is None:
            return "nothing to send"
        now = timezone.now()
        email.attempts += 1
        try:
            with get_connection(settings.EMAIL_DELIVERY_BACKEND, fail_silently=False) as connection:
                connection.send_messages([from_payload(email.payload)])
        except Exception as error:  # noqa: BLE001 - any failure of the mail server is retried
            email.last_error = f"{type(error).__name__}: {error}"[:ERROR_MAX_LENGTH]
            _schedule_retry(email, now)
            email.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
            logger.warning("e-mail %s not sent (attempt %s): %s", email.pk, email.attempts, email.last_error)
            return email.status
        email.status = OutgoingEmail.Status.SENT
        email.sent_at = now
        email.next_attempt_at = None
        email.payload = None
        email.save(update_fields=["attempts", "status", "sent_at", "next_attempt_at", "payload"])
        return email.status


@task()
def run_import(run_id):
    from .imports.services import execute_run

    return execute_run(run_id)


def _schedule_retry(email, now):
    delays = _retry_delays()
    if email.attempts > len(delays):
        email.status = OutgoingEmail.Status.FAILED
        email.next_attempt_at = None
        return
    email.next_attempt_at = now + delays[email.attempts - 1]
    if deliver_email.get_backend().supports_defer:
        deliver_email.using(run_after=email.next_attempt_at).enqueue(email.pk)


def retry_failed_emails(queryset):
    """Queue again the e-mails that failed for good (the admin's action); returns how many."""
    count = 0
    with transaction.atomic():
        for email in queryset.failed().filter(payload__isnull=False).select_for_update():
            email.status = OutgoingEmail.Status.PENDING
            email.attempts = 0
            email.next_attempt_at = None
            email.save(update_fields=["status", "attempts", "next_attempt_at"])
            deliver_email.enqueue(email.pk)
            count += 1
    return count


def purge_sent_emails(*, now=None):
    """Daily: forget the e-mails sent more than EMAIL_SENT_RETENTION_DAYS ago (their recipients
    are personal data) and the queue's finished tasks of the same age. Failed e-mails stay until an
    administrator has seen them. Returns counts, for the daily jobs' record."""
    from django_tasks_db.models import DBTaskResult

    limit = (now or timezone.now()) - datetime.timedelta(days=settings.EMAIL_SENT_RETENTION_DAYS)
    emails, _ = OutgoingEmail.objects.filter(status=OutgoingEmail.Status.SENT, sent_at__lt=limit).delete()
    tasks, _ = DBTaskResult.objects.finished().filter(finished_at__lt=limit).delete()
    return {"emails_supprimes": emails, "taches_supprimees": tasks}


def worker_alive():
    """The worker's heartbeat (read by the health endpoint)."""
    from .operations import WORKER, beat

    beat(WORKER)
