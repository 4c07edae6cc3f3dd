"""Opening a sheet: one page, one save, for a person already known."""

import datetime
import uuid

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse

from accompaniments.enums import RequestDomain, RequestStatus
from accompaniments.models import Contact, Sheet, SheetRequest
from mediation.enums import Vocabulary
from tests.accompaniments.factories import SheetFactory, item
from tests.accompaniments.sheet_fixtures import CARE_DOCTOR, Team, days_ago, request_row, sheet_data, today
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

URL = reverse("accompaniments:sheet_create")


def create_url(person):
    return f"{URL}?beneficiary={person.pk}"


@pytest.fixture
def team(client):
    team = Team()
    client.force_login(team.mediator)
    return team


def test_without_a_person_the_page_asks_to_choose_one(client, team):
    response = client.get(URL)
    assert response.status_code == 200
    content = response.content.decode()
    assert reverse("accompaniments:beneficiary_list") in content
    assert reverse("accompaniments:beneficiary_create") in content


def test_the_form_is_proposed_from_the_person_record(client, team):
    response = client.get(create_url(team.person))
    assert response.status_code == 200
    form, formset = response.context["form"], response.context["formset"]
    assert form["opened_on"].value() == today()
    assert form["post"].value() == team.post.pk  # the only post she holds
    assert form["resources"].value() == team.person.resources_id
    assert form["came_via"].value() == team.person.came_via_id
    assert "mediator" not in form.fields
    assert formset.total_form_count() == 1
    content = response.content.decode()
    assert "Accès aux droits" in content and "<optgroup" in content
    assert 'name="submission_key"' in content
    nonce = response.wsgi_request.csp_nonce
    assert f'src="/static/js/htmx.min.js" nonce="{nonce}"' in content
    assert '"allowEval":false' in content
    assert "autofocus" in content


def test_a_sheet_with_two_requests_is_saved_in_one_post(client, team):
    opened = days_ago(3)
    data = sheet_data(
        team,
        opened_on=opened.isoformat(),
        barriers=[item(Vocabulary.CARE_BARRIER, "mobilite").pk],
        requests=[
            request_row(follow_up_on=(today() + datetime.timedelta(days=7)).isoformat(), note="Dossier à compléter"),
            request_row(
                domain=RequestDomain.CARE,
                kind=CARE_DOCTOR,
                status=RequestStatus.RESOLVED,
                closed_on=today().isoformat(),
            ),
        ],
    )
    response = client.post(create_url(team.person), data)
    sheet = Sheet.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("accompaniments:sheet_detail", args=[sheet.pk])
    assert (sheet.beneficiary, sheet.mediator, sheet.post, sheet.opened_on) == (
        team.person,
        team.mediator,
        team.post,
        opened,
    )
    assert sheet.sex == team.person.sex
    assert sheet.age == team.person.age_on(opened)
    assert list(sheet.barriers.values_list("code", flat=True)) == ["mobilite"]
    rights, care = sheet.requests.order_by("domain").reverse()
    assert (rights.domain, rights.status, rights.opened_on, rights.note) == (
        RequestDomain.RIGHTS,
        RequestStatus.IN_PROGRESS,
        opened,
        "Dossier à compléter",
    )
    assert (care.status, care.closed_on, care.follow_up_on) == (RequestStatus.RESOLVED, today(), None)
    contact = Contact.objects.get()
    assert (contact.sheet, contact.date, contact.mode) == (sheet, opened, sheet.contact_mode)
    assert "Fiche enregistrée avec 2 demandes." in client.get(response.url).content.decode()


def test_an_untouched_empty_row_is_ignored(client, team):
    rows = [request_row(), request_row(domain="", kind="")]
    response = client.post(create_url(team.person), sheet_data(team, requests=rows))
    assert response.status_code == 302
    assert Sheet.objects.count() == 1
    assert SheetRequest.objects.count() == 1


def test_the_sheet_keeps_the_situation_after_the_person_is_edited(client, team):
    client.post(create_url(team.person), sheet_data(team, requests=[request_row()]))
    person = team.person
    person.resources = item(Vocabulary.RESOURCES, "salaire")
    person.lives_in_qpv = False
    person.birth_year = 1950
    person.sex = item(Vocabulary.SEX, "male")
    person.save()
    sheet = Sheet.objects.get()
    assert sheet.resources.code == "rsa"
    assert sheet.lives_in_qpv is True
    assert sheet.sex.code == "female"
    assert sheet.age == today().year - 1980


def test_a_double_submission_creates_one_sheet(client, team):
    data = sheet_data(team, requests=[request_row()], submission_key=uuid.uuid4())
    first = client.post(create_url(team.person), data)
    second = client.post(create_url(team.person), data)
    assert Sheet.objects.count() == 1
    assert SheetRequest.objects.count() == 1
    assert second.status_code == 302
    assert second.url == first.url
    assert "déjà enregistrée" in client.get(second.url).content.decode()


def test_two_simultaneous_submissions_create_one_sheet(client, team, monkeypatch):
    """The second request passed the look-up before the first one committed: the unique key
    refuses its insert, and it is sent to the sheet the first one saved."""
    from mediation import idempotency

    key = uuid.uuid4()
    first = SheetFactory(beneficiary=team.person, post=team.post, submission_key=key)
    real_lookup, calls = idempotency.saved_under, []

    def lookup_missing_the_first_time(queryset, key):
        calls.append(key)
        return None if len(calls) == 1 else real_lookup(queryset, key)

    monkeypatch.setattr(idempotency, "saved_under", lookup_missing_the_first_time)
    response = client.post(create_url(team.person), sheet_data(team, requests=[request_row()], submission_key=key))
    assert response.status_code == 302
    assert response.url == reverse("accompaniments:sheet_detail", args=[first.pk])
    assert Sheet.objects.count() == 1
    assert not SheetRequest.objects.exists()


def test_a_manager_chooses_the_mediator_and_the_post(client, team):
    manager = team.manager()
    client.force_login(manager)
    form = client.get(create_url(team.person)).context["form"]
    assert form["mediator"].value() == team.mediator.pk  # the person's referent
    assert form["post"].value() == team.post.pk
    response = client.post(
        create_url(team.person), sheet_data(team, requests=[request_row()], mediator=team.mediator.pk)
    )
    assert response.status_code == 302
    assert Sheet.objects.get().mediator == team.mediator


def test_a_manager_cannot_give_a_post_to_someone_who_did_not_hold_it(client, team):
    client.force_login(team.manager())
    colleague = team.colleague()
    response = client.post(create_url(team.person), sheet_data(team, mediator=colleague.pk))
    assert response.status_code == 200
    assert "ne tenait pas ce poste" in response.content.decode()
    assert not Sheet.objects.exists()


# ---------------------------------------------------------------- invalid input: French errors, never a 500


@pytest.mark.parametrize(
    ("fields", "row", "message"),
    [
        ({"opened_on": "2999-01-01"}, {}, "La date ne peut pas être dans le futur."),
        ({"opened_on": "31/02/2024"}, {}, "Saisissez une date valide."),
        ({"opened_on": "2019-06-01"}, {}, "Vous ne teniez pas ce poste le 01/06/2019"),
        (
            {},
            {"status": RequestStatus.RESOLVED, "closed_on": days_ago(10).isoformat()},
            "La clôture ne peut pas précéder l&#x27;ouverture de la demande",
        ),
        ({}, {"status": RequestStatus.RESOLVED}, "Indiquez la date de clôture"),
        ({}, {"closed_on": today().isoformat()}, "Une demande en cours n&#x27;a pas de date de clôture"),
        ({}, {"closed_on": "2999-01-01", "status": RequestStatus.UNRESOLVED}, "La date ne peut pas être dans le futur"),
        ({}, {"kind": "999999"}, "Sélectionnez un choix valide"),
        ({}, {"kind": "abc"}, "Sélectionnez un choix valide"),
        ({}, {"opened_on": days_ago(30).isoformat()}, "Une demande ne peut pas être ouverte avant la fiche"),
        ({}, {"follow_up_on": days_ago(30).isoformat()}, "La relance ne peut pas précéder"),
        ({"barriers": ["abc"]}, {}, "n’est pas une valeur correcte"),
        ({"barriers": ["999999"]}, {}, "Sélectionnez un choix valide"),
        ({"contact_mode": "OTHER_LIST"}, {}, "Sélectionnez un choix valide"),
        ({"lives_in_qpv": "False", "qpv": "x"}, {}, "Sélectionnez un choix valide"),
        ({"post": "1" * 30}, {}, "Sélectionnez un choix valide"),
        ({"notes": "a\x00b"}, {}, "Le caractère nul n’est pas autorisé."),
    ],
)
def test_invalid_values_give_french_errors_and_save_nothing(client, team, fields, row, message):
    if fields.get("contact_mode") == "OTHER_LIST":  # a value of another closed list
        fields = {"contact_mode": item(Vocabulary.RESOURCES, "rsa").pk}
    data = sheet_data(team, requests=[request_row(**{"opened_on": days_ago(2).isoformat(), **row})])
    data["opened_on"] = days_ago(2).isoformat()
    data.update(fields)
    response = client.post(create_url(team.person), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "La fiche n'est pas enregistrée" in response.content.decode()
    assert not Sheet.objects.exists()
    assert not SheetRequest.objects.exists()


def test_a_missing_management_form_is_reported_not_crashed(client, team):
    data = sheet_data(team)
    for key in [k for k in data if k.startswith("requests-")]:
        del data[key]
    response = client.post(create_url(team.person), data)
    assert response.status_code == 200
    assert "Les demandes saisies n&#x27;ont pas pu être lues" in response.content.decode()
    assert response.context["formset"].total_form_count() == 1  # a fresh, usable row
    assert not Sheet.objects.exists()


def test_a_huge_row_count_is_capped(client, team):
    data = sheet_data(team, requests=[request_row()])
    data["requests-TOTAL_FORMS"] = "100000"
    response = client.post(create_url(team.person), data)
    assert response.status_code == 200
    assert response.context["formset"].total_form_count() == 20
    assert "Veuillez soumettre au plus 20 formulaires" in response.content.decode()
    assert not Sheet.objects.exists()


@pytest.mark.parametrize("value", ["abc", "-1", "²", "1" * 40, "0"])
def test_a_malformed_or_unknown_person_is_a_404(client, team, value):
    assert client.get(f"{URL}?beneficiary={value}").status_code == 404
    assert client.post(f"{URL}?beneficiary={value}", sheet_data(team)).status_code == 404


# ---------------------------------------------------------------- adding a row


def test_htmx_returns_one_row_at_the_next_index_and_moves_the_counter(client, team):
    response = client.get(reverse("accompaniments:request_form_row"), {"requests-TOTAL_FORMS": "3"})
    assert response.status_code == 200
    content = response.content.decode()
    assert 'name="requests-3-kind"' in content
    assert 'name="requests-3-DELETE"' in content
    assert 'id="id_requests-TOTAL_FORMS" hx-swap-oob="true"' in content
    assert 'value="4"' in content
    assert "Demande 4" in content


@pytest.mark.parametrize("value", ["", "abc", "-3", "20", "100000"])
def test_htmx_row_refuses_a_wrong_index_without_error(client, team, value):
    response = client.get(reverse("accompaniments:request_form_row"), {"requests-TOTAL_FORMS": value})
    assert response.status_code == 200
    assert "requests-" not in response.content.decode()


def test_without_javascript_the_add_button_shows_one_more_row_and_saves_nothing(client, team):
    data = sheet_data(team, requests=[request_row(note="première")], post="")
    data["add_request"] = "1"
    response = client.post(create_url(team.person), data)
    assert response.status_code == 200
    formset = response.context["formset"]
    assert formset.total_form_count() == 2
    content = response.content.decode()
    assert 'value="première"' in content
    assert 'name="requests-1-kind"' in content
    assert "Ce champ est obligatoire" not in content  # a draft, not a failed save
    assert not Sheet.objects.exists()


# ---------------------------------------------------------------- expired session


def test_a_form_sent_after_the_session_expired_is_shown_again_after_login(client):
    team = Team()
    url = create_url(team.person)
    data = sheet_data(team, notes="Notes tapées avant expiration", requests=[request_row(note="à garder")])
    client.force_login(team.mediator)
    client.get(url)  # her pages mark the browser as hers
    Session.objects.all().delete()  # thirty idle minutes later the server forgot her session
    response = client.post(url, data)  # not logged in any more
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert not Sheet.objects.exists()

    login = client.post(
        reverse("account_login"), {"login": team.mediator.email, "password": DEFAULT_PASSWORD, "next": url}
    )
    assert login.status_code == 302
    response = client.get(url)
    content = response.content.decode()
    assert "Votre session avait expiré : votre saisie a été conservée" in content
    assert "Notes tapées avant expiration" in content
    assert 'value="à garder"' in content
    assert data["submission_key"] in content  # saving it now still creates a single sheet
    # Only once: the next visit shows a fresh form.
    assert "Notes tapées avant expiration" not in client.get(url).content.decode()
    assert client.post(url, data).status_code == 302
    assert Sheet.objects.get().notes == "Notes tapées avant expiration"
