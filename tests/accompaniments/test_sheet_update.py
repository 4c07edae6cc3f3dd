"""Editing a sheet and its requests, and two tabs editing the same sheet."""

import datetime

import pytest
from django.urls import reverse

from accompaniments.enums import RequestDomain, RequestStatus
from accompaniments.models import SheetRequest
from mediation.enums import Vocabulary
from tests.accompaniments.factories import SheetFactory, SheetRequestFactory, item
from tests.accompaniments.sheet_fixtures import CARE_DOCTOR, Team, days_ago, request_row, today, update_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(client):
    team = Team()
    client.force_login(team.mediator)
    return team


@pytest.fixture
def sheet(team):
    sheet = SheetFactory(beneficiary=team.person, post=team.post, opened_on=days_ago(20), notes="Première note")
    SheetRequestFactory(sheet=sheet, note="CSS")
    SheetRequestFactory(sheet=sheet, care=True, note="Médecin")
    return sheet


def url(sheet):
    return reverse("accompaniments:sheet_update", args=[sheet.pk])


def test_the_form_shows_the_stored_requests(client, team, sheet):
    response = client.get(url(sheet))
    assert response.status_code == 200
    formset = response.context["formset"]
    assert formset.total_form_count() == 2
    assert response.context["form"]["version"].value() == 1
    assert "Médecin" in response.content.decode()


def test_requests_are_edited_removed_and_added_in_one_save(client, team, sheet):
    css, doctor = sheet.requests.order_by("pk")
    data = update_data(team, sheet, notes="Note revue")
    data["requests-0-status"] = RequestStatus.RESOLVED
    data["requests-0-closed_on"] = today().isoformat()
    data["requests-1-DELETE"] = "on"
    data["requests-TOTAL_FORMS"] = "3"
    for name, value in request_row(domain=RequestDomain.CARE, kind=CARE_DOCTOR, note="Nouvelle").items():
        data[f"requests-2-{name}"] = value
    response = client.post(url(sheet), data)
    assert response.status_code == 302
    sheet.refresh_from_db()
    assert sheet.notes == "Note revue"
    assert sheet.version == 2
    css.refresh_from_db()
    assert (css.status, css.closed_on) == (RequestStatus.RESOLVED, today())
    assert not SheetRequest.objects.filter(pk=doctor.pk).exists()
    new = sheet.requests.get(note="Nouvelle")
    assert new.opened_on == sheet.opened_on


def test_changing_only_a_request_moves_the_version_on(client, team, sheet):
    data = update_data(team, sheet)
    data["requests-0-note"] = "Relancé par téléphone"
    assert client.post(url(sheet), data).status_code == 302
    sheet.refresh_from_db()
    assert sheet.version == 2
    assert sheet.requests.filter(note="Relancé par téléphone").exists()


def test_moving_the_date_recomputes_the_age_and_checks_the_requests(client, team, sheet):
    later = (sheet.opened_on + datetime.timedelta(days=5)).isoformat()
    response = client.post(url(sheet), update_data(team, sheet, opened_on=later))
    assert response.status_code == 200
    assert "Une demande ne peut pas être ouverte avant la fiche" in response.content.decode()
    earlier = datetime.date(2024, 1, 10)
    response = client.post(url(sheet), update_data(team, sheet, opened_on=earlier.isoformat()))
    assert response.status_code == 302
    sheet.refresh_from_db()
    assert (sheet.opened_on, sheet.age) == (earlier, 2024 - 1980)


def test_a_second_tab_is_refused_and_nothing_is_overwritten(client, team, sheet):
    tab_one = update_data(team, sheet, notes="Écrit dans l'onglet 1")
    tab_two = update_data(team, sheet, notes="Écrit dans l'onglet 2")
    tab_two["requests-0-status"] = RequestStatus.UNRESOLVED
    tab_two["requests-0-closed_on"] = today().isoformat()
    tab_two["resources"] = item(Vocabulary.RESOURCES, "salaire").pk

    assert client.post(url(sheet), tab_one).status_code == 302
    response = client.post(url(sheet), tab_two)

    assert response.status_code == 200
    content = response.content.decode()
    assert "Ces informations ont été modifiées par ailleurs" in content
    assert "notes : « Écrit dans l&#x27;onglet 1 »" in content
    assert "Écrit dans l&#x27;onglet 2" in content  # what was typed is still there
    sheet.refresh_from_db()
    assert sheet.notes == "Écrit dans l'onglet 1"
    assert sheet.resources.code == "rsa"
    assert sheet.requests.filter(status=RequestStatus.IN_PROGRESS).count() == 2  # request edit not applied
    assert sheet.version == 2
    # The re-shown form carries the current version: saving it again goes through.
    again = response.context["form"].data.copy()
    assert client.post(url(sheet), again).status_code == 302
    sheet.refresh_from_db()
    assert sheet.notes == "Écrit dans l'onglet 2"
    assert sheet.requests.filter(status=RequestStatus.UNRESOLVED).count() == 1


def test_closing_a_request_elsewhere_makes_an_open_form_stale(client, team, sheet):
    open_form = update_data(team, sheet)
    css = sheet.requests.order_by("pk").first()
    client.post(
        reverse("accompaniments:request_close", args=[css.pk]),
        {"status": RequestStatus.RESOLVED, "closed_on": today().isoformat()},
    )
    response = client.post(url(sheet), open_form)
    assert response.status_code == 200
    content = response.content.decode()
    assert "demande « Demande de Complémentaire santé solidaire » : « Résolue, close le" in content
    css.refresh_from_db()
    assert css.status == RequestStatus.RESOLVED  # not put back in progress


def test_a_request_removed_in_another_tab_does_not_block_the_next_save(client, team, sheet):
    tab_two = update_data(team, sheet, notes="Onglet 2")
    tab_one = update_data(team, sheet)
    tab_one["requests-1-DELETE"] = "on"
    assert client.post(url(sheet), tab_one).status_code == 302
    assert sheet.requests.count() == 1

    response = client.post(url(sheet), tab_two)
    assert response.status_code == 200
    assert "une demande : « retirée entre-temps »" in response.content.decode()
    rebased = response.context["formset"]
    assert rebased.total_form_count() == 2  # the removed one comes back as a new row: nothing typed is lost
    again = rebased.data.copy()
    again["requests-1-DELETE"] = "on"  # she agrees with the removal
    assert client.post(url(sheet), again).status_code == 302
    sheet.refresh_from_db()
    assert sheet.notes == "Onglet 2"
    assert sheet.requests.count() == 1


def test_a_row_pointing_at_another_sheets_request_changes_nothing_there(client, team, sheet):
    other = SheetRequestFactory(note="Autre fiche")
    data = update_data(team, sheet)
    data["requests-0-id"] = other.pk
    data["requests-0-note"] = "Détournée"
    assert client.post(url(sheet), data).status_code in (200, 302)
    other.refresh_from_db()
    assert (other.sheet_id, other.note) == (other.sheet_id, "Autre fiche")
    assert other.sheet_id != sheet.pk
    assert not SheetRequest.objects.filter(note="Détournée").exists()


@pytest.mark.parametrize("initial_forms", ["5", "-1", "x", ""])
def test_a_tampered_initial_count_is_not_a_crash(client, team, sheet, initial_forms):
    data = update_data(team, sheet)
    data["requests-INITIAL_FORMS"] = initial_forms
    assert client.post(url(sheet), data).status_code in (200, 302)
    assert SheetRequest.objects.filter(sheet=sheet).count() >= 2
