"""A region's own posts register and structures list, as it really keeps them: posts without
funding or start date, structures whose commune is given by its name and department. Accepted,
with the rule that decided each said by a warning line of the dry run, and imported twice
without change; an ambiguous or unknown commune name is an error that says what to do."""

import datetime
from pathlib import Path

import pytest

from mediation.enums import Funding, StructureKind
from mediation.imports import resources
from mediation.imports.formats import check_upload
from mediation.models import Post, Structure
from tests.factories import CommuneFactory, PostFactory, StructureFactory, department
from tests.imports.conftest import errors_of, run, upload

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name):
    return check_upload(name, (FIXTURES / name).read_bytes())


@pytest.fixture
def warnings(monkeypatch):
    """The warning lines of the resources the imports run, as their dry run states them."""
    seen = []
    prepare = resources.ScopedResource.prepare

    def spy(self, dataset):
        seen.append(self)
        return prepare(self, dataset)

    monkeypatch.setattr(resources.ScopedResource, "prepare", spy)
    return lambda *, dry_run=True: [line for resource in seen for line in resource.warning_lines(dry_run=dry_run)]


@pytest.fixture
def saint_amand(communes):
    return CommuneFactory(insee_code="59526", name="Saint-Amand-les-Eaux", department=department("59"))


# ---------------------------------------------------------------- posts register


def test_a_register_without_funding_or_start_date_is_accepted_with_its_rules_stated(admin, communes, warnings):
    report = run("postes", fixture("registre-postes-region.csv"), user=admin, dry_run=True)
    assert (errors_of(report), report.created) == ([], 2)
    assert warnings() == [
        "1 poste(s) sans financement : importé(s) avec le financement « non renseigné »",
        "1 poste(s) nouveau(x) sans date de début : ouvert(s) au 1er janvier de l'année du registre (colonne annee)",
    ]
    assert not Post.objects.exists()


def test_the_dry_run_page_report_carries_the_warnings(admin, communes):
    report = run("postes", fixture("registre-postes-region.csv"), user=admin, dry_run=True)
    assert any("sans financement" in note for note in report.notes)


def test_a_post_without_start_date_opens_on_1_january_of_the_register_and_without_funding(admin, communes):
    report = run("postes", fixture("registre-postes-region.csv"), user=admin)
    assert report.applied and errors_of(report) == []
    alma = Post.objects.get(code="P-59-101")
    assert (alma.start_date, alma.funding, alma.get_funding_display()) == (datetime.date(2023, 1, 1), "", "")
    lille = Post.objects.get(code="P-59-102")
    assert (lille.start_date, lille.funding) == (datetime.date(2023, 9, 1), Funding.ARS)


def test_the_same_register_imported_again_changes_nothing(admin, communes):
    run("postes", fixture("registre-postes-region.csv"), user=admin)
    again = run("postes", fixture("registre-postes-region.csv"), user=admin)
    assert (again.created, again.updated, again.unchanged, errors_of(again)) == (0, 0, 2, [])


def test_next_years_register_without_start_date_keeps_the_first_years_start(admin, communes, warnings):
    structure = StructureFactory(name="Centre social Alma", commune=communes["roubaix"])
    PostFactory(code="P-59-101", structure=structure, department=department("59"), start_date=datetime.date(2021, 4, 1))
    headers = ["code_poste", "structure", "commune_structure", "departement", "type_poste", "financement", "annee"]
    data = upload(headers, [["P-59-101", "Centre social Alma", "59512", "59", "QPV", "ARS", "2024"]])
    report = run("postes", data, user=admin)
    assert errors_of(report) == []
    assert Post.objects.get(code="P-59-101").start_date == datetime.date(2021, 4, 1)
    assert "1 poste(s) déjà connu(s) sans date de début : début enregistré gardé" in warnings(dry_run=False)


def test_a_new_post_without_start_date_nor_year_is_refused_with_what_to_give(admin, communes):
    headers = ["code_poste", "structure", "commune_structure", "departement", "type_poste"]
    report = run("postes", upload(headers, [["P-59-103", "Centre social Alma", "59512", "59", "QPV"]]), user=admin)
    assert errors_of(report) == [
        (
            2,
            "date_debut",
            "Date de début absente : donnez-la, ou l'année du registre (colonne annee) pour ouvrir le poste au "
            "1er janvier de cette année.",
        )
    ]
    assert not Post.objects.exists()


# ---------------------------------------------------------------- structures


def test_structures_whose_commune_is_given_by_name_are_accepted(admin, communes, saint_amand, warnings):
    dry = run("structures", fixture("structures-region.csv"), user=admin, dry_run=True)
    assert (errors_of(dry), dry.created) == ([], 3)
    assert warnings() == [
        "3 structure(s) dont la commune est donnée par son nom : reconnue(s) par nom et département",
    ]
    report = run("structures", fixture("structures-region.csv"), user=admin)
    assert report.applied
    assert sorted(Structure.objects.values_list("name", "commune__insee_code", "kind")) == [
        ("CCAS de Lille", "59350", StructureKind.CCAS),
        ("Centre social Alma", "59512", StructureKind.SOCIAL_CENTRE),
        ("Maison de santé du Marais", "59526", StructureKind.HEALTH_CENTRE),
    ]


def test_structures_by_commune_name_imported_again_change_nothing(admin, communes, saint_amand):
    run("structures", fixture("structures-region.csv"), user=admin)
    again = run("structures", fixture("structures-region.csv"), user=admin)
    assert (again.created, again.updated, again.unchanged, errors_of(again)) == (0, 0, 3, [])


def test_an_ambiguous_commune_name_is_an_error_listing_the_candidates(admin, communes):
    CommuneFactory(insee_code="99001", name="Saint-Martin", department=department("59"))
    CommuneFactory(insee_code="99002", name="St Martin", department=department("59"))
    CommuneFactory(insee_code="99003", name="Saint-Martin", department=department("62"))
    headers = ["nom", "commune", "departement", "type"]
    report = run(
        "structures",
        upload(headers, [["CCAS", "SAINT MARTIN", "59", "CCAS"], ["Association", "saint-martin", "", "Association"]]),
        user=admin,
    )
    assert errors_of(report) == [
        (
            2,
            "commune",
            "Plusieurs communes s'appellent « SAINT MARTIN » dans le département 59 : Saint-Martin (99001, 59) · "
            "St Martin (99002, 59) ; donnez son code INSEE.",
        ),
        (
            3,
            "commune",
            "Plusieurs communes s'appellent « saint-martin » : Saint-Martin (99001, 59) · St Martin (99002, 59) · "
            "Saint-Martin (99003, 62) ; donnez le département ou le code INSEE.",
        ),
    ]
    assert not Structure.objects.exists()


def test_an_unknown_commune_name_says_so(admin, communes):
    headers = ["nom", "commune", "departement", "type"]
    report = run("structures", upload(headers, [["CCAS", "Lens", "59", "CCAS"]]), user=admin)
    assert errors_of(report) == [
        (
            2,
            "commune",
            "Commune inconnue dans le département 59 : « Lens ». Vérifiez son nom ou donnez son code INSEE "
            "(importez d'abord la liste des communes).",
        )
    ]


def test_a_commune_named_in_another_department_is_out_of_a_coordinators_scope(coordinator, communes):
    headers = ["nom", "commune", "departement", "type"]
    report = run("structures", upload(headers, [["CCAS", "lens", "62", "CCAS"]]), user=coordinator)
    assert errors_of(report) == [
        (2, "commune", "Cette commune est dans un département hors de votre périmètre."),
    ]


def test_a_register_without_a_funding_column_warns_for_new_posts_and_keeps_known_ones(admin, communes, warnings):
    structure = StructureFactory(name="Centre social Alma", commune=communes["roubaix"])
    PostFactory(code="P-59-101", structure=structure, department=department("59"), funding=Funding.ARS)
    headers = ["code_poste", "structure", "commune_structure", "departement", "type_poste", "date_debut"]
    rows = [
        ["P-59-101", "Centre social Alma", "59512", "59", "QPV", "01/02/2023"],
        ["P-59-104", "Centre social Alma", "59512", "59", "QPV", "01/02/2023"],
    ]
    report = run("postes", upload(headers, rows), user=admin)
    assert errors_of(report) == []
    assert dict(Post.objects.values_list("code", "funding")) == {"P-59-101": Funding.ARS, "P-59-104": ""}
    assert warnings(dry_run=False) == ["1 poste(s) importé(s) sans financement (« non renseigné »)"]
