import datetime

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.utils import timezone

from mediation.management.commands.purge_audit_logs import months_before
from mediation.models import User

pytestmark = pytest.mark.django_db


def entry(age_days):
    log = LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(User),
        object_pk="1",
        object_repr="x",
        action=LogEntry.Action.ACCESS,
    )
    LogEntry.objects.filter(pk=log.pk).update(timestamp=timezone.now() - datetime.timedelta(days=age_days))
    return log


def test_logs_older_than_the_retention_are_purged_and_the_rest_kept(settings):
    settings.AUDIT_LOG_RETENTION_MONTHS = 12
    old, recent = entry(400), entry(300)
    call_command("purge_audit_logs")
    assert list(LogEntry.objects.values_list("pk", flat=True)) == [recent.pk]
    assert old.pk != recent.pk


def test_months_are_calendar_months():
    moment = datetime.datetime(2025, 3, 31, 12, tzinfo=datetime.UTC)
    assert months_before(moment, 1) == datetime.datetime(2025, 2, 28, 12, tzinfo=datetime.UTC)
    assert months_before(moment, 12) == datetime.datetime(2024, 3, 31, 12, tzinfo=datetime.UTC)
