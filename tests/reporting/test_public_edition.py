"""The public edition masks every count of fewer than PUBLIC_MIN_PERSONS persons, and no masked
count comes back from what is published with it: a reader takes every published count of the
region's table and of its territories' tables and solves the linear system of their totals."""

from fractions import Fraction

from reporting import public_edition
from reporting.tables import CountTable, Row

COLUMNS = ("Femme", "Homme", "Non binaire")
# Rows: Aisne, Oise, Somme (Picardie), Nord, Pas-de-Calais.
COUNTS = [(40, 12, 1), (25, 3, 0), (30, 20, 2), (300, 150, 4), (120, 80, 9)]
PICARDIE, NORD, PAS_DE_CALAIS = (0, 1, 2), (3,), (4,)


def region_table(counts=COUNTS):
    rows = tuple(Row.of_counts(f"département {i}", c) for i, c in enumerate(counts))
    total = Row.of_counts("Total", [sum(c[j] for c in counts) for j in range(len(COLUMNS))])
    return CountTable(key="sex", title="Sexe", columns=COLUMNS, rows=rows, total=total)


def published_unknowns(table, groups):
    """(values, masked, sums) of everything published: the public rows, total and group rows."""
    shown, group_rows = public_edition.public_table(table, groups, minimum=11)
    values, sums = public_edition.table_sums(table, groups)
    rows = {("row", i): row for i, row in enumerate(shown.rows)} | {("total",): shown.total}
    rows |= {("group", g): row for g, row in group_rows.items()}
    masked = set()
    for name, row in rows.items():
        for j, cell in enumerate(row.cells):
            if cell.count is None:
                masked.add((name, j))
            else:
                assert cell.count == values[(name, j)]
        if row.total is None:
            masked.add((name, public_edition.TOTAL))
    return values, masked, sums, rows


def determined(masked, sums, values):
    """Every masked cell whose value the published totals give: Gauss–Jordan over the fractions."""
    equations = []
    for total, parts in sums:
        eq = {total: Fraction(1)} | {p: Fraction(-1) for p in parts}
        constant = -sum(k * values[c] for c, k in eq.items() if c not in masked)
        eq = {c: k for c, k in eq.items() if c in masked}
        if eq:
            equations.append((eq, constant))
    solved = {}
    pivots = []
    for cell in sorted(masked, key=repr):
        row = next(((e, b) for e, b in equations if e.get(cell)), None)
        if row is None:
            continue
        equations.remove(row)
        eq, b = row
        scale = eq[cell]
        eq, b = {c: k / scale for c, k in eq.items()}, b / scale
        updated = []
        for other, ob in [*equations, *pivots]:
            factor = other.get(cell, 0)
            if factor:
                other = {c: other.get(c, 0) - factor * eq.get(c, 0) for c in set(other) | set(eq)}
                other = {c: k for c, k in other.items() if k}
                ob = ob - factor * b
            updated.append((other, ob))
        equations, pivots = [u for u in updated[: len(equations)] if u[0]], updated[len(equations) :]
        pivots.append((eq, b))
    for eq, b in pivots:
        if len(eq) == 1:
            (cell,) = eq
            solved[cell] = b
    return solved


def test_every_small_count_is_masked():
    _values, masked, _sums, rows = published_unknowns(region_table(), (PICARDIE, NORD, PAS_DE_CALAIS))
    for row in rows.values():
        for cell in row.cells:
            assert cell.count is None or cell.count == 0 or cell.count >= 11
    assert (("row", 0), 2) in masked  # one person
    assert (("row", 1), 1) in masked  # three persons


def test_no_masked_count_comes_back_from_the_region_and_its_territories():
    values, masked, sums, _rows = published_unknowns(region_table(), (PICARDIE, NORD, PAS_DE_CALAIS))
    assert masked
    assert determined(masked, sums, values) == {}


def test_primary_suppression_alone_would_give_the_counts_back():
    """The test can fail: with the small counts masked and nothing else, it recomputes them."""
    values, sums = public_edition.table_sums(region_table(), (PICARDIE, NORD, PAS_DE_CALAIS))
    primary = {cell for cell, value in values.items() if 0 < value < 11}
    found = determined(primary, sums, values)
    assert found and all(found[c] == values[c] for c in found)


def test_the_threshold_is_the_setting(settings):
    shown_counts = {}
    for minimum in (5, 20):
        settings.PUBLIC_MIN_PERSONS = minimum
        shown, _groups = public_edition.public_table(region_table(), (PICARDIE,))
        counts = [cell.count for row in shown.rows for cell in row.cells]
        assert all(c is None or c == 0 or c >= minimum for c in counts)
        shown_counts[minimum] = counts
    assert 9 in shown_counts[5] and 9 not in shown_counts[20]
