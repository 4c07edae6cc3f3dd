"""Time the historical sheets import on a generated file.

    python manage.py benchmark_import [--rows 50000] [--format csv|xlsx|ods] [--keep]

Creates a structure, ten posts and their mediators, writes a file of `--rows` rows (about
1.5 requests per sheet, 1.25 sheets per person), then times: reading and checking the file, the
dry run, the confirmed import, and a second dry run of the same file (which must find nothing to
change). Everything is rolled back at the end unless --keep is given."""

import datetime
import random
import time

from django.core.management.base import BaseCommand
from django.db import transaction

from mediation.enums import Funding, PostType, Role, StructureKind
from mediation.imports import formats, services
from mediation.imports.sheets import HEADERS
from mediation.models import Commune, Department, Membership, Post, PostHolding, Structure, User

SEXES = ["Femme", "Homme", "Non binaire"]
RESOURCES = ["RSA", "Salaire", "Chômage", "AAH", "Pension de retraite", "Aucune ressource"]
CAME_VIA = ["Bouche-à-oreille", "Orientation par un partenaire", "Contact direct", "Aller vers"]
RIGHTS = ["Demande de Complémentaire santé solidaire", "Prestations de santé", "Prestations sociales", "Autre"]
CARE = ["Aide à la recherche d'un professionnel de santé", "Conseil santé", "Dépistage organisé", "Non connu / autre"]
POSTS = 10


class Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Mesure la durée de l'import des fiches historiques sur un fichier généré."

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=50_000)
        parser.add_argument("--format", choices=["csv", "xlsx", "ods"], default="csv")
        parser.add_argument("--keep", action="store_true", help="Garder les données importées.")

    def handle(self, *args, rows, format, keep, **options):
        try:
            with transaction.atomic():
                self.benchmark(rows, format)
                if not keep:
                    raise Rollback
        except Rollback:
            self.stdout.write("Données du banc d'essai annulées (--keep pour les garder).")

    def timed(self, label, function):
        started = time.perf_counter()
        result = function()
        self.stdout.write(f"  {label:<38} {time.perf_counter() - started:6.1f} s")
        return result

    def benchmark(self, count, fmt):
        admin, mediators, posts = self.reference_data()
        self.stdout.write(f"Import de {count} lignes de fiches ({fmt}) :")
        content = self.timed("génération du fichier", lambda: self.generate(count, fmt, mediators, posts))
        self.stdout.write(f"  {'taille du fichier':<38} {len(content) / 1_000_000:6.1f} Mo")
        upload = self.timed("contrôle du fichier", lambda: formats.check_upload(f"banc.{fmt}", content))
        kind = services.KINDS["fiches"]
        dry = self.timed("simulation (lecture comprise)", lambda: services.run(kind, upload, user=admin, dry_run=True))
        self.report("simulation", dry)
        done = self.timed(
            "import confirmé (lecture comprise)", lambda: services.run(kind, upload, user=admin, dry_run=False)
        )
        self.report("import", done)
        again = self.timed(
            "même fichier à nouveau (simulation)", lambda: services.run(kind, upload, user=admin, dry_run=True)
        )
        self.report("second passage", again)

    def report(self, label, report):
        self.stdout.write(
            f"    {label} : {report.created} à créer, {report.updated} à mettre à jour, "
            f"{report.unchanged} inchangées, {len(report.errors)} erreur(s) ; {', '.join(report.notes)}"
        )
        for error in report.errors[:5]:
            self.stdout.write(f"      ligne {error.line}, {error.column} : {error.message}")

    def reference_data(self):
        department = Department.objects.get(code="59")
        commune, _ = Commune.objects.get_or_create(
            insee_code="59998", defaults={"name": "Commune du banc d'essai", "department": department}
        )
        structure = Structure.objects.create(
            name="Structure du banc d'essai", kind=StructureKind.OTHER, commune=commune
        )
        admin = User.objects.create_user(f"banc-admin-{time.time_ns()}@exemple.invalid", None)
        Membership.objects.create(user=admin, role=Role.ADMIN)
        mediators, posts = [], []
        for n in range(POSTS):
            user = User.objects.create_user(f"banc-{time.time_ns()}-{n}@exemple.invalid", None)
            Membership.objects.create(user=user, role=Role.MEDIATOR, structure=structure)
            post = Post.objects.create(
                code=f"BANC-{time.time_ns()}-{n}"[:30],
                structure=structure,
                department=department,
                post_type=PostType.QPV,
                funding=Funding.ARS_PREFECTURE,
                start_date=datetime.date(2020, 1, 1),
            )
            PostHolding.objects.create(post=post, mediator=user, start_date=post.start_date)
            mediators.append(user)
            posts.append(post)
        return admin, mediators, posts

    def generate(self, count, fmt, mediators, posts):
        import tablib

        rng = random.Random(2024)
        data = tablib.Dataset(headers=HEADERS)
        person = 0
        while len(data) < count:
            person += 1
            slot = person % POSTS
            for offset in rng.sample(range(900), rng.choice([1, 1, 1, 2])):
                day = datetime.date(2022, 1, 1) + datetime.timedelta(days=offset)
                sheet = {
                    "email_mediateur": mediators[slot].email,
                    "code_poste": posts[slot].code,
                    "date_fiche": day.strftime("%d/%m/%Y"),
                    "identifiant_personne": f"H-{person:06d}",
                    "sexe": rng.choice(SEXES),
                    "age": str(rng.randint(18, 90)),
                    "qpv": rng.choice(["oui", "non"]),
                    "ressources": rng.choice(RESOURCES),
                    "connu_par": rng.choice(CAME_VIA),
                }
                for _ in range(rng.choice([1, 1, 2, 2, 3])):
                    if len(data) >= count:
                        break
                    care = rng.random() < 0.45
                    status = rng.choice(["en cours", "résolue", "résolue", "non résolue"])
                    closed = "" if status == "en cours" else (day + datetime.timedelta(days=30)).strftime("%d/%m/%Y")
                    request = {
                        "domaine": "Accès aux soins" if care else "Accès aux droits",
                        "type_demande": rng.choice(CARE if care else RIGHTS),
                        "etat": status,
                        "date_ouverture": day.strftime("%d/%m/%Y"),
                        "date_cloture": closed,
                    }
                    values = sheet | request
                    data.append([values.get(header, "") for header in HEADERS])
        return data.export(fmt).encode("utf-8") if fmt == "csv" else data.export(fmt)
