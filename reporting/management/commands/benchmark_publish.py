"""Fill PostgreSQL with a whole region's synthetic sheets and time the publication of its edition,
as the worker runs it: the publication request, then the task end to end (the bilan computed,
its JSON, PDF and workbook, and the public edition's JSON, PDF and CSV), with each part's seconds.

    createdb -h 127.0.0.1 -U postgres mediation_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mediation_bench python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mediation_bench \\
        python manage.py benchmark_publish --sheets 1000000 [--previous-sheets N] [--runs 3]

The sheets are those of benchmark_bilan (its generator, in the database). Each run publishes the
next edition of the region; the first one finds the bilan's cache cold (the data were just
written), the next ones read the bilan from the cache as a second publication of unchanged data
does. Everything generated, editions included, is removed at the end unless --keep is given. Use a
scratch database: this command writes a lot."""

import functools
import os
import subprocess
import time
from collections import defaultdict
from contextlib import contextmanager

from django.core.management.base import CommandError
from django.db import connection

from mediation.enums import Role
from mediation.models import Department, Membership, User
from reporting import editions, exports, opendata, public_edition
from reporting.models import Edition, Publication
from reporting.scope import resolve_scope
from reporting.tasks import run_publication

from .benchmark_bilan import Command as BilanBenchmark
from .benchmark_bilan import timezone_year

PUBLISHER_EMAIL = "bench-publisher@benchmark.invalid"
# The parts timed inside the task: (module, function name, label). The JSON is what is left of
# the files once their PDF and workbook are counted.
PARTS = (
    (editions, "compute_bilan", "calcul du bilan (lecteurs)"),
    (editions, "render_bilan_pdf", "PDF"),
    (exports, "export_bilan_book", "classeur XLSX"),
    (public_edition, "public_bilan", "édition publique : masquage"),
    (editions, "render_public_pdf", "édition publique : PDF"),
    (opendata, "bilan_csv", "édition publique : CSV"),
    (editions, "render_files", "fichiers de l'édition"),
    (editions, "render_public_files", "fichiers de l'édition publique"),
)


class Command(BilanBenchmark):
    help = (
        "Remplit PostgreSQL des fiches synthétiques d'une région et mesure la publication de son édition par le "
        "travailleur, partie par partie."
    )

    def add_arguments(self, parser):
        parser.add_argument("--sheets", type=int, default=100_000)
        parser.add_argument("--previous-sheets", type=int, default=0, help="fiches de l'année précédente en plus")
        parser.add_argument("--year", type=int, default=timezone_year() - 1)
        parser.add_argument("--runs", type=int, default=2, help="publications successives (la 1re, cache froid)")
        parser.add_argument("--keep", action="store_true", help="garder les données générées")

    def handle(self, *args, sheets, previous_sheets, year, runs, keep, **options):
        if connection.vendor != "postgresql":
            raise CommandError("Cette mesure vise PostgreSQL : définissez DATABASE_URL vers une base de travail.")
        self.clean()
        started = time.perf_counter()
        self.fill(sheets, year, previous_sheets)
        self.settle()
        self.stdout.write(
            f"Données : {sheets} fiches de {year} et {previous_sheets} de {year - 1} générées "
            f"en {time.perf_counter() - started:.1f} s"
        )
        try:
            publisher = self.publisher()
            scope = resolve_scope(Department.objects.all(), year=year)
            for run in range(runs):
                self.publish_once(scope, publisher, run)
            self.stdout.write(f"uptime (UTC) : {uptime()}")
        finally:
            if not keep:
                self.clean()

    def publisher(self):
        user = User.objects.create(email=PUBLISHER_EMAIL, first_name="Mesure", last_name="Publication")
        Membership.objects.create(user=user, role=Role.ADMIN)
        return user

    def publish_once(self, scope, publisher, run):
        version = editions.next_version(editions.readers_scope(scope))
        reason = "" if version == 1 else f"Mesure n° {run + 1}"
        started = time.perf_counter()
        publication = editions.request_publication(scope, by=publisher, version=version, reason=reason)
        requested = time.perf_counter() - started
        if publication.state == Publication.State.PENDING:  # the production queue: run as the worker does
            with timed_parts() as parts:
                started = time.perf_counter()
                run_publication.call(publication.pk)
                total = time.perf_counter() - started
        else:
            parts, total = {}, 0.0
        publication.refresh_from_db()
        if publication.state != Publication.State.DONE:
            raise CommandError(f"La publication a échoué : {publication.error}")
        edition = Edition.objects.get(pk=publication.edition_id)
        sizes = {kind: len(bytes(getattr(edition, kind))) // 1024 for kind in editions.STORED_FILES}
        cache = "cache froid" if run == 0 else "bilan lu dans le cache"
        self.stdout.write(f"Édition n° {version} de {scope.label} {scope.year} ({cache}) :")
        self.stdout.write(f"  demande (requête du formulaire) : {requested:.2f} s")
        files = parts.get("fichiers de l'édition", 0.0)
        public_files = parts.get("fichiers de l'édition publique", 0.0)
        json_part = files - parts.get("PDF", 0.0) - parts.get("classeur XLSX", 0.0)
        public_json = public_files - sum(parts.get(f"édition publique : {p}", 0.0) for p in ("masquage", "PDF", "CSV"))
        rows = [
            ("calcul du bilan (lecteurs)", parts.get("calcul du bilan (lecteurs)", 0.0)),
            ("JSON", json_part),
            ("PDF", parts.get("PDF", 0.0)),
            ("classeur XLSX", parts.get("classeur XLSX", 0.0)),
            ("édition publique : masquage", parts.get("édition publique : masquage", 0.0)),
            ("édition publique : JSON", public_json),
            ("édition publique : PDF", parts.get("édition publique : PDF", 0.0)),
            ("édition publique : CSV", parts.get("édition publique : CSV", 0.0)),
        ]
        for label, seconds in rows:
            self.stdout.write(f"  {label} : {seconds:.2f} s")
        rest = total - sum(seconds for _label, seconds in rows)
        self.stdout.write(f"  reste (enregistrement, empreintes, transaction) : {rest:.2f} s")
        self.stdout.write(f"  TOTAL de la tâche : {total:.2f} s")
        self.stdout.write(
            "  fichiers : " + ", ".join(f"{kind} {size} Kio" for kind, size in sizes.items()),
        )

    def clean(self):
        users = User.objects.filter(email__endswith="@benchmark.invalid")
        Publication.objects.filter(requested_by__in=users).delete()
        Edition.objects.filter(published_by__in=users).delete()
        super().clean()


@contextmanager
def timed_parts():
    """Seconds spent in each of PARTS while the block runs, by label (calls of a part add up)."""
    spent = defaultdict(float)
    kept = []
    for module, name, label in PARTS:
        original = getattr(module, name)
        kept.append((module, name, original))

        @functools.wraps(original)
        def timed(*args, _original=original, _label=label, **kwargs):
            started = time.perf_counter()
            try:
                return _original(*args, **kwargs)
            finally:
                spent[_label] += time.perf_counter() - started

        setattr(module, name, timed)
    try:
        yield spent
    finally:
        for module, name, original in kept:
            setattr(module, name, original)


def uptime():
    """The machine's load when measured (`uptime`, in UTC: Django sets TZ to Paris)."""
    run = subprocess.run(["uptime"], capture_output=True, text=True, env=os.environ | {"TZ": "UTC"}, check=False)  # noqa: S603, S607
    return run.stdout.strip()
