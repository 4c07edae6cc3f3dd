"""The geography of France from the official geographic code (COG), as shipped in cog.json.gz.

`load(regions)` loads or updates regions, departments, current communes (name, department,
population, postal codes) and the former codes of merged communes, in bulk: a few queries per
kind whatever the number of rows, so all of France loads in seconds. Running it again changes
nothing. It works with the current models or with a migration's historical ones (`models=`):
the data migration 0012 loads Hauts-de-France with it.

What an administrator set is kept: a region's territories are never renamed nor moved, a known
department keeps its territory; a region without any territory gets one named after the region,
which the administrator may rename or split in the admin. A commune gone from the file (merged)
is deleted only when nothing refers to it; otherwise it is kept and reported.
"""

import gzip
import json
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils.text import slugify

COG_FILE = Path(__file__).resolve().parent / "cog.json.gz"
BATCH_SIZE = 2000
CHUNK = 5000  # values in one `IN (…)`


def read(path=COG_FILE):
    """The compact COG file as a dict (source, rebuild, regions, departments, communes, former_codes)."""
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return json.load(fh)


def source(path=COG_FILE):
    return read(path)["source"]


class UnknownRegion(ValueError):
    pass


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    deleted: int = 0

    def __str__(self):
        return f"{self.created} créé(s), {self.updated} mis à jour, {self.deleted} supprimé(s)"


@dataclass
class Report:
    source: str = ""
    regions: Counts = field(default_factory=Counts)
    territories: Counts = field(default_factory=Counts)
    departments: Counts = field(default_factory=Counts)
    communes: Counts = field(default_factory=Counts)
    former_codes: Counts = field(default_factory=Counts)
    kept: list = field(default_factory=list)  # (insee code, name) of communes gone from the COG but referred to

    @property
    def changed(self):
        kinds = (self.regions, self.territories, self.departments, self.communes, self.former_codes)
        return any(c.created or c.updated or c.deleted for c in kinds)

    def lines(self):
        """What the load did, in French."""
        lines = [
            f"Source : {self.source}",
            f"Régions : {self.regions}",
            f"Territoires : {self.territories.created} créé(s) (un par région qui n'en avait aucun)",
            f"Départements : {self.departments}",
            f"Communes : {self.communes}",
            f"Anciens codes de communes fusionnées : {self.former_codes}",
        ]
        if self.kept:
            listed = ", ".join(f"{name} ({code})" for code, name in self.kept[:20])
            more = f" et {len(self.kept) - 20} autre(s)" if len(self.kept) > 20 else ""
            lines.append(
                f"{len(self.kept)} commune(s) absente(s) du COG gardée(s) car des structures, postes, "
                f"personnes ou orientations y renvoient : {listed}{more}."
            )
        return lines


def _chunks(items):
    items = sorted(items)
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _by_code(model, field_name, codes):
    found = {}
    for chunk in _chunks(codes):
        for instance in model.objects.filter(**{f"{field_name}__in": chunk}):
            found[getattr(instance, field_name)] = instance
    return found


def _models(apps=None):
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    return {name: apps.get_model("mediation", name) for name in ("Region", "Territory", "Department", "Commune")} | {
        "FormerCommuneCode": apps.get_model("mediation", "FormerCommuneCode")
    }


def _save(model, new, changed, fields, counts):
    model.objects.bulk_create(new, batch_size=BATCH_SIZE)
    if changed:
        model.objects.bulk_update(changed, fields, batch_size=BATCH_SIZE)
    counts.created += len(new)
    counts.updated += len(changed)


def _referenced(commune_model, pks):
    """The pks among `pks` that some row refers to, one query per relation: every foreign key to
    a commune, hidden ones (related_name="+") and many-to-many tables included."""
    used = set()
    if not pks:
        return used
    for relation in commune_model._meta.get_fields(include_hidden=True):
        if not (relation.auto_created and not relation.concrete and (relation.one_to_many or relation.one_to_one)):
            continue
        if relation.related_model._meta.model_name == "formercommunecode":
            continue  # follows its commune (CASCADE)
        name = relation.field.name
        for chunk in _chunks(pks):
            rows = relation.related_model._base_manager.filter(**{f"{name}__in": chunk})
            used.update(rows.values_list(relation.field.attname, flat=True).distinct())
    return used


@transaction.atomic
def load(regions=None, *, apps=None, path=COG_FILE):
    """Load or update the regions whose INSEE codes are given (None: all of France).

    Returns a Report. Raises UnknownRegion for a code the file does not have.
    """
    data = read(path)
    m = _models(apps)
    Region, Territory, Department = m["Region"], m["Territory"], m["Department"]
    Commune, FormerCommuneCode = m["Commune"], m["FormerCommuneCode"]
    report = Report(source=data["source"])

    known_regions = {code: name for code, name in data["regions"]}
    wanted = set(known_regions) if regions is None else {str(code).strip() for code in regions}
    unknown = sorted(wanted - set(known_regions))
    if unknown:
        raise UnknownRegion(
            f"Région inconnue du COG : {', '.join(unknown)}. Codes possibles : "
            + ", ".join(f"{code} {name}" for code, name in sorted(known_regions.items()))
        )

    # Regions
    stored = {r.code: r for r in Region.objects.filter(code__in=wanted)}
    new, changed = [], []
    for code in sorted(wanted):
        region = stored.get(code)
        if region is None:
            stored[code] = region = Region(code=code, name=known_regions[code])
            new.append(region)
        elif region.name != known_regions[code]:
            region.name = known_regions[code]
            changed.append(region)
    _save(Region, new, changed, ["name"], report.regions)
    regions_by_code = {r.code: r for r in Region.objects.filter(code__in=wanted)}

    # Territories: one per region that has none, named after it
    first_territory = {}
    for territory in Territory.objects.filter(region__in=regions_by_code.values()).order_by("order", "name", "pk"):
        first_territory.setdefault(territory.region_id, territory)
    new = [
        Territory(region=region, code=slugify(region.name)[:40] or region.code, name=region.name, order=1)
        for region in regions_by_code.values()
        if region.pk not in first_territory
    ]
    _save(Territory, new, [], [], report.territories)
    if new:
        for territory in Territory.objects.filter(region__in=regions_by_code.values()).order_by("order", "name", "pk"):
            first_territory.setdefault(territory.region_id, territory)

    # Departments: a known department keeps its territory (an administrator's choice)
    departments = {code: (name, region) for code, name, region in data["departments"] if region in wanted}
    stored = {d.code: d for d in Department.objects.filter(code__in=departments)}
    new, changed = [], []
    for code, (name, region_code) in sorted(departments.items()):
        region = regions_by_code[region_code]
        department = stored.get(code)
        if department is None:
            new.append(Department(code=code, name=name, region=region, territory=first_territory[region.pk]))
            continue
        dirty = False
        if department.name != name:
            department.name, dirty = name, True
        if department.region_id != region.pk:
            department.region, dirty = region, True
            department.territory = first_territory[region.pk]
        if dirty:
            changed.append(department)
    _save(Department, new, changed, ["name", "region", "territory"], report.departments)
    departments_by_code = {d.code: d for d in Department.objects.filter(code__in=departments)}

    # Communes
    communes = {row[0]: row for row in data["communes"] if row[3] in wanted}
    stored = _by_code(Commune, "insee_code", communes)
    new, changed = [], []
    for code, (_code, name, dept, _region, population, postal_codes) in communes.items():
        department = departments_by_code[dept]
        postal_codes = postal_codes.split() if postal_codes else []
        commune = stored.get(code)
        if commune is None:
            new.append(
                Commune(
                    insee_code=code,
                    name=name,
                    department=department,
                    population=population,
                    postal_codes=postal_codes,
                )
            )
            continue
        if (commune.name, commune.department_id, commune.population, list(commune.postal_codes or [])) != (
            name,
            department.pk,
            population,
            postal_codes,
        ):
            commune.name, commune.department = name, department
            commune.population, commune.postal_codes = population, postal_codes
            changed.append(commune)
    _save(Commune, new, changed, ["name", "department", "population", "postal_codes"], report.communes)

    # Communes gone from the COG in these departments: deleted when nothing refers to them
    gone = {
        c.pk: c
        for c in Commune.objects.filter(department__in=departments_by_code.values()).exclude(
            insee_code__in=list(communes)
        )
    }
    used = _referenced(Commune, list(gone))
    removable = [pk for pk in gone if pk not in used]
    if removable:
        FormerCommuneCode.objects.filter(commune_id__in=removable).delete()
        report.communes.deleted = Commune.objects.filter(pk__in=removable).delete()[1].get(Commune._meta.label, 0)
    report.kept = sorted((gone[pk].insee_code, gone[pk].name) for pk in used)

    # Former codes of merged communes
    current = {c.insee_code: c for c in _by_code(Commune, "insee_code", communes).values()}
    former = {old: (name, current[target]) for old, target, name in data["former_codes"] if target in current}
    stored = {f.code: f for f in FormerCommuneCode.objects.filter(commune__department__in=departments_by_code.values())}
    stored |= _by_code(FormerCommuneCode, "code", former)
    new, changed = [], []
    for code, (name, commune) in former.items():
        found = stored.get(code)
        if found is None:
            new.append(FormerCommuneCode(code=code, name=name, commune=commune))
        elif (found.name, found.commune_id) != (name, commune.pk):
            found.name, found.commune = name, commune
            changed.append(found)
    _save(FormerCommuneCode, new, changed, ["name", "commune"], report.former_codes)
    obsolete = [f.pk for code, f in stored.items() if code not in former]
    if obsolete:
        report.former_codes.deleted = FormerCommuneCode.objects.filter(pk__in=obsolete).delete()[0]
    return report
