"""Historical sheets: one row per request; rows of one (person, post, date) make one sheet; the
person is found or created by (structure, identifier); all or nothing; a second run is a no-op."""

import datetime

import pytest
from auditlog.models import LogEntry

from accompaniments.enums import RequestDomain, RequestStatus
from accompaniments.models import Beneficiary, Sheet, SheetRequest
from mediation.enums import Role
from tests.accompaniments.factories import BeneficiaryFactory, SheetFactory, SheetRequestFactory
from tests.factories import PostFactory, StructureFactory, department, make_mediator, make_user
from tests.imports.conftest import errors_of, run, upload

pytestmark = pytest.mark.django_db

HEADERS = [
    "email_mediateur",
    "code_poste",
    "date_fiche",
    "identifiant_personne",
    "sexe",
    "age",
    "qpv",
    "ressources",
    "connu_par",
    "domaine",
    "type_demande",
    "etat",
    "date_ouverture",
    "date_cloture",
]


@pytest.fixture
def post(db):
    return PostFactory(code="P-59-001", structure=StructureFactory(name="Centre social Élan"))


@pytest.fixture
def mediator(post):
    return make_mediator(structure=post.structure, post=post, email="awa@exemple.fr")


def row(person="A-1", *, date="15/03/2024", **overrides):
    values = {
        "email_mediateur": "awa@exemple.fr",
        "code_poste": "P-59-001",
        "date_fiche": date,
        "identifiant_personne": person,
        "sexe": "Femme",
        "age": "44",
        "qpv": "oui",
        "ressources": "RSA",
        "connu_par": "Bouche-à-oreille",
        "domaine": "Accès aux droits",
        "type_demande": "Demande de Complémentaire santé solidaire",
        "etat": "résolue",
        "date_ouverture": date,
        "date_cloture": "02/04/2024",
    }
    values.update(overrides)
    return [values[h] for h in HEADERS]


def sheets_file(*rows, **options):
    return upload(HEADERS, list(rows), **options)


def test_rows_of_one_person_post_and_date_make_one_sheet(admin, mediator):
    data = sheets_file(
        row("A-1"),
        row(
            "A-1",
            domaine="soins",
            type_demande="Aide à la recherche d'un professionnel de santé",
            etat="en cours",
            date_cloture="",
        ),
        row("A-1", date="10/06/2024", date_cloture="12/06/2024"),
        row("B-2", sexe="Homme", age="", domaine="", type_demande="", etat="", date_ouverture="", date_cloture=""),
    )
    report = run("fiches", data, user=admin)
    assert errors_of(report) == []
    assert (report.created, report.updated, report.unchanged) == (4, 0, 0)
    assert report.notes == ["2 personne(s) créée(s)", "3 fiche(s) créée(s)"]
    person = Beneficiary.objects.get(external_id="A-1")
    assert (person.last_name, person.first_name, str(person)) == ("Personne", "A-1", "PERSONNE A-1")
    assert person.structure == mediator.membership.structure and person.referent == mediator
    assert person.sex.code == "female" and person.resources.code == "rsa" and person.came_via.code == "bouche_a_oreille"
    first = Sheet.objects.get(beneficiary=person, opened_on=datetime.date(2024, 3, 15))
    assert (first.age, first.lives_in_qpv, first.sex.code, first.mediator) == (44, True, "female", mediator)
    assert sorted((r.domain, r.status) for r in first.requests.all()) == [
        (RequestDomain.CARE, RequestStatus.IN_PROGRESS),
        (RequestDomain.RIGHTS, RequestStatus.RESOLVED),
    ]
    empty = Sheet.objects.get(beneficiary__external_id="B-2")
    assert (empty.age, empty.requests.count()) == (None, 0)
    # Every record written is in the audit trail, with its author: one entry per model for the
    # whole import, naming its records (tests/imports/test_audit_batch.py).
    created = LogEntry.objects.filter(action=LogEntry.Action.CREATE, actor=admin)
    assert sorted(entry.additional_data["records"] for entry in created) == [2, 3, 3]  # people, sheets, requests
    assert {entry.additional_data["import"] for entry in created} == {"fichier.csv"}
    assert all(entry.timestamp and entry.actor_email == admin.email for entry in created)


def test_importing_the_same_file_twice_changes_nothing(admin, mediator):
    data = sheets_file(row("A-1"), row("A-1", type_demande="Prestations sociales"), row("B-2", date="01/02/2024"))
    run("fiches", data, user=admin)
    counts = (Beneficiary.objects.count(), Sheet.objects.count(), SheetRequest.objects.count())
    report = run("fiches", data, user=admin)
    assert errors_of(report) == []
    assert (report.created, report.updated, report.unchanged) == (0, 0, 3)
    assert counts == (Beneficiary.objects.count(), Sheet.objects.count(), SheetRequest.objects.count())


def test_a_closed_request_and_a_changed_sheet_are_updates(admin, mediator):
    run("fiches", sheets_file(row("A-1", etat="en cours", date_cloture="")), user=admin)
    report = run("fiches", sheets_file(row("A-1", age="45")), user=admin)
    assert (report.created, report.updated, report.unchanged, report.errors) == (0, 1, 0, [])
    request = SheetRequest.objects.get()
    assert (request.status, request.closed_on, request.sheet.age) == (
        RequestStatus.RESOLVED,
        datetime.date(2024, 4, 2),
        45,
    )


def test_existing_people_are_found_by_structure_and_identifier(admin, mediator, post):
    person = BeneficiaryFactory(structure=post.structure, referent=mediator, external_id="A-1", last_name="Dupont")
    other_structure = BeneficiaryFactory(external_id="A-2")
    report = run("fiches", sheets_file(row("A-1"), row("A-2")), user=admin)
    assert errors_of(report) == []
    assert person.sheets.count() == 1
    assert Beneficiary.objects.filter(external_id="A-2").count() == 2
    assert other_structure.sheets.count() == 0


def test_one_bad_row_imports_nothing_and_is_named(admin, mediator):
    data = sheets_file(row("A-1"), row("A-2"), row("A-3", sexe="Femmme"), row("A-4"))
    report = run("fiches", data, user=admin)
    [(line, column, message)] = errors_of(report)
    assert (line, column) == (4, "sexe")
    assert message.startswith(
        "« Femmme » n'est pas dans la liste (sexe). Valeurs acceptées : Femme · Homme · Non binaire"
    )
    assert not Beneficiary.objects.exists() and not Sheet.objects.exists()


def test_a_value_repeated_on_many_rows_is_judged_on_each_of_them(admin, mediator):
    """A file repeats the same few spellings: each row still gets its own verdict and error."""
    data = sheets_file(
        row("A-1", sexe="Femmme"),
        row("A-2", sexe="Femmme"),
        row("A-3"),
        row("A-4", domaine="soins"),  # the type of the first rows, not in the care list
        row("A-5", date="01/01/2999", etat="en cours", date_ouverture="", date_cloture=""),
        row("A-6", date="01/01/2999", etat="en cours", date_ouverture="", date_cloture=""),
    )
    report = run("fiches", data, user=admin, dry_run=True)
    assert [(line, column) for line, column, _ in errors_of(report)] == [
        (2, "sexe"),
        (3, "sexe"),
        (5, "type_demande"),
        (6, "date_fiche"),
        (7, "date_fiche"),
    ]


def test_the_dry_run_writes_nothing(admin, mediator):
    report = run("fiches", sheets_file(row("A-1"), row("A-2")), user=admin, dry_run=True)
    assert (report.created, report.errors) == (2, [])
    assert not Beneficiary.objects.exists()


def test_request_rules_are_checked(admin, mediator):
    data = sheets_file(
        row("A-1", etat="résolue", date_cloture="31/02/2024"),
        row("A-2", etat="en cours"),
        row("A-3", date_cloture="01/01/2024"),
        row("A-4", domaine="soins", type_demande="Demande de Complémentaire santé solidaire"),
        row("A-5", date="01/01/2999", etat="en cours", date_ouverture="", date_cloture=""),
    )
    report = run("fiches", data, user=admin)
    found = {(line, column) for line, column, _ in errors_of(report)}
    assert found == {
        (2, "date_cloture"),
        (3, "date_cloture"),
        (4, "date_cloture"),
        (5, "type_demande"),
        (6, "date_fiche"),
    }


def test_rows_of_one_sheet_must_agree(admin, mediator):
    report = run("fiches", sheets_file(row("A-1"), row("A-1", sexe="Homme", type_demande="Autre")), user=admin)
    assert errors_of(report) == [
        (3, "sexe", "Différent de la ligne 2, qui décrit la même fiche (même personne, même poste, même date).")
    ]


def test_unknown_mediator_post_and_foreign_mediator(admin, mediator):
    stranger = make_user(Role.MEDIATOR, email="autre@exemple.fr")
    data = sheets_file(
        row("A-1", email_mediateur="inconnue@exemple.fr"),
        row("A-2", code_poste="P-404"),
        row("A-3", email_mediateur=stranger.email),
    )
    report = run("fiches", data, user=admin)
    assert [(line, column) for line, column, _ in errors_of(report)] == [
        (2, "email_mediateur"),
        (3, "code_poste"),
        (4, "email_mediateur"),
    ]


def test_a_coordinator_imports_only_posts_of_her_departments(mediator, post):
    coordinator = make_user(Role.COORDINATOR, departments=[department("62")])
    report = run("fiches", sheets_file(row("A-1")), user=coordinator)
    assert errors_of(report) == [
        (2, "code_poste", "Le poste P-59-001 est dans un département hors de votre périmètre.")
    ]


def test_labels_and_codes_whatever_their_spelling(admin, mediator):
    data = sheets_file(
        row(
            "A-1",
            sexe=" f ",
            ressources="  pension de reversion ",
            connu_par="BOUCHE A OREILLE",
            domaine="ACCES AUX SOINS",
            type_demande="aide ou prise de rendez-vous pour / avec l’usager",
            etat="Non résolue (abandon, refus)",
        ),
        row(
            "A-2",
            sexe="non_binary",
            ressources="aucune_ressource",
            connu_par="outreach",
            domaine="rights",
            type_demande="autre",
            etat="RESOLVED",
            qpv="NON",
        ),
    )
    report = run("fiches", data, user=admin)
    assert errors_of(report) == []
    first = Sheet.objects.get(beneficiary__external_id="A-1")
    assert (first.sex.code, first.resources.code, first.came_via.code) == (
        "female",
        "pension_de_reversion",
        "bouche_a_oreille",
    )
    request = first.requests.get()
    assert (request.kind.code, request.status) == (
        "aide_ou_prise_de_rendez_vous_pour_avec_l_usager",
        RequestStatus.UNRESOLVED,
    )
    second = Sheet.objects.get(beneficiary__external_id="A-2")
    assert (second.sex.code, second.lives_in_qpv, second.requests.get().kind.vocabulary) == (
        "non_binary",
        False,
        "rights_request",
    )


def test_age_from_birth_year_and_names_when_given(admin, mediator):
    headers = [h for h in HEADERS if h != "age"] + ["annee_naissance", "nom", "prenom"]
    values = dict(zip(HEADERS, row("A-1"), strict=True))
    values.update(annee_naissance="1980", nom="Dupont", prenom="Éléonore")
    report = run("fiches", upload(headers, [[values[h] for h in headers]]), user=admin)
    assert errors_of(report) == []
    sheet = Sheet.objects.get()
    assert (sheet.age, sheet.beneficiary.birth_year, str(sheet.beneficiary)) == (44, 1980, "DUPONT Éléonore")


@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
def test_spreadsheets(admin, mediator, fmt):
    rows = [row("A-1"), row("A-2")]
    for values in rows:
        values[HEADERS.index("date_fiche")] = datetime.date(2024, 3, 15)
        values[HEADERS.index("age")] = 44
    report = run("fiches", upload(HEADERS, rows, fmt=fmt), user=admin)
    assert errors_of(report) == []
    assert Sheet.objects.filter(opened_on=datetime.date(2024, 3, 15), age=44).count() == 2


def test_semicolon_windows_1252(admin, mediator):
    report = run("fiches", sheets_file(row("A-1"), delimiter=";", encoding="cp1252"), user=admin)
    assert errors_of(report) == []
    assert Sheet.objects.get().came_via.code == "bouche_a_oreille"


def test_app_identifiers_find_people_recorded_without_one(admin, mediator, post):
    person = BeneficiaryFactory(structure=post.structure, referent=mediator, external_id="")
    sheet = SheetFactory(beneficiary=person, post=post, opened_on=datetime.date(2024, 3, 15), age=44)
    SheetRequestFactory(
        sheet=sheet, resolved=True, opened_on=datetime.date(2024, 3, 15), closed_on=datetime.date(2024, 4, 2)
    )
    report = run(
        "fiches",
        sheets_file(row(f"app-{person.pk}", sexe="Femme", ressources="RSA", connu_par="Contact direct")),
        user=admin,
    )
    assert errors_of(report) == []
    assert (report.created, report.updated, report.unchanged) == (0, 0, 1)
    assert Beneficiary.objects.count() == 1
