"""The sheet page: what it shows, closing a request, logging a contact, and the audit trail."""

import datetime

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from accompaniments.enums import RequestStatus
from accompaniments.models import Contact, Sheet, SheetRequest
from mediation.enums import Vocabulary
from partners.enums import PartnerType
from partners.models import Orientation
from tests.accompaniments.factories import ContactFactory, SheetFactory, SheetRequestFactory, item
from tests.accompaniments.sheet_fixtures import Team, days_ago, request_row, sheet_data, today, update_data
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(client):
    team = Team()
    client.force_login(team.mediator)
    return team


@pytest.fixture
def sheet(team):
    sheet = SheetFactory(beneficiary=team.person, post=team.post, opened_on=days_ago(30))
    sheet.barriers.set([item(Vocabulary.CARE_BARRIER, "mobilite")])
    SheetRequestFactory(sheet=sheet, follow_up_on=days_ago(2))
    SheetRequestFactory(sheet=sheet, care=True, resolved=True)
    ContactFactory(sheet=sheet, note="Appel de suivi")
    return sheet


def detail(sheet):
    return reverse("accompaniments:sheet_detail", args=[sheet.pk])


def close(request_):
    return reverse("accompaniments:request_close", args=[request_.pk])


def test_the_page_shows_the_sheet_its_situation_requests_and_contacts(client, team, sheet):
    response = client.get(detail(sheet))
    assert response.status_code == 200
    content = response.content.decode()
    for text in (
        str(team.person),
        "Mobilité",
        "RSA",
        "44 ans",
        "Demande de Complémentaire santé solidaire",
        "Relance due",
        "Résolue",
        "Appel de suivi",
        "Ajouter un contact",
    ):
        assert text in content, text
    open_request = sheet.requests.get(status=RequestStatus.IN_PROGRESS)
    assert content.count('action="/accompagnements/demandes/') == 1
    assert close(open_request) in content


def test_displaying_a_sheet_is_logged(client, team, sheet):
    client.get(detail(sheet))
    entry = LogEntry.objects.get(action=LogEntry.Action.ACCESS)
    assert (entry.content_type.model, entry.object_pk, entry.actor) == ("sheet", str(sheet.pk), team.mediator)
    assert entry.object_repr == f"fiche d'accompagnement n° {sheet.pk}"


# ---------------------------------------------------------------- closing a request


def test_a_request_is_closed_from_the_sheet(client, team, sheet):
    open_request = sheet.requests.get(status=RequestStatus.IN_PROGRESS)
    response = client.post(
        close(open_request),
        {"status": RequestStatus.UNRESOLVED, "closed_on": today().isoformat(), "next": detail(sheet) + "#demandes"},
    )
    assert response.status_code == 302
    assert response.url == detail(sheet) + "#demandes"
    open_request.refresh_from_db()
    assert (open_request.status, open_request.closed_on, open_request.follow_up_on) == (
        RequestStatus.UNRESOLVED,
        today(),
        None,
    )
    sheet.refresh_from_db()
    assert sheet.version == 2
    assert "close le" in client.get(response.url).content.decode()


@pytest.mark.parametrize("next_url", ["https://exemple.com/", "//exemple.com/x", "javascript:alert(1)", ""])
def test_closing_never_redirects_outside(client, team, sheet, next_url):
    open_request = sheet.requests.get(status=RequestStatus.IN_PROGRESS)
    response = client.post(
        close(open_request), {"status": RequestStatus.RESOLVED, "closed_on": today().isoformat(), "next": next_url}
    )
    assert response.url == detail(sheet)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"status": RequestStatus.RESOLVED, "closed_on": "2999-01-01"}, "La date ne peut pas être dans le futur."),
        ({"status": RequestStatus.RESOLVED, "closed_on": "2020-01-01"}, "La clôture ne peut pas précéder"),
        ({"status": RequestStatus.RESOLVED, "closed_on": "hier"}, "Saisissez une date valide."),
        ({"status": RequestStatus.IN_PROGRESS, "closed_on": "2024-05-01"}, "Sélectionnez un choix valide"),
        ({}, "Ce champ est obligatoire."),
    ],
)
def test_an_invalid_close_changes_nothing_and_says_why(client, team, sheet, data, message):
    open_request = sheet.requests.get(status=RequestStatus.IN_PROGRESS)
    response = client.post(close(open_request), data)
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert "n&#x27;a pas été close" in page
    assert message.replace("'", "&#x27;") in page
    open_request.refresh_from_db()
    assert open_request.status == RequestStatus.IN_PROGRESS
    assert Sheet.objects.get().version == 1


def test_closing_twice_says_it_is_already_closed(client, team, sheet):
    open_request = sheet.requests.get(status=RequestStatus.IN_PROGRESS)
    data = {"status": RequestStatus.RESOLVED, "closed_on": today().isoformat()}
    client.post(close(open_request), data)
    response = client.post(close(open_request), data)
    assert response.status_code == 302
    assert "était déjà close" in client.get(response.url).content.decode()


def test_closing_needs_a_post(client, team, sheet):
    assert client.get(close(sheet.requests.first())).status_code == 405


# ---------------------------------------------------------------- contacts


def test_a_contact_is_added(client, team, sheet):
    response = client.post(
        reverse("accompaniments:contact_add", args=[sheet.pk]),
        {
            "contact-date": today().isoformat(),
            "contact-mode": item(Vocabulary.CONTACT_MODE, "telephone").pk,
            "contact-minutes": "15",
            "contact-note": "Rappel CPAM",
        },
    )
    assert response.status_code == 302
    contact = sheet.contacts.get(note="Rappel CPAM")
    assert (contact.date, contact.minutes, contact.mode.code) == (today(), 15, "telephone")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"contact-date": "2999-01-01"}, "La date ne peut pas être dans le futur."),
        ({"contact-date": "2001-01-01"}, "Un contact ne peut pas précéder l&#x27;ouverture de la fiche"),
        ({"contact-date": "n/a"}, "Saisissez une date valide."),
        ({"contact-minutes": "100000"}, "Indiquez une durée entre 0 et 1440 minutes."),
        ({"contact-minutes": "-5"}, "Indiquez une durée entre 0 et 1440 minutes."),
        ({"contact-mode": "999999"}, "Sélectionnez un choix valide"),
        ({"contact-note": "x" * 600}, "Assurez-vous que cette valeur comporte au plus 500 caractères"),
    ],
)
def test_an_invalid_contact_is_shown_with_its_error(client, team, sheet, data, message):
    response = client.post(
        reverse("accompaniments:contact_add", args=[sheet.pk]), {"contact-date": today().isoformat(), **data}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Contact.objects.count() == 1


# ---------------------------------------------------------------- audit trail


def test_creating_and_editing_a_sheet_is_logged_without_any_value(client, team):
    notes = "Suivi diabète, très confidentiel"
    create = reverse("accompaniments:sheet_create") + f"?beneficiary={team.person.pk}"
    client.post(create, sheet_data(team, notes=notes, requests=[request_row(note="Dossier CSS")]))
    sheet = Sheet.objects.get()
    client.post(reverse("accompaniments:sheet_update", args=[sheet.pk]), update_data(team, sheet, notes="Revu"))

    types = {model: ContentType.objects.get_for_model(model) for model in (Sheet, SheetRequest, Contact)}
    entries = LogEntry.objects.filter(content_type__in=types.values()).exclude(action=LogEntry.Action.ACCESS)
    assert entries.filter(content_type=types[Sheet], action=LogEntry.Action.CREATE).count() == 1
    assert entries.filter(content_type=types[Sheet], action=LogEntry.Action.UPDATE).count() == 1
    assert entries.filter(content_type=types[SheetRequest], action=LogEntry.Action.CREATE).count() == 1
    assert entries.filter(content_type=types[Contact], action=LogEntry.Action.CREATE).count() == 1
    assert set(entries.values_list("actor", flat=True)) == {team.mediator.pk}
    update = entries.get(content_type=types[Sheet], action=LogEntry.Action.UPDATE)
    assert "notes" in update.changes_dict
    for entry in entries:
        stored = f"{entry.changes} {entry.object_repr}"
        for secret in ("diabète", "Dossier CSS", "Revu", team.person.last_name):
            assert secret not in stored


def test_the_sheet_page_lists_its_orientations_and_offers_to_orient(client):
    sheet = SheetFactory(opened_on=datetime.date(2024, 3, 15))
    MembershipFactory(user=sheet.mediator, structure=sheet.beneficiary.structure)
    Orientation.objects.create(
        sheet=sheet,
        mediator=sheet.mediator,
        post=sheet.post,
        partner_type=PartnerType.CPAM,
        date=datetime.date(2024, 3, 20),
        reason="Ouverture de droits",
    )
    client.force_login(sheet.mediator)
    page = client.get(reverse("accompaniments:sheet_detail", args=[sheet.pk])).content.decode()
    assert "Orienter vers un partenaire" in page
    assert "20/03/2024" in page
