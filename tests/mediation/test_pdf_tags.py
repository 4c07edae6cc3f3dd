"""The PDFs are tagged for assistive technologies (PDF/UA-1): a structure tree, the document's
language and title, and header cells in the bilan's tables. Read back from the bytes a user gets."""

import datetime
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader
from pypdf.generic import IndirectObject

from mediation.enums import Role
from tests.accompaniments.factories import BeneficiaryFactory, SheetFactory
from tests.factories import CommuneFactory, PostFactory, StructureFactory, department, make_mediator

pytestmark = pytest.mark.django_db

YEAR = 2024


def read_pdf(response):
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return PdfReader(io.BytesIO(body))


def structure_types(reader):
    """The structure types (/S) of every element of the PDF's structure tree."""
    found = []
    stack = [reader.trailer["/Root"]["/StructTreeRoot"]]
    while stack:
        node = stack.pop()
        node = node.get_object() if isinstance(node, IndirectObject) else node
        if isinstance(node, list):
            stack.extend(node)
            continue
        if not hasattr(node, "get"):
            continue  # a marked-content id (an integer) at a leaf
        if "/S" in node:
            found.append(str(node["/S"]))
        if "/K" in node:
            stack.append(node["/K"])
    return found


def assert_tagged(reader, title_start):
    catalog = reader.trailer["/Root"]
    assert "/StructTreeRoot" in catalog, "no structure tree: the PDF is not tagged"
    assert catalog["/MarkInfo"]["/Marked"]
    assert catalog["/Lang"] == "fr"
    assert reader.metadata.title.startswith(title_start)
    assert catalog["/ViewerPreferences"]["/DisplayDocTitle"]


def test_the_bilan_pdf_is_tagged_with_its_language_title_and_table_headers(client, login_as):
    structure = StructureFactory(commune=CommuneFactory(department=department("59")))
    post = PostFactory(structure=structure, department=department("59"))
    for _ in range(3):
        SheetFactory(
            beneficiary=BeneficiaryFactory(structure=structure), post=post, opened_on=datetime.date(YEAR, 5, 1)
        )
    login_as(Role.COORDINATOR, region=department("59").region)

    reader = read_pdf(client.get(reverse("reporting:bilan_pdf") + f"?annee={YEAR}&perimetre=region:32"))

    assert_tagged(reader, f"Bilan {YEAR} de la médiation santé — Hauts-de-France")
    types = structure_types(reader)
    assert "/Table" in types and "/TH" in types and "/TD" in types
    assert "/H1" in types


def test_the_personal_data_pdf_is_tagged_with_its_language_and_title(client):
    mediator = make_mediator()
    person = BeneficiaryFactory(structure=mediator.membership.structure, referent=mediator, last_name="Dupont")
    client.force_login(mediator)

    reader = read_pdf(client.get(reverse("accompaniments:beneficiary_data", args=[person.pk, "pdf"])))

    assert_tagged(reader, "Données personnelles détenues")
    assert "/TH" in structure_types(reader)
