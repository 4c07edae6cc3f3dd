"""Apply the retention period of personal records (daily, from cron or a scheduled job):

    python manage.py apply_retention [--base-url https://…] [--date AAAA-MM-JJ] [--dry-run]

People without any activity (sheet opened, contact, request opened or closed) for
RETENTION_MONTHS are anonymised, once the managers of their structure were warned by e-mail
RETENTION_WARNING_DAYS before; referrals that never became a sheet lose the patient's identity
after REFERRAL_RETENTION_MONTHS. Each run prints and logs what it did; each anonymisation is in the
audit trail (docs/donnees-personnelles.md)."""

import datetime
import os

from django.core.management.base import BaseCommand, CommandError

from accompaniments.personal_data import apply_retention


class Command(BaseCommand):
    help = "Prévient puis anonymise les personnes sans activité depuis la durée de conservation."

    def add_arguments(self, parser):
        parser.add_argument(
            "--base-url",
            default=os.environ.get("SITE_URL", ""),
            help="Adresse du site pour le lien des e-mails (par défaut : variable d'environnement SITE_URL).",
        )
        parser.add_argument("--date", help="Jour du passage (AAAA-MM-JJ), aujourd'hui par défaut.")
        parser.add_argument("--dry-run", action="store_true", help="Compter sans rien écrire ni envoyer.")

    def handle(self, *args, base_url, date, dry_run, **options):
        try:
            today = datetime.date.fromisoformat(date) if date else None
        except ValueError as error:
            raise CommandError("--date attend une date AAAA-MM-JJ.") from error
        run = apply_retention(today=today, base_url=base_url, dry_run=dry_run)
        prefix = "Simulation — " if dry_run else ""
        self.stdout.write(
            f"{prefix}{run.day:%d/%m/%Y} : {run.warned} personne(s) signalée(s) à {run.structures_notified} "
            f"structure(s), {run.anonymised} personne(s) anonymisée(s), "
            f"{run.referrals_wiped} orientation(s) non suivie(s) effacée(s)."
        )
