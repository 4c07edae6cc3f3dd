"""One reading of the client address for the audit trail, the login limits and the public
referral limit (mediation.client_address): the same request headers give the same address in
the audit entry, in allauth's login limit and in the referral limit's bucket, also when
X-Forwarded-For has fewer entries than TRUSTED_PROXY_COUNT (then REMOTE_ADDR, never an entry
the client could have written)."""

import pytest
from allauth.account.adapter import get_adapter
from auditlog.models import LogEntry
from django.test import RequestFactory
from django.urls import reverse

from partners import ratelimit
from tests.accompaniments.sheet_fixtures import Team

pytestmark = pytest.mark.django_db

LIST = reverse("accompaniments:beneficiary_list")
PEER = "203.0.113.9"  # the address the server really talks to
FORGED = "198.51.100.66"  # written by the client


def audited_address(client, **headers):
    LogEntry.objects.all().delete()
    assert client.get(LIST, **headers).status_code == 200
    [address] = set(
        LogEntry.objects.filter(additional_data__page="beneficiary_list").values_list("remote_addr", flat=True)
    )
    return address


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, FORGED, PEER),  # no proxy of ours: the header is the client's
        (1, f"{FORGED}, 192.0.2.10", "192.0.2.10"),  # what our proxy saw
        (2, FORGED, PEER),  # fewer entries than proxies: the peer, not the client's entry
        (1, "", PEER),  # no header
    ],
)
def test_the_same_headers_give_the_same_address_everywhere(client, settings, proxies, forwarded, expected):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = proxies
    team = Team()
    client.force_login(team.mediator)
    headers = {"REMOTE_ADDR": PEER, "HTTP_X_FORWARDED_FOR": forwarded}
    request = RequestFactory().post("/", **headers)

    assert audited_address(client, **headers) == expected
    assert get_adapter(request).get_client_ip(request) == expected  # the login limits' key
    # The referral limit counts in the bucket of that same address.
    client_hash, _window = ratelimit._bucket(request)
    assert client_hash == ratelimit._bucket(RequestFactory().post("/", REMOTE_ADDR=expected))[0]
