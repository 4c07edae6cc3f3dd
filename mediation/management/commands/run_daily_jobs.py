"""Run the daily jobs once, now, each recorded like a run of the scheduler (for a cron that
replaces `run_scheduler`, or by hand):

    python manage.py run_daily_jobs --once [--job NAME ...]

Prints what each job did; exits with an error if one failed (the others still ran)."""

from django.core.management.base import BaseCommand, CommandError

from mediation import operations


class Command(BaseCommand):
    help = "Exécute une fois les tâches quotidiennes (conservation, journaux, relances, sessions, fichiers)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Exécuter une seule fois (le seul mode ; pour cron).")
        parser.add_argument(
            "--job",
            action="append",
            choices=sorted(operations.JOB_LABELS),
            help="Seulement cette tâche (répétable).",
        )

    def handle(self, *args, job, **options):
        jobs = [j for j in operations.DAILY_JOBS if not job or j.name in job]
        runs = operations.run_daily_jobs(jobs)
        for run in runs:
            label = operations.JOB_LABELS[run.job]
            if run.succeeded:
                counts = ", ".join(f"{key} : {value}" for key, value in run.counts.items()) or "rien à faire"
                self.stdout.write(f"{label} : {counts}.")
            else:
                self.stderr.write(f"{label} : ÉCHEC ({run.error}).")
        failed = [run for run in runs if not run.succeeded]
        if failed:
            raise CommandError(f"{len(failed)} tâche(s) sur {len(runs)} en échec.")
