"""Time the mediator's daily pages over a large caseload, and count their SQL queries.

    python manage.py benchmark_caseload [--people 5000] [--sheets 20000] [--runs 15]

Builds (once) a structure with one mediator, N people and M sheets, then requests the
caseload list and a person's page through the Django test client. Prints median times and
query counts at that volume and at a small one: the counts must be the same."""

import datetime
import statistics
import time

from django.core.management.base import BaseCommand
from django.db import connection, reset_queries
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accompaniments import demo
from accompaniments.models import Beneficiary
from mediation.enums import Funding, PostType, Role, StructureKind
from mediation.models import Commune, Department, Membership, Post, PostHolding, Structure, User

BENCH_STRUCTURE = "Structure de mesure (benchmark)"


class Command(BaseCommand):
    help = "Mesure la liste « Mes accompagnements » et la page d'une personne sur un gros volume."

    def add_arguments(self, parser):
        parser.add_argument("--people", type=int, default=5000)
        parser.add_argument("--sheets", type=int, default=20000)
        parser.add_argument("--runs", type=int, default=15)

    def handle(self, *args, people, sheets, runs, **options):
        small = self._mediator("benchmark-petit@exemple.fr", "BENCH-S", people=20, sheets=40)
        large = self._mediator("benchmark@exemple.fr", "BENCH-L", people=people, sheets=sheets)
        self.stdout.write(f"Volume : {people} personnes, {sheets} fiches dans une structure.\n")
        for label, url_of in (
            ("Mes accompagnements", lambda user: reverse("accompaniments:home")),
            (
                "Page d'une personne",
                lambda user: reverse("accompaniments:beneficiary_detail", args=[self._busiest(user)]),
            ),
        ):
            small_queries, _ = self._measure(small, url_of(small), runs=3)
            large_queries, timings = self._measure(large, url_of(large), runs=runs)
            self.stdout.write(
                f"{label:24} médiane {statistics.median(timings) * 1000:7.1f} ms "
                f"(p95 {sorted(timings)[int(0.95 * (len(timings) - 1))] * 1000:7.1f} ms) · "
                f"requêtes SQL : {large_queries} (petit volume : {small_queries})"
                + ("" if large_queries == small_queries else "  ← le nombre de requêtes varie avec le volume !")
            )

    def _mediator(self, email, code, *, people, sheets):
        user, created = User.objects.get_or_create(email=email, defaults={"first_name": "Mesure", "last_name": code})
        if not created:
            return user
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
        from django.db.models import Count

        return (
            Beneficiary.objects.filter(referent=user)
            .annotate(n=Count("sheets"))
            .order_by("-n")
            .values_list("pk", flat=True)[0]
        )

    @override_settings(ALLOWED_HOSTS=["testserver", "localhost"], DEBUG=False)
    def _measure(self, user, url, *, runs):
        client = Client()
        client.force_login(user)
        client.get(url)  # warm up
        timings = []
        for _ in range(runs):
            start = time.perf_counter()
            response = client.get(url)
            timings.append(time.perf_counter() - start)
            assert response.status_code == 200, (url, response.status_code)
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        return len(queries), timings
