"""What is published looks finished: in the PDF of the demo region and of a department every
table stays inside its page and no page holds a line or two alone; Marianne is the PDF's type;
the charts write every label and value in full, inside their drawing; Annexe 1 leaves out a
column with no figure and says why; a year with nothing yet says so instead of printing zeros.

The layout is read from WeasyPrint's boxes (the PDF's pages as laid out), not from pictures:
`docs/bilan-pdf.md` tells how the pages were also looked at as images."""

import datetime
import io
import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from pypdf import PdfReader

from mediation.enums import Role
from mediation.models import Department
from mediation.pdf import PDF_BASE_URL, static_only_fetcher
from reporting import charts
from reporting.bilan import compute_bilan
from reporting.pdf import render_bilan_html, render_bilan_pdf
from reporting.presentation import bilan_context, shown_annex
from reporting.scope import resolve_scope
from reporting.views import default_year
from tests.accompaniments.factories import BeneficiaryFactory, SheetFactory
from tests.factories import CommuneFactory, PostFactory, StructureFactory, department

pytestmark = pytest.mark.django_db

# A page other than the cover that holds no table nor chart must hold at least this many lines
# of text: fewer is a heading or a sentence left alone on its page.
MIN_LINES_ALONE = 5
# Layout rounding (CSS pixels).
EPSILON = 0.5


@pytest.fixture
def demo():
    with open("/dev/null", "w") as quiet:
        call_command("seed_demo", stdout=quiet, stderr=quiet)


@pytest.fixture
def bilan_2025(demo):
    return demo_bilan()


def demo_bilan(key="", year=None):
    return compute_bilan(resolve_scope(Department.objects.all(), year=year or default_year(), key=key))


def laid_out(bilan):
    """The PDF's pages as WeasyPrint lays them out (the same HTML, fetcher and base URL as
    `render_pdf`)."""
    from weasyprint import HTML

    return HTML(string=render_bilan_html(bilan), base_url=PDF_BASE_URL, url_fetcher=static_only_fetcher()).render()


def page_content(page):
    """The boxes of a page's content area (its footers, in margin boxes, left out)."""
    from weasyprint.formatting_structure.boxes import MarginBox

    for child in page._page_box.children:
        if not isinstance(child, MarginBox):
            yield from child.descendants()


def layout_faults(bilan):
    from weasyprint.formatting_structure.boxes import LineBox, ReplacedBox, TableBox, TextBox

    faults = []
    document = laid_out(bilan)
    for number, page in enumerate(document.pages, start=1):
        box = page._page_box
        right = box.content_box_x() + box.width
        bottom = box.content_box_y() + box.height
        lines = tables = pictures = 0
        for child in page_content(page):
            if isinstance(child, TableBox):
                tables += 1
                if child.position_x + child.margin_width() > right + EPSILON:
                    faults.append(f"page {number}: a table runs off the page at the right")
            elif isinstance(child, ReplacedBox):
                pictures += 1
                if child.position_x + child.margin_width() > right + EPSILON:
                    faults.append(f"page {number}: a chart runs off the page at the right")
            elif isinstance(child, LineBox):
                lines += 1
            elif isinstance(child, TextBox) and child.position_y + child.height > bottom + EPSILON:
                faults.append(f"page {number}: text runs off the page at the bottom: {child.text!r}")
        if number > 1 and not tables and not pictures and lines < MIN_LINES_ALONE:
            faults.append(f"page {number}: holds {lines} line(s) of text alone")
    return faults, len(document.pages)


def test_every_table_of_the_regional_pdf_stays_inside_its_page_and_no_page_is_nearly_empty(demo):
    faults, pages = layout_faults(demo_bilan())
    assert pages > 10
    assert not faults, "\n".join(faults)
    # And a department's, set in Marianne (embedded from django-dsfr's files).
    bilan = demo_bilan("departement:59")
    faults, _pages = layout_faults(bilan)
    assert not faults, "\n".join(faults)
    assert {"Marianne", "Marianne-Bold"} <= embedded_fonts(render_bilan_pdf(bilan))


def embedded_fonts(content):
    fonts = set()
    for page in PdfReader(io.BytesIO(content)).pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts") or [font]:
                descriptor = descendant.get_object().get("/FontDescriptor")
                if descriptor and any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")):
                    fonts.add(str(font["/BaseFont"]).split("+", 1)[-1])
    return fonts


# Chart labels and captions -------------------------------------------------------------------

LONG = "Demande de Complémentaire santé solidaire (avec ou sans participation financière)"


def chart_texts(svg):
    """Each text of the chart: its lines (tspans, or the text itself)."""
    found = []
    for text in re.findall(r"<text\b[^>]*>(.*?)</text>", svg):
        spans = re.findall(r"<tspan\b[^>]*>(.*?)</tspan>", text)
        found.append(spans or [text])
    return found


def test_a_bar_chart_writes_long_labels_in_full_on_several_lines_within_their_column():
    chart = charts.bar_chart("k", "Titre", [(LONG, 623, "623 · résolues 51 %"), ("Autre", 96, "96 · résolues 47 %")])
    labels = [lines for lines in chart_texts(chart.svg) if len(lines) > 1 or "résolues" not in lines[0]]
    assert [" ".join(lines) for lines in labels] == [LONG, "Autre"]
    assert len(labels[0]) > 1  # wrapped, not cut with an ellipsis
    assert "…" not in chart.svg
    budget = 230 - 8  # the label column, less its gap to the bars
    assert all(charts.text_width(line) <= budget for lines in labels for line in lines)


def test_a_bar_chart_keeps_room_for_the_longest_value_with_its_percent():
    items = [("A", 1000, "1000 · résolues 100 %"), ("B", 10, "10 · résolues 0 %")]
    chart = charts.bar_chart("k", "Titre", items)
    width = float(re.search(r'viewBox="0 0 ([\d.]+) ', chart.svg).group(1))
    captions = re.findall(r'<text x="([\d.]+)"[^>]*font-weight="bold">([^<]*)</text>', chart.svg)
    assert [text for _x, text in captions] == ["1000 · résolues 100 %", "10 · résolues 0 %"]
    for x, text in captions:
        assert float(x) + charts.text_width(text) <= width


def test_the_request_charts_of_the_demo_show_each_type_and_its_resolved_percent(bilan_2025):
    bilan = bilan_2025
    drawn = charts.bilan_charts(bilan)
    for table in (bilan.activity.rights_requests, bilan.activity.care_requests):
        texts = [" ".join(lines) for lines in chart_texts(drawn[table.key].svg)]
        for column, total, resolved in zip(table.columns, table.total.cells, table.resolved.cells, strict=True):
            assert column.replace("'", "&#x27;") in texts or column in texts
            assert f"{total.count} · résolues {resolved.percent} %" in texts


# Annexe 1 -----------------------------------------------------------------------------------


def test_an_annex_column_without_any_figure_is_left_out_with_the_reason(bilan_2025):
    bilan = bilan_2025
    full = bilan.annual.annex
    empty = [column.label for n, column in enumerate(full.columns) if all(row.values[n] is None for row in full.rows)]
    assert empty, "the demo has columns of « — » only (small departments)"
    shown = bilan_context(bilan)["annual_blocks"][0]["table"]
    assert [c.label for c in shown.columns] == [c.label for c in full.columns if c.label not in empty]
    for n, _column in enumerate(shown.columns):
        assert any(row.values[n] is not None for row in shown.rows)
    assert all(len(row.values) == len(shown.columns) for row in shown.rows)
    assert "Colonnes non montrées" in shown.note
    for label in empty:
        assert label in shown.note
    assert "secret statistique" in shown.note
    # The downloads keep every column.
    assert bilan.table("annex").columns == full.columns


def test_an_annex_with_every_column_filled_is_left_as_it_is(bilan_2025):
    annex = bilan_2025.annual.annex
    filled = [n for n, _c in enumerate(annex.columns) if any(row.values[n] is not None for row in annex.rows)]
    trimmed = shown_annex(annex)
    assert shown_annex(trimmed) is trimmed
    assert len(trimmed.columns) == len(filled)


# A year with nothing yet ---------------------------------------------------------------------

EMPTY_YEAR = 2019
FULL_YEAR = 2020


def test_an_empty_year_says_so_on_the_dashboard_instead_of_tables_of_zeros(client, login_as):
    post = PostFactory(
        structure=StructureFactory(commune=CommuneFactory(department=department("59"))), department=department("59")
    )
    SheetFactory(
        beneficiary=BeneficiaryFactory(structure=post.structure), post=post, opened_on=datetime.date(FULL_YEAR, 3, 1)
    )
    login_as(Role.COORDINATOR, region=department("59").region)
    response = client.get(reverse("reporting:dashboard"), {"annee": EMPTY_YEAR, "perimetre": "departement:59"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "fr-callout" in html
    assert f"Aucune donnée pour {EMPTY_YEAR} dans ce territoire pour l&#x27;instant" in html
    assert "choisissez une autre année" in html
    assert 'id="tableau-volume"' not in html and 'id="en-resume"' not in html
    assert 'id="postes"' in html  # the posts register is no table of zeros: it stays
    # A year with figures shows its tables, without the callout.
    html = client.get(
        reverse("reporting:dashboard"), {"annee": FULL_YEAR, "perimetre": "departement:59"}
    ).content.decode()
    assert 'id="tableau-volume"' in html and "Aucune donnée pour" not in html


def test_an_empty_year_says_so_in_the_pdf():
    department("59")
    pdf = PdfReader(io.BytesIO(render_bilan_pdf(demo_bilan("departement:59", year=EMPTY_YEAR))))
    text = " ".join(page.extract_text() for page in pdf.pages)
    assert f"Aucune donnée pour {EMPTY_YEAR} dans ce territoire pour l'instant" in text
    assert "Les fiches d'accompagnement" not in text
    assert len(pdf.pages) <= 4  # cover, the notice, the posts, the method
