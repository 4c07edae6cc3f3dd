"""The address in the trail of reads and writes is the client's as our own proxies saw it
(TRUSTED_PROXY_COUNT), never what a client wrote in X-Forwarded-For."""

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from tests.accompaniments.sheet_fixtures import Team

pytestmark = pytest.mark.django_db

LIST = reverse("accompaniments:beneficiary_list")


@pytest.fixture
def team(client):
    team = Team()
    client.force_login(team.mediator)
    return team


def logged_addresses():
    return set(LogEntry.objects.filter(additional_data__page="beneficiary_list").values_list("remote_addr", flat=True))


def test_without_a_proxy_a_forged_forwarded_address_is_not_logged(client, team, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    assert client.get(LIST, HTTP_X_FORWARDED_FOR="198.51.100.66", REMOTE_ADDR="203.0.113.9").status_code == 200
    assert logged_addresses() == {"203.0.113.9"}


def test_behind_one_proxy_the_address_it_saw_is_logged_not_the_one_the_client_wrote(client, team, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    forwarded = "198.51.100.66, 203.0.113.9"  # the client wrote the first entry, our proxy added the last
    assert client.get(LIST, HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR="10.0.0.2").status_code == 200
    assert logged_addresses() == {"203.0.113.9"}
