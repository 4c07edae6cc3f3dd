"""The people list, the name search and a person's record."""

import datetime

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accompaniments.enums import RequestStatus
from mediation.enums import Role, Vocabulary
from tests.accompaniments.factories import (
    BeneficiaryFactory,
    ContactFactory,
    SheetFactory,
    SheetRequestFactory,
    item,
)
from tests.factories import make_mediator, make_user

pytestmark = pytest.mark.django_db

LIST_URL = reverse("accompaniments:beneficiary_list")


def detail_url(person):
    return reverse("accompaniments:beneficiary_detail", args=[person.pk])


@pytest.fixture
def mediator(client):
    user = make_mediator()
    client.force_login(user)
    return user


def structure_of(user):
    return user.membership.structure


def listed(response):
    return list(response.context["results"])


# ---------------------------------------------------------------- list


def test_the_list_shows_only_the_structure_people(client, mediator):
    mine = BeneficiaryFactory(structure=structure_of(mediator), referent=mediator, last_name="Vasseur")
    BeneficiaryFactory(last_name="Ailleurs")
    response = client.get(LIST_URL + "?suivi=structure")
    assert listed(response) == [mine]
    assert "AILLEURS" not in response.content.decode()
    assert "!!INVALID" not in response.content.decode()


def test_a_mediator_sees_her_own_caseload_first_and_can_widen_to_the_structure(client, mediator):
    structure = structure_of(mediator)
    mine = BeneficiaryFactory(structure=structure, referent=mediator)
    colleague = BeneficiaryFactory(structure=structure, referent=make_mediator(structure=structure))
    assert listed(client.get(LIST_URL)) == [mine]
    assert set(listed(client.get(LIST_URL + "?suivi=structure"))) == {mine, colleague}


def test_the_list_orders_by_latest_activity_with_counts(client, mediator):
    structure = structure_of(mediator)
    old = BeneficiaryFactory(structure=structure, referent=mediator, last_name="Ancien")
    SheetFactory(beneficiary=old, opened_on=datetime.date(2023, 1, 5))
    recent = BeneficiaryFactory(structure=structure, referent=mediator, last_name="Recent")
    sheet = SheetFactory(beneficiary=recent, opened_on=datetime.date(2024, 11, 2))
    SheetFactory(beneficiary=recent, opened_on=datetime.date(2024, 2, 1))
    SheetRequestFactory(sheet=sheet)
    SheetRequestFactory(sheet=sheet, resolved=True)
    new = BeneficiaryFactory(structure=structure, referent=mediator, last_name="Nouveau")  # no sheet yet: created today

    rows = listed(client.get(LIST_URL))
    assert rows == [new, recent, old]
    assert (rows[1].sheet_count, rows[1].open_request_count, rows[1].last_sheet_on) == (
        2,
        1,
        datetime.date(2024, 11, 2),
    )
    assert (rows[0].sheet_count, rows[0].open_request_count, rows[0].last_sheet_on) == (0, 0, None)


def test_the_list_is_paginated_by_fifty(client, mediator):
    BeneficiaryFactory.create_batch(51, structure=structure_of(mediator), referent=mediator)
    assert len(listed(client.get(LIST_URL))) == 50
    assert len(listed(client.get(LIST_URL + "?page=2"))) == 1
    assert client.get(LIST_URL + "?page=abc").status_code == 200


def people_with_sheets(mediator, count):
    for _ in range(count):
        person = BeneficiaryFactory(structure=structure_of(mediator), referent=mediator)
        sheet = SheetFactory(beneficiary=person)
        SheetRequestFactory(sheet=sheet)


def queries_for(client, url, method="get", data=None):
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method)(url, data or {})
    assert response.status_code == 200
    return len(queries)


def test_the_list_needs_the_same_number_of_queries_for_2_or_20_people(client, mediator):
    people_with_sheets(mediator, 2)
    few = queries_for(client, LIST_URL)
    people_with_sheets(mediator, 18)
    assert queries_for(client, LIST_URL) == few
    results_url = client.post(LIST_URL, {"q": "a"}).url
    assert queries_for(client, results_url) <= few + 1


# ---------------------------------------------------------------- search


def test_a_name_is_searched_by_post_without_accents_or_case(client, mediator):
    structure = structure_of(mediator)
    eleonore = BeneficiaryFactory(structure=structure, referent=mediator, last_name="Dupont", first_name="Éléonore")
    BeneficiaryFactory(structure=structure, referent=mediator, last_name="Martin", first_name="Paul")
    response = client.post(LIST_URL, {"q": "eleonore"}, follow=True)
    assert listed(response) == [eleonore]
    assert "1 personne trouvée" in response.content.decode()
    # Words in any order, hyphens and capitals ignored.
    assert listed(client.post(LIST_URL, {"q": "ELEONORE dupont"}, follow=True)) == [eleonore]


def test_the_search_covers_the_whole_structure_and_nothing_else(client, mediator):
    structure = structure_of(mediator)
    colleague_person = BeneficiaryFactory(
        structure=structure, referent=make_mediator(structure=structure), last_name="Dupont", first_name="Éléonore"
    )
    BeneficiaryFactory(last_name="Dupont", first_name="Éléonore")
    assert listed(client.post(LIST_URL, {"q": "dupont"}, follow=True)) == [colleague_person]


def test_the_search_shows_fifty_matches_and_asks_to_narrow_it(client, mediator):
    BeneficiaryFactory.create_batch(52, structure=structure_of(mediator), referent=mediator, last_name="Martin")
    response = client.post(LIST_URL, {"q": "martin"}, follow=True)
    assert len(listed(response)) == 50
    assert response.context["count"] == 52
    assert "précisez votre recherche" in response.content.decode()


@pytest.mark.parametrize("text", ["", "   ", "-'", "x" * 5000, "\x00"])
def test_an_unusable_search_gets_a_message_not_an_error(client, mediator, text):
    response = client.post(LIST_URL, {"q": text})
    assert response.status_code == 200
    assert response.context["search_form"].errors["q"]


def test_names_never_go_into_the_url(client, mediator):
    page = client.get(LIST_URL).content.decode()
    search_field = page.index('name="q"')
    form_tag = page[page.rindex("<form", 0, search_field) :]
    assert form_tag[: form_tag.index(">")].count('method="post"') == 1


# ---------------------------------------------------------------- record


def full_record(mediator):
    person = BeneficiaryFactory(
        structure=structure_of(mediator),
        referent=mediator,
        last_name="Dupont",
        first_name="Éléonore",
        phone="06 12 34 56 78",
        consent_on=datetime.date(2024, 1, 10),
        consent_method="oral",
    )
    older = SheetFactory(beneficiary=person, opened_on=datetime.date(2023, 6, 1))
    newer = SheetFactory(beneficiary=person, opened_on=datetime.date(2024, 9, 1))
    newer.barriers.add(item(Vocabulary.CARE_BARRIER, "mobilite"))
    SheetRequestFactory(sheet=newer, follow_up_on=datetime.date(2024, 10, 1))
    SheetRequestFactory(sheet=older, resolved=True, care=True)
    ContactFactory(sheet=newer, note="Appel de suivi")
    return person, older, newer


def test_the_record_shows_the_person_and_all_her_sheets_newest_first(client, mediator):
    person, older, newer = full_record(mediator)
    response = client.get(detail_url(person))
    page = response.content.decode()
    assert list(response.context["sheets"]) == [newer, older]
    for text in (
        "DUPONT Éléonore",
        "06 12 34 56 78",
        "10/01/2024",
        "Oral, noté par le·la médiateur·rice",
        "Mobilité",
        "Demande de Complémentaire santé solidaire",
        "Aide à la recherche d&#x27;un professionnel de santé",
        "En cours",
        "Résolue",
        "01/10/2024",
        "Appel de suivi",
        reverse("accompaniments:sheet_detail", args=[newer.pk]),
        f"{reverse('accompaniments:sheet_create')}?beneficiary={person.pk}",
        reverse("accompaniments:beneficiary_update", args=[person.pk]),
    ):
        assert text in page, text
    assert page.index("01/09/2024") < page.index("01/06/2023")
    assert "!!INVALID" not in page


def test_a_mediator_is_not_offered_merge_or_log_links(client, mediator):
    person, *_ = full_record(mediator)
    page = client.get(detail_url(person)).content.decode()
    assert reverse("accompaniments:beneficiary_merge", args=[person.pk]) not in page
    assert reverse("accompaniments:beneficiary_log", args=[person.pk]) not in page


def test_a_structure_manager_is_offered_merge_and_log_links(client, mediator):
    person, *_ = full_record(mediator)
    manager = make_user(Role.STRUCTURE_MANAGER, structure=structure_of(mediator))
    client.force_login(manager)
    page = client.get(detail_url(person)).content.decode()
    assert reverse("accompaniments:beneficiary_merge", args=[person.pk]) in page
    assert reverse("accompaniments:beneficiary_log", args=[person.pk]) in page


def test_viewing_a_record_is_logged_as_an_access(client, mediator):
    person, *_ = full_record(mediator)
    client.get(detail_url(person))
    access = LogEntry.objects.get_for_object(person).get(action=LogEntry.Action.ACCESS)
    assert access.actor == mediator
    assert "Dupont" not in access.object_repr


def test_the_record_needs_the_same_number_of_queries_for_2_or_20_sheets(client, mediator):
    person = BeneficiaryFactory(structure=structure_of(mediator), referent=mediator)

    def add_sheets(count):
        for _ in range(count):
            sheet = SheetFactory(beneficiary=person)
            sheet.barriers.add(item(Vocabulary.CARE_BARRIER, "mobilite"))
            SheetRequestFactory(sheet=sheet)
            SheetRequestFactory(sheet=sheet, status=RequestStatus.UNRESOLVED, closed_on=sheet.opened_on)
            ContactFactory(sheet=sheet)

    add_sheets(2)
    few = queries_for(client, detail_url(person))
    add_sheets(18)
    assert queries_for(client, detail_url(person)) == few
