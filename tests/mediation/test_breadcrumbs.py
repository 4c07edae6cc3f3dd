"""Every breadcrumb's first link leads to the home page, also under the test settings where an
undefined template variable renders a marker (django-dsfr's tag writes `root_dir|default:"/"`)."""

import re

import pytest
from django.urls import reverse

from mediation.enums import Role
from reporting.campaigns import open_campaign
from tests.conftest import enable_totp
from tests.factories import department, make_user
from tests.partners.conftest import world  # noqa: F401 - the partners' fixture
from tests.partners.factories import PartnerFactory
from tests.reporting.campaign_factories import YEAR, D, mediator_on, post_in

pytestmark = pytest.mark.django_db

HOME_LINK = re.compile(r'<a class="fr-breadcrumb__link" href="([^"]*)">')


def home_link(response):
    assert response.status_code == 200
    found = HOME_LINK.search(response.content.decode())
    assert found, "no breadcrumb on the page"
    return found.group(1)


def test_a_partners_breadcrumb_leads_home(client, world):  # noqa: F811
    client.force_login(world.lille.mediator)
    partner = PartnerFactory(name="CCAS de Lille")
    assert home_link(client.get(reverse("partners:partner_detail", args=[partner.pk]))) == "/"


def test_a_campaigns_breadcrumb_leads_home(client):
    coordinator = make_user(Role.COORDINATOR, departments=[department("59")])
    enable_totp(coordinator)
    mediator_on(post_in("59"))
    campaign = open_campaign(by=coordinator, year=YEAR, deadline=D(2100, 2, 28), departments=[department("59")])
    client.force_login(coordinator)
    assert home_link(client.get(reverse("campaigns:campaign_detail", args=[campaign.pk]))) == "/"
