"""The bilan as an A4 PDF (WeasyPrint), from the same Bilan and the same SVG charts as the
dashboard. The renderer may fetch nothing from the network: only the app's own static files."""

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

from .presentation import bilan_context


def local_only_fetcher(url, *args, **kwargs):
    """WeasyPrint url_fetcher: static files of the app, nothing else."""
    from weasyprint.urls import URLFetchingError, default_url_fetcher

    prefix = "static:/"
    if not url.startswith(prefix):
        raise URLFetchingError(f"Ressource refusée : {url}")
    path = finders.find(url.removeprefix(prefix).lstrip("/"))
    if not path:
        raise URLFetchingError(f"Ressource introuvable : {url}")
    return default_url_fetcher("file://" + path)


def render_bilan_html(bilan):
    return render_to_string("reporting/pdf/bilan.html", bilan_context(bilan))


def render_bilan_pdf(bilan):
    from weasyprint import HTML

    html = render_bilan_html(bilan)
    return HTML(string=html, base_url="static:/", url_fetcher=local_only_fetcher).write_pdf()
