"""Who reaches which campaign page: a mediator her own bilans only, a coordinator the bilans of
her departments only, readers and structure managers none (403); outside the scope, 404."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mediation.enums import Role
from reporting.campaigns import open_campaign
from tests.conftest import enable_totp
from tests.factories import department, hauts_de_france, make_user

from .campaign_factories import YEAR, D, mediator_on, post_in

pytestmark = pytest.mark.django_db

DEADLINE = D(2100, 2, 28)


@pytest.fixture
def region_campaign():
    """A regional campaign with one mediator in the Nord and one in the Somme."""
    mediator_on(post_in("59"))
    mediator_on(post_in("80"))
    coordinator = make_user(Role.COORDINATOR, region=hauts_de_france())
    return open_campaign(by=coordinator, year=YEAR, deadline=DEADLINE, region=hauts_de_france())


def nord_bilan(campaign):
    return campaign.bilans.get(department__code="59")


def somme_bilan(campaign):
    return campaign.bilans.get(department__code="80")


def login(client, role, **scope):
    user = make_user(role, **scope)
    if role in (Role.COORDINATOR, Role.READER, Role.ADMIN):
        enable_totp(user)
    client.force_login(user)
    return user


COORDINATION_PAGES = [
    ("get", "campaigns:campaign_list", False),
    ("get", "campaigns:campaign_create", False),
    ("get", "campaigns:campaign_detail", "campaign"),
    ("post", "campaigns:campaign_remind", "campaign"),
    ("post", "campaigns:campaign_recompute", "campaign"),
    ("get", "campaigns:bilan_review", "bilan"),
    ("post", "campaigns:bilan_validate", "bilan"),
    ("post", "campaigns:bilan_send_back", "bilan"),
    ("post", "campaigns:bilan_reopen", "bilan"),
    ("post", "campaigns:bilan_usable", "bilan"),
    ("get", "campaigns:history_import", False),
    ("post", "campaigns:history_import_confirm", False),
]
MEDIATOR_PAGES = [
    ("get", "campaigns:my_bilans", False),
    ("get", "campaigns:bilan_edit", "bilan"),
    ("post", "campaigns:bilan_edit", "bilan"),
    ("get", "campaigns:bilan_submit", "bilan"),
    ("post", "campaigns:bilan_recompute", "bilan"),
]


def url_of(name, target, campaign):
    if target == "campaign":
        return reverse(name, kwargs={"pk": campaign.pk})
    if target == "bilan":
        return reverse(name, kwargs={"pk": nord_bilan(campaign).pk})
    return reverse(name)


@pytest.mark.parametrize("role", [Role.READER, Role.STRUCTURE_MANAGER, Role.MEDIATOR])
@pytest.mark.parametrize(("method", "name", "target"), COORDINATION_PAGES)
def test_coordination_pages_are_refused_to_other_roles(client, region_campaign, role, method, name, target):
    login(client, role, **({"region": hauts_de_france()} if role == Role.READER else {}))
    response = getattr(client, method)(url_of(name, target, region_campaign))
    assert response.status_code == 403


@pytest.mark.parametrize("role", [Role.READER, Role.STRUCTURE_MANAGER, Role.COORDINATOR, Role.ADMIN])
@pytest.mark.parametrize(("method", "name", "target"), MEDIATOR_PAGES)
def test_mediator_pages_are_refused_to_other_roles(client, region_campaign, role, method, name, target):
    login(client, role, **({"region": hauts_de_france()} if role in (Role.READER, Role.COORDINATOR) else {}))
    response = getattr(client, method)(url_of(name, target, region_campaign))
    assert response.status_code == 403


@pytest.mark.parametrize(("method", "name", "target"), [p for p in MEDIATOR_PAGES if p[2] == "bilan"])
def test_a_mediator_never_reaches_another_mediators_bilan(client, region_campaign, method, name, target):
    bilan = nord_bilan(region_campaign)
    colleague = mediator_on(post_in("59"), structure=None)
    client.force_login(colleague)
    response = getattr(client, method)(reverse(name, kwargs={"pk": bilan.pk}))
    assert response.status_code == 404
    client.force_login(bilan.mediator)
    assert client.get(reverse("campaigns:bilan_edit", kwargs={"pk": bilan.pk})).status_code == 200


def test_a_mediator_of_the_same_structure_does_not_see_her_colleagues_bilan(client, region_campaign):
    bilan = nord_bilan(region_campaign)
    colleague = mediator_on(post_in("59"), structure=bilan.post.structure)
    client.force_login(colleague)
    assert client.get(reverse("campaigns:bilan_edit", kwargs={"pk": bilan.pk})).status_code == 404
    assert bilan.mediator.last_name not in client.get(reverse("campaigns:my_bilans")).content.decode()


@pytest.mark.parametrize(("method", "name", "target"), [p for p in COORDINATION_PAGES if p[2] == "bilan"])
def test_a_coordinator_never_reaches_a_bilan_outside_her_departments(client, region_campaign, method, name, target):
    login(client, Role.COORDINATOR, departments=[department("59")])
    response = getattr(client, method)(reverse(name, kwargs={"pk": somme_bilan(region_campaign).pk}))
    assert response.status_code == 404


def test_a_departmental_coordinator_sees_only_her_departments_bilans_of_a_regional_campaign(client, region_campaign):
    login(client, Role.COORDINATOR, departments=[department("59")])
    page = client.get(reverse("campaigns:campaign_detail", kwargs={"pk": region_campaign.pk})).content.decode()
    assert nord_bilan(region_campaign).mediator.last_name in page
    assert somme_bilan(region_campaign).mediator.last_name not in page


def test_a_campaign_outside_the_coordinators_departments_is_a_404(client):
    mediator_on(post_in("80"))
    somme = open_campaign(
        by=make_user(Role.COORDINATOR, departments=[department("80")]),
        year=YEAR,
        deadline=DEADLINE,
        departments=[department("80")],
    )
    login(client, Role.COORDINATOR, departments=[department("59")])
    assert client.get(reverse("campaigns:campaign_detail", kwargs={"pk": somme.pk})).status_code == 404
    assert client.post(reverse("campaigns:campaign_remind", kwargs={"pk": somme.pk})).status_code == 404
    assert "2024" not in client.get(reverse("campaigns:campaign_list")).content.decode()


def test_an_administrator_reaches_every_bilan(client, region_campaign):
    login(client, Role.ADMIN)
    for bilan in region_campaign.bilans.all():
        assert client.get(reverse("campaigns:bilan_review", kwargs={"pk": bilan.pk})).status_code == 200


@pytest.mark.parametrize("name", ["campaigns:bilan_edit", "campaigns:bilan_review"])
def test_anonymous_visitors_are_sent_to_the_login_page(client, region_campaign, name):
    response = client.get(reverse(name, kwargs={"pk": nord_bilan(region_campaign).pk}))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_unknown_ids_are_404_not_errors(client, region_campaign):
    login(client, Role.COORDINATOR, region=hauts_de_france())
    assert client.get("/campagnes/99999999/").status_code == 404
    assert client.get("/campagnes/bilans/99999999999999999999/").status_code == 404
    assert client.get("/campagnes/historique/modele.pdf").status_code == 404


def test_the_campaign_screen_costs_the_same_queries_for_many_bilans(client):
    coordinator = login(client, Role.COORDINATOR, region=hauts_de_france())
    mediator_on(post_in("59"))
    campaign = open_campaign(by=coordinator, year=YEAR, deadline=DEADLINE, region=hauts_de_france())
    url = reverse("campaigns:campaign_detail", kwargs={"pk": campaign.pk})
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for code in ("59", "62", "80", "02", "60", "59"):
        mediator_on(post_in(code))
    from reporting.campaigns import add_missing_bilans

    add_missing_bilans(campaign)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)


def test_the_bilan_pages_cost_a_bounded_number_of_queries(client, region_campaign, django_assert_max_num_queries):
    bilan = nord_bilan(region_campaign)
    client.force_login(bilan.mediator)
    with django_assert_max_num_queries(18):
        assert client.get(reverse("campaigns:bilan_edit", kwargs={"pk": bilan.pk})).status_code == 200
    login(client, Role.COORDINATOR, region=hauts_de_france())
    with django_assert_max_num_queries(18):
        assert client.get(reverse("campaigns:bilan_review", kwargs={"pk": bilan.pk})).status_code == 200
