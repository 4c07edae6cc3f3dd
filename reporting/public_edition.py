"""The public edition of a sheet table, for publication beyond the ARS: built on the readers'
edition (whose rows already cover at least three mediators, secrecy.py), every count of fewer
than PUBLIC_MIN_PERSONS persons is masked, with the counts that would give it back by sums and
differences (row, column and grand totals, and the territories published with the region) —
one suppression engine, secrecy.suppress. A masked count is None, and so is its percentage (a
percentage and the row's total give back the count); when a row's total is masked, so are all
its percentages."""

import dataclasses
from dataclasses import dataclass

from . import secrecy
from .tables import Row, percent

TOTAL = "total"


def _row_cells(name, row):
    return {(name, j): cell.count or 0 for j, cell in enumerate(row.cells)} | {(name, TOTAL): row.total or 0}


def table_sums(table, groups=()):
    """(values, sums) of a count table: each row adds up to its total, each column to the total
    row, and each group of rows (a territory published with the region) to its own row of totals
    ("group", index)."""
    values, sums = {}, []
    columns = [*range(len(table.total.cells)), TOTAL]
    named = [(("row", i), row) for i, row in enumerate(table.rows)] + [(("total",), table.total)]
    for name, row in named:
        values |= _row_cells(name, row)
        sums.append(((name, TOTAL), tuple((name, j) for j in range(len(row.cells)))))
    for j in columns:
        sums.append(((("total",), j), tuple((("row", i), j) for i in range(len(table.rows)))))
    for g, members in enumerate(groups):
        name = ("group", g)
        for j in columns:
            values[(name, j)] = sum(values[(("row", i), j)] for i in members)
            sums.append(((name, j), tuple((("row", i), j) for i in members)))
        sums.append(((name, TOTAL), tuple((name, j) for j in range(len(table.total.cells)))))
    return values, sums


def _masked_row(row, name, masked):
    hidden = {j for (n, j) in masked if n == name}
    if not hidden:
        return row
    # A published count's percentage is its share of a published total: it tells nothing more.
    cells = tuple(
        dataclasses.replace(cell, count=None, percent=None) if j in hidden else cell for j, cell in enumerate(row.cells)
    )
    if TOTAL in hidden:
        cells = tuple(dataclasses.replace(cell, percent=None) for cell in cells)
    return dataclasses.replace(row, cells=cells, total=None if TOTAL in hidden else row.total)


def group_row(table, members, label):
    """The total row of a group of rows, as its own scope publishes it."""
    counts = [sum(table.rows[i].cells[j].count for i in members) for j in range(len(table.total.cells))]
    return Row.of_counts(label, counts)


def public_table(table, groups=(), minimum=None):
    """`table` (a CountTable or RequestTable of the readers' edition) with its small counts masked,
    and the masked cells of each group's total row: (table, {group index: Row})."""
    minimum = secrecy.public_min_persons() if minimum is None else minimum
    values, sums = table_sums(table, groups)
    masked = secrecy.suppress(values, sums, minimum)
    rows = tuple(_masked_row(row, ("row", i), masked) for i, row in enumerate(table.rows))
    total = _masked_row(table.total, ("total",), masked)
    group_rows = {
        g: _masked_row(group_row(table, members, f"groupe {g}"), ("group", g), masked)
        for g, members in enumerate(groups)
    }
    return dataclasses.replace(table, rows=rows, total=total, previous=None), group_rows


# ---------------------------------------------------------------- the public edition of a bilan


@dataclass(frozen=True)
class Territory:
    """A territoire published with the region: its code, name and the rows of its departments."""

    code: str
    label: str
    members: tuple  # row indices of the region's tables


@dataclass(frozen=True)
class PublicBilan:
    """The public edition of the region's readers' Bilan: `bilan` with its small counts masked;
    each row's code; the territories published with the region and their masked total rows."""

    bilan: object
    minimum: int
    row_codes: tuple
    territories: tuple
    territory_rows: dict  # {table key: (Row of each territory)}
    masked: frozenset  # every masked cell of the joint system (for the tests)

    @property
    def activity_tables(self):
        return self.bilan.activity_tables


def layout(labels, departments):
    """(row codes, territories) of the rows of a region's tables, from their labels: a department's
    INSEE code, "territoire:<code>" for a territoire shown as one row, OTHERS for the rest."""
    by_name = {d.name: d for d in departments}
    grouped = {f"Territoire {d.territory.name}": d.territory for d in departments}
    codes, members = [], {}
    for i, label in enumerate(labels):
        if label in by_name:
            territory = by_name[label].territory
            codes.append(by_name[label].code)
        elif label in grouped:
            territory = grouped[label]
            codes.append(f"territoire:{territory.code}")
        else:
            territory = None
            codes.append(secrecy.OTHERS)
        if territory is not None:
            members.setdefault(territory, []).append(i)
    territories = tuple(
        Territory(t.code, t.name, tuple(rows)) for t, rows in sorted(members.items(), key=lambda kv: kv[0].order)
    )
    return tuple(codes), territories


def _count_cells(key, name, row):
    return {(key, name, j): cell.count or 0 for j, cell in enumerate(row.cells)} | {(key, name, TOTAL): row.total or 0}


def joint_system(activity, groups):
    """(values, sums) of every count published with the region: each table's cells (rows, total
    row, territories' total rows, requests resolved), each row adding up to its total and each
    column to the total row; and the row totals that are the same count in several tables (a
    department's sheets, in the volume table and in each table of the situation of the person)
    tied together, so that no table gives back what another masks."""
    values, sums = {}, []
    for table in count_tables(activity):
        table_values, equations = table_sums(table, groups)
        prefix = {cell: (table.key, *cell) for cell in table_values}
        values |= {prefix[c]: v for c, v in table_values.items()}
        sums += [(prefix[t], tuple(prefix[p] for p in parts)) for t, parts in equations]
        if hasattr(table, "resolved"):
            values |= _count_cells(table.key, ("resolved",), table.resolved)
            parts = tuple((table.key, ("resolved",), j) for j in range(len(table.resolved.cells)))
            sums.append(((table.key, ("resolved",), TOTAL), parts))
    volume = activity.volume
    names = [("row", i) for i in range(len(volume.rows))] + [("total",)]
    for name, row in zip(names, (*volume.rows, volume.total), strict=True):
        values[("volume", name, TOTAL)] = row.sheets or 0
    sums.append((("volume", ("total",), TOTAL), tuple(("volume", n, TOTAL) for n in names[:-1])))
    for g, members in enumerate(groups):
        values[("volume", ("group", g), TOTAL)] = sum(values[("volume", ("row", i), TOTAL)] for i in members)
        sums.append((("volume", ("group", g), TOTAL), tuple(("volume", ("row", i), TOTAL) for i in members)))
    # Row totals equal to the sheets of the row in every row: the same count, published twice.
    every = [("row", i) for i in range(len(volume.rows))] + [("total",)] + [("group", g) for g in range(len(groups))]
    for table in (activity.sex, activity.qpv, activity.resources, activity.came_via):
        if all(values[(table.key, n, TOTAL)] == values[("volume", n, TOTAL)] for n in every):
            sums += [((table.key, n, TOTAL), (("volume", n, TOTAL),)) for n in every]
    return values, sums


def _request_tables(activity):
    return (activity.rights_requests, activity.care_requests)


def count_tables(activity):
    """The tables of counts of persons and requests, in the order the bilan shows them."""
    return (activity.sex, activity.qpv, activity.resources, activity.came_via, *_request_tables(activity))


def _masked_count_row(row, key, name, masked):
    return _masked_row(row, name, {(n, j) for (k, n, j) in masked if k == key})


def _column_masked(counts, groups, minimum):
    """The rows (index, or "total") of one column of counts, masked like the count tables."""
    values = {("row", i): c or 0 for i, c in enumerate(counts[:-1])} | {("total",): counts[-1] or 0}
    sums = [(("total",), tuple(("row", i) for i in range(len(counts) - 1)))]
    for g, members in enumerate(groups):
        values[("group", g)] = sum(values[("row", i)] for i in members)
        sums.append((("group", g), tuple(("row", i) for i in members)))
    return secrecy.suppress(values, sums, minimum)


def _small(value, minimum):
    return value is not None and 0 < value < minimum


def public_bilan(bilan, departments, minimum=None):
    """The public edition of `bilan` (the readers' edition of a region, every post type):
    PublicBilan. Year N only (no figure of N−1 beside it), no open answer."""
    minimum = secrecy.public_min_persons() if minimum is None else minimum
    activity = bilan.activity
    codes, territories = layout([row.label for row in activity.sex.rows], departments)
    groups = tuple(t.members for t in territories if len(t.members) > 1)
    masked = frozenset()
    territory_rows = {}
    if not bilan.activity_withheld:
        values, sums = joint_system(activity, groups)
        masked = secrecy.suppress(values, sums, minimum)
        tables = {}
        for table in count_tables(activity):
            rows = tuple(_masked_count_row(row, table.key, ("row", i), masked) for i, row in enumerate(table.rows))
            extra = {}
            if hasattr(table, "resolved"):
                resolved = _masked_count_row(table.resolved, table.key, ("resolved",), masked)
                # A share of a masked total would give the total back.
                hidden_totals = {j for (k, n, j) in masked if k == table.key and n == ("total",)}
                cells = tuple(
                    dataclasses.replace(cell, percent=None) if j in hidden_totals else cell
                    for j, cell in enumerate(resolved.cells)
                )
                extra = {"resolved": dataclasses.replace(resolved, cells=cells), "previous_resolved": None}
            tables[table.key] = dataclasses.replace(
                table,
                rows=rows,
                total=_masked_count_row(table.total, table.key, ("total",), masked),
                previous=None,
                previous_year=None,
                **extra,
            )
            by_group = iter(range(len(groups)))
            territory_rows[table.key] = tuple(
                _masked_count_row(group_row(table, t.members, t.label), table.key, ("group", next(by_group)), masked)
                if len(t.members) > 1
                else tables[table.key].rows[t.members[0]]
                for t in territories
            )
        hidden = {n for (k, n, _j) in masked if k == "volume"}
        volume = activity.volume
        tables["volume"] = dataclasses.replace(
            volume,
            rows=tuple(
                _public_volume_row(row, ("row", i) in hidden, share=("total",) not in hidden)
                for i, row in enumerate(volume.rows)
            ),
            total=_public_volume_row(volume.total, ("total",) in hidden),
            previous_year=None,
        )
        age = activity.age
        age_hidden = _column_masked([r.count for r in (*age.rows, age.total)], groups, minimum)
        tables["age"] = dataclasses.replace(
            age,
            rows=tuple(_public_mean_row(row, ("row", i) in age_hidden) for i, row in enumerate(age.rows)),
            total=_public_mean_row(age.total, ("total",) in age_hidden),
            previous_year=None,
        )
        people = None if _small(activity.people, minimum) else activity.people
        activity = dataclasses.replace(activity, people=people, **tables)
    annex = bilan.annual.annex
    annex = dataclasses.replace(
        annex, previous=None, previous_year=None, rows=tuple(dataclasses.replace(r, previous=None) for r in annex.rows)
    )
    annual = dataclasses.replace(
        bilan.annual,
        annex=annex,
        ranked=tuple(
            dataclasses.replace(
                r,
                previous_year=None,
                previous_bilans=None,
                items=tuple(dataclasses.replace(i, previous_percent=None) for i in r.items),
            )
            for r in bilan.annual.ranked
        ),
        answers=tuple(dataclasses.replace(a, by_department=()) for a in bilan.annual.answers),
    )
    public = dataclasses.replace(
        bilan,
        register=dataclasses.replace(bilan.register, previous=None),
        activity=activity,
        previous=None,
        annual=annual,
        summary=_public_summary(bilan, activity, minimum),
        notices=(*_year_notices(bilan), public_notice(minimum)),
    )
    return PublicBilan(
        bilan=public,
        minimum=minimum,
        row_codes=codes,
        territories=territories,
        territory_rows=territory_rows,
        masked=masked,
    )


def _public_volume_row(row, hidden, share=True):
    """`share`: whether its share of the total may be given (not when the total is masked)."""
    if hidden:
        return dataclasses.replace(row, sheets=None, percent=None, previous=None, change=None)
    return dataclasses.replace(row, previous=None, change=None, percent=row.percent if share else None)


def _public_mean_row(row, hidden):
    if hidden:
        return dataclasses.replace(row, mean=None, count=None, previous=None)
    return dataclasses.replace(row, previous=None)


SHEET_HEADLINES = {"sheets", "people", "mediators_logging", "rights_requests", "care_requests"}


def _public_summary(bilan, activity, minimum):
    """The headline figures of year N: the sheets' ones read from the public tables."""
    if bilan.activity_withheld:
        return tuple(dataclasses.replace(h, previous=None) for h in bilan.summary)

    def total_share(table, label):
        if label not in table.columns:
            return None
        return table.total.cells[table.columns.index(label)].percent

    def resolved(table):
        if table.resolved.total is None or table.total.total is None:
            return None
        return percent(table.resolved.total, table.total.total)

    public = {
        "sheets": activity.volume.total.sheets,
        "people": activity.people,
        "mean_age": activity.age.total.mean,
        "women": total_share(activity.sex, "Femme"),
        "qpv": total_share(activity.qpv, "Oui"),
        "rights_requests": activity.rights_requests.total.total,
        "rights_resolved": resolved(activity.rights_requests),
        "care_requests": activity.care_requests.total.total,
        "care_resolved": resolved(activity.care_requests),
    }
    headlines = []
    for h in bilan.summary:
        value = public.get(h.key, h.value)
        if h.key in SHEET_HEADLINES and _small(value, minimum):
            value = None
        headlines.append(dataclasses.replace(h, value=value, previous=None))
    return tuple(headlines)


def _year_notices(bilan):
    """The readers' edition's notices, without those on year N−1 (not published here)."""
    before = bilan.scope.year - 1
    return tuple(n for n in bilan.notices if not n.startswith((f"Les chiffres de {before}", f"« — » en {before}")))


def public_notice(minimum):
    return (
        f"Édition publique : une case qui compte de 1 à {minimum - 1} personnes ou demandes est masquée (« s », "
        "secret statistique), ainsi que les cases qui permettraient de la retrouver par somme ou différence des "
        "chiffres publiés avec elle (totaux de ligne et de colonne, total général, autres tableaux, territoires "
        "publiés avec la région) ; le pourcentage d'une case masquée est masqué aussi. Aucun chiffre "
        f"ne décrit moins de {secrecy.MIN_CONTRIBUTORS} médiateurs. Seuls les chiffres de l'année sont publiés."
    )
