"""Time the mediator's daily pages over a large caseload, and count their SQL queries.

    python manage.py benchmark_caseload [--people 5000] [--sheets 20000] [--runs 20]

Works in a temporary database (a throwaway SQLite file, or a `test_…` PostgreSQL database
on the configured server), built with the migrations, analysed for the query planner once
filled, and dropped at the end: the configured database is never read or written. In it, two
structures of one mediator each, one small (a tenth of the volume) and one large, are filled
in bulk; then each page is requested through the Django test client. Prints the median and
p95 times at the large volume and the number of SQL queries at both volumes: they must be the same.
The last line closes due requests from « À relancer » (a POST, and the page it brings back to).

For PostgreSQL, run it with the server's URL instead of the test settings' SQLite:

    env -u DJANGO_SETTINGS_MODULE DATABASE_URL=postgres://postgres@127.0.0.1:5432/mediation \
        python manage.py benchmark_caseload --people 20000 --sheets 80000"""

import datetime
import os
import statistics
import tempfile
import time

from django.core.management.base import BaseCommand
from django.db import connection
from django.db.models import Count
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accompaniments import demo
from accompaniments.enums import RequestStatus
from accompaniments.models import Beneficiary, Sheet, SheetRequest
from mediation.enums import Funding, PostType, Role, StructureKind
from mediation.models import Commune, Department, Membership, Post, PostHolding, Structure, User

BENCH_STRUCTURE = "Structure de mesure (benchmark)"
SMALL_SHARE = 10
SLOW_PAGE = 2.0


class Command(BaseCommand):
    help = (
        "Mesure « Mes accompagnements », « À relancer », la clôture d'une demande et les pages d'une "
        "personne sur un gros volume."
    )

    def add_arguments(self, parser):
        parser.add_argument("--people", type=int, default=5000)
        parser.add_argument("--sheets", type=int, default=20000)
        parser.add_argument("--runs", type=int, default=20)

    def handle(self, *args, people, sheets, runs, **options):
        with temporary_database() as name:
            self.stdout.write(f"Base temporaire : {connection.vendor} {name}")
            started = time.perf_counter()
            small = self._mediator(
                "benchmark-petit@exemple.fr", "BENCH-S", people // SMALL_SHARE, sheets // SMALL_SHARE
            )
            large = self._mediator("benchmark@exemple.fr", "BENCH-L", people, sheets)
            with connection.cursor() as cursor:
                # Statistics for the query planner, as a live database has them (autovacuum on
                # PostgreSQL): right after a bulk load, PostgreSQL would plan for empty tables.
                cursor.execute("ANALYZE")
            self.stdout.write(
                f"Données créées en {time.perf_counter() - started:.1f} s : "
                f"petit volume {people // SMALL_SHARE} personnes / {sheets // SMALL_SHARE} fiches, "
                f"gros volume {people} personnes / {sheets} fiches (une structure chacun).\n"
            )
            self.stdout.write(f"{'Page':28} {'médiane':>9} {'p95':>9}   requêtes SQL (gros / petit volume)")
            for label, url_of in self._pages():
                try:
                    small_url, large_url = url_of(small), url_of(large)
                except Exception as error:  # a page not written yet: say so and go on
                    self.stdout.write(f"{label:28} non mesurée ({error.__class__.__name__})")
                    continue
                small_status, small_queries, _ = self._measure(small, small_url, runs=3)
                large_status, large_queries, timings = self._measure(large, large_url, runs=runs)
                if large_status != 200 or small_status != 200:
                    self.stdout.write(f"{label:28} non mesurée (réponse {large_status})")
                    continue
                self._report(label, timings, large_queries, small_queries)
            small_queries, _ = self._measure_close(small, runs=1)
            large_queries, timings = self._measure_close(large, runs=runs)
            self._report("Clore une demande (+ retour)", timings, large_queries, small_queries)

    def _report(self, label, timings, large_queries, small_queries):
        timings = sorted(timings)
        self.stdout.write(
            f"{label:28} {statistics.median(timings) * 1000:6.1f} ms "
            f"{timings[int(0.95 * (len(timings) - 1))] * 1000:6.1f} ms   "
            f"{large_queries} / {small_queries}"
            + ("" if large_queries == small_queries else "  ← le nombre de requêtes varie avec le volume !")
        )

    def _pages(self):
        return [
            ("Mes accompagnements", lambda user: reverse("accompaniments:home")),
            ("  filtre « relance due »", lambda user: reverse("accompaniments:home") + "?a_relancer=on"),
            ("  filtre « résolue »", lambda user: reverse("accompaniments:home") + "?statut=resolved"),
            ("À relancer", lambda user: reverse("accompaniments:follow_ups")),
            ("Liste des personnes", lambda user: reverse("accompaniments:beneficiary_list")),
            (
                "Page d'une personne",
                lambda user: reverse("accompaniments:beneficiary_detail", args=[self._busiest(user)]),
            ),
            ("Page d'une fiche", lambda user: reverse("accompaniments:sheet_detail", args=[self._fullest_sheet(user)])),
        ]

    def _mediator(self, email, code, people, sheets):
        user = User.objects.create(email=email, first_name="Mesure", last_name=code)
        commune = Commune.objects.filter(department__code="59").first() or Commune.objects.create(
            insee_code="59350", name="Lille", department=Department.objects.get(code="59")
        )
        structure = Structure.objects.create(
            name=f"{BENCH_STRUCTURE} {code}", kind=StructureKind.OTHER, commune=commune
        )
        Membership.objects.create(user=user, role=Role.MEDIATOR, structure=structure)
        post = Post.objects.create(
            code=code,
            structure=structure,
            department=commune.department,
            post_type=PostType.QPV,
            funding=Funding.ARS_PREFECTURE,
            start_date=datetime.date(2020, 1, 1),
        )
        holding = PostHolding.objects.create(post=post, mediator=user, start_date=datetime.date(2020, 1, 1))
        year = datetime.date.today().year - 1
        demo.generate(holdings=[holding], sheets_per_holding=sheets, year=year, people_per_sheet=people / sheets)
        return user

    def _busiest(self, user):
        return (
            Beneficiary.objects.filter(referent=user)
            .annotate(n=Count("sheets"))
            .order_by("-n", "pk")
            .values_list("pk", flat=True)[0]
        )

    def _fullest_sheet(self, user):
        return (
            Sheet.objects.filter(mediator=user)
            .annotate(n=Count("requests"))
            .order_by("-n", "pk")
            .values_list("pk", flat=True)[0]
        )

    @override_settings(ALLOWED_HOSTS=["testserver", "localhost"], DEBUG=False)
    def _measure(self, user, url, *, runs):
        """(status, SQL queries of one request, timings of `runs` requests). A page slower than
        SLOW_PAGE seconds is timed over three requests only."""
        client = Client(raise_request_exception=False)
        client.force_login(user)
        start = time.perf_counter()
        status = client.get(url).status_code  # warm up
        if status != 200:
            return status, 0, []
        if time.perf_counter() - start > SLOW_PAGE:
            runs = min(runs, 3)
        timings = []
        for _ in range(runs):
            start = time.perf_counter()
            response = client.get(url)
            timings.append(time.perf_counter() - start)
            assert response.status_code == 200, (url, response.status_code)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        return status, len(queries), timings

    @override_settings(ALLOWED_HOSTS=["testserver", "localhost"], DEBUG=False)
    def _measure_close(self, user, *, runs):
        """(SQL queries of one close, timings of `runs` closes): the mediator resolves a due
        request from « À relancer » and is brought back to it (the POST and the page it redirects
        to), one request of her own each time, the most overdue first."""
        client = Client(raise_request_exception=False)
        client.force_login(user)
        back = reverse("accompaniments:follow_ups")
        due = SheetRequest.objects.filter(sheet__mediator=user).follow_up_due(datetime.date.today())
        pks = list(due.order_by("follow_up_on", "pk").values_list("pk", flat=True)[: runs + 2])
        data = {"status": RequestStatus.RESOLVED, "closed_on": datetime.date.today().isoformat(), "next": back}

        def close(pk):
            response = client.post(reverse("accompaniments:request_close", args=[pk]), data, follow=True)
            assert response.status_code == 200 and response.redirect_chain[-1][0] == back, pk
            assert not SheetRequest.objects.filter(pk=pk, status=RequestStatus.IN_PROGRESS).exists(), pk

        close(pks.pop(0))  # warm up
        queries = []
        with connection.execute_wrapper(lambda execute, sql, *args: queries.append(sql) or execute(sql, *args)):
            close(pks.pop(0))
        queries = queries[:-1]  # the check that it was closed
        timings = []
        for pk in pks:
            start = time.perf_counter()
            close(pk)
            timings.append(time.perf_counter() - start)
        return len(queries), timings


class temporary_database:
    """Point the default connection at a new database built by the migrations, and drop it
    afterwards. SQLite: a file in the temporary directory; PostgreSQL: test_<name>_<pid>."""

    def __enter__(self):
        settings_dict = connection.settings_dict
        self.directory = None
        if connection.vendor == "sqlite":
            self.directory = tempfile.TemporaryDirectory(prefix="benchmark-")
            name = os.path.join(self.directory.name, "benchmark.sqlite3")
        else:
            name = f"test_{settings_dict['NAME']}_benchmark_{os.getpid()}"
        settings_dict.setdefault("TEST", {})["NAME"] = name
        self.old_name = settings_dict["NAME"]
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        return name

    def __exit__(self, *exc):
        connection.creation.destroy_test_db(self.old_name, verbosity=0)
        if self.directory is not None:
            self.directory.cleanup()
        return False
