"""Remind by e-mail the mediators whose bilan is not submitted, once the deadline has passed.
For a daily cron:

    python manage.py send_campaign_reminders --base-url https://mediation-sante.example.fr

A campaign gets at most one round of reminders a day, whoever sends it (this command or the
"Relancer les retardataires" button). Campaigns whose deadline passed more than --max-days-late
days ago are left alone."""

import datetime
import os

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from reporting.campaigns import send_reminders
from reporting.models import Campaign

DEFAULT_MAX_DAYS_LATE = 90


class Command(BaseCommand):
    help = "Relance par e-mail les médiateurs dont le bilan annuel n'est pas transmis après la date limite."

    def add_arguments(self, parser):
        parser.add_argument(
            "--base-url",
            default=os.environ.get("SITE_URL", ""),
            help="Adresse du site pour le lien de l'e-mail (par défaut : variable d'environnement SITE_URL).",
        )
        parser.add_argument(
            "--max-days-late",
            type=int,
            default=DEFAULT_MAX_DAYS_LATE,
            help=f"Ne plus relancer une campagne dont la date limite est passée depuis plus de ce nombre de jours "
            f"(par défaut {DEFAULT_MAX_DAYS_LATE}).",
        )

    def handle(self, *args, base_url, max_days_late, **options):
        if not base_url.startswith(("http://", "https://")):
            raise CommandError("Indiquez l'adresse du site : --base-url https://… ou la variable SITE_URL.")
        today = timezone.localdate()
        due = Campaign.objects.filter(
            imported=False,
            deadline__lt=today,
            deadline__gte=today - datetime.timedelta(days=max_days_late),
        ).order_by("year", "pk")
        for campaign in due:
            sent = send_reminders(campaign, base_url=base_url)
            if sent is None:
                self.stdout.write(f"{campaign} : déjà relancée aujourd'hui.")
            else:
                self.stdout.write(f"{campaign} : {sent} relance(s) envoyée(s).")
