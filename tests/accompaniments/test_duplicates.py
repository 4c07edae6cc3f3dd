"""Probable duplicates beyond exact spelling, the create form's warning, and the structure
manager's list of pairs to merge or to mark as two people."""

import datetime
import random

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from accompaniments.beneficiaries import find_duplicates, probable_pairs
from accompaniments.models import Beneficiary, DistinctPair
from mediation.enums import Role
from tests.accompaniments.factories import BeneficiaryFactory
from tests.factories import make_mediator, make_user

pytestmark = pytest.mark.django_db

PAIRS_URL = reverse("accompaniments:duplicate_pairs")
DISTINCT_URL = reverse("accompaniments:duplicate_pair_distinct")
BORN = datetime.date(1972, 5, 14)
VARIANTS = {
    "accents": (dict(last_name="Lefèvre", first_name="Hélène"), dict(last_name="LEFEVRE", first_name="Helene")),
    "hyphen": (
        dict(last_name="Martin-Dubois", first_name="Jean-Pierre"),
        dict(last_name="Martin Dubois", first_name="Jean Pierre"),
    ),
    "swapped": (dict(last_name="Benali", first_name="Karim"), dict(last_name="Karim", first_name="Benali")),
    "one typo": (
        dict(last_name="Boulanger", first_name="Amandine"),
        dict(last_name="Boulenger", first_name="Amandine"),
    ),
    "two letters swapped": (
        dict(last_name="Rousseau", first_name="Christophe"),
        dict(last_name="Rousseau", first_name="Christohpe"),
    ),
    "Mohamed/Mohammed": (
        dict(last_name="Haddad", first_name="Mohamed"),
        dict(last_name="Haddad", first_name="Mohammed"),
    ),
    "Lefèvre/Lefebvre": (
        dict(last_name="Lefèvre", first_name="Sylvie"),
        dict(last_name="Lefebvre", first_name="Sylvie"),
    ),
    "Dupont/Dupond": (dict(last_name="Dupont", first_name="Marcel"), dict(last_name="Dupond", first_name="Marcel")),
    "same birth date, close name": (
        dict(last_name="Nguyen", first_name="Thi Hoa", birth_date=BORN),
        dict(last_name="Nguyen", first_name="Hoa", birth_date=BORN),
    ),
    "same phone": (
        dict(last_name="Moreau", first_name="Nadia", phone="06 11 22 33 44", birth_year=1990),
        dict(last_name="Benhamou", first_name="Nadia", phone="+33 6 11 22 33 44", birth_year=1991),
    ),
}
DIFFERENT_PEOPLE = [
    ("Bernard", "Sophie"), ("Petit", "Julien"), ("Durand", "Camille"), ("Leroy", "Nathalie"),
    ("Moreau", "Thomas"), ("Simon", "Isabelle"), ("Laurent", "Nicolas"), ("Michel", "Aurélie"),
    ("Garcia", "Karim"), ("David", "Chloé"), ("Bertrand", "Mathieu"), ("Roux", "Sandrine"),
    ("Vincent", "Yasmine"), ("Fournier", "Olivier"), ("Morel", "Fatima"), ("Girard", "Kevin"),
    ("André", "Amandine"), ("Mercier", "Rachid"), ("Blanc", "Élodie"), ("Guérin", "Sébastien"),
    ("Boyer", "Manon"), ("Garnier", "Antoine"), ("Chevalier", "Inès"), ("François", "Damien"),
    ("Legrand", "Pauline"), ("Gauthier", "Youssef"), ("Perrin", "Céline"), ("Robin", "Hugo"),
    ("Clément", "Laetitia"), ("Morin", "Baptiste"),
]  # fmt: skip


def person(structure, **fields):
    fields.setdefault("birth_year", None if "birth_date" in fields else 1980)
    return BeneficiaryFactory(structure=structure, referent=make_mediator(structure=structure), **fields)


@pytest.fixture
def manager(client):
    user = make_user(Role.STRUCTURE_MANAGER)
    client.force_login(user)
    return user


@pytest.mark.parametrize("variant", VARIANTS)
def test_each_variant_is_a_probable_pair(variant):
    structure = make_user(Role.STRUCTURE_MANAGER).membership.structure
    known, typed = VARIANTS[variant]
    first, second = person(structure, **known), person(structure, **typed)
    found = probable_pairs(structure)
    assert [(pair.first.pk, pair.second.pk) for pair in found.pairs] == [(first.pk, second.pk)]
    assert list(
        find_duplicates(
            structure=structure,
            birth_year=second.birth_year,
            **{k: getattr(second, k) for k in ("last_name", "first_name", "birth_date", "phone")},
            exclude_pk=second.pk,
        )
    ) == [first]


def test_a_close_name_alone_with_another_birth_date_is_no_pair():
    structure = make_user(Role.STRUCTURE_MANAGER).membership.structure
    person(structure, last_name="Nguyen", first_name="Thi Hoa", birth_date=BORN)
    person(structure, last_name="Nguyen", first_name="Hoa", birth_date=datetime.date(1980, 1, 2))
    assert probable_pairs(structure).total == 0


def test_clearly_different_people_make_no_pair():
    structure = make_user(Role.STRUCTURE_MANAGER).membership.structure
    draw = random.Random(17)  # noqa: S311 - test data
    for last_name, first_name in DIFFERENT_PEOPLE:
        born = datetime.date(1940, 1, 1) + datetime.timedelta(days=draw.randrange(365 * 60))
        person(structure, last_name=last_name, first_name=first_name, birth_date=born)
    assert probable_pairs(structure).total == 0


def test_creating_a_person_warns_of_a_phonetic_variant(client):
    mediator = make_mediator()
    client.force_login(mediator)
    person(mediator.membership.structure, last_name="Haddad", first_name="Mohamed")
    response = client.post(
        reverse("accompaniments:beneficiary_create"), {"last_name": "Hadad", "first_name": "Mohammed"}
    )
    assert response.status_code == 200
    page = " ".join(response.content.decode().split())
    assert "Cette personne est peut-être déjà suivie" in page
    assert "1 fiche ressemble à cette saisie" in page and "Ouvrez-la pour vérifier" in page
    assert Beneficiary.objects.count() == 1


def test_manager_reviews_pairs_and_marks_one_distinct(client, manager):
    structure = manager.membership.structure
    first, second = person(structure, **VARIANTS["Dupont/Dupond"][0]), person(structure, **VARIANTS["Dupont/Dupond"][1])
    response = client.get(PAIRS_URL)
    page = response.content.decode()
    assert "DUPONT Marcel" in page and "DUPOND Marcel" in page
    assert f"?other={second.pk}" in page
    logged = LogEntry.objects.filter(action=LogEntry.Action.ACCESS, additional_data__page="duplicate_pairs")
    assert sorted(logged.values_list("object_id", flat=True)) == [first.pk, second.pk]

    response = client.post(DISTINCT_URL, {"first": first.pk, "second": second.pk}, follow=True)
    assert "deux personnes différentes" in response.content.decode()
    assert DistinctPair.objects.filter(first=first, second=second).exists()
    assert "DUPOND Marcel" not in client.get(PAIRS_URL).content.decode()
    marked = LogEntry.objects.filter(additional_data__marked_distinct_from__isnull=False)
    assert sorted(marked.values_list("object_id", flat=True)) == [first.pk, second.pk]


def test_pairs_are_the_managers_of_that_structure_only(client):
    structure = make_user(Role.STRUCTURE_MANAGER).membership.structure
    first, second = person(structure, **VARIANTS["accents"][0]), person(structure, **VARIANTS["accents"][1])
    assert client.get(PAIRS_URL).status_code == 302
    client.force_login(make_mediator(structure=structure))
    assert client.get(PAIRS_URL).status_code == 403
    assert client.post(DISTINCT_URL, {"first": first.pk, "second": second.pk}).status_code == 403
    client.force_login(make_user(Role.STRUCTURE_MANAGER))
    assert "LEFEVRE" not in client.get(PAIRS_URL).content.decode()
    assert client.post(DISTINCT_URL, {"first": first.pk, "second": second.pk}).status_code == 404
    assert not DistinctPair.objects.exists()


def test_pairs_list_query_count_is_fixed(client, manager, django_assert_num_queries):
    structure = manager.membership.structure
    variants = list(VARIANTS.values())
    for known, typed in variants[:2]:
        person(structure, **known), person(structure, **typed)
    client.get(PAIRS_URL)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(PAIRS_URL)
    for known, typed in variants[2:6]:
        person(structure, **known), person(structure, **typed)
    with django_assert_num_queries(len(few)):
        assert "Paires de fiches" in client.get(PAIRS_URL).content.decode()
