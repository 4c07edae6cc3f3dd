"""The bilan over several years: for the main figures of each table, the values of year N and
of up to four years before it, side by side, in a fixed number of queries whatever the number
of years (each query groups its rows by year).

What is counted is what the tables of each year count (activity.py, annual.py, queries.py):
sheets opened in the year per department of their post, the people with such a sheet, their
mean age at opening, the requests opened in the year per domain and the share resolved by 31
December, the posts open and the mediators holding them at year end, the usable annual bilans
and the whole scope's means per bilan of Annexe 1. A year imported from the history (sheets of
the historical import, annual bilans of an imported campaign) counts as any other.

A year is a column of a series only when the series has data that year: a year without sheets
is left out of the sheet series, a year without a usable bilan out of the Annexe 1 series.
For readers (protected scopes) a figure is shown only where it covers whole secrecy blocks of
its own year (secrecy.py), else it is None (« — »)."""

import dataclasses
import datetime
import functools
import operator
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce, ExtractYear

from accompaniments.enums import RequestStatus
from accompaniments.models import Sheet, SheetRequest
from mediation.enums import Vocabulary
from mediation.models import Department, Post, PostHolding

from . import secrecy
from .activity import scope_posts, sheet_blocks
from .annual import MEAN_PLACES, MEAN_ROWS
from .enums import BilanState, FigureKey
from .models import AnnualBilan, BilanFigure
from .tables import mean, percent

# Year N and this many years before it, at most.
YEARS_BACK = 4
WITHHELD_NOTE = "« — » : chiffre non diffusé (secret statistique)."


@dataclass(frozen=True)
class EvolutionRow:
    key: str
    label: str
    values: tuple  # one per year of the series; None: withheld (readers) or not defined
    unit: str = ""


@dataclass(frozen=True)
class EvolutionSeries:
    key: str
    title: str
    years: tuple  # the years with data, oldest first
    rows: tuple
    charted: str = ""  # key of the row the chart draws
    note: str = ""
    charted_label: str = ""  # what the chart draws, when the row's label does not say it

    def row(self, key):
        return next((row for row in self.rows if row.key == key), None)


@dataclass(frozen=True)
class Evolution:
    years: tuple  # every year looked at, oldest first (N−4 … N)
    series: tuple  # the series with at least one year of data

    def get(self, key):
        return next((series for series in self.series if series.key == key), None)


def evolution_years(year):
    return tuple(range(year - YEARS_BACK, year + 1))


@dataclass(frozen=True)
class YearColumn:
    """What the evolution reads of one year, kept in the cache under that year's data version."""

    by_department: dict  # {department id: sheets}
    age: tuple  # (sum, n)
    people: int
    requests: dict  # {vocabulary: (opened, resolved at year end)}
    posts: int
    mediators: int
    bilans: int
    figures: dict  # {figure key: sum of the values}
    shown: bool
    department_shown: dict  # {department id: bool}
    annual_shown: bool


# Entries only bound the cache's size: the data versions in the key are what keep them right.
COLUMN_CACHE_SECONDS = 30 * 24 * 3600


def compute_evolution(scope, departments, vocabularies, register_day, column_key=None):
    """The Evolution of `scope` over N−4 … N. `departments` are the scope's departments (with
    their territoire), `vocabularies` the request lists loaded by the bilan, `register_day(year)`
    the day the register of a year is read. `column_key(year)`, when given, is the cache key of
    a year's column at the current data versions (reporting.bilan): the years found in the cache
    are not read again, the missing ones are computed together in a fixed number of queries."""
    years = evolution_years(scope.year)
    keys = {year: column_key(year) for year in years} if column_key else {}
    keys = {year: key for year, key in keys.items() if key is not None}
    columns = {}
    if keys:
        try:
            found = cache.get_many(list(keys.values()))
        except Exception:  # noqa: BLE001 — an unreadable entry (older code) is computed again
            found = {}
        columns = {year: found[key] for year, key in keys.items() if isinstance(found.get(key), YearColumn)}
    missing = tuple(year for year in years if year not in columns)
    if missing:
        computed = _compute_columns(scope, departments, vocabularies, register_day, missing)
        columns.update(computed)
        stored = {keys[year]: computed[year] for year in missing if year in keys}
        if stored:
            cache.set_many(stored, COLUMN_CACHE_SECONDS)
    return _evolution(scope, departments, years, columns)


def _in_years(field, years):
    """Q of the rows whose date `field` falls in one of `years` (ranges: index-friendly)."""
    ranges = []
    for year in sorted(years):
        if ranges and ranges[-1][1] == year - 1:
            ranges[-1][1] = year
        else:
            ranges.append([year, year])
    return functools.reduce(
        operator.or_,
        (
            Q(**{f"{field}__gte": datetime.date(first, 1, 1), f"{field}__lte": datetime.date(last, 12, 31)})
            for first, last in ranges
        ),
    )


def _compute_columns(scope, departments, vocabularies, register_day, years):
    """{year: YearColumn} of `years`, in a fixed number of queries whatever their number."""
    department_of = scope_posts(scope)
    post_ids = list(department_of)

    sheets = Sheet.objects.filter(_in_years("opened_on", years), post_id__in=post_ids).annotate(
        year=ExtractYear("opened_on")
    )
    by_department = {}  # {(year, department id): sheets}
    age = {}  # {year: (sum, n)}
    for row in (
        sheets.values("year", "post_id").order_by().annotate(n=Count("pk"), age_sum=Sum("age"), age_n=Count("age"))
    ):
        key = (row["year"], department_of[row["post_id"]])
        by_department[key] = by_department.get(key, 0) + row["n"]
        total, n = age.get(row["year"], (0, 0))
        age[row["year"]] = (total + (row["age_sum"] or 0), n + row["age_n"])
    people = dict(
        sheets.values("year").order_by().annotate(n=Count("beneficiary_id", distinct=True)).values_list("year", "n")
    )

    domain_of = {item.pk: vocabulary for vocabulary, items in vocabularies.items() for item in items}
    requests = {}  # {(year, vocabulary): (opened, resolved at year end)}
    for row in (
        SheetRequest.objects.filter(_in_years("opened_on", years), post_id__in=post_ids)
        .annotate(year=ExtractYear("opened_on"), closed_year=ExtractYear("closed_on"))
        .values("year", "kind")
        .order_by()
        .annotate(
            n=Count("pk"),
            resolved=Count("pk", filter=Q(status=RequestStatus.RESOLVED, closed_year__lte=F("year"))),
        )
    ):
        key = (row["year"], domain_of.get(row["kind"]))
        n, resolved = requests.get(key, (0, 0))
        requests[key] = (n + row["n"], resolved + row["resolved"])

    posts, mediators = _register(scope, years, register_day)
    bilans, figures = _annual(scope, years)

    shown = {year: True for year in years}
    department_shown = {(year, dep.pk): True for year in years for dep in departments}
    annual_shown = {year: True for year in years}
    if scope.protected:
        blocks = sheet_blocks(scope, years)
        whole = secrecy.atoms(scope.department_ids, scope.post_type)
        for year in years:
            shown[year] = blocks[year].publishable(whole)
            for dep in departments:
                department_shown[(year, dep.pk)] = shown[year] and blocks[year].publishable(
                    secrecy.atoms((dep.pk,), scope.post_type)
                )
        annual_blocks = _bilan_blocks(scope, years)
        for year in years:
            annual_shown[year] = annual_blocks[year].publishable(whole)
    return {
        year: YearColumn(
            by_department={pk: n for (y, pk), n in by_department.items() if y == year},
            age=age.get(year, (0, 0)),
            people=people.get(year, 0),
            requests={v: counts for (y, v), counts in requests.items() if y == year},
            posts=posts.get(year, 0),
            mediators=mediators.get(year, 0),
            bilans=bilans.get(year, 0),
            figures={k: total for (y, k), total in figures.items() if y == year},
            shown=shown[year],
            department_shown={pk: ok for (y, pk), ok in department_shown.items() if y == year},
            annual_shown=annual_shown[year],
        )
        for year in years
    }


def _evolution(scope, departments, years, columns):
    """The Evolution laid out from each year's column."""
    by_department = {(y, pk): n for y, c in columns.items() for pk, n in c.by_department.items()}
    age = {y: c.age for y, c in columns.items()}
    people = {y: c.people for y, c in columns.items()}
    requests = {(y, v): counts for y, c in columns.items() for v, counts in c.requests.items()}
    posts = {y: c.posts for y, c in columns.items()}
    mediators = {y: c.mediators for y, c in columns.items()}
    bilans = {y: c.bilans for y, c in columns.items() if c.bilans}
    figures = {(y, k): total for y, c in columns.items() for k, total in c.figures.items()}
    shown = {y: c.shown for y, c in columns.items()}
    department_shown = {
        (y, dep.pk): columns[y].department_shown.get(dep.pk, columns[y].shown) for y in years for dep in departments
    }
    annual_shown = {y: c.annual_shown for y, c in columns.items()}

    def pick(series_years, get, ok=lambda year: True):
        return tuple(get(year) if ok(year) else None for year in series_years)

    series = []
    sheet_years = tuple(y for y in years if any(by_department.get((y, d.pk)) for d in departments))
    if sheet_years:
        rows = [
            EvolutionRow(
                f"departement:{dep.code}",
                dep.name,
                pick(
                    sheet_years,
                    lambda y, pk=dep.pk: by_department.get((y, pk), 0),
                    lambda y, pk=dep.pk: department_shown[(y, pk)],
                ),
            )
            for dep in departments
        ]
        rows.append(
            EvolutionRow(
                "total",
                "Total",
                pick(sheet_years, lambda y: sum(by_department.get((y, d.pk), 0) for d in departments), shown.get),
            )
        )
        series.append(
            EvolutionSeries(
                "sheets",
                "Fiches d'accompagnement par département",
                sheet_years,
                tuple(rows),
                charted="total",
                note="Fiches ouvertes dans l'année, au département de leur poste.",
                charted_label="Fiches d'accompagnement",
            )
        )
        series.append(
            EvolutionSeries(
                "people",
                "Personnes accompagnées",
                sheet_years,
                (
                    EvolutionRow(
                        "people", "Personnes accompagnées", pick(sheet_years, lambda y: people.get(y, 0), shown.get)
                    ),
                    EvolutionRow(
                        "mean_age",
                        "Âge moyen",
                        pick(sheet_years, lambda y: mean(*age.get(y, (0, 0))), shown.get),
                        "ans",
                    ),
                ),
                charted="people",
                note="Personnes ayant au moins une fiche ouverte dans l'année ; âge à l'ouverture de la fiche.",
            )
        )

    request_years = tuple(y for y in years if any(requests.get((y, v), (0, 0))[0] for v in _DOMAINS))
    if request_years:
        rows = []
        for vocabulary, key, label in _DOMAIN_ROWS:
            rows.append(
                EvolutionRow(
                    key, label, pick(request_years, lambda y, v=vocabulary: requests.get((y, v), (0, 0))[0], shown.get)
                )
            )
            rows.append(
                EvolutionRow(
                    f"{key}_resolved",
                    "dont résolues en fin d'année",
                    pick(
                        request_years, lambda y, v=vocabulary: _resolved_share(requests.get((y, v), (0, 0))), shown.get
                    ),
                    "%",
                )
            )
        rows.append(
            EvolutionRow(
                "requests",
                "Toutes les demandes",
                pick(request_years, lambda y: sum(requests.get((y, v), (0, 0))[0] for v in _DOMAINS), shown.get),
            )
        )
        series.append(
            EvolutionSeries(
                "requests",
                "Demandes par domaine",
                request_years,
                tuple(rows),
                charted="requests",
                note=(
                    "Demandes ouvertes dans l'année ; « résolues » : closes comme résolues au plus tard le 31 décembre."
                ),
            )
        )

    post_years = tuple(y for y in years if posts.get(y))
    if post_years:
        series.append(
            EvolutionSeries(
                "posts",
                "Postes et bilans annuels",
                post_years,
                (
                    EvolutionRow("posts", "Postes de médiateurs santé", pick(post_years, lambda y: posts[y])),
                    EvolutionRow(
                        "active_mediators", "Médiateurs en poste", pick(post_years, lambda y: mediators.get(y, 0))
                    ),
                    EvolutionRow(
                        "usable_bilans", "Bilans annuels exploitables", pick(post_years, lambda y: bilans.get(y, 0))
                    ),
                ),
                charted="posts",
                note="Postes ouverts et médiateurs en poste au 31 décembre (ou aujourd'hui pour l'année en cours).",
            )
        )

    annex_years = tuple(y for y in years if bilans.get(y))
    if annex_years:
        rows = [
            EvolutionRow(
                key,
                f"{FigureKey(key).label} (moyenne par bilan)",
                pick(
                    annex_years,
                    lambda y, k=key: mean(figures.get((y, k), 0), bilans[y], MEAN_PLACES[k]),
                    annual_shown.get,
                ),
            )
            for key in MEAN_ROWS
        ]
        rows.insert(0, EvolutionRow("bilans", "Bilans annuels exploitables", pick(annex_years, bilans.get)))
        series.append(
            EvolutionSeries(
                "annex",
                "Annexe 1 — moyennes par bilan exploitable",
                annex_years,
                tuple(rows),
                charted=FigureKey.PEOPLE_TOTAL,
                note="Bilans annuels validés et exploitables de l'année, importés de l'historique compris.",
            )
        )

    if scope.protected:
        hidden = {year for year in years if not shown[year] or not annual_shown[year]}
        hidden |= {year for (year, _pk), ok in department_shown.items() if not ok}
        series = [
            dataclasses.replace(s, note=f"{s.note} {WITHHELD_NOTE}")
            if hidden & set(s.years) and any(v is None for r in s.rows if r.key != "mean_age" for v in r.values)
            else s
            for s in series
        ]
    return Evolution(years=years, series=tuple(series))


_DOMAIN_ROWS = (
    (Vocabulary.RIGHTS_REQUEST, "rights_requests", "Demandes d'accès aux droits"),
    (Vocabulary.CARE_REQUEST, "care_requests", "Demandes d'accès aux soins"),
)
_DOMAINS = tuple(vocabulary for vocabulary, _k, _l in _DOMAIN_ROWS)


def _resolved_share(counts):
    opened, resolved = counts
    return percent(resolved, opened)


def _register(scope, years, register_day):
    """({year: posts open}, {year: mediators holding one}) at each year's register day: one
    query each, with a conditional count per year."""
    posts = Post.objects.filter(department__in=scope.department_ids)
    holdings = PostHolding.objects.filter(post__department__in=scope.department_ids)
    if scope.post_type:
        posts = posts.filter(post_type=scope.post_type)
        holdings = holdings.filter(post__post_type=scope.post_type)

    def open_on(day, prefix=""):
        return Q(**{f"{prefix}start_date__lte": day}) & (
            Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gte": day})
        )

    days = {year: register_day(year) for year in years}
    open_posts = posts.aggregate(**{f"y{y}": Count("pk", filter=open_on(day)) for y, day in days.items()})
    held = holdings.aggregate(
        **{
            f"y{y}": Count("mediator", distinct=True, filter=open_on(day) & open_on(day, "post__"))
            for y, day in days.items()
        }
    )
    return ({y: open_posts[f"y{y}"] for y in years}, {y: held[f"y{y}"] for y in years})


def _usable(scope, years):
    bilans = AnnualBilan.objects.filter(
        year__in=years, department__in=scope.department_ids, usable=True, state=BilanState.VALIDATED
    )
    if scope.post_type:
        bilans = bilans.filter(post_type=scope.post_type)
    return bilans


def _annual(scope, years):
    """({year: usable bilans}, {(year, figure key): sum of the figures' values}): two queries."""
    bilans = _usable(scope, years)
    counts = dict(bilans.values("year").order_by().annotate(n=Count("pk")).values_list("year", "n"))
    figures = {
        (row["bilan__year"], row["key"]): row["total"] or 0
        for row in BilanFigure.objects.filter(bilan__in=bilans, key__in=MEAN_ROWS)
        .values("bilan__year", "key")
        .order_by()
        .annotate(total=Sum(Coalesce(F("declared"), F("computed"))))
    }
    return counts, figures


def _bilan_blocks(scope, years):
    """{year: secrecy blocks of the usable bilans over the scope's whole regions} (annual.bilan_blocks
    for every year at once, in one query)."""
    regions = Department.objects.filter(pk__in=scope.department_ids).values("region")
    region_departments = list(Department.objects.filter(region__in=regions).only("pk", "territory_id", "region_id"))
    contributors = {year: {} for year in years}
    for year, department_id, post_type, pk in AnnualBilan.objects.filter(
        year__in=years, department__region__in=regions, usable=True, state=BilanState.VALIDATED
    ).values_list("year", "department_id", "post_type", "pk"):
        contributors[year].setdefault((department_id, post_type), set()).add(pk)
    return {year: secrecy.cut(region_departments, of_year) for year, of_year in contributors.items()}
