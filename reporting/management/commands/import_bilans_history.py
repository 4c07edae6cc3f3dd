"""Import the annual bilans of a past year from a spreadsheet (format: docs/imports/bilans-historiques.md).

    python manage.py import_bilans_history bilans-2023.xlsx --year 2023 --by coordination@demo.fr [--dry-run]

The file is checked first; on any error nothing is imported and every error is listed with its
row, column and reason. Rows already imported are left as they are."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from mediation.models import Department, User
from reporting import history_import


class Command(BaseCommand):
    help = "Importe les bilans annuels d'une année passée depuis un fichier CSV ou XLSX (tout ou rien)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Fichier .csv ou .xlsx, une ligne par bilan.")
        parser.add_argument("--year", type=int, required=True, help="Année des bilans (chaque ligne doit la porter).")
        parser.add_argument(
            "--by", required=True, help="E-mail du compte au nom duquel l'import est enregistré (coordination)."
        )
        parser.add_argument("--dry-run", action="store_true", help="Vérifier seulement, sans rien importer.")

    def handle(self, *args, file, year, by, dry_run, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"Fichier introuvable : {file}")
        user = User.objects.filter(email__iexact=by).first()
        if user is None:
            raise CommandError(f"Aucun compte avec l'adresse {by}.")
        try:
            report = history_import.run(
                path.name,
                path.read_bytes(),
                year=year,
                by=user,
                allowed_department_ids=set(Department.objects.values_list("pk", flat=True)),
                dry_run=dry_run,
            )
        except history_import.ImportFileError as error:
            raise CommandError(str(error)) from error
        if not report.ok:
            for error in report.errors:
                self.stderr.write(f"Ligne {error.line}, colonne « {error.column} » : {error.message}")
            raise CommandError(f"{len(report.errors)} erreur(s) : rien n'a été importé.")
        skipped = len(report.already_imported)
        if dry_run:
            self.stdout.write(
                f"Vérification réussie : {len(report.planned)} bilan(s) à importer, {skipped} déjà importé(s)."
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"{report.created} bilan(s) {year} importé(s) ; {skipped} déjà importé(s), inchangé(s)."
                )
            )
