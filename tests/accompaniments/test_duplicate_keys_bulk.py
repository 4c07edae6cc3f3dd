"""People created in bulk (historical sheets import, demo) get the keys duplicates are found by."""

import pytest

from accompaniments.duplicates import name_sound
from accompaniments.models import Beneficiary
from tests.imports.conftest import admin  # noqa: F401  (fixture)
from tests.imports.test_sheets_import import mediator, post, row, sheets_file  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


def test_people_of_the_demo_carry_their_duplicate_keys():
    from django.core.management import call_command

    call_command("seed_demo", verbosity=0)
    people = Beneficiary.objects.exclude(last_name="")
    assert people.exists()
    assert list(people.filter(last_name_sound="").values_list("last_name", "external_id")[:5]) == []
    person = people.first()
    assert person.last_name_sound == name_sound(person.last_name)


def test_people_of_an_imported_file_carry_their_duplicate_keys(admin, mediator):  # noqa: F811
    from tests.imports.conftest import run

    report = run("fiches", sheets_file(row("A-1", date="15/03/2024")), user=admin)
    assert report.applied
    person = Beneficiary.objects.get()
    assert person.last_name_sound and person.last_name_sound == name_sound(person.last_name)
