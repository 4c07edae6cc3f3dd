"""Charts drawn on the server as SVG, so that the dashboard and the PDF show the same picture
and it reads in black and white: dark bars, every value written next to its bar."""

from dataclasses import dataclass
from xml.sax.saxutils import escape

BAR = "#000091"  # DSFR "bleu France"
TRACK = "#e5e5f4"
TEXT = "#161616"
FONT = "Marianne, Arial, sans-serif"


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    svg: str


def _text(x, y, content, *, anchor="start", weight="normal", size=13):
    return (
        f'<text x="{x}" y="{y}" font-family="{FONT}" font-size="{size}" fill="{TEXT}" '
        f'text-anchor="{anchor}" font-weight="{weight}">{escape(str(content))}</text>'
    )


def bar_chart(key, title, items, *, unit="", width=640):
    """Horizontal bars. `items` is a list of (label, value, caption) — caption is what is
    written at the end of the bar (e.g. "412 (38 %)")."""
    label_width, bar_height, gap, top = 250, 18, 10, 8
    values = [v or 0 for _l, v, _c in items]
    largest = max(values, default=0) or 1
    bar_space = width - label_width - 110
    height = top + len(items) * (bar_height + gap) + 4
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-label="{escape(title, {chr(34): "&quot;"})}" class="app-chart">',
        f"<title>{escape(title)}</title>",
    ]
    for index, (label, value, caption) in enumerate(items):
        y = top + index * (bar_height + gap)
        length = round(bar_space * (value or 0) / largest)
        shown_label = label if len(label) <= 38 else label[:36] + "…"
        parts.append(_text(label_width - 8, y + 14, shown_label, anchor="end"))
        parts.append(f'<rect x="{label_width}" y="{y}" width="{bar_space}" height="{bar_height}" fill="{TRACK}"/>')
        if length:
            parts.append(f'<rect x="{label_width}" y="{y}" width="{length}" height="{bar_height}" fill="{BAR}"/>')
        parts.append(_text(label_width + length + 6, y + 14, caption, weight="bold"))
    parts.append("</svg>")
    return Chart(key=key, title=title, svg="".join(parts))


def _caption(count, pct):
    return f"{count}" if pct is None else f"{count} ({pct} %)"


def share_chart(table):
    """The total row of a count table: how the whole scope splits over the list."""
    items = [
        (column, cell.count, _caption(cell.count, cell.percent))
        for column, cell in zip(table.columns, table.total.cells, strict=True)
    ]
    return bar_chart(table.key, table.title, items)


def volume_chart(table):
    items = [(row.label, row.sheets, _caption(row.sheets, row.percent)) for row in table.rows]
    return bar_chart(table.key, table.title, items)


def requests_chart(table):
    """Each type: requests of the year, and how many were resolved at year end."""
    items = [
        (column, total.count, f"{total.count} · résolues {resolved.percent if resolved.percent is not None else 0} %")
        for column, total, resolved in zip(table.columns, table.total.cells, table.resolved.cells, strict=True)
    ]
    items.sort(key=lambda item: -item[1])
    return bar_chart(table.key, table.title, items)


# Where each department sits on the schematic map (column, row); others follow in a grid.
MAP_POSITIONS = {"62": (0, 0), "59": (1, 0), "80": (0, 1), "02": (1, 1), "60": (0.5, 2)}


def posts_map(register):
    """A schematic map: one tile per department, placed as on the map of the region, with its
    number of posts and of rural posts. Tiles, not borders, so it stays legible in print."""
    tile_w, tile_h, pad = 190, 92, 12
    tiles = []
    spare = 0
    for row in register.rows:
        code = row.code
        if code in MAP_POSITIONS:
            col, line = MAP_POSITIONS[code]
        else:
            col, line = spare % 2, 3 + spare // 2
            spare += 1
        tiles.append((col, line, row))
    if not tiles:
        return bar_chart("map", "Carte des postes", [])
    width = int(max(c for c, _l, _r in tiles) * (tile_w + pad) + tile_w + 2 * pad)
    height = int(max(line for _c, line, _r in tiles) * (tile_h + pad) + tile_h + 2 * pad)
    title = "Carte schématique des postes par département"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{title}" class="app-chart app-chart--map"><title>{title}</title>'
    ]
    for col, line, row in tiles:
        x, y = pad + col * (tile_w + pad), pad + line * (tile_h + pad)
        parts.append(f'<rect x="{x}" y="{y}" width="{tile_w}" height="{tile_h}" rx="6" fill="{TRACK}" stroke="{BAR}"/>')
        name = row.label.rsplit(" (", 1)[0]
        parts.append(_text(x + tile_w / 2, y + 24, name, anchor="middle", weight="bold", size=14))
        parts.append(
            _text(
                x + tile_w / 2,
                y + 54,
                f"{row.posts} poste{'s' if row.posts > 1 else ''}",
                anchor="middle",
                weight="bold",
                size=20,
            )
        )
        parts.append(
            _text(
                x + tile_w / 2,
                y + 78,
                f"dont {row.rural_posts} rura{'ux' if row.rural_posts > 1 else 'l'}",
                anchor="middle",
                size=12,
            )
        )
    parts.append("</svg>")
    return Chart(key="map", title=title, svg="".join(parts))


def ranked_chart(ranked):
    items = [(item.label, item.count, _caption(item.count, item.percent)) for item in ranked.items]
    return bar_chart(ranked.key, ranked.title, items)


def bilan_charts(bilan):
    """Every chart of the bilan, by the key of the table it draws."""
    activity = bilan.activity
    charts = {"map": posts_map(bilan.register), "volume": volume_chart(activity.volume)}
    for table in (activity.sex, activity.qpv, activity.resources, activity.came_via):
        charts[table.key] = share_chart(table)
    for table in (activity.rights_requests, activity.care_requests):
        charts[table.key] = requests_chart(table)
    for ranked in bilan.annual.ranked:
        if ranked.items:
            charts[ranked.key] = ranked_chart(ranked)
    return charts
