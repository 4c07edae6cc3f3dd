"""What a bilan covers: a year, a territory (region, territoire or department) and optionally
one post type. A user may only ask for territories within her own scope."""

import dataclasses
import datetime
from dataclasses import dataclass

from mediation.enums import PostType
from mediation.models import Department, Region, Territory

REGION, TERRITORY, DEPARTMENT = "region", "territoire", "departement"


@dataclass(frozen=True)
class Scope:
    year: int
    kind: str
    code: str
    label: str
    department_ids: tuple
    post_type: str = ""
    # For institutional readers: no figure describing fewer than three mediators (secrecy.py).
    protected: bool = False

    @property
    def start(self):
        return datetime.date(self.year, 1, 1)

    @property
    def end(self):
        return datetime.date(self.year, 12, 31)

    @property
    def post_type_label(self):
        return PostType(self.post_type).label if self.post_type else "Tous les postes"

    @property
    def key(self):
        """The selector value of this territory, e.g. "departement:59"."""
        return f"{self.kind}:{self.code}"

    def with_year(self, year):
        return dataclasses.replace(self, year=year)


@dataclass(frozen=True)
class ScopeChoice:
    key: str
    label: str
    kind: str
    code: str
    department_ids: tuple


def scope_choices(departments):
    """The territories fully inside `departments` (a query set): regions, territoires, departments."""
    rows = list(departments.select_related("region", "territory").order_by("region__name", "territory__order", "code"))
    allowed = {d.pk for d in rows}
    choices = []
    region_ids = {d.region_id for d in rows}
    territory_ids = {d.territory_id for d in rows}
    all_by_region = {}
    all_by_territory = {}
    for dep in Department.objects.filter(region__in=region_ids).values("pk", "region_id", "territory_id"):
        all_by_region.setdefault(dep["region_id"], set()).add(dep["pk"])
        all_by_territory.setdefault(dep["territory_id"], set()).add(dep["pk"])
    for region in Region.objects.filter(pk__in=region_ids).order_by("name"):
        members = all_by_region.get(region.pk, set())
        if members and members <= allowed:
            choices.append(
                ScopeChoice(f"{REGION}:{region.code}", region.name, REGION, region.code, tuple(sorted(members)))
            )
    for territory in Territory.objects.filter(pk__in=territory_ids).order_by("region__name", "order"):
        members = all_by_territory.get(territory.pk, set())
        # A territoire of a single department is that department: list it once.
        if len(members) > 1 and members <= allowed:
            choices.append(
                ScopeChoice(
                    f"{TERRITORY}:{territory.code}",
                    f"Territoire {territory.name}",
                    TERRITORY,
                    territory.code,
                    tuple(sorted(members)),
                )
            )
    for dep in rows:
        choices.append(
            ScopeChoice(f"{DEPARTMENT}:{dep.code}", f"{dep.name} ({dep.code})", DEPARTMENT, dep.code, (dep.pk,))
        )
    return choices


def resolve_scope(departments, *, year, key="", post_type="", protected=False):
    """The Scope for selector values, limited to what `departments` allows; the widest
    territory allowed when `key` is empty or not allowed. None if nothing is allowed."""
    choices = scope_choices(departments)
    if not choices:
        return None
    chosen = next((c for c in choices if c.key == key), choices[0])
    if post_type not in PostType.values:
        post_type = ""
    return Scope(year, chosen.kind, chosen.code, chosen.label, chosen.department_ids, post_type, protected)
