"""The marks of the live bilan: each figure that differs from the latest edition, in place
(reporting/editions.py `marks`). The tables' templates look a cell up by its table key, row label
and column (its index in exports.grid, see the *_index filters); where the context has no
`marks` (an edition, the PDF), nothing changes in what they draw."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from reporting.editions import removed_rows_anchor

register = template.Library()

ARROW = mark_safe(  # noqa: S308 (a constant)
    '<span class="fr-sr-only">, </span><span class="app-mark__arrow" aria-hidden="true">→</span> '
)


def _marks(context):
    return context.get("marks") or None


def _difference(context, table_key, row, column):
    marks = _marks(context)
    return marks.cells.get((table_key, row, column)) if marks else None


@register.simple_tag(takes_context=True)
def difference(context, table_key, row, column):
    """The Difference marked at this cell, or None (`{% difference … as d %}`)."""
    return _difference(context, table_key, row, column)


class MarkedNode(template.Node):
    def __init__(self, nodelist, table_key, row, column, unit):
        self.nodelist, self.table_key, self.row, self.column, self.unit = nodelist, table_key, row, column, unit

    def render(self, context):
        content = self.nodelist.render(context)
        found = _difference(
            context, self.table_key.resolve(context), self.row.resolve(context), self.column.resolve(context)
        )
        if found is None:
            return content
        unit = self.unit.resolve(context) if self.unit else ""
        edition = f"{found.edition} {unit}" if unit and found.edition != "—" else found.edition
        return format_html(
            '<span class="app-mark" id="{}"><del><span class="fr-sr-only">Édition : </span>{}</del>{}'
            '<ins><span class="fr-sr-only">à jour : </span>{}</ins></span>',
            found.target,
            edition,
            ARROW,
            content,
        )


@register.tag
def marked(parser, token):
    """`{% marked table_key row_label column [unit="%"] %}live value{% endmarked %}`: the value,
    and, if it differs from the edition, the edition's struck out before it (« Édition : x, à
    jour : y » for screen readers); `unit` follows the edition's value."""
    bits = token.split_contents()
    if len(bits) not in (4, 5):
        raise template.TemplateSyntaxError("marked: table key, row label, column [, unit=…]")
    unit = None
    if len(bits) == 5:
        kwargs = template.base.token_kwargs(bits[4:], parser)
        if set(kwargs) != {"unit"}:
            raise template.TemplateSyntaxError("marked: the only keyword is unit")
        unit = kwargs["unit"]
    nodelist = parser.parse(("endmarked",))
    parser.delete_first_token()
    return MarkedNode(nodelist, *(parser.compile_filter(bit) for bit in bits[1:4]), unit)


@register.simple_tag(takes_context=True)
def mark_row_class(context, table_key, row):
    """ " app-mark-row" on a row the edition did not have."""
    marks = _marks(context)
    return " app-mark-row" if marks and (table_key, row) in marks.new_rows else ""


@register.simple_tag(takes_context=True)
def mark_row_badge(context, table_key, row):
    """The badge of a row the edition did not have (after its label)."""
    marks = _marks(context)
    found = marks.new_rows.get((table_key, row)) if marks else None
    if found is None:
        return ""
    return format_html(
        ' <span class="fr-badge fr-badge--sm fr-badge--info fr-badge--no-icon app-mark-row__badge" id="{}">'
        'Nouvelle ligne<span class="fr-sr-only"> : ligne absente de l\'édition</span></span>',
        found.target,
    )


@register.inclusion_tag("reporting/editions/removed_rows.html", takes_context=True)
def removed_rows(context, table_key):
    """The rows of the edition that the live table no longer has, named under it."""
    marks = _marks(context)
    return {"rows": marks.removed_rows.get(table_key, ()) if marks else (), "anchor": removed_rows_anchor(table_key)}


@register.filter
def count_index(position):
    """The grid column of the count of a table's `position`-th cell (from 0)."""
    return 1 + 2 * position


@register.filter
def share_index(position):
    """The grid column of the share of a table's `position`-th cell."""
    return 2 + 2 * position


@register.filter
def at(sequence, position):
    return sequence[position]


@register.filter
def share_unit(kind):
    return "%" if kind == "share" else ""
