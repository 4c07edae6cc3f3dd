"""Names read from a file (historical sheets' people, posts' holders and structures, partners)
refuse invisible and bidi characters as the forms do: the row is named, nothing is imported."""

import pytest

from accompaniments.models import Beneficiary
from mediation.models import Post, User
from partners.models import Partner
from tests.factories import PostFactory, StructureFactory, make_mediator
from tests.imports import test_posts_import as posts
from tests.imports import test_sheets_import as sheets
from tests.imports.conftest import errors_of, run, upload

pytestmark = pytest.mark.django_db

OVERRIDE = "Jason\u202e"  # a right-to-left override: reads "Jason", is not
MESSAGE = (
    "Ce texte contient un caractère invisible ou qui inverse le sens de l'écriture (U+202E) : "
    "effacez le champ et retapez-le au clavier, sans copier-coller."
)


@pytest.fixture
def mediator(db):
    post = PostFactory(code="P-59-001", structure=StructureFactory(name="Centre social Élan"))
    return make_mediator(structure=post.structure, post=post, email="awa@exemple.fr")


def test_a_sheets_person_name_with_a_bidi_control_is_refused(admin, mediator):
    headers = [*sheets.HEADERS, "nom", "prenom"]
    rows = [[*sheets.row("A-1"), "Diallo", "Awa"], [*sheets.row("B-2"), "Martin", OVERRIDE]]
    report = run("fiches", upload(headers, rows), user=admin)
    assert errors_of(report) == [(3, "prenom", MESSAGE)]
    assert not Beneficiary.objects.exists()


def test_a_holders_name_with_a_zero_width_space_is_refused(admin, communes):
    report = run(
        "postes",
        posts.register(posts.row("P-59-001", email="awa@exemple.fr", nom_titulaire="Dia\u200bllo")),
        user=admin,
    )
    assert [(line, column) for line, column, _ in errors_of(report)] == [(2, "nom_titulaire")]
    assert "U+200B" in errors_of(report)[0][2]
    assert not Post.objects.exists() and not User.objects.filter(email="awa@exemple.fr").exists()


def test_a_partner_name_with_a_bidi_control_is_refused(coordinator, communes):
    headers = ["nom", "departement", "type", "categorie"]
    report = run("partenaires", upload(headers, [[f"CAF {OVERRIDE}", "59", "caf", "social"]]), user=coordinator)
    assert errors_of(report) == [(2, "nom", MESSAGE)]
    assert not Partner.objects.exists()
