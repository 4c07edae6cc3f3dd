"""The public edition of a sheet table, for publication beyond the ARS: built on the readers'
edition (whose rows already cover at least three mediators, secrecy.py), every count of fewer
than PUBLIC_MIN_PERSONS persons is masked, with the counts that would give it back by sums and
differences (row, column and grand totals, and the territories published with the region) —
one suppression engine, secrecy.suppress. A masked count is None, and so is every percentage of
its row (a percentage and a count give back the row's total)."""

import dataclasses

from . import secrecy
from .tables import Row

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
    cells = tuple(
        dataclasses.replace(cell, count=None if j in hidden else cell.count, percent=None)
        for j, cell in enumerate(row.cells)
    )
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
