"""Orienting the person of a sheet to a partner, from the sheet page, and recording the outcome."""

import datetime

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from partners.enums import OrientationOutcome, PartnerType
from partners.models import Orientation
from tests.accompaniments.factories import BeneficiaryFactory, SheetFactory

from .factories import OrientationFactory, PartnerFactory

pytestmark = pytest.mark.django_db

CREATE = reverse("partners:orientation_create")


@pytest.fixture
def sheet(world):
    person = BeneficiaryFactory(structure=world.lille.structure, referent=world.lille.mediator)
    return SheetFactory(beneficiary=person, post=world.lille.post, opened_on=datetime.date(2025, 3, 1))


def data(**overrides):
    values = {
        "partner": "",
        "partner_type": "",
        "date": "2025-03-10",
        "reason": "Ouverture des droits",
        "outcome": "pending",
    }
    values.update(overrides)
    return values


def test_orienting_to_a_partner_of_the_directory_takes_its_type(client, world, sheet):
    caf = PartnerFactory(name="CAF du Nord", partner_type=PartnerType.CAF)
    client.force_login(world.lille.mediator)
    page = client.get(f"{CREATE}?sheet={sheet.pk}")
    assert page.status_code == 200 and "CAF du Nord" in page.content.decode()

    response = client.post(f"{CREATE}?sheet={sheet.pk}", data(partner=caf.pk, partner_type=PartnerType.OTHER))

    assert response.status_code == 302
    assert response["Location"] == reverse("accompaniments:sheet_detail", kwargs={"pk": sheet.pk})
    orientation = Orientation.objects.get()
    assert orientation.partner == caf and orientation.partner_type == PartnerType.CAF
    assert (orientation.sheet, orientation.mediator, orientation.post) == (
        sheet,
        world.lille.mediator,
        world.lille.post,
    )
    assert orientation.is_to_social_protection


def test_without_a_partner_the_type_is_required(client, world, sheet):
    client.force_login(world.lille.mediator)
    response = client.post(f"{CREATE}?sheet={sheet.pk}", data())
    assert response.context["form"].errors["partner_type"] == [
        "Choisissez un partenaire du répertoire ou, à défaut, son type."
    ]
    client.post(f"{CREATE}?sheet={sheet.pk}", data(partner_type=PartnerType.HEALTH_PROFESSIONAL))
    assert Orientation.objects.get().partner is None


def test_dates_in_the_future_or_before_the_sheet_are_refused(client, world, sheet):
    client.force_login(world.lille.mediator)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = client.post(f"{CREATE}?sheet={sheet.pk}", data(partner_type="cpam", date=tomorrow.isoformat()))
    assert response.context["form"].errors["date"] == ["La date ne peut pas être dans le futur."]
    response = client.post(f"{CREATE}?sheet={sheet.pk}", data(partner_type="cpam", date="2025-02-28"))
    assert response.context["form"].errors["date"] == [
        "L'orientation ne peut précéder l'ouverture de la fiche (01/03/2025)."
    ]
    response = client.post(f"{CREATE}?sheet={sheet.pk}", data(partner_type="cpam", date="31/02/2025"))
    assert "date" in response.context["form"].errors
    assert not Orientation.objects.exists()


def test_unknown_or_foreign_partners_and_types_are_form_errors(client, world, sheet):
    somme = PartnerFactory(department=world.amiens.commune.department)
    client.force_login(world.lille.mediator)
    for field, value in (("partner", somme.pk), ("partner", "abc"), ("partner_type", "pole_emploi"), ("outcome", "x")):
        response = client.post(f"{CREATE}?sheet={sheet.pk}", data(**{"partner_type": "cpam", field: value}))
        assert response.status_code == 200
        assert field in response.context["form"].errors
    assert not Orientation.objects.exists()


@pytest.mark.parametrize("query", ["", "?sheet=", "?sheet=abc", "?sheet=-3", "?sheet=99999999", "?sheet=1e3"])
def test_a_missing_or_malformed_sheet_is_a_404(client, world, query):
    client.force_login(world.lille.mediator)
    assert client.get(CREATE + query).status_code == 404


def test_the_sheet_of_another_structure_is_a_404(client, world, sheet):
    client.force_login(world.roubaix.mediator)
    assert client.get(f"{CREATE}?sheet={sheet.pk}").status_code == 404
    assert client.post(f"{CREATE}?sheet={sheet.pk}", data(partner_type="cpam")).status_code == 404
    orientation = OrientationFactory(sheet=sheet)
    url = reverse("partners:orientation_update", kwargs={"pk": orientation.pk})
    assert client.get(url).status_code == 404


def test_a_double_submit_records_one_orientation(client, world, sheet):
    client.force_login(world.lille.mediator)
    payload = data(partner_type="cpam", submission_key="0b7c6a1e-2a4b-4c1f-9a57-1c1d0e3f4a5b")
    client.post(f"{CREATE}?sheet={sheet.pk}", payload)
    client.post(f"{CREATE}?sheet={sheet.pk}", payload)
    assert Orientation.objects.count() == 1


def test_the_outcome_is_recorded_later(client, world, sheet):
    orientation = OrientationFactory(sheet=sheet)
    client.force_login(world.lille.manager)
    url = reverse("partners:orientation_update", kwargs={"pk": orientation.pk})
    response = client.post(url, {"outcome": OrientationOutcome.TAKEN_IN_CHARGE, "version": 1})
    assert response.status_code == 302
    orientation.refresh_from_db()
    assert orientation.outcome == OrientationOutcome.TAKEN_IN_CHARGE


def test_social_protection_orientations_are_a_query_for_the_bilan(world, sheet):
    OrientationFactory(sheet=sheet, partner_type=PartnerType.CPAM)
    OrientationFactory(sheet=sheet, partner_type=PartnerType.MSA)
    OrientationFactory(sheet=sheet, partner_type=PartnerType.CCAS)
    OrientationFactory(sheet=sheet, partner_type=PartnerType.CAF, date=datetime.date(2024, 12, 31))
    assert Orientation.objects.to_social_protection().count() == 3
    assert Orientation.objects.for_year(2025).to_social_protection().count() == 2
    assert Orientation.objects.for_year(2025).for_post(world.lille.post).count() == 3


def test_the_sheet_block_lists_orientations_with_the_button(world, sheet):
    OrientationFactory(sheet=sheet, partner=PartnerFactory(name="CPAM de Lille-Douai"), partner_type="cpam")
    request = RequestFactory().get("/")
    html = render_to_string(
        "partners/blocks/sheet_orientations.html",
        {"sheet": sheet, "orientations": sheet.orientations.select_related("partner")},
        request=request,
    )
    assert "CPAM de Lille-Douai" in html and "En attente" in html
    assert f"{CREATE}?sheet={sheet.pk}" in html
    assert "!!INVALID" not in html
