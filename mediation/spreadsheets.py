"""Cells of the spreadsheets the application writes (exports of people and sheets, bilans): a text
a spreadsheet would run as a formula is written behind a quote (the imports remove that quote);
a CSV file is written as a French spreadsheet opens it without an import wizard."""

import csv
import io

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """A spreadsheet must never run a cell as a formula: text starting like one is quoted."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


CSV_DELIMITER = ";"  # what a French spreadsheet expects; the imports read both


def csv_bytes(headers, rows):
    """A CSV file of `headers` then `rows`: semicolons, CRLF, UTF-8 behind a BOM (so that a French
    spreadsheet opens it as UTF-8)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=CSV_DELIMITER, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")
