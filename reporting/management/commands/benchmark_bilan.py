"""Fill PostgreSQL with synthetic sheets and time the regional bilan over them.

    createdb -h 127.0.0.1 -U postgres mediation_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mediation_bench python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mediation_bench \\
        python manage.py benchmark_bilan --sheets 1000000 --previous-sheets 1000000 --past-years 5

With --past-years, the bilan is measured twice: over N and N−1 alone, then with the older years
added beside them; what is compared is the usual case, the bilan computed again after a write of
one sheet of N (the older years' columns of the evolution read from the per-year cache).

Rows are generated inside the database (generate_series), so a million sheets take seconds
rather than hours. They belong to a dedicated structure and are removed at the end unless
--keep is given. Use a scratch database: this command writes a lot."""

import datetime
import os
import statistics
import time

from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from mediation.enums import Funding, PostType, Vocabulary
from mediation.models import Commune, Department, Post, PostHolding, Structure, User, VocabularyItem
from reporting import bilan as bilan_module
from reporting.bilan import compute_bilan
from reporting.pdf import render_bilan_pdf
from reporting.scope import resolve_scope

STRUCTURE_NAME = "Structure de mesure (benchmark)"
POSTS_PER_DEPARTMENT = 8


def vocabulary_ids(vocabulary):
    return list(VocabularyItem.objects.filter(vocabulary=vocabulary).values_list("pk", flat=True))


# SQL of a random element of the array passed as a named parameter.
SEX = "(%(sex)s::bigint[])[1 + floor(random() * cardinality(%(sex)s::bigint[]))::int]"
RESOURCES = "(%(resources)s::bigint[])[1 + floor(random() * cardinality(%(resources)s::bigint[]))::int]"
CAME_VIA = "(%(came_via)s::bigint[])[1 + floor(random() * cardinality(%(came_via)s::bigint[]))::int]"
CONTACT = "(%(contact)s::bigint[])[1 + floor(random() * cardinality(%(contact)s::bigint[]))::int]"
RIGHTS = "(%(rights)s::bigint[])[1 + floor(random() * cardinality(%(rights)s::bigint[]))::int]"
CARE = "(%(care)s::bigint[])[1 + floor(random() * cardinality(%(care)s::bigint[]))::int]"
# The n-th post (and its mediator) of the benchmark, round robin.
POST = "(%(posts)s::bigint[])[1 + g %% cardinality(%(posts)s::bigint[])]"
MEDIATOR = "(%(mediators)s::bigint[])[1 + g %% cardinality(%(mediators)s::bigint[])]"

INSERT_PEOPLE = (
    """INSERT INTO accompaniments_beneficiary
        (structure_id, referent_id, last_name, first_name, name_key, birth_year, phone, email, address,
         lives_in_qpv, consent_method, notes, external_id, version, created_at, updated_at,
         sex_id, resources_id, came_via_id, last_name_sound, first_name_sound, phone_key)
    SELECT %(structure)s, """
    + MEDIATOR
    + """, 'Mesure', 'Personne ' || g, 'mesure personne ' || g,
           1940 + (g %% 65), '', '', '', random() < 0.6, '', '', '', 1, now(), now(), """
    + ", ".join((SEX, RESOURCES, CAME_VIA))
    + ", '', '', '' FROM generate_series(1, %(people)s) AS g"
)
INSERT_SHEETS = (
    """INSERT INTO accompaniments_sheet
        (beneficiary_id, post_id, mediator_id, opened_on, age, lives_in_qpv, notes, version,
         created_at, updated_at, sex_id, resources_id, came_via_id, contact_mode_id,
         has_follow_up, open_request_count, resolved_request_count, unresolved_request_count)
    SELECT %(first_person)s + (g %% %(people)s), """
    + POST
    + ", "
    + MEDIATOR
    + """, %(year_start)s::date + (g %% 365), 16 + floor(random() * 70)::int, random() < 0.6, '', 1, now(), now(), """
    + ", ".join((SEX, RESOURCES, CAME_VIA, CONTACT))
    # The caseload's stored follow-up columns: none (the bilan does not read them).
    + ", false, 0, 0, 0 FROM generate_series(1, %(sheets)s) AS g"
)
# One request per sheet when every = 1, on every other sheet when every = 2; 60 % resolved.
INSERT_REQUESTS = (
    """INSERT INTO accompaniments_sheetrequest
        (sheet_id, post_id, domain, kind_id, status, opened_on, closed_on, note, closed_on_unknown)
    SELECT s.id, s.post_id, d.domain, CASE WHEN d.domain = 'rights' THEN """
    + RIGHTS
    + " ELSE "
    + CARE
    + """ END, d.status, s.opened_on,
           CASE WHEN d.status = 'in_progress' THEN NULL ELSE s.opened_on + 10 END, '', false
    FROM accompaniments_sheet s
    JOIN accompaniments_beneficiary b ON b.id = s.beneficiary_id AND b.structure_id = %(structure)s
    CROSS JOIN LATERAL (
        SELECT CASE WHEN random() < 0.55 THEN 'rights' ELSE 'care' END AS domain,
               CASE WHEN random() < 0.6 THEN 'resolved'
                    WHEN random() < 0.5 THEN 'unresolved' ELSE 'in_progress' END AS status
        WHERE s.id %% %(every)s = 0
    ) d"""
)


class Command(BaseCommand):
    help = "Remplit PostgreSQL de fiches synthétiques et mesure le calcul du bilan régional et de son PDF."

    def add_arguments(self, parser):
        parser.add_argument("--sheets", type=int, default=100_000)
        parser.add_argument(
            "--previous-sheets",
            type=int,
            default=0,
            help="fiches de l'année précédente en plus, que le bilan compare à l'année mesurée",
        )
        parser.add_argument(
            "--past-years",
            type=int,
            default=0,
            help="années plus anciennes encore, de --sheets fiches chacune, que l'évolution du bilan montre",
        )
        parser.add_argument("--year", type=int, default=timezone_year() - 1)
        parser.add_argument("--runs", type=int, default=5)
        parser.add_argument("--keep", action="store_true", help="garder les données générées")
        parser.add_argument(
            "--jit", action="store_true", help="mesurer aussi le calcul avec et sans la compilation JIT de PostgreSQL"
        )

    def handle(self, *args, sheets, previous_sheets, past_years, year, runs, keep, jit, **options):
        if connection.vendor != "postgresql":
            raise CommandError("Cette mesure vise PostgreSQL : définissez DATABASE_URL vers une base de travail.")
        self.clean()
        try:
            started = time.perf_counter()
            self.fill(sheets, year, previous_sheets)
            self.settle()
            self.stdout.write(
                f"Données : {sheets} fiches de {year} et {previous_sheets} de {year - 1} générées "
                f"en {time.perf_counter() - started:.1f} s"
            )
            alone = self.measure(year, runs)
            if past_years:
                started = time.perf_counter()
                self.add_past_years(sheets, year, past_years)
                self.settle()
                self.stdout.write(
                    f"Données : {sheets} fiches de chacune des {past_years} années d'avant ajoutées "
                    f"en {time.perf_counter() - started:.1f} s"
                )
                beside = self.measure(year, runs)
                self.stdout.write(
                    f"Après l'écriture d'une fiche de {year}, avec {past_years} années d'avant / seules : "
                    f"{beside['after_write'] / alone['after_write']:.2f} "
                    f"({beside['after_write']:.2f} s / {alone['after_write']:.2f} s)"
                )
            if jit:
                self.measure_jit(year, runs)
        finally:
            if not keep:
                self.clean()

    # ------------------------------------------------------------------ data

    @transaction.atomic
    def fill(self, count, year, previous_count=0, past_years=0):
        commune = Commune.objects.filter(department__code="59").first()
        if commune is None:
            commune = Commune.objects.create(
                insee_code="59999", name="Commune de mesure", department=Department.objects.get(code="59")
            )
        structure = Structure.objects.create(name=STRUCTURE_NAME, kind="other", commune=commune)
        posts, mediators = [], []
        for department in Department.objects.order_by("code"):
            for n in range(POSTS_PER_DEPARTMENT):
                post = Post.objects.create(
                    code=f"BENCH-{department.code}-{n:02d}",
                    structure=structure,
                    department=department,
                    post_type=PostType.RURAL if n % 5 == 0 else PostType.QPV,
                    funding=Funding.ARS_PREFECTURE,
                    start_date=datetime.date(year - 3, 1, 1),
                )
                mediator = User.objects.create(email=f"bench-{department.code}-{n}@benchmark.invalid", is_active=False)
                PostHolding.objects.create(post=post, mediator=mediator, start_date=post.start_date)
                posts.append(post.pk)
                mediators.append(mediator.pk)
        params = {
            "structure": structure.pk,
            "people": max(1, count * 3 // 4),
            "sheets": count,
            "year_start": f"{year}-01-01",
            "posts": posts,
            "mediators": mediators,
            "sex": vocabulary_ids(Vocabulary.SEX),
            "resources": vocabulary_ids(Vocabulary.RESOURCES),
            "came_via": vocabulary_ids(Vocabulary.CAME_VIA),
            "contact": vocabulary_ids(Vocabulary.CONTACT_MODE),
            "rights": vocabulary_ids(Vocabulary.RIGHTS_REQUEST),
            "care": vocabulary_ids(Vocabulary.CARE_REQUEST),
        }
        with connection.cursor() as cursor:
            cursor.execute(INSERT_PEOPLE, params)
            cursor.execute("SELECT min(id) FROM accompaniments_beneficiary WHERE structure_id = %s", [structure.pk])
            params["first_person"] = cursor.fetchone()[0]
            cursor.execute(INSERT_SHEETS, params)
            if previous_count:
                cursor.execute(INSERT_SHEETS, params | {"sheets": previous_count, "year_start": f"{year - 1}-01-01"})
            for back in range(2, 2 + past_years):
                cursor.execute(INSERT_SHEETS, params | {"year_start": f"{year - back}-01-01"})
            for every in (1, 2):
                cursor.execute(INSERT_REQUESTS, params | {"every": every})
        return params

    @transaction.atomic
    def add_past_years(self, count, year, past_years):
        """The sheets of `past_years` years before N−1, `count` each, and their requests, beside
        the data fill() generated."""
        structure = Structure.objects.get(name=STRUCTURE_NAME)
        posts = list(Post.objects.filter(structure=structure).order_by("pk").values_list("pk", flat=True))
        mediators = list(
            PostHolding.objects.filter(post__structure=structure)
            .order_by("post_id")
            .values_list("mediator_id", flat=True)
        )
        params = {
            "structure": structure.pk,
            "people": max(1, count * 3 // 4),
            "sheets": count,
            "posts": posts,
            "mediators": mediators,
            "sex": vocabulary_ids(Vocabulary.SEX),
            "resources": vocabulary_ids(Vocabulary.RESOURCES),
            "came_via": vocabulary_ids(Vocabulary.CAME_VIA),
            "contact": vocabulary_ids(Vocabulary.CONTACT_MODE),
            "rights": vocabulary_ids(Vocabulary.RIGHTS_REQUEST),
            "care": vocabulary_ids(Vocabulary.CARE_REQUEST),
            "before": f"{year - 1}-01-01",
        }
        with connection.cursor() as cursor:
            cursor.execute("SELECT min(id) FROM accompaniments_beneficiary WHERE structure_id = %s", [structure.pk])
            params["first_person"] = cursor.fetchone()[0]
            for back in range(2, 2 + past_years):
                cursor.execute(INSERT_SHEETS, params | {"year_start": f"{year - back}-01-01"})
            for every in (1, 2):
                cursor.execute(INSERT_REQUESTS + " WHERE s.opened_on < %(before)s::date", params | {"every": every})

    def settle(self):
        """Leave the tables as a database in use has them: compact (a previous run's rows,
        deleted, would otherwise still be read by every scan), vacuumed and analysed (or the
        first passes pay for the rows' hint bits and race the autovacuum the bulk insert
        triggers). Sheets are seldom deleted in production."""
        tables = "accompaniments_beneficiary, accompaniments_sheet, accompaniments_sheetrequest"
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM (FULL, ANALYZE) {tables}")
            # VACUUM FULL leaves the visibility map empty; the autovacuum of a database in use
            # fills it, and index-only scans need it.
            cursor.execute(f"VACUUM {tables}")

    def clean(self):
        with transaction.atomic(), connection.cursor() as cursor:
            structure_ids = list(Structure.objects.filter(name=STRUCTURE_NAME).values_list("pk", flat=True))
            if not structure_ids:
                return
            cursor.execute(
                """DELETE FROM accompaniments_sheetrequest WHERE sheet_id IN (
                       SELECT s.id FROM accompaniments_sheet s JOIN accompaniments_beneficiary b
                       ON b.id = s.beneficiary_id WHERE b.structure_id = ANY(%s))""",
                [structure_ids],
            )
            cursor.execute(
                """DELETE FROM accompaniments_sheet WHERE beneficiary_id IN (
                       SELECT id FROM accompaniments_beneficiary WHERE structure_id = ANY(%s))""",
                [structure_ids],
            )
            cursor.execute("DELETE FROM accompaniments_beneficiary WHERE structure_id = ANY(%s)", [structure_ids])
            PostHolding.objects.filter(post__structure__in=structure_ids).delete()
            Post.objects.filter(structure__in=structure_ids).delete()
            User.objects.filter(email__endswith="@benchmark.invalid").delete()
            Structure.objects.filter(pk__in=structure_ids).delete()

    # ------------------------------------------------------------------ measure

    def measure(self, year, runs):
        """The bilan's first computation (every year computed), its computation after a write of
        one sheet of N (the usual case: the years before N read from the per-year cache), a cache
        hit and the PDF; medians over `runs`. {"cold": s, "after_write": s}."""
        scope = resolve_scope(Department.objects.all(), year=year)
        cold, cold_queries = self.timed(scope, runs, before=cache.clear)
        after, after_queries = self.timed(scope, runs, before=lambda: self.write_one_sheet(year))
        bilan = compute_bilan(scope)
        self.stdout.write(
            f"Bilan régional {year} ({scope.label}) : {bilan.activity.volume.total.sheets} fiches, "
            f"{bilan.activity.rights_requests.total.total + bilan.activity.care_requests.total.total} demandes, "
            f"comparées à {bilan.previous.volume.total.sheets if bilan.previous else 0} fiches de {year - 1} "
            f"— charge : {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}"
        )
        for label, timings, queries in (
            ("premier calcul (toutes les années calculées)", cold, cold_queries),
            (f"après l'écriture d'une fiche de {year} (années d'avant lues dans le cache)", after, after_queries),
        ):
            self.stdout.write(
                f"  {label} : médiane {statistics.median(timings):.2f} s sur {runs} essais "
                f"(min {min(timings):.2f} s, max {max(timings):.2f} s), {queries} requêtes SQL hors cache"
            )
        hit, hit_queries = self.timed(scope, 1)
        self.stdout.write(
            f"  lu dans le cache (données inchangées) : {hit[0] * 1000:.0f} ms, {hit_queries} requêtes SQL hors cache"
        )
        started = time.perf_counter()
        pdf = render_bilan_pdf(compute_bilan(scope))
        elapsed = time.perf_counter() - started
        self.stdout.write(f"  PDF (bilan lu dans le cache) : {elapsed:.2f} s, {len(pdf) // 1024} Kio")
        return {"cold": statistics.median(cold), "after_write": statistics.median(after)}

    def timed(self, scope, runs, before=None):
        """([seconds of each run of compute_bilan(scope)], queries of the last run but the
        cache's own statements)."""
        timings = []
        for _ in range(runs):
            if before is not None:
                before()
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                compute_bilan(scope)
                timings.append(time.perf_counter() - started)
        counted = [q for q in queries.captured_queries if "cache_table" not in q["sql"] and "SAVEPOINT" not in q["sql"]]
        return timings, len(counted)

    def write_one_sheet(self, year):
        """A mediator's edit of one sheet of `year`, committed: the usual write."""
        with connection.cursor() as cursor:
            cursor.execute(
                """UPDATE accompaniments_sheet SET notes = 'Mesure ' || clock_timestamp()
                   WHERE id = (SELECT s.id FROM accompaniments_sheet s
                               JOIN accompaniments_beneficiary b ON b.id = s.beneficiary_id
                               JOIN mediation_structure st ON st.id = b.structure_id AND st.name = %s
                               WHERE s.opened_on >= %s LIMIT 1)""",
                [STRUCTURE_NAME, datetime.date(year, 1, 1)],
            )

    def measure_jit(self, year, runs):
        scope = resolve_scope(Department.objects.all(), year=year)
        kept = bilan_module.JIT
        medians = {}
        try:
            for enabled in (True, False, True, False):  # alternated, so that a change of load hits both
                bilan_module.JIT = enabled
                for _ in range(runs):
                    started = time.perf_counter()
                    compute_bilan(scope, cached=False)
                    medians.setdefault(enabled, []).append(time.perf_counter() - started)
        finally:
            bilan_module.JIT = kept
        with connection.cursor() as cursor:
            cursor.execute("SHOW jit")
            server = cursor.fetchone()[0]
        for enabled, label in ((True, "JIT permis"), (False, "SET LOCAL jit = off")):
            self.stdout.write(
                f"  {label} (serveur : jit = {server}) : médiane {statistics.median(medians[enabled]):.2f} s "
                f"sur {len(medians[enabled])} essais"
            )


def timezone_year():
    from django.utils import timezone

    return timezone.localdate().year
