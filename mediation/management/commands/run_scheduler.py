"""The scheduler: runs the daily jobs every day at DAILY_JOBS_HOUR (Europe/Paris) and beats every
SCHEDULER_BEAT_SECONDS for the health endpoint. One process of it runs beside the web server
(the `scheduler` service of docker-compose.yml):

    python manage.py run_scheduler

Each run of a job is recorded (admin: « Passages des tâches quotidiennes »). See
docs/exploitation.md; `run_daily_jobs` runs the jobs once, for cron or by hand."""

import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from mediation import operations


class Command(BaseCommand):
    help = "Lance le planificateur des tâches quotidiennes (sans fin ; Ctrl-C pour l'arrêter)."
    # The loop's clock and sleep, replaced by the tests.
    clock = staticmethod(timezone.now)
    sleep = staticmethod(time.sleep)

    def add_arguments(self, parser):
        parser.add_argument(
            "--iterations", type=int, default=None, help="S'arrêter après ce nombre de réveils (par défaut : jamais)."
        )

    def handle(self, *args, iterations, **options):
        self.stdout.write("Planificateur démarré.")
        try:
            operations.run_scheduler(clock=self.clock, sleep=self.sleep, iterations=iterations)
        except KeyboardInterrupt:
            self.stdout.write("Planificateur arrêté.")
