"""Communes, QPV, structures and partners: found by their natural keys, so a second run is a
no-op; rows outside a coordinator's departments are errors."""

import pytest

from mediation.enums import StructureKind
from mediation.imports.lookups import UNKNOWN_CODE
from mediation.models import Commune, Qpv, Structure
from partners.enums import PartnerType
from partners.models import Partner
from tests.factories import department
from tests.imports.conftest import errors_of, run, upload

pytestmark = pytest.mark.django_db


# Codes no commune of the COG has: the migrations load Hauts-de-France's real communes.
def test_communes(coordinator):
    data = upload(["code_insee", "nom", "departement"], [["99512", "Roubaix", "59"], [2991, "Saint-Quentin", "2"]])
    report = run("communes", data, user=coordinator)
    assert errors_of(report) == [(3, "departement", "Ce département n'est pas dans votre périmètre.")]
    assert not Commune.objects.filter(insee_code__in=["99512", "02991"]).exists()


def test_communes_by_an_admin_and_again(admin):
    data = upload(
        ["Code INSEE", "Nom de la commune", "Département"], [["99512", "Roubaix", "59"], [2991, "Saint-Quentin", "2"]]
    )
    report = run("communes", data, user=admin)
    assert (report.created, report.errors) == (2, [])
    assert Commune.objects.get(insee_code="02991").department == department("02")
    again = run("communes", data, user=admin)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_qpv_with_their_communes(admin, communes):
    headers = ["code_qpv", "nom", "departement", "communes"]
    data = upload(headers, [["QN05901M", "Alma - Gare", "59", "59512 ; 59350"]])
    report = run("qpv", data, user=admin)
    assert errors_of(report) == []
    qpv = Qpv.objects.get(code="QN05901M")
    assert set(qpv.communes.values_list("insee_code", flat=True)) == {"59512", "59350"}
    again = run("qpv", data, user=admin)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    changed = run("qpv", upload(headers, [["QN05901M", "Alma - Gare", "59", "59512"]]), user=admin)
    assert (changed.updated, changed.errors) == (1, [])
    assert list(qpv.communes.values_list("insee_code", flat=True)) == ["59512"]


def test_qpv_with_an_unknown_commune(admin, communes):
    data = upload(["code_qpv", "nom", "departement", "communes"], [["QN05901M", "Alma", "59", "59512,59999"]])
    report = run("qpv", data, user=admin)
    assert errors_of(report) == [(2, "communes", f"Commune(s) inconnue(s) : 59999. {UNKNOWN_CODE}")]


def test_structures_by_name_and_commune(coordinator, communes):
    headers = ["nom", "commune", "type"]
    data = upload(headers, [["CCAS de Roubaix", "59512", "ccas"], ["Centre social Alma", "59512", " CENTRE SOCIAL "]])
    report = run("structures", data, user=coordinator)
    assert (report.created, report.errors) == (2, [])
    assert Structure.objects.get(name="Centre social Alma").kind == StructureKind.SOCIAL_CENTRE
    again = run("structures", upload(headers, [["ccas de roubaix", "59512", "CCAS"]]), user=coordinator)
    assert (again.created, again.updated + again.unchanged) == (0, 1)
    assert Structure.objects.count() == 2


def test_structures_outside_the_scope(coordinator, communes):
    report = run(
        "structures", upload(["nom", "commune", "type"], [["CCAS de Lens", "62498", "CCAS"]]), user=coordinator
    )
    assert errors_of(report) == [(2, "commune", "Cette commune est dans un département hors de votre périmètre.")]


def test_partners(coordinator, communes):
    headers = ["nom", "departement", "type", "categorie", "publics", "commune", "email"]
    rows = [
        [
            "CPAM de Roubaix-Tourcoing",
            "59",
            "cpam",
            "sanitaire",
            "Habitants ; personnes agees",
            "59512",
            "accueil@cpam.fr",
        ],
        ["Centre social Alma", "59", "Centre social", "Social", "", "", ""],
    ]
    report = run("partenaires", upload(headers, rows), user=coordinator)
    assert errors_of(report) == []
    partner = Partner.objects.get(name="CPAM de Roubaix-Tourcoing")
    assert partner.partner_type == PartnerType.CPAM
    assert partner.created_by == coordinator
    assert sorted(p.code for p in partner.publics.all()) == ["habitants", "personnes_agees"]
    again = run("partenaires", upload(headers, rows), user=coordinator)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    # "CPAM Roubaix Tourcoing" is the same organisation (articles and punctuation ignored).
    renamed = run(
        "partenaires",
        upload(headers, [["CPAM Roubaix Tourcoing", "59", "CPAM", "Sanitaire", "", "", ""]]),
        user=coordinator,
    )
    assert (renamed.created, renamed.updated, errors_of(renamed)) == (0, 1, [])


def test_partners_with_a_bad_email_and_another_department(coordinator, communes):
    headers = ["nom", "departement", "type", "categorie", "email"]
    rows = [["CAF", "59", "caf", "social", "pas-une-adresse"], ["CAF du Pas-de-Calais", "62", "caf", "social", ""]]
    report = run("partenaires", upload(headers, rows), user=coordinator)
    assert errors_of(report) == [
        (2, "email", "« pas-une-adresse » n'est pas une adresse e-mail valide."),
        (3, "departement", "Ce département n'est pas dans votre périmètre."),
    ]
    assert not Partner.objects.exists()
