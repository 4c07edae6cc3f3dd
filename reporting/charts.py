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
    # The same bars for a narrow screen: each label on its own line(s) above its bar. Empty for
    # a chart that keeps one drawing (the map).
    narrow_svg: str = ""


def _text(x, y, content, *, anchor="start", weight="normal", size=13):
    return (
        f'<text x="{x}" y="{y}" font-family="{FONT}" font-size="{size}" fill="{TEXT}" '
        f'text-anchor="{anchor}" font-weight="{weight}">{escape(str(content))}</text>'
    )


# A bound on the mean glyph advance of French text in the chart's fonts, as a share of the font
# size (Marianne bold averages about 0.56, its digits 0.6; Arial and DejaVu Sans, the fallbacks,
# stay under it too). Labels are wrapped and captions given room with it, so that no label nor
# value runs out of the drawing (tests/browser/test_published_look.py measures them in Chromium).
CHAR_WIDTH = 0.62
LABEL_SIZE = 13
LINE_HEIGHT = 16


def text_width(content, size=LABEL_SIZE):
    """A width no rendering of `content` at `size` exceeds (in the SVG's units)."""
    return len(content) * size * CHAR_WIDTH


def wrap(label, width, size=LABEL_SIZE):
    """`label` cut into lines that each fit in `width`, at spaces (a word longer than a whole
    line is cut where it must): every word is kept, none is replaced by an ellipsis."""
    room = max(int(width // (size * CHAR_WIDTH)), 1)
    lines, line = [], ""
    for word in label.split():
        while len(word) > room:
            if line:
                lines.append(line)
                line = ""
            lines.append(word[:room])
            word = word[room:]
        candidate = f"{line} {word}" if line else word
        if len(candidate) <= room:
            line = candidate
        else:
            lines.append(line)
            line = word
    if line or not lines:
        lines.append(line)
    return lines


def bar_chart(key, title, items, *, unit="", width=640):
    """Horizontal bars. `items` is a list of (label, value, caption) — caption is what is
    written at the end of the bar (e.g. "412 (38 %)"). Labels are written in full on the left,
    on as many lines as they need, and the right side keeps room for the longest caption."""
    label_width, bar_height, gap, top, pad = 230, 18, 6, 8, 8
    values = [v or 0 for _l, v, _c in items]
    largest = max(values, default=0) or 1
    caption_width = max((text_width(str(c)) for _l, _v, c in items), default=0) + 2 * pad
    bar_space = max(width - label_width - caption_width, 80)
    width = max(width, label_width + bar_space + caption_width)
    rows = [(wrap(label, label_width - pad), value, caption) for label, value, caption in items]
    heights = [max(bar_height, len(lines) * LINE_HEIGHT) for lines, _v, _c in rows]
    height = top + sum(heights) + gap * len(rows) + 4
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height}" width="100%" '
        f'role="img" aria-label="{escape(title, {chr(34): "&quot;"})}" class="app-chart">',
        f"<title>{escape(title)}</title>",
    ]
    y = top
    for (lines, value, caption), row_height in zip(rows, heights, strict=True):
        length = round(bar_space * (value or 0) / largest)
        bar_y = y + (row_height - bar_height) / 2
        first = y + (row_height - len(lines) * LINE_HEIGHT) / 2 + 12
        label = "".join(
            f'<tspan x="{label_width - pad}" y="{first + n * LINE_HEIGHT:g}">{escape(line)}</tspan>'
            for n, line in enumerate(lines)
        )
        parts.append(
            f'<text font-family="{FONT}" font-size="{LABEL_SIZE}" fill="{TEXT}" text-anchor="end" '
            f'class="app-chart__label">{label}</text>'
        )
        parts.append(
            f'<rect x="{label_width}" y="{bar_y:g}" width="{bar_space:.0f}" height="{bar_height}" fill="{TRACK}"/>'
        )
        if length:
            parts.append(f'<rect x="{label_width}" y="{bar_y:g}" width="{length}" height="{bar_height}" fill="{BAR}"/>')
        parts.append(_text(label_width + length + 6, f"{bar_y + 14:g}", caption, weight="bold"))
        y += row_height + gap
    parts.append("</svg>")
    return Chart(key=key, title=title, svg="".join(parts), narrow_svg=stacked_bar_chart(title, items))


def _svg_open(width, height, title, extra_class=""):
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:g}" width="100%" '
        f'role="img" aria-label="{escape(title, {chr(34): "&quot;"})}" class="app-chart{extra_class}">'
        f"<title>{escape(title)}</title>"
    )


def stacked_bar_chart(title, items, *, width=360):
    """The bars of `bar_chart` for a phone's width: each label in full above its bar, wrapped on
    the whole width, and the bar shortened to leave room for the longest caption."""
    bar_height, gap, top, pad = 16, 10, 4, 6
    values = [v or 0 for _l, v, _c in items]
    largest = max(values, default=0) or 1
    caption_width = max((text_width(str(c)) for _l, _v, c in items), default=0) + 2 * pad
    bar_space = max(width - caption_width, 60)
    width = max(width, bar_space + caption_width)
    parts, y = [], top
    for label, value, caption in items:
        lines = wrap(label, width - 2 * pad)
        label = "".join(  # a little in from the edge: some capitals' ink starts left of their origin
            f'<tspan x="{pad}" y="{y + 12 + n * LINE_HEIGHT:g}">{escape(line)}</tspan>' for n, line in enumerate(lines)
        )
        parts.append(
            f'<text font-family="{FONT}" font-size="{LABEL_SIZE}" fill="{TEXT}" class="app-chart__label">{label}</text>'
        )
        y += len(lines) * LINE_HEIGHT + 2
        length = round(bar_space * (value or 0) / largest)
        parts.append(f'<rect x="0" y="{y}" width="{bar_space:.0f}" height="{bar_height}" fill="{TRACK}"/>')
        if length:
            parts.append(f'<rect x="0" y="{y}" width="{length}" height="{bar_height}" fill="{BAR}"/>')
        parts.append(_text(length + pad, y + 13, caption, weight="bold"))
        y += bar_height + gap
    return _svg_open(width, y, title, " app-chart--narrow") + "".join(parts) + "</svg>"


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
