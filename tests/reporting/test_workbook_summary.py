"""The bilan's workbook opens on the summary the PDF has (« En résumé »)."""

import io

import openpyxl
import pytest
from django.urls import reverse

from mediation.enums import Role
from tests.factories import department
from tests.reporting.test_dashboard import query, year_of_sheets  # noqa: F401

pytestmark = pytest.mark.django_db


def test_the_workbook_opens_on_the_summary_with_the_resolved_shares(client, login_as, year_of_sheets):  # noqa: F811
    login_as(Role.COORDINATOR, region=department("59").region)
    bilan = client.get(reverse("reporting:dashboard") + query()).context["bilan"]
    content = client.get(reverse("reporting:bilan_workbook", args=["xlsx"]) + query()).content
    book = openpyxl.load_workbook(io.BytesIO(content))
    sheet = book.worksheets[0]
    assert sheet.title == "En résumé"
    lines = {row[0]: row[1:] for row in sheet.iter_rows(min_row=2, values_only=True)}
    headline = {h.key: h for h in bilan.summary}
    for key in ("rights_resolved", "care_resolved", "sheets", "people"):
        value, unit = lines[headline[key].label][:2]
        assert value == headline[key].value
        assert (unit or "") == headline[key].unit
    assert any(h.key == "rights_resolved" and h.value is not None for h in bilan.summary)
