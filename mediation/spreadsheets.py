"""Cells of the spreadsheets the application writes (exports of people and sheets, bilans): a text
a spreadsheet would run as a formula is written behind a quote (the imports remove that quote)."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """A spreadsheet must never run a cell as a formula: text starting like one is quoted."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
