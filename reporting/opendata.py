"""The public edition as open data: one line per published cell, in long format with codes
(docs/opendata-bilan.schema.json, a frictionless Table Schema). A masked cell has an empty
value and the status « secret »."""

import csv
import io

from django.utils.text import slugify

from . import public_edition
from .public_edition import TOTAL

FIELDS = ("annee", "perimetre", "tableau", "ligne", "colonne", "valeur", "statut")
PUBLISHED, SECRET = "diffuse", "secret"


def table_lines(year, scope_code, table, row_codes, column_codes, total_code="total"):
    """The lines of a public table (public_edition.public_table): each row, coded by `row_codes`
    (one per row), then its total row, each cell by `column_codes` then the row's total."""
    rows = [*zip(row_codes, table.rows, strict=True), (total_code, table.total)]
    for code, row in rows:
        yield from _row_lines(year, scope_code, table.key, code, row, column_codes)


def to_csv(lines):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(lines)
    return out.getvalue().encode("utf-8")


def column_codes(columns):
    """A code for each column label: its slug, numbered when two labels give the same."""
    codes, seen = [], {}
    for label in columns:
        code = slugify(label) or "colonne"
        seen[code] = seen.get(code, 0) + 1
        codes.append(code if seen[code] == 1 else f"{code}-{seen[code]}")
    return codes


def bilan_lines(public):
    """Every line of the public edition of a region (public_edition.PublicBilan): each count table
    of the region (rows, total row, and for the requests those resolved by year end), then each
    territoire's total row, under its own scope code."""
    bilan = public.bilan
    if bilan.activity_withheld:
        return
    year, region = bilan.scope.year, bilan.scope.key
    for table in public_edition.count_tables(bilan.activity):
        columns = column_codes(table.columns)
        yield from table_lines(year, region, table, public.row_codes, columns)
        if hasattr(table, "resolved"):
            yield from _row_lines(year, region, table.key, RESOLVED, table.resolved, columns)
        for territory, row in zip(public.territories, public.territory_rows[table.key], strict=True):
            yield from _row_lines(year, f"territoire:{territory.code}", table.key, "total", row, columns)


RESOLVED = "resolues"


def _row_lines(year, scope_code, table_key, code, row, columns):
    cells = [*zip(columns, (cell.count for cell in row.cells), strict=True), (TOTAL, row.total)]
    for column, value in cells:
        yield {
            "annee": year,
            "perimetre": scope_code,
            "tableau": table_key,
            "ligne": code,
            "colonne": column,
            "valeur": "" if value is None else value,
            "statut": SECRET if value is None else PUBLISHED,
        }


def bilan_csv(public):
    return to_csv(bilan_lines(public))
