"""python manage.py bilan --year 2025 --scope region:32 --format pdf --output bilan-2025.pdf"""

import sys

from django.core.management.base import BaseCommand, CommandError

from mediation.models import Department
from reporting import exports
from reporting.bilan import compute_bilan
from reporting.pdf import render_bilan_pdf
from reporting.scope import resolve_scope, scope_choices


class Command(BaseCommand):
    help = "Écrit le bilan d'une année et d'un territoire en JSON, PDF, XLSX ou ODS."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True, help="année du bilan")
        parser.add_argument(
            "--scope",
            default="",
            help="territoire : region:32, territoire:picardie, departement:59 (défaut : la région)",
        )
        parser.add_argument("--post-type", default="", choices=["", "qpv", "rural"], help="type de poste")
        parser.add_argument("--format", default="json", choices=["json", "pdf", "xlsx", "ods"])
        parser.add_argument("--output", default="-", help="fichier de sortie (défaut : la sortie standard)")

    def handle(self, *args, year, scope, post_type, format, output, **options):
        departments = Department.objects.all()
        keys = [choice.key for choice in scope_choices(departments)]
        if scope and scope not in keys:
            raise CommandError(f"Territoire inconnu : {scope}. Possibles : {', '.join(keys)}")
        chosen = resolve_scope(departments, year=year, key=scope, post_type=post_type)
        if chosen is None:
            raise CommandError("Aucun département n'est défini.")
        bilan = compute_bilan(chosen)
        if format == "json":
            content = exports.bilan_json(bilan)
        elif format == "pdf":
            content = render_bilan_pdf(bilan)
        else:
            content = exports.export_bilan_book(bilan, format)
        if output == "-":
            sys.stdout.buffer.write(content)
        else:
            with open(output, "wb") as handle:
                handle.write(content)
            self.stderr.write(f"Bilan {year} ({chosen.label}) écrit dans {output}")
