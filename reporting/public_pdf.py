"""The public edition's PDF (public_edition.PublicBilan), rendered like the bilan's by the core's
static-only `render_pdf`, from its own template: a masked count reads « s », the method page
states the rule, and no chart is drawn (a bar of a masked count would give it back)."""

from django.template.loader import render_to_string

from mediation.pdf import render_pdf

from . import secrecy
from .presentation import TABLE_TEMPLATES, table_blocks


def render_public_html(public, edition=None):
    """`edition`: the stamp of the published edition (editions.Stamp), with the public JSON's
    fingerprint."""
    bilan = public.bilan
    context = {
        "bilan": bilan,
        "scope": bilan.scope,
        "edition": edition,
        "minimum": public.minimum,
        "mediators": secrecy.MIN_CONTRIBUTORS,
        "register_template": TABLE_TEMPLATES["register"],
        "annual_blocks": table_blocks((bilan.annual.annex, *bilan.annual.ranked), {}),
    }
    return render_to_string("reporting/pdf/public_bilan.html", context)


def render_public_pdf(public, edition=None):
    return render_pdf(render_public_html(public, edition))
