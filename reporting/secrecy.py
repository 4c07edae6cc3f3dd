"""Statistical secrecy of the published figures: no figure may describe fewer than three
mediators, nor let one be recomputed from the others.

The atoms of a region are its (department, post type) pairs, each with its contributors in a
year: the mediators whose sheets or requests of the year make a figure, or the year's annual
bilans (one per post) for Annexe 1. Each year's atoms are cut once per region, from that
year's contributors only, into blocks that each have no contributor or at least
MIN_CONTRIBUTORS:

1. a department keeps one block per post type when each type is safe, or else is one block;
2. the departments still too small in a territoire are one block, or else the whole territoire;
3. the territoires still too small are one block, or else the whole region (which, if still too
   small, publishes nothing).

A figure of a year is published only if it covers whole blocks of that year. Every figure of
the year a user can open (any scope of the region, any post type, the columns and totals of
one page, the year's own page or the "year before" column of the next year's page) is then a
sum of whole blocks of that year, and no sum or difference of them isolates less than a block:
a masked figure cannot be recomputed, on a page or across pages. The cut is the same whatever
page is asked for, since it depends on the region's figures of the year only. A page of year N
lays its rows out on the blocks of N; a row shows its figures of N−1 only where it also covers
whole blocks of N−1."""

import dataclasses
from dataclasses import dataclass

from mediation.enums import PostType

MIN_CONTRIBUTORS = 3
POST_TYPES = tuple(PostType.values)


def _size(atoms, contributors):
    """The number of distinct contributors of `atoms`."""
    return len(set().union(*(contributors.get(a, ()) for a in atoms)))


def _safe(size):
    return size == 0 or size >= MIN_CONTRIBUTORS


@dataclass(frozen=True)
class Blocks:
    """The blocks of the atoms of the regions of a scope."""

    block_of: dict  # {atom: block index}, atoms with contributors only
    atoms_of: tuple  # block index -> frozenset of its atoms with contributors
    small: frozenset  # blocks still too small: a region too small to publish anything

    def publishable(self, atoms):
        """Whether a figure over `atoms` covers whole blocks, none of them too small."""
        atoms = {a for a in atoms if a in self.block_of}
        for index in {self.block_of[a] for a in atoms}:
            if index in self.small or not self.atoms_of[index] <= atoms:
                return False
        return True


def atoms(department_ids, post_type=""):
    """The atoms of a figure over these departments and one post type (or all)."""
    types = (post_type,) if post_type else POST_TYPES
    return {(d, t) for d in department_ids for t in types}


def cut(departments, contributors):
    """Blocks of the atoms of `departments` (every department of the regions concerned, with
    `territory_id` and `region_id`), `contributors` mapping an atom to the set of its
    contributor ids in one year."""
    blocks = []

    def size(group):
        return _size(group, contributors)

    by_region = {}
    for dep in departments:
        by_region.setdefault(dep.region_id, {}).setdefault(dep.territory_id, []).append(dep)
    for territories in by_region.values():
        region_blocks, region_pending = [], set()
        for members in territories.values():
            territory_blocks, pending = [], set()
            for dep in members:
                own = [atoms((dep.pk,), t) for t in POST_TYPES]
                if all(_safe(size(a)) for a in own):
                    territory_blocks += own
                elif _safe(size(atoms((dep.pk,)))):
                    territory_blocks.append(atoms((dep.pk,)))
                else:
                    pending |= atoms((dep.pk,))
            if pending and not _safe(size(pending)):
                # The small departments together are still too small: the whole territoire.
                pending = atoms([d.pk for d in members])
                territory_blocks = []
            if pending and not _safe(size(pending)):
                region_pending |= pending
            else:
                region_blocks += territory_blocks + ([pending] if pending else [])
        if region_pending and not _safe(size(region_pending)):
            region_pending = atoms([d.pk for members in territories.values() for d in members])
            region_blocks = []
        if region_pending:
            region_blocks.append(region_pending)
        blocks += region_blocks

    block_of, atoms_of, small = {}, [], set()
    for block in blocks:
        index = len(atoms_of)
        counted = frozenset(a for a in block if size((a,)))
        atoms_of.append(counted)
        block_of.update(dict.fromkeys(counted, index))
        if not _safe(size(block)):
            small.add(index)
    return Blocks(block_of=block_of, atoms_of=tuple(atoms_of), small=frozenset(small))


@dataclass(frozen=True)
class Unit:
    """A row of a protected table: a department, or departments shown together."""

    pk: object
    name: str
    department_ids: tuple


OTHERS = "autres"


def row_units(departments, blocks, post_type=""):
    """The rows of a table for readers: each department whose figures may be published; else
    its territoire as one row; the rest as one row. None when even the total may not be."""
    if not blocks.publishable(atoms([d.pk for d in departments], post_type)):
        return None
    units, leftover = [], []
    by_territory = {}
    for dep in departments:
        by_territory.setdefault(dep.territory_id, []).append(dep)
    for members in by_territory.values():
        ids = tuple(d.pk for d in members)
        if all(blocks.publishable(atoms((pk,), post_type)) for pk in ids):
            units += [Unit(d.pk, d.name, (d.pk,)) for d in members]
        elif len(members) > 1 and blocks.publishable(atoms(ids, post_type)):
            territory = members[0].territory
            units.append(Unit(f"territoire:{territory.code}", f"Territoire {territory.name}", ids))
        else:
            leftover += members
    if leftover:
        # The total and the other rows cover whole blocks: so does their difference.
        units.append(Unit(OTHERS, "Autres départements regroupés", tuple(d.pk for d in leftover)))
    return units


def rows_shown(units, blocks, post_type=""):
    """Which rows laid out on another year's blocks may show their figures of the year cut into
    `blocks`: those covering whole blocks of it. None when their total may not be shown."""
    if not blocks.publishable(atoms([pk for unit in units for pk in unit.department_ids], post_type)):
        return None
    return tuple(blocks.publishable(atoms(unit.department_ids, post_type)) for unit in units)


def withhold_rows(activity, units, shown):
    """The sheet tables (activity.Activity) with the figures of each row not `shown` withheld:
    None in every cell, the row named without its number of mediators. Totals are kept."""
    tables = {}
    for table in activity.tables:
        rows = tuple(
            row if keep else _withheld(row, unit.name) for row, unit, keep in zip(table.rows, units, shown, strict=True)
        )
        tables[table.key] = dataclasses.replace(table, rows=rows)
    return dataclasses.replace(activity, **tables)


def _withheld(row, label):
    values = {}
    for field in dataclasses.fields(row):
        if field.name == "cells":
            values["cells"] = tuple(dataclasses.replace(cell, count=None, percent=None) for cell in row.cells)
        elif field.name != "label":
            values[field.name] = None
    return dataclasses.replace(row, label=label, **values)


def merged_counts(counts, units):
    """Grouped counts (activity.ActivityCounts) added up per unit instead of per department;
    nothing at all without units (the tables are withheld)."""
    if not units:
        return dataclasses.replace(
            counts, by_department={}, request_counts={}, mediator_ids={}, people=0, all_mediators=0
        )
    unit_of = {pk: unit.pk for unit in units for pk in unit.department_ids}
    by_unit = {}
    for department_id, row in counts.by_department.items():
        into = by_unit.setdefault(unit_of[department_id], {})
        for name, value in row.items():
            if name != "mediators":
                into[name] = into.get(name, 0) + (value or 0)
    mediator_ids = {
        unit.pk: frozenset().union(*(counts.mediator_ids.get(pk, ()) for pk in unit.department_ids)) for unit in units
    }
    for key, row in by_unit.items():
        row["mediators"] = len(mediator_ids[key])
    requests = {}
    for (department_id, kind), (n, resolved) in counts.request_counts.items():
        key = (unit_of[department_id], kind)
        before_n, before_resolved = requests.get(key, (0, 0))
        requests[key] = (before_n + n, before_resolved + resolved)
    return dataclasses.replace(counts, by_department=by_unit, request_counts=requests, mediator_ids=mediator_ids)


def merge_notices(units, departments):
    """What the page says about the rows it groups."""
    notices = []
    for unit in units:
        if len(unit.department_ids) > 1 or unit.pk == OTHERS:
            names = [d.name for d in departments if d.pk in unit.department_ids]
            notices.append(
                f"{_listed(names)} : chiffres présentés ensemble (« {unit.name} »), car un département ou un type "
                f"de poste y compte moins de {MIN_CONTRIBUTORS} médiateurs, ou permettrait de les retrouver par "
                "différence."
            )
    return notices


def _listed(names):
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " et " + names[-1]


WITHHELD_NOTICE = (
    f"Les tableaux des fiches d'accompagnement ne sont pas diffusés pour ce choix : ils décriraient moins de "
    f"{MIN_CONTRIBUTORS} médiateurs, ou permettraient de retrouver par différence les chiffres de moins de "
    f"{MIN_CONTRIBUTORS} médiateurs. Choisissez un territoire plus large ou tous les types de poste."
)


def previous_withheld_notice(year):
    return (
        f"Les chiffres de {year} des tableaux des fiches ne sont pas diffusés pour ce choix : ils sont regroupés "
        f"comme dans le bilan {year}, et ce choix n'y couvre pas un groupe entier (il décrirait moins de "
        f"{MIN_CONTRIBUTORS} médiateurs, ou permettrait de les retrouver par différence). Consultez le bilan {year} "
        "ou un territoire plus large."
    )


def previous_rows_note(year):
    return (
        f"« — » en {year} : chiffre non diffusé (secret statistique). Les chiffres de {year} sont regroupés comme "
        f"dans le bilan {year} ; cette ligne n'y couvre pas un groupe entier : elle décrirait moins de "
        f"{MIN_CONTRIBUTORS} médiateurs, ou permettrait de les retrouver par différence."
    )


ANNUAL_WITHHELD_NOTICE = (
    f"Les listes de réponses et les réponses aux questions ouvertes des bilans annuels ne sont pas diffusées "
    f"pour ce choix : elles décriraient moins de {MIN_CONTRIBUTORS} médiateurs."
)


# ---------------------------------------------------------------- the public edition's cells

# INSEE's practice for data on persons: a published count describes at least this many people.
PUBLIC_MIN_PERSONS_DEFAULT = 11


def public_min_persons():
    from django.conf import settings

    return getattr(settings, "PUBLIC_MIN_PERSONS", PUBLIC_MIN_PERSONS_DEFAULT)


def _reduced(equations, unknowns):
    """The reduced row echelon form (exact fractions) of `equations` over `unknowns`:
    [(pivot, {cell: coefficient})]."""
    from fractions import Fraction

    rows = [{c: Fraction(k) for c, k in eq.items() if c in unknowns and k} for eq in equations]
    rows = [row for row in rows if row]
    pivots = []
    for column in sorted(unknowns, key=repr):
        found = next((row for row in rows if row.get(column)), None)
        if found is None:
            continue
        rows.remove(found)
        scale = found[column]
        found = {c: k / scale for c, k in found.items()}
        for other in [*rows, *(row for _p, row in pivots)]:
            factor = other.get(column)
            if factor:
                for c, k in found.items():
                    other[c] = other.get(c, 0) - factor * k
                    if not other[c]:
                        del other[c]
        rows = [row for row in rows if row]
        pivots.append((column, found))
    return pivots


def recoverable(masked, sums):
    """The masked cells that sums and differences of the published cells give back exactly:
    those whose unit vector lies in the span of the published equations over the masked cells."""
    equations = [{total: 1, **{p: -1 for p in parts}} for total, parts in sums]
    return {pivot for pivot, row in _reduced(equations, set(masked)) if len(row) == 1}


CANDIDATES_TRIED = 8  # per added mask: bounds the work on large tables


def suppress(values, sums, minimum):
    """The cells to mask so that no count between 1 and `minimum` − 1 is published nor can be
    recomputed: `values` maps each published cell to its count, `sums` lists (total cell, part
    cells) for every total of every scope published together (rows, columns, grand totals, a
    region and its territories and departments). Primary cells are the small counts; each cell
    still recoverable gets a partner in one of its sums, the smallest count published there,
    until none is."""
    masked = {cell for cell, value in values.items() if 0 < value < minimum}

    def partners(cells):
        return {
            other
            for total, parts in sums
            if cells & {total, *parts}
            for other in (total, *parts)
            if other not in masked and values.get(other)
        }

    while found := recoverable(masked, sums):
        # A partner in one of its own sums; else (its sums all masked, the cell given back through
        # farther totals) the smallest count published beside any masked cell.
        candidates = next((c for cell in sorted(found, key=repr) if (c := partners({cell}))), None)
        candidates = candidates or partners(masked)
        if not candidates:
            break
        ordered = sorted(candidates, key=lambda c: (values.get(c, 0), repr(c)))
        # The smallest count whose masking protects most of what is still recoverable.
        masked.add(min(ordered[:CANDIDATES_TRIED], key=lambda c: len(recoverable(masked | {c}, sums))))
    return frozenset(masked)
