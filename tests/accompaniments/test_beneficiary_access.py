"""Who reaches a person's pages: the staff of her structure only. Roles that never see a person
get a 403; the same roles in another structure get a 404 (the person does not exist for them)."""

import pytest
from django.urls import reverse

from accompaniments.models import Beneficiary
from mediation.enums import Role
from tests.accompaniments.factories import BeneficiaryFactory
from tests.conftest import enable_totp
from tests.factories import StructureFactory, make_mediator, make_user

pytestmark = pytest.mark.django_db

PERSON_PAGES = ["beneficiary_detail", "beneficiary_update", "beneficiary_merge", "beneficiary_log"]
MANAGER_ONLY = {"beneficiary_merge", "beneficiary_log", "caseload_transfer"}
STRUCTURE_PAGES = ["beneficiary_list", "beneficiary_create", "caseload_transfer"]


@pytest.fixture
def person():
    structure = StructureFactory()
    return BeneficiaryFactory(structure=structure, referent=make_mediator(structure=structure), last_name="Dupont")


def user_for(who, person):
    """`who` is (role, "own" or "other" structure)."""
    role, where = who
    if role in (Role.MEDIATOR, Role.STRUCTURE_MANAGER):
        structure = person.structure if where == "own" else StructureFactory()
        if role == Role.MEDIATOR:
            return make_mediator(structure=structure)
        return make_user(role, structure=structure)
    user = make_user(role)
    enable_totp(user)
    return user


def expected_status(who, name):
    role, where = who
    if role not in (Role.MEDIATOR, Role.STRUCTURE_MANAGER):
        return 403
    if name in MANAGER_ONLY and role == Role.MEDIATOR:
        # A mediator of another structure does not learn that the person exists.
        return 404 if where == "other" and name != "caseload_transfer" else 403
    if where == "other" and name in PERSON_PAGES:
        return 404
    return 200


EVERYONE = [
    (Role.MEDIATOR, "own"),
    (Role.STRUCTURE_MANAGER, "own"),
    (Role.MEDIATOR, "other"),
    (Role.STRUCTURE_MANAGER, "other"),
    (Role.COORDINATOR, "region"),
    (Role.READER, "region"),
    (Role.ADMIN, "all"),
]
IDS = [f"{role}-{where}" for role, where in EVERYONE]


@pytest.mark.parametrize("who", EVERYONE, ids=IDS)
@pytest.mark.parametrize("name", PERSON_PAGES)
def test_person_pages(client, person, who, name):
    client.force_login(user_for(who, person))
    response = client.get(reverse(f"accompaniments:{name}", args=[person.pk]))
    assert response.status_code == expected_status(who, name)


@pytest.mark.parametrize("who", EVERYONE, ids=IDS)
@pytest.mark.parametrize("name", STRUCTURE_PAGES)
def test_structure_pages(client, person, who, name):
    client.force_login(user_for(who, person))
    response = client.get(reverse(f"accompaniments:{name}"))
    assert response.status_code == expected_status(who, name)


@pytest.mark.parametrize("who", [w for w in EVERYONE if w[1] != "own"], ids=[i for i in IDS if "own" not in i])
def test_outsiders_can_neither_change_nor_find_the_person(client, person, who):
    client.force_login(user_for(who, person))
    update = client.post(
        reverse("accompaniments:beneficiary_update", args=[person.pk]),
        {"last_name": "Pirate", "first_name": "X", "version": person.version},
    )
    assert update.status_code in (403, 404)
    merge = client.post(reverse("accompaniments:beneficiary_merge", args=[person.pk]), {"other": person.pk})
    assert merge.status_code in (403, 404)
    assert Beneficiary.objects.get(pk=person.pk).last_name == "Dupont"
    for response in (
        client.get(reverse("accompaniments:beneficiary_list") + "?suivi=structure"),
        client.post(reverse("accompaniments:beneficiary_list"), {"q": "dupont"}, follow=True),
    ):
        assert "DUPONT" not in response.content.decode()


@pytest.mark.parametrize("name", PERSON_PAGES)
def test_anonymous_is_sent_to_login(client, person, name):
    response = client.get(reverse(f"accompaniments:{name}", args=[person.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("name", PERSON_PAGES)
def test_an_unknown_person_is_a_404(client, person, name):
    client.force_login(make_user(Role.STRUCTURE_MANAGER, structure=person.structure))
    assert client.get(reverse(f"accompaniments:{name}", args=[10**12])).status_code == 404
    assert client.get(f"/accompagnements/personnes/{'9' * 40}/").status_code == 404
