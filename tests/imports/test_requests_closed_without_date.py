"""Historical requests resolved or not resolved without a closing date (the region's old tool kept
the outcome, not its day): accepted with a warning in the dry run, recorded closed on their
opening day flagged « date inconnue », counted closed within the sheet's year by the bilan, shown
so on the sheet, and imported twice without change."""

import datetime

import pytest
from django.urls import reverse

from accompaniments.enums import RequestStatus
from accompaniments.models import SheetRequest
from mediation.imports.formats import check_upload, read_file
from mediation.models import Department
from reporting.activity import compute_activity
from reporting.scope import resolve_scope
from tests.accompaniments.sheet_fixtures import Team
from tests.imports.conftest import run
from tests.imports.test_sheets_import import mediator, post, row, sheets_file  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


def region_file():
    """Two people as the old tool exported them: outcomes without their day."""
    return sheets_file(
        row("A-1", date="15/03/2024", etat="résolue", date_cloture=""),
        row("A-2", date="20/11/2024", etat="non résolue", date_ouverture="", date_cloture=""),
    )


def test_the_dry_run_accepts_them_and_states_the_rule(admin, mediator):  # noqa: F811
    report = run("fiches", region_file(), user=admin, dry_run=True)
    assert (report.errors, report.created) == ([], 2)
    warning = next(note for note in report.notes if "sans date de clôture" in note)
    assert warning.startswith("2 demande(s)")
    assert "« date inconnue »" in warning
    assert not SheetRequest.objects.exists()


def test_they_are_closed_on_their_opening_day_with_the_date_unknown(admin, mediator):  # noqa: F811
    report = run("fiches", region_file(), user=admin)
    assert report.applied and report.errors == []
    stored = sorted(SheetRequest.objects.values_list("status", "opened_on", "closed_on", "closed_on_unknown"))
    assert stored == [
        (RequestStatus.RESOLVED, datetime.date(2024, 3, 15), datetime.date(2024, 3, 15), True),
        (RequestStatus.UNRESOLVED, datetime.date(2024, 11, 20), datetime.date(2024, 11, 20), True),
    ]


def test_importing_the_same_file_again_changes_nothing(admin, mediator):  # noqa: F811
    run("fiches", region_file(), user=admin)
    again = run("fiches", region_file(), user=admin)
    assert (again.created, again.updated, again.unchanged, again.errors) == (0, 0, 2, [])


def test_a_later_file_with_the_date_replaces_the_unknown_one(admin, mediator):  # noqa: F811
    run("fiches", region_file(), user=admin)
    dated = sheets_file(row("A-1", date="15/03/2024", etat="résolue", date_cloture="02/04/2024"))
    report = run("fiches", dated, user=admin)
    assert report.updated == 1
    request = SheetRequest.objects.get(sheet__beneficiary__external_id="A-1")
    assert (request.closed_on, request.closed_on_unknown) == (datetime.date(2024, 4, 2), False)


def test_the_bilan_counts_them_resolved_within_the_sheets_year(admin, mediator):  # noqa: F811
    run("fiches", region_file(), user=admin)
    scope = resolve_scope(Department.objects.all(), year=2024, key="region:32")
    rights = compute_activity(scope).rights_requests
    assert rights.total.total == 2
    assert rights.resolved.total == 1  # the resolved one; the not resolved one is closed, not resolved


def test_the_sheet_page_says_the_date_is_unknown(client):
    team = Team()
    client.force_login(team.mediator)
    from tests.accompaniments.factories import SheetFactory, SheetRequestFactory

    sheet = SheetFactory(beneficiary=team.person, post=team.post, opened_on=datetime.date(2024, 3, 15))
    SheetRequestFactory(
        sheet=sheet,
        status=RequestStatus.RESOLVED,
        opened_on=sheet.opened_on,
        closed_on=sheet.opened_on,
        closed_on_unknown=True,
    )
    page = client.get(reverse("accompaniments:sheet_detail", args=[sheet.pk])).content.decode()
    assert "Close à une date inconnue" in page
    assert "Close le 15/03/2024" not in page
    person = client.get(reverse("accompaniments:beneficiary_detail", args=[team.person.pk])).content.decode()
    assert "date inconnue" in person


def test_editing_the_closing_date_makes_it_known():
    from tests.accompaniments.factories import SheetFactory, SheetRequestFactory

    sheet = SheetFactory(opened_on=datetime.date(2024, 3, 15))
    request = SheetRequestFactory(
        sheet=sheet, status=RequestStatus.RESOLVED, opened_on=sheet.opened_on, closed_on=sheet.opened_on
    )
    SheetRequest.objects.filter(pk=request.pk).update(closed_on_unknown=True)
    request.refresh_from_db()
    request.resolve(on=datetime.date(2024, 5, 2))
    request.refresh_from_db()
    assert (request.closed_on, request.closed_on_unknown) == (datetime.date(2024, 5, 2), False)


@pytest.mark.parametrize(("closed_on", "unknown"), [(None, True), (datetime.date(2024, 5, 2), False)])
def test_saving_the_sheet_keeps_the_unknown_date_unless_a_date_is_typed(client, closed_on, unknown):
    from tests.accompaniments.factories import SheetFactory, SheetRequestFactory
    from tests.accompaniments.sheet_fixtures import update_data

    team = Team()
    client.force_login(team.mediator)
    sheet = SheetFactory(beneficiary=team.person, post=team.post, opened_on=datetime.date(2024, 3, 15))
    request = SheetRequestFactory(
        sheet=sheet, status=RequestStatus.RESOLVED, opened_on=sheet.opened_on, closed_on=sheet.opened_on
    )
    SheetRequest.objects.filter(pk=request.pk).update(closed_on_unknown=True)
    data = update_data(team, sheet)
    data["requests-0-note"] = "Relu"
    if closed_on:
        data["requests-0-closed_on"] = closed_on.isoformat()
    response = client.post(reverse("accompaniments:sheet_update", args=[sheet.pk]), data)
    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.note, request.closed_on, request.closed_on_unknown) == (
        "Relu",
        closed_on or sheet.opened_on,
        unknown,
    )


def test_the_caseload_export_leaves_the_unknown_date_empty_and_imports_back_unchanged(client, admin, mediator):  # noqa: F811
    run("fiches", region_file(), user=admin)
    client.force_login(mediator)
    response = client.get(reverse("accompaniments:caseload_download", args=["csv"]))
    table = read_file("export.csv", response.content)
    closing = table.headers.index("date_cloture")
    assert [row.cells[closing] for row in table.rows] == ["", ""]
    again = run("fiches", check_upload("export.csv", response.content), user=admin)
    assert (again.errors, again.created, again.updated, again.unchanged) == ([], 0, 0, 2)
    assert SheetRequest.objects.filter(closed_on_unknown=True).count() == 2
