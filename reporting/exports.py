"""The bilan's tables as grids (title, header, rows), then as CSV, XLSX, ODS or JSON.
Nothing here computes a figure: the grids are the Bilan's tables laid out for a spreadsheet."""

import dataclasses
import datetime
import json
from decimal import Decimal

import tablib

from mediation.spreadsheets import safe_cell

from .annual import AnnexTable, RankedList
from .queries import PostsRegister
from .tables import CountTable, MeanTable, RequestTable, VolumeTable

FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", "ods"),
}


NO_FIGURE = "—"  # a figure nobody gave, never 0


def _pct(value):
    return "" if value is None else value


def grid(table):
    """(title, header, rows) of any table of the bilan; the total row comes last."""
    if isinstance(table, PostsRegister):
        header = [
            "Département",
            "Population des QPV",
            "Année de la population des QPV",
            "Postes",
            "dont QPV",
            "dont ruraux",
            "Médiateurs en poste",
            "Bilans exploitables",
        ]
        previous = (table.previous,) if table.previous else ()
        rows = [
            [
                r.label,
                NO_FIGURE if r.qpv_population is None else r.qpv_population,
                _pct(r.qpv_year),
                r.posts,
                r.qpv_posts,
                r.rural_posts,
                r.active_mediators,
                r.usable_bilans,
            ]
            for r in (*table.rows, table.total, *previous)
        ]
        return f"{table.title} au {table.day:%d/%m/%Y}", header, rows
    if isinstance(table, VolumeTable):
        header = ["Département (médiateurs)", "Fiches", "Médiateurs", "% des fiches"]
        rows = [[r.label, r.sheets, r.mediators, _pct(r.percent)] for r in (*table.rows, table.total)]
        if table.previous_year:
            header += [f"Fiches {table.previous_year}", f"Évolution depuis {table.previous_year} (%)"]
            for line, r in zip(rows, (*table.rows, table.total), strict=True):
                line += [r.previous, _pct(r.change)]
        return table.title, header, rows
    if isinstance(table, MeanTable):
        header = ["Département", f"Moyenne ({table.unit})", "Fiches où l'âge est connu"]
        rows = [[r.label, _pct(r.mean), r.count] for r in (*table.rows, table.total)]
        if table.previous_year:
            header.append(f"Moyenne {table.previous_year} ({table.unit})")
            for line, r in zip(rows, (*table.rows, table.total), strict=True):
                line.append(_pct(r.previous))
        return table.title, header, rows
    if isinstance(table, CountTable | RequestTable):
        header = ["Département"]
        for column in table.columns:
            header += [column, f"{column} (%)"]
        header.append("Total")
        extra = (table.resolved,) if isinstance(table, RequestTable) else ()
        if table.previous:
            extra += (table.previous, table.previous_resolved) if isinstance(table, RequestTable) else (table.previous,)
        rows = []
        for row in (*table.rows, table.total, *extra):
            line = [row.label]
            for cell in row.cells:
                line += [cell.count, _pct(cell.percent)]
            line.append(row.total)
            rows.append(line)
        return table.title, header, rows
    if isinstance(table, AnnexTable):
        columns = (*table.columns, table.previous) if table.previous else table.columns
        header = ["Indicateur"] + [f"{c.label} ({c.bilans} bilans)" for c in columns]
        rows = []
        for row in table.rows:
            values = (*row.values, row.previous) if table.previous else row.values
            rows.append([row.label, *(_pct(v) for v in values)])
        return table.title, header, rows
    if isinstance(table, RankedList):
        header = ["Rang", "Réponse", "Bilans la citant", f"% des {table.bilans} bilans"]
        rows = [[n, item.label, item.count, _pct(item.percent)] for n, item in enumerate(table.items, start=1)]
        if table.previous_year:
            header.append(f"% en {table.previous_year} ({table.previous_bilans} bilans)")
            for line, item in zip(rows, table.items, strict=True):
                line.append(_pct(item.previous_percent))
        return table.title, header, rows
    raise TypeError(f"Not a table of the bilan: {type(table).__name__}")


def dataset(table, scope):
    title, header, rows = grid(table)
    data = tablib.Dataset(headers=[safe_cell(h) for h in header], title=title[:31])
    for row in rows:
        data.append([safe_cell(v) if isinstance(v, str) else (float(v) if isinstance(v, Decimal) else v) for v in row])
    return data


def export_table(table, scope, fmt):
    """Bytes of one table in `fmt` (csv, xlsx or ods)."""
    data = dataset(table, scope)
    if fmt == "csv":
        # A BOM and semicolons: what a French spreadsheet opens without an import wizard.
        return ("\ufeff" + data.export("csv", delimiter=";")).encode("utf-8")
    return data.export(fmt)


def _number(value):
    return float(value) if isinstance(value, Decimal) else value


def summary_dataset(bilan):
    """The PDF's « En résumé » page as a sheet: each headline figure, its unit and year N−1's."""
    headers = ["Indicateur", "Valeur", "Unité", f"En {bilan.year - 1}"]
    data = tablib.Dataset(headers=headers, title="En résumé")
    for headline in bilan.summary:
        data.append([safe_cell(headline.label), _number(headline.value), headline.unit, _number(headline.previous)])
    return data


def evolution_dataset(bilan):
    """The bilan over several years as one sheet: each series under its title and its years."""
    evolution = bilan.evolution
    width = 1 + len(evolution.years)
    data = tablib.Dataset(title="Sur plusieurs années")

    def line(cells):
        data.append([*cells, *([None] * (width - len(cells)))])

    for series in evolution.series:
        line([safe_cell(series.title), *series.years])
        for row in series.rows:
            label = f"{row.label} ({row.unit})" if row.unit else row.label
            line([safe_cell(label), *(_number(v) for v in row.values)])
        if series.note:
            line([safe_cell(series.note)])
        line([])
    return data


def export_bilan_book(bilan, fmt="xlsx"):
    """The summary, then every table of the bilan, one sheet each, then the bilan over several
    years on one sheet."""
    sheets = [summary_dataset(bilan), *(dataset(table, bilan.scope) for table in bilan.tables)]
    if bilan.evolution is not None and bilan.evolution.series:
        sheets.append(evolution_dataset(bilan))
    return tablib.Databook(sheets).export(fmt)


def _plain(value):
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return value


JSON_SCHEMA_VERSION = 1


def bilan_document(bilan):
    """The whole bilan as plain data (see docs/bilan-json.md for the schema)."""
    scope = bilan.scope
    return {
        "schema_version": JSON_SCHEMA_VERSION,
        "year": scope.year,
        "scope": {"kind": scope.kind, "code": scope.code, "label": scope.label, "post_type": scope.post_type or None},
        "computed_at": bilan.computed_at.isoformat(),
        "summary": _plain(bilan.summary),
        "register": _plain(bilan.register),
        "secrecy": {
            "readers_edition": scope.protected,
            "activity_withheld": bilan.activity_withheld,
            "notices": list(bilan.notices),
        },
        "activity": (
            None
            if bilan.activity_withheld
            else {table.key: _plain(table) for table in bilan.activity.tables} | {"people": bilan.activity.people}
        ),
        "annual": {
            "bilans": bilan.annual.bilans,
            "annex": _plain(bilan.annual.annex),
            "ranked": {ranked.key: _plain(ranked) for ranked in bilan.annual.ranked},
            "open_answers": {answers.key: _plain(answers) for answers in bilan.annual.answers},
        },
        "evolution": _plain(bilan.evolution),
        "previous_year": (
            {table.key: _plain(table) for table in bilan.previous.tables} | {"people": bilan.previous.people}
            if bilan.previous
            else None
        ),
    }


def bilan_json(bilan):
    return json.dumps(bilan_document(bilan), ensure_ascii=False, indent=2).encode("utf-8")
