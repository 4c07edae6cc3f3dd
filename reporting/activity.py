"""The bilan's tables read from the accompaniment sheets of a year (tables 1 to 8), and of the
year before that they are compared with: per year a grouped query over the sheets and a count
of people, and one query over both years' requests (which carry their sheet's post: no join),
whatever the number of rows. Sheets are grouped by post and mediator (no join on the large
tables) and posts added up per department.

What is counted:
- a sheet belongs to year N when it was opened in N, and to the department of its post;
- the person's sex, age, QPV residence, resources and how she came are those kept on the sheet
  when it was opened, so editing or anonymising a person never changes a past bilan;
- a request belongs to year N when it was opened in N (a person coming back on an older sheet
  is activity of the year), and counts as resolved at year end when it was closed as resolved
  on or before 31 December of N.
"""

import dataclasses
import datetime
from dataclasses import dataclass

from django.db.models import Count, Q, Sum
from django.db.models.functions import ExtractYear

from accompaniments.enums import RequestStatus
from accompaniments.models import Sheet, SheetRequest
from mediation.enums import Vocabulary
from mediation.models import Department, Post, VocabularyItem

from . import secrecy
from .tables import Cell, CountTable, MeanRow, MeanTable, RequestTable, Row, VolumeRow, VolumeTable, mean, percent

NOT_GIVEN = "Non renseigné"

# (table key, sheet field, vocabulary, title)
SITUATION_TABLES = (
    ("sex", "sex", Vocabulary.SEX, "Sexe des personnes accompagnées"),
    ("resources", "resources", Vocabulary.RESOURCES, "Ressources des personnes accompagnées"),
    ("came_via", "came_via", Vocabulary.CAME_VIA, "Comment la personne a connu le médiateur"),
)
REQUEST_TABLES = (
    ("rights_requests", Vocabulary.RIGHTS_REQUEST, "Demandes d'accès aux droits, par type"),
    ("care_requests", Vocabulary.CARE_REQUEST, "Demandes d'accès aux soins, par type"),
)
ACTIVITY_VOCABULARIES = (
    *(vocabulary for _k, _f, vocabulary, _t in SITUATION_TABLES),
    *(vocabulary for _k, vocabulary, _t in REQUEST_TABLES),
)


@dataclass(frozen=True)
class Activity:
    volume: VolumeTable
    sex: CountTable
    age: MeanTable
    qpv: CountTable
    resources: CountTable
    came_via: CountTable
    rights_requests: RequestTable
    care_requests: RequestTable
    people: int = 0

    @property
    def tables(self):
        return (
            self.volume,
            self.sex,
            self.age,
            self.qpv,
            self.resources,
            self.came_via,
            self.rights_requests,
            self.care_requests,
        )


def scope_posts(scope):
    """{post id: department id} of the posts in scope. The year's rows are then filtered and
    grouped by post, which needs no join, and posts are added up per department."""
    posts = Post.objects.filter(department__in=scope.department_ids)
    if scope.post_type:
        posts = posts.filter(post_type=scope.post_type)
    return dict(posts.values_list("pk", "department_id"))


def year_sheets(scope, post_ids):
    return Sheet.objects.filter(opened_on__gte=scope.start, opened_on__lte=scope.end, post_id__in=post_ids)


def add_up_by_department(rows, department_of, key="post_id"):
    """Sum grouped-by-post rows into one row per department."""
    totals = {}
    for row in rows:
        into = totals.setdefault(department_of[row[key]], {})
        for name, value in row.items():
            if name != key:
                into[name] = into.get(name, 0) + (value or 0)
    return totals


def load_vocabularies(*vocabularies):
    """Every item of these lists, retired ones included (a retired value stays on old sheets)."""
    items = {v: [] for v in vocabularies}
    for item in VocabularyItem.objects.filter(vocabulary__in=vocabularies).order_by("vocabulary", "order", "pk"):
        items[item.vocabulary].append(item)
    return items


def _columns(items, field, every):
    """Active values always; a retired value only where it was used; "Non renseigné" if any."""
    shown = [i for i in items if i.is_active or _used(every, f"{field}_{i.pk}")]
    labels = [i.label for i in shown]
    keys = [i.pk for i in shown]
    if _used(every, f"{field}_none"):
        labels.append(NOT_GIVEN)
        keys.append(None)
    return labels, keys


@dataclass(frozen=True)
class ActivityCounts:
    """The raw grouped counts of one year, before they are laid out as tables."""

    by_department: dict  # {department id: {aggregate name: value}}
    all_mediators: int
    people: int
    request_counts: dict  # {(department id, request type id): (opened, resolved at year end)}
    mediator_ids: dict = dataclasses.field(default_factory=dict)  # {department id: frozenset}


def count_activity(scope, vocabularies):
    """The counts of the scope's year."""
    return count_years(scope, (scope.year,), vocabularies)[scope.year]


def count_years(scope, years, vocabularies):
    """{year: ActivityCounts} for the scope's territory and each of `years`, in a fixed number
    of queries whatever the volume: per year, one grouped pass over its sheets and one count of
    its people; for all the years at once, one pass over their requests."""
    aggregates = {
        "n": Count("pk"),
        "age_sum": Sum("age"),
        "age_n": Count("age"),
        "qpv_yes": Count("pk", filter=Q(lives_in_qpv=True)),
        "qpv_no": Count("pk", filter=Q(lives_in_qpv=False)),
        "qpv_none": Count("pk", filter=Q(lives_in_qpv__isnull=True)),
    }
    for _key, field, vocabulary, _title in SITUATION_TABLES:
        for item in vocabularies[vocabulary]:
            aggregates[f"{field}_{item.pk}"] = Count("pk", filter=Q(**{f"{field}_id": item.pk}))
        aggregates[f"{field}_none"] = Count("pk", filter=Q(**{f"{field}__isnull": True}))
    department_of = scope_posts(scope)
    post_ids = list(department_of)
    counted = {}
    for year in years:
        sheets = year_sheets(scope.with_year(year), post_ids)
        # Grouped by post and mediator (a few hundred rows): posts add up per department, and
        # the mediators who logged sheets are counted per department and over the scope (one
        # may log in two departments).
        rows = list(sheets.values("post_id", "mediator_id").order_by().annotate(**aggregates))
        mediators = {}
        for row in rows:
            mediators.setdefault(department_of[row["post_id"]], set()).add(row.pop("mediator_id"))
        by_department = add_up_by_department(rows, department_of)
        for department_id, ids in mediators.items():
            by_department[department_id]["mediators"] = len(ids)
        counted[year] = {
            "by_department": by_department,
            "all_mediators": len(set().union(*mediators.values())),
            # People with a sheet of the year (measured at a million sheets: COUNT(DISTINCT) over
            # the year's sheets takes three quarters of the time of a semi-join from the people).
            "people": sheets.aggregate(people=Count("beneficiary_id", distinct=True))["people"],
            "request_counts": {},
            "mediator_ids": {department_id: frozenset(ids) for department_id, ids in mediators.items()},
        }

    # The requests opened in the years, grouped by post and type, counted per year: a request
    # counts as resolved at the end of its year when closed as resolved by 31 December.
    per_year = {}
    for year in years:
        opened = Q(opened_on__year=year)
        # Counted on a column of the index (not the id): the table itself is not visited.
        per_year[f"n_{year}"] = Count("kind", filter=opened)
        per_year[f"resolved_{year}"] = Count(
            "kind", filter=opened & Q(status=RequestStatus.RESOLVED, closed_on__lte=datetime.date(year, 12, 31))
        )
    # The post is stored on the request: an index-only scan of (post, opened_on) serves this
    # query on PostgreSQL, whatever the number of sheets of other years.
    requests = SheetRequest.objects.filter(
        opened_on__gte=datetime.date(min(years), 1, 1),
        opened_on__lte=datetime.date(max(years), 12, 31),
        post_id__in=post_ids,
    )
    for row in requests.values("post_id", "kind").order_by().annotate(**per_year):
        key = (department_of[row["post_id"]], row["kind"])
        for year in years:
            counts = counted[year]["request_counts"]
            n, resolved = counts.get(key, (0, 0))
            counts[key] = (n + row[f"n_{year}"], resolved + row[f"resolved_{year}"])
    return {year: ActivityCounts(**values) for year, values in counted.items()}


def sheet_blocks(scope, years):
    """{year: secrecy blocks of the sheet tables} over the scope's whole regions, each year cut
    from its own contributors only (the mediators with a sheet opened in it or a request opened
    in it, on a sheet of any year), so that a year's figures are grouped alike on every page
    that shows them. Two queries whatever the volume and the number of years."""
    regions = Department.objects.filter(pk__in=scope.department_ids).values("region")
    departments = list(Department.objects.filter(region__in=regions).only("pk", "territory_id", "region_id"))
    contributors = {year: {} for year in years}
    start, end = datetime.date(min(years), 1, 1), datetime.date(max(years), 12, 31)
    sources = (
        Sheet.objects.filter(opened_on__gte=start, opened_on__lte=end, post__department__region__in=regions)
        .annotate(year=ExtractYear("opened_on"))
        .values_list("post__department_id", "post__post_type", "mediator_id", "year"),
        SheetRequest.objects.filter(opened_on__gte=start, opened_on__lte=end, post__department__region__in=regions)
        .annotate(year=ExtractYear("opened_on"))
        .values_list("post__department_id", "post__post_type", "sheet__mediator_id", "year"),
    )
    for rows in sources:
        for department_id, post_type, mediator_id, year in rows.order_by().distinct():
            if year in contributors:
                contributors[year].setdefault((department_id, post_type), set()).add(mediator_id)
    return {year: secrecy.cut(departments, of_year) for year, of_year in contributors.items()}


def compute_activity(scope, departments=None, vocabularies=None):
    """The sheet tables of one year."""
    departments = departments or list(Department.objects.filter(pk__in=scope.department_ids).order_by("code"))
    vocabularies = vocabularies or load_vocabularies(*ACTIVITY_VOCABULARIES)
    return build_activity(count_activity(scope, vocabularies), departments, vocabularies)


def build_activity(counts, departments, vocabularies, shown_with=()):
    """Lay the counts out as tables. A column appears when its value is active or was used in
    these counts or in any of `shown_with` (the other year compared), so that two years built
    with each other's counts have the same columns."""
    every = (counts, *shown_with)
    rows_of = [(dep, counts.by_department.get(dep.pk, {})) for dep in departments]
    situation = {
        key: _situation_table(key, field, vocabularies[vocabulary], title, rows_of, every)
        for key, field, vocabulary, title in SITUATION_TABLES
    }
    requests = {
        key: _requests(key, title, vocabularies[vocabulary], departments, counts.request_counts, every)
        for key, vocabulary, title in REQUEST_TABLES
    }
    return Activity(
        volume=_volume(rows_of, counts.all_mediators),
        age=_age(rows_of),
        qpv=_qpv(rows_of, every),
        people=counts.people,
        **situation,
        **requests,
    )


def _used(every, name):
    """Whether aggregate `name` is above zero in any department of any of the counts."""
    return any(row.get(name) for counts in every for row in counts.by_department.values())


def _volume(rows_of, all_mediators):
    total_sheets = sum(row.get("n", 0) for _dep, row in rows_of)
    rows = tuple(
        VolumeRow(
            label=f"{dep.name} ({row.get('mediators', 0)})",
            sheets=row.get("n", 0),
            mediators=row.get("mediators", 0),
            percent=percent(row.get("n", 0), total_sheets),
        )
        for dep, row in rows_of
    )
    return VolumeTable(
        key="volume",
        title="Fiches d'accompagnement et médiateurs les ayant saisies",
        rows=rows,
        total=VolumeRow(
            label=f"Total ({all_mediators})",
            sheets=total_sheets,
            mediators=all_mediators,
            percent=100 if total_sheets else None,
        ),
        note="Entre parenthèses : le nombre de médiateurs ayant saisi au moins une fiche.",
    )


def _situation_table(key, field, items, title, rows_of, every):
    labels, keys = _columns(items, field, every)

    def counts(row):
        return [row.get(f"{field}_{k}" if k is not None else f"{field}_none", 0) for k in keys]

    rows = tuple(Row.of_counts(dep.name, counts(row)) for dep, row in rows_of)
    total = Row.of_counts("Total", [sum(r.cells[i].count for r in rows) for i in range(len(keys))])
    return CountTable(key=key, title=title, columns=tuple(labels), rows=rows, total=total)


def _qpv(rows_of, every):
    fields = ["qpv_yes", "qpv_no"]
    labels = ["Oui", "Non"]
    if _used(every, "qpv_none"):
        fields.append("qpv_none")
        labels.append(NOT_GIVEN)
    rows = tuple(Row.of_counts(dep.name, [row.get(f, 0) for f in fields]) for dep, row in rows_of)
    total = Row.of_counts("Total", [sum(r.cells[i].count for r in rows) for i in range(len(fields))])
    return CountTable(
        key="qpv", title="Habite en quartier prioritaire (QPV)", columns=tuple(labels), rows=rows, total=total
    )


def _age(rows_of):
    rows = tuple(
        MeanRow(dep.name, mean(row.get("age_sum") or 0, row.get("age_n", 0)), row.get("age_n", 0))
        for dep, row in rows_of
    )
    age_sum = sum(row.get("age_sum") or 0 for _d, row in rows_of)
    age_n = sum(row.get("age_n", 0) for _d, row in rows_of)
    return MeanTable(
        key="age",
        title="Âge moyen des personnes accompagnées",
        unit="ans",
        rows=rows,
        total=MeanRow("Total", mean(age_sum, age_n), age_n),
        note="Âge à l'ouverture de la fiche ; moyenne sur les fiches où il est connu.",
    )


def _requests(key, title, items, departments, request_counts, every):
    used = {kind for counts in every for (_dep, kind), (n, _r) in counts.request_counts.items() if n}
    shown = [i for i in items if i.is_active or i.pk in used]
    rows = tuple(
        Row.of_counts(dep.name, [request_counts.get((dep.pk, i.pk), (0, 0))[0] for i in shown]) for dep in departments
    )
    totals = [sum(r.cells[c].count for r in rows) for c in range(len(shown))]
    resolved = [sum(request_counts.get((dep.pk, i.pk), (0, 0))[1] for dep in departments) for i in shown]
    total = Row.of_counts("Total", totals)
    resolved_row = Row(
        label="dont résolues en fin d'année",
        cells=tuple(Cell(count, percent(count, whole)) for count, whole in zip(resolved, totals, strict=True)),
        total=sum(resolved),
    )
    return RequestTable(
        key=key,
        title=title,
        columns=tuple(i.label for i in shown),
        rows=rows,
        total=total,
        resolved=resolved_row,
        note="Demandes ouvertes dans l'année ; « résolues » : closes comme résolues au plus tard le 31 décembre.",
    )
