"""The worker: runs the queued tasks (e-mails first of all, mediation/tasks.py) and beats for the
health endpoint at each turn. One process of it runs beside the web server (the `worker` service
of docker-compose.yml, `make run`):

    python manage.py run_worker

It is django-tasks-db's worker (`db_worker`) in batch mode, turned in a loop that calls
`mediation.tasks.worker_alive()` between two batches; `--once` runs the tasks that are due and
stops (tests, cron)."""

import time

from django.core.management.base import BaseCommand
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker

from mediation.tasks import worker_alive


class Command(BaseCommand):
    help = "Lance le travailleur des tâches en file (e-mails…) ; sans fin, Ctrl-C pour l'arrêter."
    sleep = staticmethod(time.sleep)

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Exécuter les tâches dues puis s'arrêter.")
        parser.add_argument(
            "--interval", type=float, default=2.0, help="Secondes d'attente quand la file est vide (défaut : 2)."
        )

    def handle(self, *args, once, interval, **options):
        worker = Worker(
            queue_names=["*"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=get_random_string(32),
            excluded_queue_names=[],
        )
        if not once:
            # SIGTERM (docker stop) lets the current task finish, then stops the worker.
            worker.configure_signals()
            self.stdout.write("Travailleur démarré.")
        try:
            while True:
                worker_alive()
                worker.run()
                if once or not worker.running:
                    return
                self.sleep(interval)
        except KeyboardInterrupt:
            self.stdout.write("Travailleur arrêté.")
        finally:
            if not once:
                worker.reset_signals()
