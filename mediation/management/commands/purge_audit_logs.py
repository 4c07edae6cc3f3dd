"""Delete access, change and account logs older than the retention period (CNIL: 12 months by default).

    python manage.py purge_audit_logs [--months N]

Meant to run daily (cron or a scheduled job); prints how many entries it removed."""

from auditlog.models import LogEntry
from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from mediation.models import AccountEvent


def months_before(moment, months):
    """The same day and time `months` calendar months earlier (clamped to the month's end)."""
    import calendar

    month_index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(month_index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


class Command(BaseCommand):
    help = "Supprime les journaux d'accès et de modification plus anciens que la durée de conservation."

    def add_arguments(self, parser):
        parser.add_argument("--months", type=int, default=settings.AUDIT_LOG_RETENTION_MONTHS)

    def handle(self, *args, months, **options):
        cutoff = months_before(timezone.now(), months)
        deleted, _ = LogEntry.objects.filter(timestamp__lt=cutoff).delete()
        account_events, _ = AccountEvent.objects.filter(timestamp__lt=cutoff).delete()
        deleted += account_events
        self.stdout.write(f"{deleted} entrée(s) de journal antérieure(s) au {cutoff:%d/%m/%Y} supprimée(s).")
