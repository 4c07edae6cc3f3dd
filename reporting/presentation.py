"""How the bilan's tables are laid out on a page: shared by the dashboard and the PDF."""

from . import charts

# Which template draws each kind of table.
TABLE_TEMPLATES = {
    "register": "reporting/tables/register.html",
    "volume": "reporting/tables/volume.html",
    "age": "reporting/tables/mean.html",
    "rights_requests": "reporting/tables/requests.html",
    "care_requests": "reporting/tables/requests.html",
    "annex": "reporting/tables/annex.html",
}
RANKED_TEMPLATE = "reporting/tables/ranked.html"
COUNT_TABLE_TEMPLATE = "reporting/tables/counts.html"
# Beyond this many columns a table gets a landscape page in the PDF.
WIDE_TABLE_COLUMNS = 6


def table_blocks(tables, drawn):
    """Each table with its chart (if any) and the template that draws it."""
    return [
        {
            "table": table,
            "chart": drawn.get(table.key),
            "template": TABLE_TEMPLATES.get(
                table.key, RANKED_TEMPLATE if hasattr(table, "items") else COUNT_TABLE_TEMPLATE
            ),
            "wide": len(getattr(table, "columns", ())) > WIDE_TABLE_COLUMNS,
        }
        for table in tables
    ]


def bilan_context(bilan):
    """What the dashboard and the PDF templates both draw: the bilan, its charts and map, and
    each table with the template that lays it out."""
    drawn = charts.bilan_charts(bilan)
    return {
        "bilan": bilan,
        "scope": bilan.scope,
        "map": drawn["map"],
        "register_template": TABLE_TEMPLATES["register"],
        "blocks": table_blocks(bilan.activity_tables, drawn),
        "annual_blocks": table_blocks((bilan.annual.annex, *bilan.annual.ranked), drawn),
    }
