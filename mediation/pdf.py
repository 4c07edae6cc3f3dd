"""PDFs of the app (WeasyPrint). The renderer may fetch nothing from the network nor from the
disk at large: only the app's own static files, read from the staticfiles finders or STATIC_ROOT
by their path. Every PDF of every app is made by `render_pdf`."""

import mimetypes
import posixpath
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.utils._os import safe_join

# Relative references in the PDF's HTML (`{% static %}` gives "/static/…") resolve against this
# origin, which no network serves: the fetcher maps its static paths to files and refuses the rest.
PDF_BASE_URL = "https://bilan.invalid/"


def static_file(url):
    """The file on disk of one of our static files at `url`, or None for anything else."""
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}/" != PDF_BASE_URL:
        return None
    prefix = "/" + settings.STATIC_URL.strip("/") + "/"
    path = unquote(parts.path)
    if not path.startswith(prefix):
        return None
    name = path.removeprefix(prefix)
    if posixpath.normpath(name) != name or name.startswith(("/", "..")) or "\\" in name or "\0" in name:
        return None
    try:
        found = finders.find(name)
        if not found and settings.STATIC_ROOT:
            found = safe_join(settings.STATIC_ROOT, name)
    except SuspiciousFileOperation:
        return None
    if not found or not posixpath.isfile(found):
        return None
    return found


def static_only_fetcher():
    """A WeasyPrint URL fetcher that serves our static files and refuses every other URL."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse, URLFetchingError

    class StaticOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            path = static_file(url)
            if path is None:
                raise URLFetchingError(f"Ressource refusée : {url}")
            with open(path, "rb") as file:
                body = file.read()
            content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
            # The URL stays the one asked for, so that references inside a stylesheet resolve
            # against it and come back here.
            return URLFetcherResponse(url, body, {"Content-Type": content_type})

    return StaticOnlyFetcher(allowed_protocols=("https",), allow_redirects=False)


# Tagged PDF for assistive technologies (PDF/UA-1): WeasyPrint writes the structure tree (headings,
# paragraphs, tables with their header cells), and takes the document's language and title from
# the HTML's `<html lang>` and `<title>`, which every PDF template must set.
PDF_VARIANT = "pdf/ua-1"


def render_pdf(html):
    from weasyprint import HTML

    document = HTML(string=html, base_url=PDF_BASE_URL, url_fetcher=static_only_fetcher())
    return document.write_pdf(pdf_variant=PDF_VARIANT)
