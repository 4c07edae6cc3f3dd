"""The posts register: posts, unknown structures created, unknown holders given an inactive,
uninvited account with a mediator role and a holding; all or nothing; a second run is a no-op."""

import pytest

from mediation.enums import Funding, PostType, Role, StructureKind
from mediation.models import Membership, Post, PostHolding, Structure, User
from tests.factories import PostFactory, StructureFactory, make_user
from tests.imports.conftest import errors_of, run, upload

HEADERS = [
    "code_poste",
    "structure",
    "commune_structure",
    "type_structure",
    "departement",
    "type_poste",
    "financement",
    "date_debut",
    "date_fin",
    "email_titulaire",
    "prenom_titulaire",
    "nom_titulaire",
]


def row(code, *, structure="Centre social Élan", commune="59512", department="59", email="", **overrides):
    values = {
        "code_poste": code,
        "structure": structure,
        "commune_structure": commune,
        "type_structure": "Centre social",
        "departement": department,
        "type_poste": "QPV",
        "financement": "ARS et préfecture (adulte-relais)",
        "date_debut": "01/02/2023",
        "date_fin": "",
        "email_titulaire": email,
        "prenom_titulaire": "Awa" if email else "",
        "nom_titulaire": "Diallo" if email else "",
    }
    values.update(overrides)
    return [values[h] for h in HEADERS]


def register(*rows, **options):
    return upload(HEADERS, list(rows), **options)


pytestmark = pytest.mark.django_db


def test_posts_structures_and_holders_are_created(admin, communes):
    report = run(
        "postes",
        register(row("P-59-001", email="awa.diallo@exemple.fr"), row("P-59-002", type_poste="Rural")),
        user=admin,
    )
    assert errors_of(report) == []
    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    post = Post.objects.get(code="P-59-001")
    assert post.structure.name == "Centre social Élan"
    assert post.structure.kind == StructureKind.SOCIAL_CENTRE
    assert post.funding == Funding.ARS_PREFECTURE
    assert Post.objects.get(code="P-59-002").post_type == PostType.RURAL
    assert Structure.objects.filter(name="Centre social Élan").count() == 1
    holder = User.objects.get(email="awa.diallo@exemple.fr")
    assert not holder.is_active and not holder.has_usable_password()
    assert (holder.first_name, holder.last_name) == ("Awa", "Diallo")
    assert Membership.objects.get(user=holder).role == Role.MEDIATOR
    assert Membership.objects.get(user=holder).structure == post.structure
    holding = PostHolding.objects.get(post=post)
    assert (holding.mediator, holding.start_date, holding.end_date) == (holder, post.start_date, None)
    assert "1 structure(s) créée(s)" in report.notes


def test_importing_the_same_file_twice_changes_nothing(admin, communes):
    data = register(row("P-59-001", email="awa.diallo@exemple.fr"), row("P-59-002"))
    run("postes", data, user=admin)
    counts = (Post.objects.count(), Structure.objects.count(), User.objects.count(), PostHolding.objects.count())
    report = run("postes", data, user=admin)
    assert errors_of(report) == []
    assert (report.created, report.updated, report.unchanged) == (0, 0, 2)
    assert counts == (
        Post.objects.count(),
        Structure.objects.count(),
        User.objects.count(),
        PostHolding.objects.count(),
    )


def test_a_changed_row_is_an_update(admin, communes):
    run("postes", register(row("P-59-001")), user=admin)
    report = run("postes", register(row("P-59-001", date_fin="31/12/2024")), user=admin)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 0)
    assert str(Post.objects.get(code="P-59-001").end_date) == "2024-12-31"


def test_a_new_holder_on_a_vacant_post_is_an_update(admin, communes):
    run("postes", register(row("P-59-001")), user=admin)
    report = run("postes", register(row("P-59-001", email="nadia@exemple.fr")), user=admin)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 0)
    assert PostHolding.objects.get(post__code="P-59-001").mediator.email == "nadia@exemple.fr"


def test_one_bad_row_in_the_middle_imports_nothing_and_is_named(admin, communes):
    report = run(
        "postes",
        register(row("P-59-001"), row("P-59-002", date_debut="31/02/2023"), row("P-59-003")),
        user=admin,
    )
    assert errors_of(report) == [(3, "date_debut", "« 31/02/2023 » n'est pas une date qui existe.")]
    assert not report.applied
    assert not Post.objects.exists()
    assert not Structure.objects.exists()


def test_the_dry_run_counts_and_writes_nothing(admin, communes):
    report = run("postes", register(row("P-59-001", email="awa@exemple.fr"), row("P-59-002")), user=admin, dry_run=True)
    assert (report.created, report.updated, report.unchanged, report.errors) == (2, 0, 0, [])
    assert not Post.objects.exists() and not User.objects.filter(email="awa@exemple.fr").exists()


@pytest.mark.parametrize(
    ("post_type", "funding"),
    [("  rural ", "ars + PREFECTURE"), ("qpv", "  Préfecture (adulte-relais) "), ("RURAL", "ars_prefecture")],
)
def test_labels_match_whatever_their_case_accents_and_spaces(admin, communes, post_type, funding):
    report = run(
        "postes", register(row("P-1", type_poste=post_type, financement=funding, type_structure=" ccas ")), user=admin
    )
    assert errors_of(report) == []
    post = Post.objects.get(code="P-1")
    assert post.post_type == post_type.strip().lower()
    assert post.structure.kind == StructureKind.CCAS


def test_unknown_labels_list_the_accepted_values(admin, communes):
    report = run("postes", register(row("P-1", type_poste="Urbain")), user=admin)
    [(line, column, message)] = errors_of(report)
    assert (line, column) == (2, "type_poste")
    assert "Urbain" in message and "QPV · Rural" in message


def test_semicolon_windows_1252_csv(admin, communes):
    data = register(row("P-1", structure="Maison de santé Liévin"), delimiter=";", encoding="cp1252")
    report = run("postes", data, user=admin)
    assert errors_of(report) == []
    assert Post.objects.get(code="P-1").structure.name == "Maison de santé Liévin"


@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
def test_spreadsheets(admin, communes, fmt):
    report = run("postes", register(row("P-1", email="awa@exemple.fr"), fmt=fmt), user=admin)
    assert errors_of(report) == []
    assert Post.objects.get(code="P-1").holdings.get().mediator.email == "awa@exemple.fr"


def test_a_missing_column_is_a_file_error(admin, communes):
    data = upload(HEADERS[:5], [row("P-1")[:5]])
    report = run("postes", data, user=admin)
    assert (None, "type_poste", "Colonne obligatoire absente : « type_poste ».") in errors_of(report)


def test_headers_may_be_written_as_labels(admin, communes):
    headers = [
        "Code du poste",
        "Nom de la structure",
        "Commune de la structure",
        "Département du poste",
        "Type de poste",
        "Financement",
        "Début du poste",
    ]
    data = upload(headers, [["P-1", "CCAS", "59512", "59", "QPV", "ARS", "2023-01-01"]])
    report = run("postes", data, user=admin)
    assert errors_of(report) == []
    assert Post.objects.get(code="P-1").structure.kind == StructureKind.OTHER


def test_a_coordinator_imports_only_her_departments(coordinator, communes):
    report = run(
        "postes",
        register(row("P-59-1"), row("P-62-1", commune="62498", department="62")),
        user=coordinator,
    )
    assert errors_of(report) == [
        (3, "commune_structure", "Cette commune est dans un département hors de votre périmètre."),
        (3, "departement", "Ce département n'est pas dans votre périmètre."),
    ]
    assert not Post.objects.exists()


def test_a_coordinator_cannot_take_over_a_post_of_another_department(coordinator, communes):
    PostFactory(code="P-62-1", structure=StructureFactory(commune=communes["lens"]))
    report = run("postes", register(row("P-62-1")), user=coordinator)
    assert errors_of(report) == [(2, "code_poste", "Ce poste existe dans un département hors de votre périmètre.")]


def test_a_post_held_by_someone_else_is_not_handed_over_by_an_import(admin, communes):
    run("postes", register(row("P-1", email="awa@exemple.fr")), user=admin)
    report = run("postes", register(row("P-1", email="nadia@exemple.fr")), user=admin)
    [(line, column, message)] = errors_of(report)
    assert (line, column) == (2, "email_titulaire")
    assert "passation" in message


def test_a_holder_with_another_role_is_refused(admin, communes):
    make_user(Role.COORDINATOR, email="coord@exemple.fr")
    report = run("postes", register(row("P-1", email="COORD@exemple.fr")), user=admin)
    assert errors_of(report) == [
        (2, "email_titulaire", "Le compte coord@exemple.fr a déjà un autre rôle ou une autre structure.")
    ]


def test_an_existing_mediator_of_the_structure_becomes_holder(admin, communes):
    structure = StructureFactory(name="Centre social Élan", commune=communes["roubaix"])
    mediator = make_user(Role.MEDIATOR, structure=structure, email="awa@exemple.fr")
    report = run("postes", register(row("P-1", email="awa@exemple.fr")), user=admin)
    assert errors_of(report) == []
    assert PostHolding.objects.get(post__code="P-1").mediator == mediator
    assert mediator.is_active and Membership.objects.filter(user=mediator).count() == 1


def test_a_repeated_post_code_is_an_error(admin, communes):
    report = run("postes", register(row("P-1"), row("P-1")), user=admin)
    assert errors_of(report) == [(3, "code_poste", "Cette ligne répète la ligne 2.")]
