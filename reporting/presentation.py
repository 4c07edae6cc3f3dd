"""How the bilan's tables are laid out on a page: shared by the dashboard and the PDF."""

from dataclasses import replace
from xml.sax.saxutils import escape

from django.utils.formats import number_format

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


def _bilans(n):
    return f"{n} bilan{'s' if n > 1 else ''}"


def shown_annex(annex):
    """Annexe 1 as a page shows it: a column with no figure in any row (no bilan, or every figure
    withheld by statistical secrecy) is left out, and a note names it with the reason. The
    workbooks and the JSON keep every column."""
    keep = [n for n, _c in enumerate(annex.columns) if any(row.values[n] is not None for row in annex.rows)]
    if len(keep) == len(annex.columns) or not keep:
        return annex
    dropped = [column for n, column in enumerate(annex.columns) if n not in keep]
    empty = [c.label for c in dropped if not c.bilans]
    withheld = [f"{c.label} ({_bilans(c.bilans)})" for c in dropped if c.bilans]
    reasons = []
    if withheld:
        reasons.append(
            f"{', '.join(withheld)} : chiffres non diffusés (secret statistique, pour ne pas révéler "
            "les réponses d'un médiateur)"
        )
    if empty:
        reasons.append(f"{', '.join(empty)} : aucun bilan exploitable")
    note = f"Colonnes non montrées, faute de chiffre à publier — {' ; '.join(reasons)}."
    return replace(
        annex,
        columns=tuple(annex.columns[n] for n in keep),
        rows=tuple(
            replace(
                row,
                values=tuple(row.values[n] for n in keep),
                exact=tuple(row.exact[n] for n in keep) if row.exact else row.exact,
            )
            for row in annex.rows
        ),
        note=f"{annex.note} {note}" if annex.note else note,
    )


def no_data(bilan):
    """What the page says instead of tables of zeros when the year and territory have neither a
    sheet nor a mediator's annual bilan yet (a DSFR callout's content), or None."""
    if bilan.activity_withheld or bilan.activity.volume.total.sheets or bilan.annual.bilans:
        return None  # (sheet tables withheld by statistical secrecy are not an empty year)
    year = bilan.scope.year
    return {
        "title": f"Aucune donnée pour {year} dans ce territoire pour l'instant",
        "text": (
            f"Aucune fiche d'accompagnement ouverte en {year} ni aucun bilan annuel de médiateur pour "
            f"{bilan.scope.label}. Les tableaux se rempliront dès que les médiateurs saisiront leurs fiches "
            f"de {year} (ou qu'un fichier de fiches passées sera importé) ; les bilans annuels arrivent avec la "
            "campagne de bilans. Pour un bilan déjà rempli, choisissez une autre année ou un autre territoire."
        ),
        "heading_tag": "h2",
    }


def _figure(value, unit=""):
    """A figure as the tables write it (French decimals), with its unit."""
    text = number_format(value) if not isinstance(value, int) else str(value)
    return f"{text} {unit}".replace("  ", " ").strip() if unit else text


def evolution_chart(series):
    """Bars of the series' charted row, one per year with a figure, oldest first. The title
    names the figure, the description says what the bars show; the table beside it is the
    text alternative with every figure."""
    row = series.row(series.charted)
    if row is None:
        return None
    items = [
        (str(year), float(value), _figure(value, row.unit))
        for year, value in zip(series.years, row.values, strict=True)
        if value is not None
    ]
    if len(items) < 2:
        return None
    label = series.charted_label or row.label
    title = f"{label}, de {items[0][0]} à {items[-1][0]}"
    desc = escape(
        f"Une barre par année, de la plus ancienne à la plus récente ({label[0].lower()}{label[1:]}) : "
        + " ; ".join(f"{label} : {caption}" for label, _v, caption in items)
        + ". Le tableau qui suit donne tous les chiffres."
    )
    chart = charts.bar_chart(f"evolution-{series.key}", title, items)
    with_desc = {
        field: getattr(chart, field).replace("</title>", f"</title><desc>{desc}</desc>", 1)
        for field in ("svg", "narrow_svg")
    }
    return replace(chart, **with_desc)


def evolution_blocks(bilan):
    """Each series of the bilan over several years with its chart."""
    if bilan.evolution is None:
        return []
    return [{"series": series, "chart": evolution_chart(series)} for series in bilan.evolution.series]


def bilan_context(bilan):
    """What the dashboard and the PDF templates both draw: the bilan, its charts and map, and
    each table with the template that lays it out."""
    drawn = charts.bilan_charts(bilan)
    return {
        "no_data": no_data(bilan),
        "bilan": bilan,
        "scope": bilan.scope,
        "map": drawn["map"],
        "register_template": TABLE_TEMPLATES["register"],
        "blocks": table_blocks(bilan.activity_tables, drawn),
        "annual_blocks": table_blocks((shown_annex(bilan.annual.annex), *bilan.annual.ranked), drawn),
        "evolution_blocks": evolution_blocks(bilan),
    }
