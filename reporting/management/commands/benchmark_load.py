"""Load benchmark: 50 people at once on the demo data, PostgreSQL and gunicorn as in production.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mediation_bench \\
        python manage.py benchmark_load [--users 50] [--readers 10] [--duration 60] [--think 2 8]

1. Creates the database if it does not exist (its name must end in "_bench": the command writes
   demo data and sessions into it), migrates it, loads seed_demo, collects the static files.
2. Starts gunicorn on 127.0.0.1 with the production settings (DEBUG off, WhiteNoise, the workers
   and timeout of docker/entrypoint.sh: GUNICORN_WORKERS, GUNICORN_TIMEOUT), its log in a file.
3. Opens one session per simulated person, written server-side: a real login per person would
   hit the login rate limit of one address (30 a minute) and the one-time TOTP codes of the
   shared reader account. Mediators cycle over the demo's mediators, readers over its readers.
4. Each person, after a random start within the first think time, loads a page, thinks (a random
   pause between the two --think bounds), loads the next one, until --duration has passed.
   Mediators: their caseload, a person of it, one of its sheets, « À relancer »; readers: the
   dashboard. One HTTP connection per person (gunicorn's sync workers close it after each
   response, as they do in production), requests sent as the reverse proxy sends them (Host of
   ALLOWED_HOSTS, X-Forwarded-Proto: https, so no redirection to HTTPS).
5. Prints per page the count, p50, p95, p99, max and errors, then all pages together; stops
   gunicorn. An error is an answer other than 200 or no answer within --request-timeout.

Bounded: loopback only, a fixed duration, every request with a timeout, gunicorn stopped at the
end whatever happens. Fails (exit status 1) when the target is missed: p95 of a page at or over
TARGET_P95_MS, or any error. A few warm-up requests per page (one worker's first import of the
templates) are not counted."""

import http.client
import io
import math
import os
import random
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test.utils import override_settings
from django.urls import reverse

from accompaniments.models import Sheet
from mediation.enums import Role
from mediation.models import User
from mediation.sessions import LOGIN_AT_KEY

TARGET_P95_MS = 300
HOST = "127.0.0.1"
BENCH_SUFFIX = "_bench"
STARTUP_TIMEOUT = 60  # seconds for gunicorn to answer the login page
STOP_TIMEOUT = 30  # seconds for gunicorn to stop on SIGTERM before it is killed
WARM_UP_PER_WORKER = 2  # uncounted requests per page and worker
MEDIATOR_PAGES = ("Mes accompagnements", "Personne", "Fiche", "À relancer")
READER_PAGES = ("Tableau de bord",)
BASE_DIR = Path(settings.BASE_DIR)
# SESSION_COOKIE_NAME of mediation.settings.prod, the settings gunicorn runs (the command's own
# settings may name it otherwise); were it to change, every request would be counted an error.
PRODUCTION_SESSION_COOKIE = "__Host-sessionid"


# ---------------------------------------------------------------- statistics


def percentile(values, fraction):
    """The nearest-rank percentile: the smallest value with at least `fraction` of the values at
    or below it (p95 of 100 sorted values is the 95th). None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


@dataclass
class PageStats:
    page: str
    durations_ms: list = field(default_factory=list)  # of the answered requests, errors included
    errors: int = 0

    @property
    def count(self):
        return len(self.durations_ms)

    def p(self, fraction):
        return percentile(self.durations_ms, fraction)


def summarise(samples):
    """[(page, milliseconds, ok)] -> ({page: PageStats} in order of first appearance, overall PageStats)."""
    pages, overall = {}, PageStats("Toutes les pages")
    for page, duration_ms, ok in samples:
        for stats in (pages.setdefault(page, PageStats(page)), overall):
            stats.durations_ms.append(duration_ms)
            stats.errors += 0 if ok else 1
    return pages, overall


def format_table(pages, overall):
    header = f"{'Page':<22} {'requêtes':>8} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7} {'erreurs':>8}"
    lines = [header, "-" * len(header)]
    for stats in [*pages.values(), overall]:
        cells = [f"{stats.p(f):5.0f} ms" if stats.count else "      —" for f in (0.50, 0.95, 0.99, 1.0)]
        lines.append(f"{stats.page:<22} {stats.count:>8} {' '.join(cells)} {stats.errors:>8}")
    return lines


def missed_target(pages, overall):
    """What misses the target, in French; empty when it is met."""
    missed = [
        f"{stats.page} : p95 de {stats.p(0.95):.0f} ms"
        for stats in pages.values()
        if stats.count and stats.p(0.95) >= TARGET_P95_MS
    ]
    if overall.errors:
        missed.append(f"{overall.errors} erreur(s)")
    if not overall.count:
        missed.append("aucune requête mesurée")
    return missed


# ---------------------------------------------------------------- simulated people


@dataclass
class Person:
    role: str
    session_key: str
    people: list = field(default_factory=list)  # paths of persons of the caseload
    sheets: list = field(default_factory=list)  # paths of sheets of the caseload

    def path(self, page, rng):
        if page == "Mes accompagnements":
            return reverse("accompaniments:home")
        if page == "Personne":
            return rng.choice(self.people)
        if page == "Fiche":
            return rng.choice(self.sheets)
        if page == "À relancer":
            return reverse("accompaniments:follow_ups")
        return reverse("reporting:dashboard")

    @property
    def pages(self):
        return MEDIATOR_PAGES if self.role == Role.MEDIATOR else READER_PAGES


class Client:
    """One person's browser: one connection, her session cookie, headers of the reverse proxy."""

    def __init__(self, port, session_key, timeout):
        self.port, self.timeout = port, timeout
        self.headers = {
            "Host": f"{HOST}:{port}",
            "Cookie": f"{PRODUCTION_SESSION_COOKIE}={session_key}",
            "X-Forwarded-Proto": "https",
            "Accept": "text/html",
            "User-Agent": "benchmark_load",
        }
        self.connection = None

    def get(self, path):
        """(milliseconds, ok): the time to the last byte of the answer."""
        started = time.perf_counter()
        try:
            if self.connection is None:
                self.connection = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
            self.connection.request("GET", path, headers=self.headers)
            response = self.connection.getresponse()
            response.read()
            ok = response.status == 200
            if response.will_close:
                self.close()
        except (OSError, http.client.HTTPException):
            ok = False
            self.close()
        return (time.perf_counter() - started) * 1000, ok

    def close(self):
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def browse(person, client, *, deadline, think, stop, samples, lock, seed):
    rng = random.Random(seed)
    if stop.wait(rng.uniform(0, think[1])):  # people arrive over the first think time
        return
    step = 0
    while time.monotonic() < deadline and not stop.is_set():
        page = person.pages[step % len(person.pages)]
        duration_ms, ok = client.get(person.path(page, rng))
        with lock:
            samples.append((page, duration_ms, ok))
        step += 1
        if stop.wait(min(rng.uniform(*think), max(0.0, deadline - time.monotonic()))):
            break
    client.close()


# ---------------------------------------------------------------- the command


class Command(BaseCommand):
    help = "Banc d'essai de charge : N personnes simultanées sur les données de démonstration, sous gunicorn."

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, default=50, help="Personnes simultanées (50).")
        parser.add_argument("--readers", type=int, default=10, help="Dont lectrices du tableau de bord (10).")
        parser.add_argument("--duration", type=int, default=60, help="Durée de la mesure en secondes (60).")
        parser.add_argument(
            "--think", type=float, nargs=2, default=[2.0, 8.0], metavar=("MIN", "MAX"),
            help="Pause entre deux pages, en secondes, tirée entre MIN et MAX (2 8).",
        )  # fmt: skip
        parser.add_argument("--request-timeout", type=float, default=30.0, help="Délai d'une requête (30 s).")
        parser.add_argument("--skip-seed", action="store_true", help="Base déjà migrée et remplie.")

    def handle(self, *args, users, readers, duration, think, request_timeout, skip_seed, **options):
        if not 0 <= readers <= users or users < 1 or duration < 1 or not 0 <= think[0] <= think[1]:
            raise CommandError("Paramètres incohérents : 1 personne au moins, lectrices ≤ personnes, durée ≥ 1 s.")
        name = self.check_database()
        if not skip_seed:
            self.prepare(name)
        workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
        secret_key = secrets.token_urlsafe(64)
        people = self.open_sessions(users=users, readers=readers, secret_key=secret_key)
        port = free_port()
        descriptor, log = tempfile.mkstemp(prefix="benchmark_load-", suffix=".log")
        os.close(descriptor)
        log = Path(log)
        server = self.start_gunicorn(port=port, workers=workers, secret_key=secret_key, log=log)
        try:
            self.wait_until_up(server, port, log)
            self.warm_up(people, port, workers, request_timeout)
            self.stdout.write(
                f"{users} personnes ({users - readers} médiatrices, {readers} lectrices) pendant {duration} s, "
                f"pause de {think[0]:g} à {think[1]:g} s entre deux pages, gunicorn {workers} workers "
                f"sur {HOST}:{port}, charge de la machine au départ {os.getloadavg()[0]:.2f}…"
            )
            client_cpu = time.process_time()
            samples, elapsed = self.run(people, port, duration, think, request_timeout)
            client_cpu = time.process_time() - client_cpu
        finally:
            stop_gunicorn(server)
            SessionStore().model.objects.filter(session_key__in=[p.session_key for p in people]).delete()
        pages, overall = summarise(samples)
        for line in format_table(pages, overall):
            self.stdout.write(line)
        self.stdout.write(
            f"{overall.count / elapsed:.1f} requêtes/s sur {elapsed:.0f} s ; processeur pris par les personnes "
            f"simulées {client_cpu:.1f} s ; charge de la machine à la fin {os.getloadavg()[0]:.2f} ; "
            f"journal de gunicorn : {log}"
        )
        missed = missed_target(pages, overall)
        if missed:
            raise CommandError(f"Objectif (p95 < {TARGET_P95_MS} ms, 0 erreur) manqué : {' ; '.join(missed)}.")
        self.stdout.write(self.style.SUCCESS(f"Objectif atteint : p95 < {TARGET_P95_MS} ms sur chaque page, 0 erreur."))

    # ------------------------------------------------------------ preparation

    def check_database(self):
        name = str(settings.DATABASES["default"]["NAME"])
        if connection.vendor != "postgresql" or not name.endswith(BENCH_SUFFIX):
            raise CommandError(
                f"Le banc d'essai écrit dans sa base : donnez-lui une base PostgreSQL dont le nom finit par "
                f"« {BENCH_SUFFIX} », par exemple DATABASE_URL=postgres://postgres@127.0.0.1:5432/mediation_bench."
            )
        return name

    def prepare(self, name):
        create_database(name)
        self.stdout.write(f"Base {name} : migrations, données de démonstration, fichiers statiques…")
        call_command("migrate", verbosity=0, interactive=False)
        call_command("createcachetable", verbosity=0)
        call_command("seed_demo", stdout=io.StringIO())
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
            cwd=BASE_DIR,
            env=production_env(secrets.token_urlsafe(64), port=0),
            check=True,
        )

    def open_sessions(self, *, users, readers, secret_key):
        mediators = list(
            User.objects.filter(is_active=True, membership__role=Role.MEDIATOR, sheets__isnull=False)
            .distinct()
            .order_by("email")
        )
        reader_accounts = list(User.objects.filter(is_active=True, membership__role=Role.READER).order_by("email"))
        if (users > readers and not mediators) or (readers and not reader_accounts):
            raise CommandError("Pas de médiatrice avec des fiches ou pas de lectrice : lancez sans --skip-seed.")
        caseloads = {}
        people = []
        with override_settings(SECRET_KEY=secret_key):  # the key gunicorn signs and checks sessions with
            for index in range(users):
                if index < readers:
                    user, role = reader_accounts[index % len(reader_accounts)], Role.READER
                else:
                    user, role = mediators[(index - readers) % len(mediators)], Role.MEDIATOR
                person = Person(role=role, session_key=server_side_session(user))
                if role == Role.MEDIATOR:
                    if user.pk not in caseloads:
                        caseloads[user.pk] = caseload_paths(user)
                    person.people, person.sheets = caseloads[user.pk]
                people.append(person)
        return people

    # ------------------------------------------------------------ gunicorn

    def start_gunicorn(self, *, port, workers, secret_key, log):
        timeout = os.environ.get("GUNICORN_TIMEOUT", "180")
        command = [sys.executable, "-m", "gunicorn", "mediation.wsgi:application"]
        command += ["--bind", f"{HOST}:{port}", "--workers", str(workers), "--timeout", timeout]
        with log.open("w") as output:
            return subprocess.Popen(  # noqa: S603 (our own interpreter and gunicorn, fixed arguments)
                command, cwd=BASE_DIR, env=production_env(secret_key, port=port), stdout=output, stderr=output
            )

    def wait_until_up(self, server, port, log):
        started = time.monotonic()
        while time.monotonic() - started < STARTUP_TIMEOUT:
            if server.poll() is not None:
                raise CommandError(f"gunicorn s'est arrêté au démarrage : voir {log}.")
            try:
                connection_ = http.client.HTTPConnection(HOST, port, timeout=5)
                headers = {"Host": f"{HOST}:{port}", "X-Forwarded-Proto": "https"}
                connection_.request("GET", reverse("account_login"), headers=headers)
                status = connection_.getresponse().status
                connection_.close()
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise CommandError(f"gunicorn ne répond pas après {STARTUP_TIMEOUT} s : voir {log}.")

    def warm_up(self, people, port, workers, timeout):
        rng = random.Random(0)
        for person in {p.role: p for p in people}.values():
            client = Client(port, person.session_key, timeout)
            for page in person.pages:
                for _ in range(WARM_UP_PER_WORKER * workers):
                    client.get(person.path(page, rng))
            client.close()

    # ------------------------------------------------------------ the measure

    def run(self, people, port, duration, think, timeout):
        samples, lock, stop = [], threading.Lock(), threading.Event()
        started = time.monotonic()
        deadline = started + duration
        threads = [
            threading.Thread(
                target=browse,
                args=(person, Client(port, person.session_key, timeout)),
                kwargs={
                    "deadline": deadline,
                    "think": tuple(think),
                    "stop": stop,
                    "samples": samples,
                    "lock": lock,
                    "seed": index,
                },
                daemon=True,
            )
            for index, person in enumerate(people)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:  # a request under way finishes within its timeout
            thread.join(max(0.0, deadline + timeout + 1 - time.monotonic()))
        stop.set()
        return list(samples), time.monotonic() - started


# ---------------------------------------------------------------- helpers


def create_database(name):
    """CREATE DATABASE `name` when it does not exist, through the server's maintenance database."""
    import psycopg
    from psycopg import sql

    params = settings.DATABASES["default"]
    conninfo = {
        "dbname": "postgres",
        "host": params.get("HOST") or None,
        "port": params.get("PORT") or None,
        "user": params.get("USER") or None,
        "password": params.get("PASSWORD") or None,
    }
    with psycopg.connect(**{k: v for k, v in conninfo.items() if v}, autocommit=True) as maintenance:
        if not maintenance.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            maintenance.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def production_env(secret_key, *, port):
    env = {key: value for key, value in os.environ.items() if key not in ("SENTRY_DSN", "DEBUG")}
    env.update(
        DJANGO_SETTINGS_MODULE="mediation.settings.prod",
        DEBUG="0",
        SECRET_KEY=secret_key,
        ALLOWED_HOSTS=HOST,
        SITE_URL=f"http://{HOST}:{port}",
        DATABASE_URL=os.environ["DATABASE_URL"],
    )
    return env


def server_side_session(user):
    """A logged-in session of `user`, as django.contrib.auth.login writes it."""
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[LOGIN_AT_KEY] = time.time()
    session.create()
    return session.session_key


def caseload_paths(user):
    """Paths of the persons and of the sheets of a mediator's caseload."""
    sheets = Sheet.objects.for_user(user).in_caseload_of(user).values_list("pk", "beneficiary_id")
    pairs = list(sheets)
    people = sorted({beneficiary for _, beneficiary in pairs})
    return (
        [reverse("accompaniments:beneficiary_detail", args=[pk]) for pk in people],
        [reverse("accompaniments:sheet_detail", args=[pk]) for pk, _ in pairs],
    )


def free_port():
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def stop_gunicorn(server):
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
