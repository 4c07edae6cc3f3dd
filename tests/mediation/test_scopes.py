"""What each role sees of posts and structures, and the posts register figures."""

import datetime

import pytest
from django.urls import reverse

from mediation.enums import PostType, Role
from mediation.models import Post, Structure
from reporting.queries import posts_register
from tests.factories import (
    CommuneFactory,
    PostFactory,
    PostHoldingFactory,
    StructureFactory,
    UserFactory,
    department,
    hauts_de_france,
    make_user,
)

pytestmark = pytest.mark.django_db

DAY = datetime.date(2024, 12, 31)


@pytest.fixture
def two_departments():
    nord = StructureFactory(name="CCAS de Roubaix", commune=CommuneFactory(insee_code="59512", name="Roubaix"))
    somme = StructureFactory(
        name="Centre social d'Amiens",
        commune=CommuneFactory(insee_code="80021", name="Amiens", department=department("80")),
    )
    return {
        "nord_post": PostFactory(code="NORD-1", structure=nord),
        "somme_post": PostFactory(code="SOMME-1", structure=somme, post_type=PostType.RURAL),
        "nord": nord,
        "somme": somme,
    }


def test_a_departmental_coordinator_sees_only_her_departments(two_departments):
    coordinator = make_user(Role.COORDINATOR, departments=[department("59")])
    assert list(Post.objects.for_user(coordinator)) == [two_departments["nord_post"]]
    assert list(Structure.objects.for_user(coordinator)) == [two_departments["nord"]]


def test_a_regional_reader_covers_the_region(two_departments):
    reader = make_user(Role.READER, region=hauts_de_france())
    assert set(Post.objects.for_user(reader)) == {two_departments["nord_post"], two_departments["somme_post"]}


def test_structure_staff_see_their_structure_only(two_departments):
    manager = make_user(Role.STRUCTURE_MANAGER, structure=two_departments["somme"])
    assert list(Post.objects.for_user(manager)) == [two_departments["somme_post"]]
    assert list(Structure.objects.for_user(manager)) == [two_departments["somme"]]


def test_a_user_without_role_sees_nothing(two_departments):
    assert not Post.objects.for_user(UserFactory()).exists()


def test_the_register_counts_open_posts_and_their_holders(two_departments):
    PostHoldingFactory(post=two_departments["nord_post"], start_date=datetime.date(2023, 1, 1))
    closed = PostFactory(structure=two_departments["nord"], end_date=datetime.date(2024, 6, 30))
    PostHoldingFactory(post=closed, start_date=datetime.date(2023, 1, 1), end_date=datetime.date(2024, 6, 30))
    # A holder who left before the day does not count; the post stays open and vacant.
    vacant = PostFactory(structure=two_departments["nord"])
    PostHoldingFactory(post=vacant, start_date=datetime.date(2023, 1, 1), end_date=datetime.date(2024, 3, 1))

    register = posts_register(departments=department("59").__class__.objects.filter(code__in=["59", "80"]), day=DAY)
    by_label = {row.label: row for row in register.rows}
    nord, somme = by_label["Nord (59)"], by_label["Somme (80)"]
    assert (nord.posts, nord.qpv_posts, nord.rural_posts, nord.active_mediators) == (2, 2, 0, 1)
    assert (somme.posts, somme.qpv_posts, somme.rural_posts, somme.active_mediators) == (1, 0, 1, 0)
    # Only the figures of the 2015 geography are known: the latest one up to 2024 is shown, with its year.
    assert (nord.qpv_population, nord.qpv_year) == (426598, 2015)
    assert register.total.posts == 3
    assert register.total.qpv_population == 426598 + 34900


def test_the_register_query_count_does_not_grow_with_posts(django_assert_num_queries, two_departments):
    from mediation.models import Department

    for _ in range(20):
        PostHoldingFactory(post=PostFactory(structure=two_departments["nord"]))
    with django_assert_num_queries(1):
        posts_register(departments=Department.objects.all(), day=DAY)


def test_the_reader_dashboard_names_nobody(client, login_as, two_departments):
    holder = UserFactory(first_name="Yasmina", last_name="Belkacem")
    PostHoldingFactory(post=two_departments["nord_post"], mediator=holder)
    login_as(Role.READER, region=hauts_de_france())
    page = client.get(reverse("reporting:dashboard")).content.decode()
    assert "Nord (59)" in page
    assert "Belkacem" not in page and "Roubaix" not in page


def test_the_coordinator_register_lists_posts_of_her_scope(client, login_as, two_departments):
    login_as(Role.COORDINATOR, departments=[department("80")])
    page = client.get(reverse("mediation:post_register")).content.decode()
    assert "SOMME-1" in page and "NORD-1" not in page


def test_the_post_register_page_has_a_fixed_number_of_queries(
    client, login_as, two_departments, django_assert_max_num_queries
):
    login_as(Role.COORDINATOR, region=hauts_de_france())
    for _ in range(15):
        PostHoldingFactory(post=PostFactory(structure=two_departments["nord"]))
    # 14 for the register, 6 for the first steps above it (tests/reporting/test_first_steps.py).
    with django_assert_max_num_queries(20):
        assert client.get(reverse("mediation:post_register")).status_code == 200


def test_the_post_register_keeps_the_address_people_know(client, login_as, two_departments):
    login_as(Role.COORDINATOR, region=hauts_de_france())
    assert reverse("mediation:post_register") == "/postes/"
    page = client.get("/postes/").content.decode()
    assert "Registre des postes" in page and "SOMME-1" in page
