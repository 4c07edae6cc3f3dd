"""Load or update the geography of France from the COG shipped in mediation/geography/cog.json.gz.

    python manage.py load_geography                     # the regions already loaded (Hauts-de-France at first)
    python manage.py load_geography --region 32         # one region (INSEE code), or several: --region 32 11
    python manage.py load_geography --all               # all of France
    python manage.py load_geography --list              # the regions of the file and their codes

Idempotent: a second run prints 0 created, 0 updated. Territories an administrator edited are
never touched; a region without territory gets one named after it. A commune gone from the COG
that something refers to is kept and listed.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from mediation import geography
from mediation.models import Region


class Command(BaseCommand):
    help = "Charge ou met à jour régions, départements et communes depuis le code officiel géographique (COG)."

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group()
        which.add_argument(
            "--region",
            nargs="+",
            metavar="CODE",
            help="code INSEE de la ou des régions à charger (32 pour les Hauts-de-France)",
        )
        which.add_argument("--all", action="store_true", help="toute la France")
        which.add_argument("--list", action="store_true", help="affiche les régions du fichier et leurs codes")

    def handle(self, *args, region=None, all=False, list=False, **options):
        data = geography.read()
        if list:
            for code, name in data["regions"]:
                self.stdout.write(f"{code}\t{name}")
            return
        if all:
            regions = None
        elif region:
            regions = region
        else:
            known = {code for code, _name in data["regions"]}
            regions = sorted(set(Region.objects.filter(departments__isnull=False).values_list("code", flat=True)))
            regions = [code for code in regions if code in known]
            if not regions:
                raise CommandError(
                    "Aucune région n'est encore chargée : précisez --region CODE "
                    "(32 pour les Hauts-de-France) ou --all."
                )
        started = time.monotonic()
        try:
            report = geography.load(regions)
        except geography.UnknownRegion as error:
            raise CommandError(str(error)) from error
        where = "toute la France" if regions is None else "région(s) " + ", ".join(regions)
        self.stdout.write(f"Géographie chargée pour {where}.")
        for line in report.lines():
            self.stdout.write(line)
        self.stdout.write(f"Durée : {time.monotonic() - started:.1f} s.")
        if not report.changed:
            self.stdout.write("Rien à changer : la base est déjà à jour.")
