"""Handing a mediator's caseload over to another mediator of the structure."""

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from accompaniments.models import Beneficiary
from mediation.enums import Role
from tests.accompaniments.factories import BeneficiaryFactory
from tests.factories import make_mediator, make_user

pytestmark = pytest.mark.django_db

URL = reverse("accompaniments:caseload_transfer")


@pytest.fixture
def team(client):
    manager = make_user(Role.STRUCTURE_MANAGER)
    structure = manager.membership.structure
    leaving = make_mediator(structure=structure, first_name="Sophie", last_name="Lambert")
    successor = make_mediator(structure=structure, first_name="Mehdi", last_name="Bensaïd")
    people = BeneficiaryFactory.create_batch(3, structure=structure, referent=leaving)
    client.force_login(manager)
    return {"manager": manager, "leaving": leaving, "successor": successor, "people": people}


def transfer(client, origin, data):
    return client.post(f"{URL}?de={origin.pk}", data)


def referents(people):
    return [Beneficiary.objects.get(pk=p.pk).referent for p in people]


def test_the_page_lists_the_caseload_of_the_chosen_mediator(client, team):
    response = client.get(URL, {"de": team["leaving"].pk})
    assert list(response.context["caseload"]) == sorted(team["people"], key=lambda p: (p.name_key, p.pk))
    page = response.content.decode()
    assert "Suivi de Sophie Lambert" in page
    assert "!!INVALID" not in page


def test_the_whole_caseload_is_transferred(client, team):
    response = transfer(client, team["leaving"], {"to_user": team["successor"].pk, "scope": "all"})
    assert response.status_code == 302
    assert referents(team["people"]) == [team["successor"]] * 3
    page = client.get(response["Location"]).content.decode()
    assert "Suivi transféré : 3 personnes de Sophie Lambert à Mehdi Bensaïd." in page
    updates = LogEntry.objects.filter(action=LogEntry.Action.UPDATE, content_type__model="beneficiary")
    assert updates.count() == 3
    assert all(set(entry.changes_dict) == {"referent"} for entry in updates)


def test_only_the_ticked_people_are_transferred(client, team):
    first, second, third = team["people"]
    data = {"to_user": team["successor"].pk, "scope": "some", "beneficiaries": [first.pk, third.pk]}
    assert transfer(client, team["leaving"], data).status_code == 302
    assert referents(team["people"]) == [team["successor"], team["leaving"], team["successor"]]


def test_a_partial_transfer_needs_at_least_one_person(client, team):
    response = transfer(client, team["leaving"], {"to_user": team["successor"].pk, "scope": "some"})
    assert "Cochez au moins une personne" in response.context["form"].errors["beneficiaries"][0]
    assert referents(team["people"]) == [team["leaving"]] * 3


def test_a_closed_account_can_hand_its_caseload_over(client, team):
    team["leaving"].is_active = False
    team["leaving"].save()
    response = client.get(URL)
    assert team["leaving"] in response.context["origin_form"].fields["de"].queryset
    assert transfer(client, team["leaving"], {"to_user": team["successor"].pk, "scope": "all"}).status_code == 302
    assert referents(team["people"]) == [team["successor"]] * 3


def test_the_successor_must_be_another_active_mediator_of_the_structure(client, team):
    outsider = make_mediator()
    closed = make_mediator(structure=team["manager"].membership.structure)
    closed.is_active = False
    closed.save()
    cases = [
        (team["leaving"], "Choisissez un·e autre médiateur·rice"),
        (outsider, "Choisissez un·e médiateur·rice actif·ve de votre structure."),
        (closed, "Choisissez un·e médiateur·rice actif·ve de votre structure."),
        (team["manager"], "Choisissez un·e médiateur·rice actif·ve de votre structure."),
    ]
    for to_user, message in cases:
        response = transfer(client, team["leaving"], {"to_user": to_user.pk, "scope": "all"})
        assert response.status_code == 200
        assert message in response.context["form"].errors["to_user"][0]
    assert referents(team["people"]) == [team["leaving"]] * 3


def test_a_mediator_of_another_structure_cannot_be_the_origin(client, team):
    outsider = make_mediator()
    BeneficiaryFactory(referent=outsider)
    response = transfer(client, outsider, {"to_user": team["successor"].pk, "scope": "all"})
    assert response.status_code == 200
    assert response.context["origin_form"].errors["de"]
    assert response.context["form"] is None


def test_people_of_someone_else_cannot_be_ticked(client, team):
    other_person = BeneficiaryFactory(structure=team["manager"].membership.structure, referent=team["successor"])
    foreign = BeneficiaryFactory()
    for pk in (other_person.pk, foreign.pk, "abc", "9" * 30):
        data = {"to_user": team["successor"].pk, "scope": "some", "beneficiaries": [pk]}
        response = transfer(client, team["leaving"], data)
        assert response.status_code == 200
        assert response.context["form"].errors["beneficiaries"]
    assert Beneficiary.objects.get(pk=foreign.pk).referent != team["successor"]


@pytest.mark.parametrize("value", ["", "abc", "-1", "9" * 40])
def test_a_malformed_origin_gets_a_message(client, team, value):
    response = client.get(URL, {"de": value})
    assert response.status_code == 200
    assert response.context["origin"] is None


def test_mediators_cannot_transfer(client, team):
    client.force_login(team["leaving"])
    assert client.get(URL).status_code == 403
    assert transfer(client, team["leaving"], {"to_user": team["successor"].pk, "scope": "all"}).status_code == 403
    assert referents(team["people"]) == [team["leaving"]] * 3
