"""The mediator's everyday path: a name search that Back can return to, a sheet that carries at
least one request, a request's domain that follows from its type, the structure manager's list of
mediators, a new sheet proposed from the last one, and page titles without a name."""

import base64

import pytest
from django.db import connection
from django.urls import reverse

from accompaniments.enums import RequestDomain
from accompaniments.models import Sheet, SheetRequest
from mediation.enums import Role, Vocabulary
from tests.accompaniments.factories import SheetFactory, SheetRequestFactory, item
from tests.accompaniments.sheet_fixtures import CARE_DOCTOR, RIGHTS_CSS, Team, request_row, sheet_data, update_data
from tests.factories import make_mediator, make_user

pytestmark = pytest.mark.django_db

LIST_URL = reverse("accompaniments:beneficiary_list")
CREATE_URL = reverse("accompaniments:sheet_create")


def create_url(person):
    return f"{CREATE_URL}?beneficiary={person.pk}"


@pytest.fixture
def team(client):
    team = Team()
    client.force_login(team.mediator)
    return team


def listed(response):
    return [person.pk for person in response.context["results"]]


# ---------------------------------------------------------------- search: Post/Redirect/Get


def test_a_search_redirects_to_a_results_page_without_the_name_in_its_url(client, team):
    julies = [team.new_person(last_name="Martin", first_name="Julie", birth_year=year) for year in (1975, 1990)]
    team.new_person(last_name="Durand", first_name="Paul")

    response = client.post(LIST_URL, {"q": "martin julie"})

    assert response.status_code == 302
    assert "martin" not in response.url.lower() and "julie" not in response.url.lower()
    results = client.get(response.url)
    assert results.status_code == 200
    assert sorted(listed(results)) == sorted(person.pk for person in julies)
    assert "2 personnes trouvées" in results.content.decode()
    # Back (or a reload) asks the same page again: a GET, which gives the same results.
    assert listed(client.get(response.url)) == listed(results)


def test_the_searched_name_is_kept_nowhere_on_the_server_nor_in_the_title(client, team):
    team.new_person(last_name="Martin", first_name="Julie")
    url = client.post(LIST_URL, {"q": "martin"}).url
    content = client.get(url).content.decode()
    assert "1 personne trouvée" in content
    title = content[content.index("<title>") : content.index("</title>")]
    assert "MARTIN" not in title.upper()
    with connection.cursor() as cursor:
        cursor.execute("SELECT value FROM cache_table")
        stored = [base64.b64decode(value) for (value,) in cursor.fetchall()]
    assert stored and not any(b"martin" in value.lower() for value in stored)


def test_a_search_of_another_account_is_a_404(client, team):
    team.new_person(last_name="Martin", first_name="Julie")
    url = client.post(LIST_URL, {"q": "martin"}).url
    client.force_login(team.colleague())  # same structure, another account
    assert client.get(url).status_code == 404


def test_an_expired_or_unknown_search_asks_to_search_again(client, team):
    response = client.get(reverse("accompaniments:beneficiary_search", args=["inconnu"]), follow=True)
    assert response.redirect_chain[-1][0] == LIST_URL
    assert "Cette recherche a expiré" in response.content.decode()


def test_a_search_token_too_long_is_a_404(client, team):
    assert client.get(reverse("accompaniments:beneficiary_search", args=["x" * 200])).status_code == 404


def test_the_first_result_takes_the_focus_and_each_row_opens_a_new_sheet(client, team):
    julie = team.new_person(last_name="Martin", first_name="Julie")
    content = client.post(LIST_URL, {"q": "martin"}, follow=True).content.decode()
    detail = reverse("accompaniments:beneficiary_detail", args=[julie.pk])
    assert f'href="{detail}" autofocus' in content
    assert f'href="{create_url(julie)}"' in content


# ---------------------------------------------------------------- a sheet carries a request


def test_a_new_sheet_without_any_request_is_refused_with_a_message(client, team):
    data = sheet_data(team, requests=[request_row(domain="", kind="")])
    response = client.post(create_url(team.person), data)
    assert response.status_code == 200
    assert "Une fiche d&#x27;accompagnement porte au moins une demande" in response.content.decode()
    assert not Sheet.objects.exists()
    # The cursor goes to the type of the first request.
    assert response.context["formset"].forms[0].fields["kind"].widget.attrs.get("autofocus")


def test_an_edit_cannot_remove_the_last_request(client, team):
    sheet = SheetFactory(beneficiary=team.person, mediator=team.mediator, post=team.post)
    stored = SheetRequestFactory(sheet=sheet)
    data = update_data(team, sheet)
    data["requests-0-DELETE"] = "on"
    response = client.post(reverse("accompaniments:sheet_update", args=[sheet.pk]), data)
    assert response.status_code == 200
    assert "gardez-en une, ou ajoutez la nouvelle avant de retirer la dernière" in response.content.decode()
    assert SheetRequest.objects.filter(pk=stored.pk).exists()


def test_an_imported_sheet_without_request_can_still_be_edited(client, team):
    sheet = SheetFactory(beneficiary=team.person, mediator=team.mediator, post=team.post)
    data = update_data(team, sheet, notes="Reprise de l'historique")
    response = client.post(reverse("accompaniments:sheet_update", args=[sheet.pk]), data)
    assert response.status_code == 302
    assert Sheet.objects.get(pk=sheet.pk).notes == "Reprise de l'historique"


# ---------------------------------------------------------------- the domain follows from the type


def test_the_request_form_has_no_domain_field_and_groups_types_by_domain(client, team):
    content = client.get(create_url(team.person)).content.decode()
    assert 'name="requests-0-domain"' not in content
    assert '<optgroup label="Accès aux droits">' in content
    assert '<optgroup label="Accès aux soins">' in content


@pytest.mark.parametrize(
    ("kind", "posted_domain", "domain"),
    [
        (CARE_DOCTOR, None, RequestDomain.CARE),
        (RIGHTS_CSS, None, RequestDomain.RIGHTS),
        (CARE_DOCTOR, RequestDomain.RIGHTS, RequestDomain.CARE),  # an old form's domain is ignored
    ],
)
def test_the_domain_is_set_from_the_type(client, team, kind, posted_domain, domain):
    row = request_row(kind=kind)
    if posted_domain is None:
        del row["domain"]
    else:
        row["domain"] = posted_domain
    response = client.post(create_url(team.person), sheet_data(team, requests=[row]))
    assert response.status_code == 302
    assert SheetRequest.objects.get().domain == domain


# ---------------------------------------------------------------- the manager's list of mediators


def test_the_manager_chooses_among_the_mediators_of_her_structure_only(client):
    team = Team()
    colleague = team.colleague()
    manager = team.manager()
    others = [
        make_user(Role.COORDINATOR),
        make_user(Role.READER),
        make_mediator(),  # another structure
        make_user(Role.STRUCTURE_MANAGER, structure=team.structure),
    ]
    gone = team.colleague()
    gone.is_active = False
    gone.save()
    client.force_login(manager)

    response = client.get(create_url(team.person))

    offered = set(response.context["form"].fields["mediator"].queryset)
    assert offered == {team.mediator, colleague}
    data = sheet_data(team, requests=[request_row()], mediator=others[2].pk)
    refused = client.post(create_url(team.person), data)
    assert "Choisissez un·e médiateur·rice de la structure." in refused.content.decode()
    assert not Sheet.objects.exists()


def test_a_stored_sheet_keeps_its_mediator_in_the_list_after_she_left(client):
    team = Team()
    sheet = SheetFactory(beneficiary=team.person, mediator=team.mediator, post=team.post)
    team.mediator.is_active = False
    team.mediator.save()
    client.force_login(team.manager())
    response = client.get(reverse("accompaniments:sheet_update", args=[sheet.pk]))
    assert team.mediator in response.context["form"].fields["mediator"].queryset


# ---------------------------------------------------------------- a new sheet, proposed


def test_a_new_sheet_proposes_the_last_request_and_contact_mode_and_focuses_the_type(client, team):
    earlier = SheetFactory(
        beneficiary=team.person,
        mediator=team.mediator,
        post=team.post,
        contact_mode=item(Vocabulary.CONTACT_MODE, "domicile"),
    )
    SheetRequestFactory(sheet=earlier, care=True)

    response = client.get(create_url(team.person))

    form, row = response.context["form"], response.context["formset"].forms[0]
    assert form["contact_mode"].value() == item(Vocabulary.CONTACT_MODE, "domicile").pk
    assert row["kind"].value() == item(*CARE_DOCTOR).pk
    assert row.fields["kind"].widget.attrs.get("autofocus")
    assert not form.fields["opened_on"].widget.attrs.get("autofocus")


def test_a_first_sheet_focuses_the_first_empty_required_field(client, team):
    response = client.get(create_url(team.person))
    form = response.context["form"]
    assert form["contact_mode"].value() is None
    assert form.fields["contact_mode"].widget.attrs.get("autofocus")


def test_the_proposed_request_is_saved_when_left_as_proposed(client, team):
    earlier = SheetFactory(beneficiary=team.person, mediator=team.mediator, post=team.post)
    SheetRequestFactory(sheet=earlier, care=True)
    form = client.get(create_url(team.person)).context["formset"].forms[0]
    row = request_row(kind=form["kind"].value())
    response = client.post(create_url(team.person), sheet_data(team, requests=[row]))
    assert response.status_code == 302
    new_sheet = Sheet.objects.exclude(pk=earlier.pk).get()
    assert new_sheet.requests.get().kind == item(*CARE_DOCTOR)


# ---------------------------------------------------------------- titles carry no name


def test_person_and_sheet_pages_have_no_name_in_their_title(client, team):
    person = team.new_person(last_name="Vasseur", first_name="Inès")
    sheet = SheetFactory(beneficiary=person, mediator=team.mediator, post=team.post)
    SheetRequestFactory(sheet=sheet)
    pages = {
        reverse("accompaniments:beneficiary_detail", args=[person.pk]): "Personne accompagnée",
        reverse("accompaniments:sheet_detail", args=[sheet.pk]): "Fiche d'accompagnement du 15/03/2024",
        reverse("accompaniments:sheet_update", args=[sheet.pk]): "Modifier la fiche d'accompagnement du 15/03/2024",
        create_url(person): "Nouvelle fiche d'accompagnement",
    }
    for url, expected in pages.items():
        content = client.get(url).content.decode().replace("&#x27;", "'")
        title = content[content.index("<title>") + len("<title>") : content.index("</title>")]
        assert title.startswith(expected), url
        assert "VASSEUR" not in title.upper() and "INÈS" not in title.upper(), url


# ---------------------------------------------------------------- the core's double-submit guard


def test_an_altered_sheet_key_is_said_above_the_form_and_saves_nothing(client, team):
    data = sheet_data(team, requests=[request_row()])
    data["submission_key"] = "pas-une-clé"
    response = client.post(create_url(team.person), data)
    assert response.status_code == 200
    assert "Ce formulaire n&#x27;a pas pu être reconnu" in response.content.decode()
    assert not Sheet.objects.exists()
    fresh = response.context["form"]["submission_key"].value()
    assert client.post(create_url(team.person), {**data, "submission_key": fresh}).status_code == 302
    assert Sheet.objects.count() == 1


def test_a_contact_sent_twice_is_saved_once_and_an_altered_key_is_said(client, team):
    sheet = SheetFactory(beneficiary=team.person, mediator=team.mediator, post=team.post)
    url = reverse("accompaniments:contact_add", args=[sheet.pk])
    form = client.get(reverse("accompaniments:sheet_detail", args=[sheet.pk])).context["contact_form"]
    data = {
        "contact-date": sheet.opened_on.isoformat(),
        "contact-mode": "",
        "contact-minutes": "20",
        "contact-note": "",
        "contact-submission_key": str(form["submission_key"].value()),
    }
    assert client.post(url, data).status_code == 302
    again = client.post(url, data, follow=True)
    assert "Ce contact était déjà enregistré" in again.content.decode()
    assert sheet.contacts.count() == 1
    altered = client.post(url, {**data, "contact-submission_key": "x"})
    assert "Ce formulaire n&#x27;a pas pu être reconnu" in altered.content.decode()
    assert sheet.contacts.count() == 1
