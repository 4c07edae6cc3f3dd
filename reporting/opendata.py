"""The public edition as open data: one line per published cell, in long format with codes
(docs/opendata-bilan.schema.json, a frictionless Table Schema). A masked cell has an empty
value and the status « secret »."""

import csv
import io

from .public_edition import TOTAL

FIELDS = ("annee", "perimetre", "tableau", "ligne", "colonne", "valeur", "statut")
PUBLISHED, SECRET = "diffuse", "secret"


def table_lines(year, scope_code, table, row_codes, column_codes, total_code="total"):
    """The lines of a public table (public_edition.public_table): each row, coded by `row_codes`
    (one per row), then its total row, each cell by `column_codes` then the row's total."""
    rows = [*zip(row_codes, table.rows, strict=True), (total_code, table.total)]
    for code, row in rows:
        cells = [*zip(column_codes, (cell.count for cell in row.cells), strict=True), (TOTAL, row.total)]
        for column, value in cells:
            yield {
                "annee": year,
                "perimetre": scope_code,
                "tableau": table.key,
                "ligne": code,
                "colonne": column,
                "valeur": "" if value is None else value,
                "statut": SECRET if value is None else PUBLISHED,
            }


def to_csv(lines):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(lines)
    return out.getvalue().encode("utf-8")
