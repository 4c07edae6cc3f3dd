"""Caseload exports: a mediator's own sheets, a manager's structure, in CSV, XLSX and ODS, in the
historical sheets import format, so that an export imports back to the same data; formulas are
neutralised; every person exported is in the access log."""

import datetime
import io

import openpyxl
import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from accompaniments.models import Beneficiary, Sheet, SheetRequest
from mediation.enums import Role
from mediation.imports import services
from mediation.imports.formats import check_upload, read_file
from tests.accompaniments.factories import BeneficiaryFactory, SheetFactory, SheetRequestFactory, item
from tests.factories import StructureFactory, make_mediator, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    mediator = make_mediator(email="awa@exemple.fr")
    structure = mediator.membership.structure
    colleague = make_mediator(structure=structure, email="nadia@exemple.fr")
    return {
        "structure": structure,
        "mediator": mediator,
        "colleague": colleague,
        "manager": make_user(Role.STRUCTURE_MANAGER, structure=structure),
    }


def sheet_for(mediator, *, last_name, opened_on=datetime.date(2024, 3, 15), **person):
    post = mediator.post_holdings.get().post
    beneficiary = BeneficiaryFactory(structure=post.structure, referent=mediator, last_name=last_name, **person)
    return SheetFactory(beneficiary=beneficiary, post=post, opened_on=opened_on, mediator=mediator)


@pytest.fixture
def caseload(team):
    first = sheet_for(team["mediator"], last_name="Dupont", first_name="Éléonore", external_id="X-1", birth_year=1980)
    SheetRequestFactory(sheet=first, resolved=True, closed_on=datetime.date(2024, 4, 1))
    SheetRequestFactory(sheet=first, care=True)
    second = sheet_for(team["mediator"], last_name="Martin", first_name="Jean", opened_on=datetime.date(2024, 6, 1))
    second.contact_mode = None
    second.lives_in_qpv = False
    second.save()
    empty = sheet_for(team["mediator"], last_name="Benali", first_name="Samira", external_id="X-3")
    colleague = sheet_for(team["colleague"], last_name="Lefebvre", first_name="Chantal")
    SheetRequestFactory(sheet=colleague)
    SheetFactory(beneficiary=BeneficiaryFactory(last_name="Étranger"))  # another structure
    return {"first": first, "second": second, "empty": empty, "colleague": colleague}


def download(client, fmt):
    response = client.get(reverse("accompaniments:caseload_download", args=[fmt]))
    assert response.status_code == 200
    return response


def table(response, fmt):
    return read_file(f"export.{fmt}", response.content)


def test_a_mediator_exports_her_own_sheets_only(client, team, caseload):
    client.force_login(team["mediator"])
    response = download(client, "csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="mes-fiches-' in response["Content-Disposition"]
    data = table(response, "csv")
    names = {row.cells[data.headers.index("nom")] for row in data.rows}
    assert names == {"Dupont", "Martin", "Benali"}
    assert len(data.rows) == 2 + 1 + 1  # two requests, one sheet without request, one without request
    logged = set(
        LogEntry.objects.filter(action=LogEntry.Action.ACCESS, actor=team["mediator"]).values_list(
            "object_id", flat=True
        )
    )
    assert logged == {
        caseload["first"].beneficiary_id,
        caseload["second"].beneficiary_id,
        caseload["empty"].beneficiary_id,
    }


def test_a_manager_exports_the_structure(client, team, caseload):
    client.force_login(team["manager"])
    data = table(download(client, "xlsx"), "xlsx")
    names = {row.cells[data.headers.index("nom")] for row in data.rows}
    assert names == {"Dupont", "Martin", "Benali", "Lefebvre"}


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.READER, Role.ADMIN])
def test_roles_above_the_structure_cannot_export(client, login_as, role):
    login_as(role)
    assert client.get(reverse("accompaniments:caseload_export")).status_code == 403
    assert client.get(reverse("accompaniments:caseload_download", args=["csv"])).status_code == 403


def test_the_export_page_counts_and_an_unknown_format_is_a_404(client, team, caseload):
    client.force_login(team["mediator"])
    content = client.get(reverse("accompaniments:caseload_export")).content.decode()
    assert "3 fiches de 3 personnes" in content
    assert client.get(reverse("accompaniments:caseload_download", args=["pdf"])).status_code == 404


def test_formulas_are_neutralised_and_read_back(client, team):
    sheet = sheet_for(team["mediator"], last_name='=HYPERLINK("http://x","y")', first_name="+33 6", external_id="@id")
    client.force_login(team["mediator"])
    for fmt in ("csv", "xlsx"):
        response = download(client, fmt)
        if fmt == "csv":
            text = response.content.decode("utf-8-sig")
            assert "'=HYPERLINK" in text and ";'+33 6;" in text and "'@id" in text
        else:
            workbook = openpyxl.load_workbook(io.BytesIO(response.content))
            cells = [c.value for c in workbook.active[2]]
            assert '\'=HYPERLINK("http://x","y")' in cells and "'+33 6" in cells
            assert all(not (isinstance(c, str) and c.startswith(("=", "+", "-", "@"))) for c in cells)
    # The import reads the neutralised cells as they were typed.
    admin = make_user(Role.ADMIN)
    report = services.run(
        services.KINDS["fiches"], check_upload("export.xlsx", response.content), user=admin, dry_run=True
    )
    assert report.errors == [] and report.unchanged == 1
    assert sheet.beneficiary.external_id == "@id"


def snapshot(structure):
    """The data the export format carries, as comparable tuples."""
    rows = []
    for sheet in Sheet.objects.filter(beneficiary__structure=structure).select_related(
        "beneficiary", "mediator", "post"
    ):
        person = sheet.beneficiary
        requests = sorted(
            (r.domain, r.kind.code, r.status, r.opened_on, r.closed_on)
            for r in SheetRequest.objects.filter(sheet=sheet)
        )
        rows.append(
            (
                person.last_name,
                person.first_name,
                person.birth_year,
                person.external_id if not person.external_id.startswith("app-") else "",
                sheet.mediator.email,
                sheet.post.code,
                sheet.opened_on,
                sheet.sex_id,
                sheet.age,
                sheet.lives_in_qpv,
                sheet.resources_id,
                sheet.came_via_id,
                sheet.contact_mode_id,
                tuple(requests),
            )
        )
    return sorted(rows, key=repr)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "ods"])
def test_an_export_imports_back_to_the_same_data(client, team, caseload, fmt):
    structure = team["structure"]
    client.force_login(team["manager"])
    content = download(client, fmt).content
    before = snapshot(structure)
    admin = make_user(Role.ADMIN)
    upload = check_upload(f"export.{fmt}", content)

    # Into the same structure: nothing changes (people without identifier are found as app-<n>).
    again = services.run(services.KINDS["fiches"], upload, user=admin, dry_run=False)
    assert (again.errors, again.created, again.updated) == ([], 0, 0)
    assert snapshot(structure) == before

    # Into the structure emptied of its people: the same data again.
    SheetRequest.objects.filter(sheet__beneficiary__structure=structure).delete()
    Sheet.objects.filter(beneficiary__structure=structure).delete()
    Beneficiary.objects.filter(structure=structure).delete()
    report = services.run(services.KINDS["fiches"], upload, user=admin, dry_run=False)
    assert report.errors == []
    assert report.created == 2 + 1 + 1 + 1
    assert snapshot(structure) == before
    assert item("sex", "female").pk in {row[7] for row in before}


def test_the_other_structure_never_appears(client, caseload):
    other_mediator = make_mediator(structure=StructureFactory())
    client.force_login(other_mediator)
    data = table(download(client, "csv"), "csv")
    assert data.rows == []
