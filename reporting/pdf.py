"""The bilan as an A4 PDF (WeasyPrint), from the same Bilan and the same SVG charts as the
dashboard, rendered by the core's static-only `render_pdf`."""

from django.template.loader import render_to_string

from mediation.pdf import render_pdf

from .presentation import bilan_context


def render_bilan_html(bilan, edition=None):
    """`edition`: the stamp of a published edition (editions.Stamp) for its cover and method page."""
    return render_to_string("reporting/pdf/bilan.html", bilan_context(bilan) | {"edition": edition})


def render_bilan_pdf(bilan, edition=None):
    return render_pdf(render_bilan_html(bilan, edition))
