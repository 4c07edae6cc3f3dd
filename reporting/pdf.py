"""The bilan as an A4 PDF (WeasyPrint), from the same Bilan and the same SVG charts as the
dashboard, rendered by the core's static-only `render_pdf`."""

from django.template.loader import render_to_string

from mediation.pdf import render_pdf

from .presentation import bilan_context


def render_bilan_html(bilan):
    return render_to_string("reporting/pdf/bilan.html", bilan_context(bilan))


def render_bilan_pdf(bilan):
    return render_pdf(render_bilan_html(bilan))
