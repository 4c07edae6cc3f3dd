"""The health endpoint /sante/, for the container's HEALTHCHECK, compose's healthchecks and the
hosting team's probes. 200 "ok" when the database answers, every migration is applied, the
worker and the scheduler beat in the last HEALTH_MAX_SILENCE seconds and every daily job succeeded
in the last 48 hours; otherwise 503 "indisponible". Nobody else learns which check failed: the
detail (JSON, one entry per check) is for a logged-in administrator or a probe sending the
HEALTH_TOKEN in the X-Health-Token header. A few queries, no session, never cached."""

import datetime

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from . import operations
from .access import public
from .models import Heartbeat

TOKEN_HEADER = "X-Health-Token"
_migrated = False  # once every migration is applied, it stays so for this process's code


def _database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return True, "joignable"


def _migrations():
    global _migrated
    if not _migrated:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if pending:
            return False, f"{len(pending)} migration(s) non appliquée(s)"
        _migrated = True
    return True, "à jour"


def _heartbeats(now):
    beats = dict(
        Heartbeat.objects.filter(name__in=[operations.WORKER, operations.SCHEDULER]).values_list("name", "beaten_at")
    )
    limit = now - datetime.timedelta(seconds=settings.HEALTH_MAX_SILENCE)
    checks = {}
    for name in (operations.WORKER, operations.SCHEDULER):
        beaten_at = beats.get(name)
        if beaten_at is None:
            checks[name] = (False, "aucun signe de vie")
        else:
            when = f"dernier signe de vie : {timezone.localtime(beaten_at).isoformat(timespec='seconds')}"
            checks[name] = (beaten_at >= limit, when)
    return checks


def _daily_jobs(now):
    overdue = operations.overdue_jobs(now)
    if not overdue:
        return True, "toutes réussies depuis moins de 48 heures"
    return False, "sans passage réussi depuis 48 heures : " + ", ".join(job.name for job, _ in overdue)


def run_checks(now=None):
    """{check: (ok, detail)}; the checks after the database only when it answers."""
    now = now or timezone.now()
    try:
        checks = {"database": _database()}
    except DatabaseError:
        return {"database": (False, "injoignable")}
    try:
        checks["migrations"] = _migrations()
        checks.update(_heartbeats(now))
        checks["daily_jobs"] = _daily_jobs(now)
    except DatabaseError as error:
        checks["database"] = (False, f"erreur : {type(error).__name__}")
    return checks


def _may_see_detail(request):
    token = settings.HEALTH_TOKEN
    if token and constant_time_compare(request.headers.get(TOKEN_HEADER, ""), token):
        return True
    try:
        user = request.user
        return user.is_authenticated and user.is_active and user.is_staff
    except DatabaseError:  # a session cookie that cannot be read while the database is down
        return False


@public
@never_cache
@require_safe
def health(request):
    checks = run_checks()
    healthy = all(ok for ok, _ in checks.values())
    status = 200 if healthy else 503
    if not _may_see_detail(request):
        return HttpResponse(
            "ok" if healthy else "indisponible", status=status, content_type="text/plain; charset=utf-8"
        )
    return JsonResponse(
        {
            "status": "ok" if healthy else "indisponible",
            "checks": {name: {"ok": ok, "detail": detail} for name, (ok, detail) in checks.items()},
        },
        status=status,
    )
