"""The public edition is published with the region's edition, every post type, only: the list of
editions of any other scope tells the coordinator that this scope has none, and why."""

import html
import re

import pytest
from django.urls import reverse

from mediation.enums import Role
from tests.factories import department

pytestmark = pytest.mark.django_db

YEAR = 2025
NONE_HERE = "n'a pas d'édition publique"


def listing(client, **params):
    response = client.get(reverse("reporting:edition_list"), {"annee": YEAR} | params)
    assert response.status_code == 200
    text = re.sub(r"<[^>]+>", "", response.content.decode())  # the words a reader reads
    return re.sub(r"\s+", " ", html.unescape(text))


@pytest.mark.parametrize(
    "params",
    [
        {"perimetre": "departement:59"},
        {"perimetre": "territoire:picardie"},
        {"perimetre": "region:32", "type": "qpv"},
    ],
)
def test_a_scope_other_than_the_whole_region_says_it_has_no_public_edition(client, login_as, params):
    login_as(Role.COORDINATOR, region=department("59").region)
    page = listing(client, **params)
    assert NONE_HERE in page
    assert "masquées ensemble" in page  # why: the region's cells are masked together


def test_the_whole_region_says_it_has_one(client, login_as):
    login_as(Role.COORDINATOR, region=department("59").region)
    page = listing(client, perimetre="region:32")
    assert "a aussi une édition publique" in page
    assert NONE_HERE not in page
