"""Who publishes and who reads an edition: coordinators and administrators publish for a scope of
their own; readers, coordinators and administrators read the editions of their scopes; mediators
and structure managers get 403; another territory's edition is a 404."""

import pytest
from django.urls import reverse

from mediation.enums import Role
from mediation.models import Department
from reporting import editions
from reporting.models import Edition
from reporting.scope import resolve_scope
from tests.conftest import enable_totp
from tests.factories import department, hauts_de_france, make_user

pytestmark = pytest.mark.django_db

YEAR = 2024
NORD = {"annee": YEAR, "perimetre": "departement:59"}


@pytest.fixture
def nord_edition():
    coordinator = make_user(Role.COORDINATOR, departments=[department("59")])
    scope = resolve_scope(Department.objects.filter(code="59"), year=YEAR, key="departement:59", protected=True)
    return editions.publish(scope, by=coordinator, version=1)


def login(client, role, **scope):
    user = make_user(role, **scope)
    if role in (Role.COORDINATOR, Role.READER, Role.ADMIN):
        enable_totp(user)
    client.force_login(user)
    return user


# (role, its scope, may read the Nord's edition, may publish for the Nord)
PEOPLE = [
    (Role.ADMIN, {}, True, True),
    (Role.COORDINATOR, {"departments": ["59"]}, True, True),
    (Role.COORDINATOR, {"region": True}, True, True),
    (Role.COORDINATOR, {"departments": ["80"]}, False, False),
    (Role.READER, {"departments": ["59"]}, True, False),
    (Role.READER, {"departments": ["80"]}, False, False),
    (Role.MEDIATOR, {}, False, False),
    (Role.STRUCTURE_MANAGER, {}, False, False),
]


def scope_of(spec):
    if spec.get("region"):
        return {"region": hauts_de_france()}
    if "departments" in spec:
        return {"departments": [department(code) for code in spec["departments"]]}
    return {}


def refused(role):
    """Outside the scope: 404 for the roles that read the bilan, 403 for the others."""
    return 404 if role in (Role.ADMIN, Role.COORDINATOR, Role.READER) else 403


@pytest.mark.parametrize(("role", "spec", "reads", "publishes"), PEOPLE)
def test_who_reads_the_editions(client, nord_edition, role, spec, reads, publishes):
    login(client, role, **scope_of(spec))
    for fmt in editions.FILE_KINDS:
        response = client.get(reverse("reporting:edition_file", args=[nord_edition.pk, fmt]))
        assert response.status_code == (200 if reads else refused(role)), (role, spec, fmt)
        if reads:
            assert response.content == bytes(getattr(nord_edition, fmt))
    listing = client.get(reverse("reporting:edition_list"), NORD)
    if role in (Role.MEDIATOR, Role.STRUCTURE_MANAGER):
        assert listing.status_code == 403
    else:
        assert listing.status_code == 200
        # Another territory's reader gets her own scope's (empty) list, never the Nord's edition.
        assert (nord_edition.json_sha256 in listing.content.decode()) == reads


@pytest.mark.parametrize(("role", "spec", "reads", "publishes"), PEOPLE)
def test_who_publishes(client, nord_edition, role, spec, reads, publishes):
    login(client, role, **scope_of(spec))
    page = client.get(reverse("reporting:edition_publish"), NORD)
    query = "?annee=2024&perimetre=departement:59"
    post = client.post(reverse("reporting:edition_publish") + query, {"version": 2, "reason": "Correction"})
    if publishes:
        assert page.status_code == 200
        assert post.status_code == 302
        assert Edition.objects.filter(version=2).exists()
    else:
        expected = 403 if role in (Role.READER, Role.MEDIATOR, Role.STRUCTURE_MANAGER) else 404
        assert (page.status_code, post.status_code) == (expected, expected)
        assert not Edition.objects.filter(version=2).exists()


def test_a_coordinator_cannot_publish_another_year_or_post_type_than_asked(client):
    login(client, Role.COORDINATOR, departments=[department("59")])
    for params in ({"annee": "1999"}, {"annee": "abc"}, {"type": "nope"}, {"perimetre": "region:32"}):
        assert client.get(reverse("reporting:edition_publish"), NORD | params).status_code == 404
    assert not Edition.objects.exists()


def test_anonymous_people_are_sent_to_the_login(client, nord_edition):
    for url in (
        reverse("reporting:edition_list"),
        reverse("reporting:edition_publish"),
        reverse("reporting:edition_file", args=[nord_edition.pk, "pdf"]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_an_unknown_file_kind_is_a_404(client, nord_edition):
    login(client, Role.READER, departments=[department("59")])
    assert client.get(reverse("reporting:edition_file", args=[nord_edition.pk, "ods"])).status_code == 404
