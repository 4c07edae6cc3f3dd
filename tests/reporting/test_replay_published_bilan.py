"""Issue #16's proof: a region's published bilan, replayed through the imports, gives back its
cells exactly at the region's precision.

tests/fixtures/replay-2025/ holds the region's source files of 2025 (structures, posts register,
sheets history, annual bilans history) and bilan-publie.csv, the cells of the bilan as the region
printed them, counted from those files by the region's rules with csv and Decimal
(calcul.py, README.md), never by the application. The files go through the import pages a
coordinator uses (dry run, then confirmation), the region's edition of 2025 is published, and
every printed cell is looked up in the edition's stored JSON, workbook and PDF: the value shown
must be the region's, and its exact value (a fraction the JSON carries or its counts give)
rounded half up once at the declared precision must give it too. A printed cell the edition
does not have fails the test, so that it cannot pass on fewer cells."""

import csv
import io
import json
import re
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfReader

from mediation.enums import Role
from mediation.imports import services as imports
from mediation.models import Department, Region
from reporting import editions
from reporting.scope import resolve_scope

pytestmark = pytest.mark.django_db

FILES = Path(__file__).parents[1] / "fixtures" / "replay-2025"
YEAR = 2025
NO_FIGURE = "—"
SUMMARY = "En résumé"
REGISTER = "Postes par département"
ANNEX_BILANS = "Nombre de bilans"
AGE_PLACES = 1  # docs/bilan-json.md: other means (age) to one decimal


@pytest.fixture(autouse=True)
def _import_dir(settings, tmp_path):
    settings.IMPORT_TEMP_DIR = str(tmp_path / "imports")


def published_cells():
    with (FILES / "bilan-publie.csv").open(encoding="utf-8", newline="") as handle:
        return [(r["tableau"], r["ligne"], r["colonne"], r["valeur"]) for r in csv.DictReader(handle, delimiter=";")]


def import_file(client, kind, name, **answers):
    """Upload, read the dry run, confirm (the test queue runs the worker's task at once)."""
    upload = SimpleUploadedFile(name, (FILES / name).read_bytes(), content_type="text/csv")
    response = client.post(reverse("imports:upload", args=[kind]), {"file": upload, **answers})
    assert response.status_code == 302, response.content.decode()
    review = client.get(response["Location"]).content.decode()
    assert "Fichier valide" in review, review
    token = client.session[imports.SESSION_KEY][kind]["token"]
    done = client.post(reverse("imports:review", args=[kind]), {"token": token})
    assert done.status_code == 302
    assert "Import terminé" in client.get(done["Location"]).content.decode()


def rounded(exact, places):
    """The region's rounding: once, half up, from the exact fraction."""
    value = Decimal(exact.numerator) / Decimal(exact.denominator)
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def printed(value, places=0, unit=""):
    """A figure as the region prints it: 13, 2,5, 29 %, 41,1 ans; — for none. A value with more
    decimals than its precision is not a printed figure."""
    if value is None or value == "":
        return NO_FIGURE
    number = Decimal(str(value))
    assert number == number.quantize(Decimal(1).scaleb(-places)), f"{value} has more than {places} decimals"
    text = f"{number.quantize(Decimal(1).scaleb(-places)):f}".replace(".", ",")
    return f"{text} {unit}" if unit else text


class Figure:
    """One cell of the edition: the value shown, its precision and unit, and when known the exact
    fraction it is rounded from."""

    def __init__(self, value, places=0, unit="", exact=None):
        self.value, self.places, self.unit, self.exact = value, places, unit, exact

    @property
    def text(self):
        return printed(self.value, self.places, self.unit)


def percent_figure(value, count, whole):
    return Figure(value, 0, "%", Fraction(100 * count, whole) if whole else None)


def edition_figures(document):
    """{(table title, row label, column label): Figure} of every figure the edition's JSON gives."""
    figures = {}
    register = document["register"]
    title = register["title"]
    for row in (*register["rows"], register["total"]):
        for column, key in (
            ("Postes", "posts"),
            ("dont QPV", "qpv_posts"),
            ("dont ruraux", "rural_posts"),
            ("Médiateurs en poste", "active_mediators"),
            ("Bilans exploitables", "usable_bilans"),
        ):
            figures[title, row["label"], column] = Figure(row[key])
    activity = document["activity"]
    volume = activity["volume"]
    for row in (*volume["rows"], volume["total"]):
        figures[volume["title"], row["label"], "Fiches"] = Figure(row["sheets"])
        figures[volume["title"], row["label"], "Médiateurs"] = Figure(row["mediators"])
        figures[volume["title"], row["label"], "% des fiches"] = percent_figure(
            row["percent"], row["sheets"], volume["total"]["sheets"]
        )
    age = activity["age"]
    for row in (*age["rows"], age["total"]):
        figures[age["title"], row["label"], f"Moyenne ({age['unit']})"] = Figure(row["mean"], AGE_PLACES)
        figures[age["title"], row["label"], "Fiches où l'âge est connu"] = Figure(row["count"])
    for key in ("sex", "qpv", "resources", "came_via", "rights_requests", "care_requests"):
        table = activity[key]
        lines = [(row, row) for row in (*table["rows"], table["total"])]
        if "resolved" in table:  # each type's share resolved: of that type's requests
            lines.append((table["resolved"], table["total"]))
        for row, whole in lines:
            for i, column in enumerate(table["columns"]):
                cell = row["cells"][i]
                of = whole["cells"][i]["count"] if whole is not row else row["total"]
                figures[table["title"], row["label"], column] = Figure(cell["count"])
                if cell["percent"] is not None or of:
                    figures[table["title"], row["label"], f"{column} (%)"] = percent_figure(
                        cell["percent"], cell["count"], of
                    )
            figures[table["title"], row["label"], "Total"] = Figure(row["total"])
    annex = document["annual"]["annex"]
    for j, column in enumerate(annex["columns"]):
        figures[annex["title"], ANNEX_BILANS, column["label"]] = Figure(column["bilans"])
        for row in annex["rows"]:
            exact = row["exact"][j]
            figures[annex["title"], row["label"], column["label"]] = Figure(
                row["values"][j],
                row["precision"],
                "%" if row["kind"] == "share" else "",
                None
                if exact is None
                else Fraction(exact["numerator"], exact["denominator"]) * (100 if row["kind"] == "share" else 1),
            )
    # The summary's shares, from the counts of the tables they summarise.
    shares = {
        "women": (activity["sex"], lambda t: t["total"]["cells"][t["columns"].index("Femme")]["count"]),
        "qpv": (activity["qpv"], lambda t: t["total"]["cells"][t["columns"].index("Oui")]["count"]),
        "rights_resolved": (activity["rights_requests"], lambda t: t["resolved"]["total"]),
        "care_resolved": (activity["care_requests"], lambda t: t["resolved"]["total"]),
    }
    for headline in document["summary"]:
        places = AGE_PLACES if headline["key"] == "mean_age" else 0
        exact = None
        if headline["key"] in shares:
            table, count = shares[headline["key"]]
            exact = Fraction(100 * count(table), table["total"]["total"])
        figures[SUMMARY, headline["label"], "Valeur"] = Figure(headline["value"], places, headline["unit"], exact)
    return figures


def workbook_cells(content):
    """{(sheet title, row label, column header): value} of the stored workbook."""
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    cells = {}
    for sheet in book.worksheets:
        rows = list(sheet.iter_rows(values_only=True))
        header = rows[0]
        for row in rows[1:]:
            for column, value in zip(header[1:], row[1:], strict=False):
                cells[sheet.title, row[0], column] = value
    return cells


def workbook_value(cells, table, row, column):
    """The workbook's cell for a printed cell: sheets are named by the table's title (cut at 31
    characters), the summary's values are under « Valeur », Annexe 1's columns are headed
    « Nord (8 bilans) » and give their number of bilans there."""
    sheet = table[:31]
    if table == SUMMARY:
        return cells[sheet, row, "Valeur"]
    if table.startswith("Annexe 1"):
        (header,) = {c for (s, _r, c) in cells if s == sheet and c and c.startswith(f"{column} (")} or {None}
        assert header, f"Annexe 1 column {column!r} not in the workbook"
        if row == ANNEX_BILANS:
            return int(re.fullmatch(rf"{re.escape(column)} \((\d+) bilans?\)", header).group(1))
        return cells[sheet, row, header]
    if table == REGISTER:  # « Postes par département au 31-12-2025 »
        (sheet,) = {s for (s, _r, _c) in cells if s.startswith(REGISTER)}
    return cells[sheet, row, column]


def normalized(text):
    """PDF text with its line breaks taken out, and the hyphens it adds to cut a word (U+2010);
    a word cut at its own hyphen (« Pas-de-|Calais ») is put back together."""
    return re.sub(r"\s+", " ", text.replace("\u2010\n", "").replace("-\n", "-")).strip()


def pdf_sections(content, titles):
    """{title: normalized text} of each section of the stored PDF, from the line that is its title
    (« 2. Sexe des personnes accompagnées », « En résumé ») to the next section's."""
    lines = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).split("\n")
    starts = {}
    for n, line in enumerate(lines):
        heading = re.sub(r"^\d+\. ", "", line.strip())
        if heading in titles and heading not in starts:
            starts[heading] = n
    missing = set(titles) - set(starts)
    assert not missing, f"sections not found in the PDF: {missing}"
    bounds = sorted(starts.values()) + [len(lines)]
    return {
        title: normalized("\n".join(lines[start + 1 : bounds[bounds.index(start) + 1]]))
        for title, start in starts.items()
    }


def find_in_order(text, values, start=0):
    """The position after the last of `values` found one after the other in `text`, each as whole
    words; None when one is missing."""
    for value in values:
        found = re.compile(rf"(?<![\w,]){re.escape(value)}(?![\w,])").search(text, start)
        if not found:
            return None
        start = found.end()
    return start


# Where the PDF prints a table under another heading than its title.
PDF_SECTION = {REGISTER: "Les postes"}
PDF_ANNEX_HIDDEN = "Colonnes non montrées"
# The PDF gives the number of mediators in the row's label (« Nord (3) »), not in a column.
VOLUME = "Fiches d'accompagnement et médiateurs les ayant saisies"
PDF_IN_LABEL = {(VOLUME, "Médiateurs")}


def assert_in_pdf(sections, table, row_order, cells):
    """Each row's printed values are in the PDF, in the order of its columns, after the row's label
    and before the next row's; Annexe 1's columns with no figure are named as not shown."""
    text = sections[PDF_SECTION.get(table, table)]
    if table == SUMMARY:  # each figure above its label
        for (_t, row, _c), value in cells.items():
            assert f"{value} {row}" in text, f"PDF, {table}: {value!r} {row!r} not printed"
        return
    positions, at = {}, 0
    for row in row_order:
        found = text.find(row, at) if row != ANNEX_BILANS else at
        assert found >= 0, f"PDF, {table}: row {row!r} not found"
        positions[row], at = found, found + len(row)
    ends = dict(zip(row_order, [*(positions[r] for r in row_order[1:]), len(text)], strict=True))
    for row in row_order:
        values = [
            (column, value)
            for (_t, r, column), value in cells.items()
            if r == row and (table, column) not in PDF_IN_LABEL
        ]
        if row == ANNEX_BILANS:  # the columns' header: « Nord 8 bilans »
            for column, value in values:
                if value == "0":
                    assert re.search(rf"{PDF_ANNEX_HIDDEN}[^:]*\b{re.escape(column)}\b", text), column
                else:
                    assert f"{column} {value} bilan" in text, f"PDF, {table}: column {column!r} ({value})"
            continue
        shown = [value for column, value in values if value != NO_FIGURE or not table.startswith("Annexe 1")]
        where = text[positions[row] + len(row) : ends[row]]
        assert find_in_order(where, shown) is not None, f"PDF, {table}, {row!r}: {shown} not in {where[:300]!r}"


def test_the_replayed_bilan_gives_back_every_printed_cell_at_the_regions_precision(client, login_as):
    region = Region.objects.get(code="32")
    coordinator = login_as(Role.COORDINATOR, region=region)
    import_file(client, "structures", "structures.csv")
    import_file(client, "postes", "postes.csv")
    import_file(client, "fiches", "fiches.csv")
    import_file(client, "bilans-historiques", "bilans-2025.csv", year=YEAR)

    scope = resolve_scope(Department.objects.filter(region=region), year=YEAR, key="region:32")
    edition = editions.publish(scope, by=coordinator, version=1)
    figures = edition_figures(json.loads(bytes(edition.json)))
    workbook = workbook_cells(bytes(edition.xlsx))
    cells = published_cells()
    assert len(cells) > 600  # the region's file, whole

    by_table = {}
    for table, row, column, value in cells:
        assert (table, row, column) in figures, (
            f"cell of the region's bilan not in the edition: {table} / {row} / {column}"
        )
        figure = figures[table, row, column]
        where = f"{table} / {row} / {column}"
        # The JSON: the value shown is the region's, and so is its exact value rounded once.
        assert figure.text == value, f"{where}: edition {figure.text!r}, region {value!r}"
        if figure.exact is not None:
            assert printed(rounded(figure.exact, figure.places), figure.places, figure.unit) == value, where
        # The workbook: the same figure in the table's sheet.
        cell = workbook_value(workbook, table, row, column)
        if table == SUMMARY:
            assert printed(cell, figure.places, figure.unit) == value, f"workbook, {where}: {cell!r}"
        else:
            assert printed(cell, figure.places) == value.removesuffix(" %"), f"workbook, {where}: {cell!r}"
        by_table.setdefault(table, {})[table, row, column] = value

    # The traps are there: exact values at a half (12.5, 2.25, 37.5 %), and values that rounding
    # twice would move (137 / 11 = 12.4545… → 12, not 12.5 → 13).
    exact = [figures[table, row, column] for table, row, column, _v in cells]
    exact = [figure for figure in exact if figure.exact is not None]
    halves = [f for f in exact if (f.exact * 10**f.places).denominator == 2]
    twice = [
        f for f in exact if rounded(Fraction(rounded(f.exact, f.places + 1)), f.places) != rounded(f.exact, f.places)
    ]
    assert len(halves) >= 20 and len(twice) >= 2, (len(halves), len(twice))

    sections = pdf_sections(bytes(edition.pdf), [PDF_SECTION.get(t, t) for t in by_table])
    for table, table_cells in by_table.items():
        rows = list(dict.fromkeys(row for _t, row, _c in table_cells))
        order = sorted(rows, key=lambda r: [k[1] for k in figures if k[0] == table].index(r))
        assert_in_pdf(sections, table, order, table_cells)
