"""Time the imports on generated files.

    python manage.py benchmark_import [--kind fiches|communes|qpv|structures|partenaires|postes|references]
                                      [--rows 4000 50000] [--format csv|xlsx|ods] [--keep]

For each kind and each number of rows: writes a file of that many rows, then times the dry run,
the confirmed import, and a second dry run of the same file (which must find nothing to change),
each with the reading and checking of the file. `references` runs every reference kind (all but
the historical sheets). Historical sheets: ten posts and their mediators, about 1.5 requests per
sheet, 1.25 sheets per person. Reference kinds: fifty communes to refer to; the posts register
names a new structure every ten posts and a new holder for each post. Every run is rolled back at
its end unless --keep is given. On PostgreSQL the confirmed import's time includes the checks of
the foreign keys its commit would run (deferred constraints), run before the rollback."""

import datetime
import random
import time

import tablib
from django.core.management.base import BaseCommand
from django.db import connection, transaction

from accompaniments.imports import HEADERS
from mediation.audit import acting_as
from mediation.enums import Funding, PostType, Role, StructureKind
from mediation.imports import formats, services
from mediation.models import Commune, Department, Membership, Post, PostHolding, Structure, User

SEXES = ["Femme", "Homme", "Non binaire"]
RESOURCES = ["RSA", "Salaire", "Chômage", "AAH", "Pension de retraite", "Aucune ressource"]
CAME_VIA = ["Bouche-à-oreille", "Orientation par un partenaire", "Contact direct", "Aller vers"]
RIGHTS = ["Demande de Complémentaire santé solidaire", "Prestations de santé", "Prestations sociales", "Autre"]
CARE = ["Aide à la recherche d'un professionnel de santé", "Conseil santé", "Dépistage organisé", "Non connu / autre"]
PARTNER_TYPES = ["CPAM", "CAF", "CCAS", "Centre social", "Association locale", "Autre"]
PUBLICS = ["Habitants", "Parents", "Personnes âgées", "Étudiants", "Gens du voyage"]
POSTS = 10
COMMUNES = 50
REFERENCE_KINDS = ("communes", "qpv", "structures", "partenaires", "postes")


class Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Mesure la durée des imports sur des fichiers générés."

    def add_arguments(self, parser):
        parser.add_argument("--kind", choices=["fiches", *REFERENCE_KINDS, "references"], default="fiches")
        parser.add_argument("--rows", type=int, nargs="+", default=[50_000])
        parser.add_argument("--format", choices=["csv", "xlsx", "ods"], default="csv")
        parser.add_argument("--keep", action="store_true", help="Garder les données importées.")

    def handle(self, *args, kind, rows, format, keep, **options):
        kinds = REFERENCE_KINDS if kind == "references" else (kind,)
        for slug in kinds:
            for count in rows:
                try:
                    with transaction.atomic():
                        self.benchmark(slug, count, format)
                        if not keep:
                            raise Rollback
                except Rollback:
                    self.stdout.write("  données du banc d'essai annulées (--keep pour les garder).")

    def timed(self, label, function):
        started = time.perf_counter()
        result = function()
        self.stdout.write(f"  {label:<38} {time.perf_counter() - started:6.1f} s")
        return result

    def benchmark(self, slug, count, fmt):
        admin = User.objects.create_user(f"banc-admin-{time.time_ns()}@exemple.invalid", None)
        Membership.objects.create(user=admin, role=Role.ADMIN)
        headers, rows = self.sheet_rows(count) if slug == "fiches" else self.reference_rows(slug, count)
        self.stdout.write(f"Import {slug} de {count} lignes ({fmt}) :")
        content = self.timed("génération du fichier", lambda: self.export(headers, rows, fmt))
        self.stdout.write(f"  {'taille du fichier':<38} {len(content) / 1_000_000:6.1f} Mo")
        upload = self.timed("contrôle du fichier", lambda: formats.check_upload(f"banc.{fmt}", content))
        kind = services.KINDS[slug]
        for label, dry_run in (("simulation", True), ("import confirmé", False), ("même fichier à nouveau", True)):
            with acting_as(admin):  # as in a request: the audit knows its author
                report = self.timed(
                    f"{label} (lecture comprise)", lambda d=dry_run: self.run(kind, upload, admin, dry_run=d)
                )
            if not dry_run and self.checks is not None:
                self.stdout.write(f"    {'dont contrôles du commit':<36} {self.checks:6.1f} s")
            self.report(report)

    def run(self, kind, upload, admin, *, dry_run):
        """The import, and for a confirmed one on PostgreSQL the checks its commit would run: the
        foreign keys are checked at commit (deferred constraints), and the benchmark's rollback
        would skip them. SET CONSTRAINTS ALL IMMEDIATE runs them now."""
        report = services.run(kind, upload, user=admin, dry_run=dry_run)
        self.checks = None
        if not dry_run and connection.vendor == "postgresql":
            started = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            self.checks = time.perf_counter() - started
        return report

    def report(self, report):
        self.stdout.write(
            f"    {report.created} à créer, {report.updated} à mettre à jour, "
            f"{report.unchanged} inchangées, {len(report.errors)} erreur(s) ; {', '.join(report.notes)}"
        )
        for error in report.errors[:5]:
            self.stdout.write(f"      ligne {error.line}, {error.column} : {error.message}")

    def export(self, headers, rows, fmt):
        data = tablib.Dataset(*rows, headers=headers)
        return data.export(fmt).encode("utf-8") if fmt == "csv" else data.export(fmt)

    # ------------------------------------------------------------ reference kinds

    def reference_rows(self, slug, count):
        departments = list(Department.objects.order_by("code"))
        if slug == "communes":
            return ["code_insee", "nom", "departement"], [
                [f"{10000 + n:05d}", f"Commune {n}", departments[n % len(departments)].code] for n in range(count)
            ]
        communes = [
            Commune.objects.get_or_create(
                insee_code=f"{departments[n % len(departments)].code}9{n:02d}",
                defaults={"name": f"Commune du banc {n}", "department": departments[n % len(departments)]},
            )[0]
            for n in range(COMMUNES)
        ]
        rng = random.Random(2024)
        stamp = time.time_ns()
        if slug == "qpv":
            return ["code_qpv", "nom", "departement", "communes"], [
                [
                    f"QB{n:06d}",
                    f"Quartier {n}",
                    communes[n % COMMUNES].department.code,
                    " ; ".join(c.insee_code for c in rng.sample(communes, 2)),
                ]
                for n in range(count)
            ]
        if slug == "structures":
            return ["nom", "commune", "type", "active"], [
                [f"Structure du banc {n}", communes[n % COMMUNES].insee_code, "Centre social", "oui"]
                for n in range(count)
            ]
        if slug == "partenaires":
            headers = ["nom", "departement", "type", "categorie", "publics", "commune", "email", "telephone"]
            return headers, [
                [
                    f"Partenaire {n} {rng.choice(PARTNER_TYPES)}",
                    communes[n % COMMUNES].department.code,
                    rng.choice(PARTNER_TYPES),
                    rng.choice(["Sanitaire", "Social", "Médico-social"]),
                    " ; ".join(rng.sample(PUBLICS, rng.randint(0, 3))),
                    communes[n % COMMUNES].insee_code,
                    f"accueil{n}@exemple.invalid",
                    "03 20 00 00 00",
                ]
                for n in range(count)
            ]
        headers = [
            "code_poste",
            "structure",
            "commune_structure",
            "type_structure",
            "departement",
            "type_poste",
            "financement",
            "date_debut",
            "email_titulaire",
            "prenom_titulaire",
            "nom_titulaire",
        ]
        return headers, [
            [
                f"B{stamp % 10**9}-{n}",
                f"Structure du banc {n // 10}",
                communes[n // 10 % COMMUNES].insee_code,
                "Centre social",
                communes[n // 10 % COMMUNES].department.code,
                rng.choice(["QPV", "Rural"]),
                "ARS",
                "01/02/2023",
                f"titulaire-{stamp}-{n}@exemple.invalid",
                "Awa",
                f"Titulaire {n}",
            ]
            for n in range(count)
        ]

    # ------------------------------------------------------------ historical sheets

    def sheet_rows(self, count):
        mediators, posts = self.sheet_references()
        rng = random.Random(2024)
        rows = []
        person = 0
        while len(rows) < count:
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
                    if len(rows) >= count:
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
                    rows.append([values.get(header, "") for header in HEADERS])
        return HEADERS, rows

    def sheet_references(self):
        department = Department.objects.get(code="59")
        commune, _ = Commune.objects.get_or_create(
            insee_code="59998", defaults={"name": "Commune du banc d'essai", "department": department}
        )
        structure = Structure.objects.create(
            name="Structure du banc d'essai", kind=StructureKind.OTHER, commune=commune
        )
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
        return mediators, posts
