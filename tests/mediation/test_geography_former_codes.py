"""A former code of a merged commune, typed in a form or found in an imported file, is accepted
and mapped to its current commune; an unknown code is said plainly. Artonges (02026) merged into
Dhuys et Morin-en-Brie (02458), Escaufourt (02285) into Saint-Souplet (59545), as the COG says."""

import pytest
from django.urls import reverse

from accompaniments.models import Beneficiary
from mediation.enums import Role
from mediation.imports.lookups import UNKNOWN_CODE
from mediation.models import Commune, Structure
from partners.models import Referral
from tests.accompaniments.test_beneficiary_form import person_data
from tests.factories import department, make_mediator, make_user
from tests.imports.conftest import errors_of, run, upload
from tests.partners.helpers import referral_data

pytestmark = pytest.mark.django_db

MAPPED = "code 02026 (ancienne commune Artonges) → commune actuelle Dhuys et Morin-en-Brie (02458)"


@pytest.fixture
def admin():
    return make_user(Role.ADMIN)


def test_an_import_dry_run_says_which_current_commune_a_former_code_is(admin):
    data = upload(
        ["nom", "commune", "type"],
        [
            ["CCAS d'Artonges", "02026", "CCAS"],
            ["CCAS de Lille", "59350", "CCAS"],
        ],
    )
    dry = run("structures", data, user=admin, dry_run=True)
    assert errors_of(dry) == []
    assert MAPPED in dry.notes
    assert not Structure.objects.filter(name="CCAS d'Artonges").exists()
    done = run("structures", data, user=admin)
    assert MAPPED in done.notes
    assert Structure.objects.get(name="CCAS d'Artonges").commune.insee_code == "02458"
    # The same file again: the structure is found under its current commune.
    assert (run("structures", data, user=admin).created, run("structures", data, user=admin).unchanged) == (0, 2)


def test_an_unknown_code_in_an_import_is_an_error_that_says_what_it_is_not(admin):
    report = run("structures", upload(["nom", "commune", "type"], [["CCAS", "02999", "CCAS"]]), user=admin)
    assert errors_of(report) == [(2, "commune", f"Commune inconnue : 02999. {UNKNOWN_CODE}")]


def test_a_communes_file_with_a_former_code_leaves_its_row_out(admin):
    before = Commune.objects.count()
    rows = [["02026", "Artonges", "02"], ["59350", "Lille", "59"]]
    report = run("communes", upload(["code_insee", "nom", "departement"], rows), user=admin)
    assert errors_of(report) == [] and MAPPED in report.notes
    assert Commune.objects.count() == before
    assert not Commune.objects.filter(insee_code="02026").exists()


def test_the_referral_form_takes_a_former_code(client):
    current = Commune.objects.get(insee_code="59545")
    data = referral_data(current) | {"commune": "02285"}
    response = client.post(reverse("public_referral:form"), data)
    assert response.status_code == 302, response.context["form"].errors
    assert Referral.objects.get().commune == current


def test_the_referral_form_says_an_unknown_code(client):
    data = referral_data(Commune.objects.get(insee_code="59350")) | {"commune": "59999"}
    response = client.post(reverse("public_referral:form"), data)
    (message,) = response.context["form"].errors["commune"]
    assert "Aucune commune n'a le code INSEE 59999" in message
    assert not Referral.objects.exists()


def test_the_person_form_takes_a_former_code_and_shows_the_current_commune(client):
    client.force_login(make_mediator())
    response = client.post(reverse("accompaniments:beneficiary_create"), person_data(commune="02285"))
    assert response.status_code == 302
    person = Beneficiary.objects.get()
    assert person.commune.insee_code == "59545"
    edit = client.get(reverse("accompaniments:beneficiary_update", args=[person.pk])).content.decode()
    assert 'value="Saint-Souplet (59545)"' in edit


def test_the_person_form_offers_the_department_not_every_commune(client):
    client.force_login(make_mediator())
    html = client.get(reverse("accompaniments:beneficiary_create")).content.decode()
    nord = Commune.objects.filter(department=department("59")).count()
    assert html.count("<option value=") < nord + 100  # the department's, not the region's 3 782
    assert 'value="Roubaix (59512)"' in html and 'value="Amiens (80021)"' not in html


def test_suggestions_follow_what_is_typed_by_name_code_or_postal_code(client):
    url = reverse("public_referral:communes")
    by_name = client.get(url, {"commune": "roub"}).content.decode()
    assert '<option value="Roubaix (59512)">' in by_name
    assert client.get(url, {"commune": "59100"}).content.decode().count("Roubaix (59512)") == 1
    assert "Saint-Souplet (59545)" in client.get(url, {"commune": "02285"}).content.decode()
    assert client.get(url, {"commune": "Saint"}).content.decode().count("<option") == 15
    assert client.get(url, {"commune": "x"}).content.decode().strip() == ""
