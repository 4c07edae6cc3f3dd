"""The regional bilan of a year and a scope, computed once: dashboards, PDF, spreadsheets and
JSON all read the Bilan this module returns and compute nothing themselves."""

import dataclasses
import datetime
import functools
import hashlib
import pathlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from mediation.models import Department

from . import data_version, queries, secrecy
from .activity import (
    ACTIVITY_VOCABULARIES,
    Activity,
    build_activity,
    count_years,
    load_vocabularies,
    sheet_blocks,
)
from .annual import AnnualPart, compute_annual
from .comparison import compare_activity, compare_annual, compare_register
from .evolution import Evolution, compute_evolution, evolution_years
from .tables import percent


@dataclass(frozen=True)
class Headline:
    key: str
    label: str
    value: object
    previous: object = None
    unit: str = ""


@dataclass(frozen=True)
class Bilan:
    scope: object
    computed_at: datetime.datetime
    register: queries.PostsRegister
    activity: Activity
    previous: Activity | None
    annual: AnnualPart
    summary: tuple
    # Readers' edition (secrecy.py): what the page says it groups or withholds, and whether the
    # sheet tables are withheld altogether.
    notices: tuple = ()
    activity_withheld: bool = False
    # The main figures of N and of up to four years before it (evolution.py).
    evolution: Evolution | None = None

    @property
    def year(self):
        return self.scope.year

    @property
    def activity_tables(self):
        return () if self.activity_withheld else self.activity.tables

    def table(self, key):
        """A table of the bilan by its key (for the downloads)."""
        for table in self.tables:
            if table.key == key:
                return table
        return None

    @property
    def tables(self):
        return (self.register, *self.activity_tables, self.annual.annex, *self.annual.ranked)


def register_day(year):
    """The register is read at year end, or today while the year is running."""
    return min(datetime.date(year, 12, 31), timezone.localdate())


def compute_bilan(scope, *, cached=True):
    """The bilan of `scope`, computed once per version of the data (reporting.data_version) and
    shared by every output: dashboard, PDF, workbooks, JSON, single tables, editions. A write
    that can change a figure changes the version, so a figure is never served stale."""
    versions = _versions(scope) if cached else None
    key = _cache_key(scope, versions) if versions is not None else None
    if key is not None:
        try:
            found = cache.get(key)
        except Exception:  # noqa: BLE001 — an unreadable entry (older code) is computed again
            found = None
        if isinstance(found, Bilan):
            return found
    bilan = _compute_in_one_transaction(scope, versions)
    if key is not None:
        cache.set(key, bilan, BILAN_CACHE_SECONDS)
    return bilan


# Entries only bound the cache's size: the data version in the key is what keeps them right.
BILAN_CACHE_SECONDS = 7 * 24 * 3600


@functools.cache
def _code_version():
    """A fingerprint of the code that lays out a Bilan: entries of an older release are not read."""
    digest = hashlib.sha256()
    for path in sorted(pathlib.Path(__file__).parent.glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _cache_key(scope, versions):
    """The cache key of a scope's bilan at the data versions of the years it reads: N and N−1
    for its tables, N−4 … N for its evolution (reporting.data_version)."""
    global_version, years = versions
    parts = (
        _code_version(),
        global_version,
        ",".join(f"{year}:{token}" for year, token in sorted(years.items())),
        scope.year,
        *_scope_parts(scope),
        # The register is read today while the year is running.
        register_day(scope.year).isoformat(),
        register_day(scope.year - 1).isoformat(),
    )
    return "bilan:" + hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()


def _scope_parts(scope):
    return (
        scope.kind,
        scope.code,
        ",".join(str(pk) for pk in sorted(scope.department_ids)),
        scope.post_type or "-",
        "protected" if scope.protected else "full",
    )


def _column_keys(scope, versions):
    """The cache key of each year's column of the evolution: what that year's figures depend on
    (the reference data, the year's own rows, the day its register is read), not the others'."""
    global_version, years = versions

    def key(year):
        parts = (_code_version(), "evolution", global_version, year, years[year], *_scope_parts(scope))
        parts += (register_day(year).isoformat(),)
        return "bilan-year:" + hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()

    return key


def _versions(scope):
    """The data versions the bilan of `scope` reads, or None when this transaction's data have
    no trustworthy version (its own writes not committed yet)."""
    return data_version.tokens(evolution_years(scope.year))


def _compute_in_one_transaction(scope, versions=None):
    """The whole bilan in one transaction. On PostgreSQL the transaction gets enough sort and
    hash memory for the grouped passes over a year's rows to stay in memory."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL work_mem = '{int(settings.REPORTING_WORK_MEM_MB)}MB'")
                if not JIT:
                    cursor.execute("SET LOCAL jit = off")
        return _compute_bilan(scope, versions)


# Whether PostgreSQL may compile the bilan's queries (JIT). Measured by benchmark_bilan --jit
# (README): slower with it, the compilation of the wide grouped queries costs more than it saves.
JIT = False


def _compute_bilan(scope, versions=None):
    departments = list(
        Department.objects.filter(pk__in=scope.department_ids).select_related("territory").order_by("code")
    )
    vocabularies = load_vocabularies(*ACTIVITY_VOCABULARIES)
    before = scope.with_year(scope.year - 1)

    # The sheets of N and of N−1, laid out over the same columns so that they can sit together.
    both = count_years(scope, (before.year, scope.year), vocabularies)
    counts, previous_counts = both[scope.year], both[before.year]
    notices, withheld, shown_before = [], False, None
    if scope.protected:
        # Readers: rows that cover whole secrecy blocks of year N, or nothing at all; a row's
        # figures of N−1 only where it covers whole blocks of N−1 too (secrecy.py).
        blocks = sheet_blocks(scope, (before.year, scope.year))
        units = secrecy.row_units(departments, blocks[scope.year], scope.post_type)
        withheld = units is None
        if withheld:
            units = []
            notices.append(secrecy.WITHHELD_NOTICE)
        else:
            notices += secrecy.merge_notices(units, departments)
            shown_before = secrecy.rows_shown(units, blocks[before.year], scope.post_type)
        counts, previous_counts = (secrecy.merged_counts(c, units) for c in (counts, previous_counts))
        departments_shown = units
    else:
        departments_shown = departments
    has_previous = any(row.get("n") for row in previous_counts.by_department.values())
    previous_note = ""
    if scope.protected and not withheld and has_previous:
        if shown_before is None:
            has_previous = False
            notices.append(secrecy.previous_withheld_notice(before.year))
        elif not all(shown_before):
            previous_note = secrecy.previous_rows_note(before.year)
            notices.append(previous_note)
    activity = build_activity(counts, departments_shown, vocabularies, (previous_counts,) if has_previous else ())
    previous = build_activity(previous_counts, departments_shown, vocabularies, (counts,)) if has_previous else None
    if previous_note:
        previous = secrecy.withhold_rows(previous, departments_shown, shown_before)

    annual = compute_annual(scope, departments)
    previous_annual = compute_annual(before, departments, with_answers=False)
    if scope.protected:
        annual, annual_notices = published_annual(annual)
        notices += annual_notices
        if previous_annual.annex.columns[0].withheld:  # nothing of N−1's bilans beside N's
            previous_annual = dataclasses.replace(previous_annual, bilans=0)
    register = with_usable_bilans(_register(scope, scope.year), departments, annual)
    previous_register = with_usable_bilans(_register(scope, before.year), departments, previous_annual).total
    summary = _summary(register, None if withheld else activity, previous, annual, previous_register, previous_annual)
    if withheld:
        previous = None
    return Bilan(
        scope=scope,
        computed_at=timezone.now(),
        register=compare_register(register, previous_register, register_day(before.year)),
        activity=compare_activity(activity, previous, before.year, previous_note),
        previous=previous,
        annual=compare_annual(annual, previous_annual, before.year),
        summary=summary,
        notices=tuple(notices),
        activity_withheld=withheld,
        evolution=compute_evolution(
            scope,
            departments,
            vocabularies,
            register_day,
            column_key=_column_keys(scope, versions) if versions is not None else None,
        ),
    )


def published_annual(annual):
    """Readers' edition of the annual part: the open answers without the department that would
    name their author; the ranked lists and answers withheld with the Ensemble column."""
    if annual.annex.columns[0].withheld:
        ranked = tuple(dataclasses.replace(r, items=()) for r in annual.ranked)
        answers = tuple(dataclasses.replace(a, by_department=()) for a in annual.answers)
        return dataclasses.replace(annual, ranked=ranked, answers=answers), [secrecy.ANNUAL_WITHHELD_NOTICE]
    answers = tuple(
        dataclasses.replace(
            # Sorted, so that their order does not tell the departments apart either.
            a,
            by_department=(("Ensemble", tuple(sorted(t for _name, texts in a.by_department for t in texts))),),
        )
        if a.by_department
        else a
        for a in annual.answers
    )
    return dataclasses.replace(annual, answers=answers), []


def _register(scope, year):
    return queries.posts_register(
        departments=Department.objects.filter(pk__in=scope.department_ids),
        day=register_day(year),
        post_type=scope.post_type,
    )


def with_usable_bilans(register, departments, annual):
    """The register with each department's number of usable bilans (read at the same time)."""
    by_code = {d.code: annual.usable_by_department.get(d.pk, 0) for d in departments}
    rows = tuple(dataclasses.replace(row, usable_bilans=by_code.get(row.code, 0)) for row in register.rows)
    total = dataclasses.replace(register.total, usable_bilans=sum(r.usable_bilans for r in rows))
    return dataclasses.replace(register, rows=rows, total=total)


def _share(table, column_label):
    """Share of the total row that falls in one column, in whole percent."""
    if column_label not in table.columns:
        return None
    return table.total.cells[table.columns.index(column_label)].percent


def _resolved_share(table):
    return percent(table.resolved.total, table.total.total)


def _summary(register, activity, previous, annual, previous_register, previous_annual):
    def both(get):
        if activity is None:  # withheld
            return None, None
        return get(activity), (get(previous) if previous is not None else None)

    had_posts = bool(previous_register.posts)
    headlines = [
        Headline("posts", "Postes de médiateurs santé", register.total.posts, previous_register.posts or None),
        Headline(
            "rural_posts",
            "dont postes ruraux",
            register.total.rural_posts,
            previous_register.rural_posts if had_posts else None,
        ),
        Headline(
            "active_mediators",
            "Médiateurs en poste",
            register.total.active_mediators,
            previous_register.active_mediators if had_posts else None,
        ),
        Headline("usable_bilans", "Bilans annuels exploitables", annual.bilans, previous_annual.bilans or None),
    ]
    for key, label, get, unit in (
        ("sheets", "Fiches d'accompagnement", lambda a: a.volume.total.sheets, ""),
        ("people", "Personnes accompagnées", lambda a: a.people, ""),
        ("mediators_logging", "Médiateurs ayant saisi des fiches", lambda a: a.volume.total.mediators, ""),
        ("mean_age", "Âge moyen", lambda a: a.age.total.mean, "ans"),
        ("women", "Part de femmes", lambda a: _share(a.sex, "Femme"), "%"),
        ("qpv", "Part d'habitants des QPV", lambda a: _share(a.qpv, "Oui"), "%"),
        ("rights_requests", "Demandes d'accès aux droits", lambda a: a.rights_requests.total.total, ""),
        (
            "rights_resolved",
            "des demandes d'accès aux droits résolues en fin d'année",
            lambda a: _resolved_share(a.rights_requests),
            "%",
        ),
        ("care_requests", "Demandes d'accès aux soins", lambda a: a.care_requests.total.total, ""),
        (
            "care_resolved",
            "des demandes d'accès aux soins résolues en fin d'année",
            lambda a: _resolved_share(a.care_requests),
            "%",
        ),
    ):
        value, before = both(get)
        headlines.append(Headline(key, label, value, before, unit))
    return tuple(headlines)
