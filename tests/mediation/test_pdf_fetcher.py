"""The PDF's URL fetcher: our static files come into the PDF; nothing else is fetched, neither
from the network nor from the disk, and the PDF still renders without it."""

import http.server
import io
import threading

import pytest
from django.template import Context, Template
from PIL import Image
from pypdf import PdfReader

from reporting import pdf

A5 = (419.53, 595.28)  # points


@pytest.fixture
def static_dir(tmp_path, settings):
    """A static folder with a stylesheet (an A5 page, a background image) and an image."""
    folder = tmp_path / "static"
    (folder / "pdf-test").mkdir(parents=True)
    Image.new("RGB", (4, 4), (200, 0, 0)).save(folder / "pdf-test" / "pixel.png")
    (folder / "pdf-test" / "print.css").write_text("@page { size: A5; } .logo { width: 20mm; }")
    settings.STATICFILES_DIRS = [folder]
    return folder


@pytest.fixture
def http_server():
    """A local HTTP server that records every request it receives."""
    seen = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b"@page { size: A3; }")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()
    server.server_close()


def render(monkeypatch, body):
    """The bilan PDF as it is rendered, from our own HTML instead of the bilan's."""
    html = Template("{% load static %}<html><head>" + body + "</head><body><p>Bilan</p></body></html>")
    monkeypatch.setattr(pdf, "render_bilan_html", lambda bilan, edition=None: html.render(Context()))
    return PdfReader(io.BytesIO(pdf.render_bilan_pdf(bilan=None)))


def images(reader):
    found = []
    for page in reader.pages:
        xobjects = page["/Resources"].get("/XObject") or {}
        found += [name for name, ref in xobjects.items() if ref.get_object().get("/Subtype") == "/Image"]
    return found


def page_size(reader):
    box = reader.pages[0].mediabox
    return round(float(box.width), 2), round(float(box.height), 2)


def test_a_static_stylesheet_and_image_come_into_the_pdf(monkeypatch, static_dir):
    reader = render(
        monkeypatch,
        '<link rel="stylesheet" href="{% static "pdf-test/print.css" %}">'
        '</head><body><img class="logo" src="{% static "pdf-test/pixel.png" %}" alt="">',
    )
    assert page_size(reader) == A5  # the stylesheet applies
    assert len(images(reader)) == 1  # the image is in the PDF


@pytest.mark.parametrize(
    "reference",
    [
        "{origin}/style.css",
        "file:///etc/passwd",
        "file://{outside}",
        "/static/../../../../etc/passwd",
        "/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "https://bilan.invalid/etc/passwd",
    ],
)
def test_nothing_but_our_static_files_is_fetched(monkeypatch, static_dir, http_server, tmp_path, reference):
    origin, seen = http_server
    outside = tmp_path / "outside.css"  # would make an A5 page if it were read
    outside.write_text("@page { size: A5; }")
    url = reference.format(origin=origin, outside=outside)
    reader = render(monkeypatch, f'<link rel="stylesheet" href="{url}"></head><body><img src="{url}" alt="">')
    assert seen == []  # the local server was never asked
    assert page_size(reader) != A5 and images(reader) == []
    assert "Bilan" in reader.pages[0].extract_text()  # the PDF renders without the resource


def test_an_image_on_a_local_server_is_not_fetched(monkeypatch, static_dir, http_server):
    origin, seen = http_server
    reader = render(monkeypatch, f'</head><body><img src="{origin}/pixel.png" alt="">')
    assert seen == [] and images(reader) == []
