"""Login limits are kept per account and per real client address: behind the reverse proxy, one
attacker cannot lock the whole region out, an attacked account is protected, forged forwarded
addresses give no fresh counter, and flooding the cache with other keys evicts no counter."""

import hashlib
import subprocess
import sys
import time

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import RequestFactory
from django.urls import reverse

from mediation.enums import Role
from partners import ratelimit as referral_limit
from tests.factories import DEFAULT_PASSWORD, make_user

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"  # every request reaches the app through the reverse proxy
ATTACKER = "203.0.113.9"
OFFICE = "198.51.100.7"
WRONG = "pas-le-bon-mot"


@pytest.fixture
def behind_one_proxy(settings):
    """What TRUSTED_PROXY_COUNT=1 sets (its own effect is tested below, in a fresh interpreter)."""
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1


def attempt(client, email, password=WRONG, forwarded=ATTACKER):
    return client.post(
        reverse("account_login"),
        {"login": email, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


def logged_in(client):
    return "_auth_user_id" in client.session


def test_the_proxy_count_read_from_the_environment_gives_the_forwarded_address():
    script = (
        "import django; django.setup()\n"
        "from allauth.account.adapter import get_adapter\n"
        "from django.test import RequestFactory\n"
        f"request = RequestFactory().get('/', REMOTE_ADDR='{PROXY}', HTTP_X_FORWARDED_FOR='192.0.2.1, {ATTACKER}')\n"
        "print(get_adapter().get_client_ip(request))\n"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(django_settings.BASE_DIR),
        "DJANGO_SETTINGS_MODULE": "mediation.settings.test",
        "TRUSTED_PROXY_COUNT": "1",
    }
    result = subprocess.run(  # noqa: S603 (our own interpreter)
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == ATTACKER


def test_an_attacker_behind_the_proxy_does_not_lock_out_someone_else(client, behind_one_proxy):
    colleague = make_user(Role.MEDIATOR)
    for number in range(40):
        attempt(client, f"inconnu{number}@exemple.fr")
    response = attempt(client, colleague.email, DEFAULT_PASSWORD, forwarded=OFFICE)
    assert response.status_code == 302
    assert logged_in(client)


def test_one_person_mistyping_in_an_office_does_not_lock_out_the_office(client, behind_one_proxy):
    clumsy, colleague = make_user(Role.MEDIATOR), make_user(Role.MEDIATOR)
    for _ in range(6):
        attempt(client, clumsy.email, forwarded=OFFICE)
    assert attempt(client, colleague.email, DEFAULT_PASSWORD, forwarded=OFFICE).status_code == 302
    assert logged_in(client)


def test_an_address_that_keeps_failing_is_stopped(client, behind_one_proxy):
    victim = make_user(Role.MEDIATOR)
    for number in range(30):
        attempt(client, f"inconnu{number}@exemple.fr")
    attempt(client, victim.email, DEFAULT_PASSWORD)
    assert not logged_in(client)


def test_an_attacked_account_is_blocked_whatever_the_address(client, behind_one_proxy):
    victim = make_user(Role.MEDIATOR)
    for number in range(5):
        attempt(client, victim.email, forwarded=f"203.0.113.{number + 20}")
    attempt(client, victim.email, DEFAULT_PASSWORD, forwarded=OFFICE)
    assert not logged_in(client)


def test_forged_forwarded_entries_give_no_fresh_counter(client, behind_one_proxy):
    victim = make_user(Role.MEDIATOR)
    for number in range(30):
        attempt(client, f"inconnu{number}@exemple.fr", forwarded=f"192.0.2.{number}, {ATTACKER}")
    attempt(client, victim.email, DEFAULT_PASSWORD, forwarded=f"192.0.2.200, {ATTACKER}")
    assert not logged_in(client)


def test_fewer_forwarded_entries_than_proxies_is_no_server_error(client, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 2
    user = make_user(Role.MEDIATOR)
    assert attempt(client, "inconnu@exemple.fr").status_code == 200
    assert attempt(client, user.email, DEFAULT_PASSWORD).status_code == 302


def test_the_public_referral_limit_counts_the_forwarded_address(behind_one_proxy, settings):
    settings.REFERRAL_RATE_LIMIT = 2
    factory = RequestFactory()
    attacker = factory.post("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"192.0.2.1, {ATTACKER}")
    other = factory.post("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=OFFICE)
    for _ in range(2):
        referral_limit.record_hit(attacker)
    assert referral_limit.is_exhausted(attacker)
    assert not referral_limit.is_exhausted(other)


def test_flooding_the_cache_with_other_keys_keeps_the_failed_login_counter(client):
    victim = make_user(Role.MEDIATOR)
    for _ in range(5):
        client.post(reverse("account_login"), {"login": victim.email, "password": WRONG})
    # An attacker writes many distinct counters (one per address or e-mail she uses).
    window = int(time.time() // 3600)
    for number in range(1000):
        digest = hashlib.sha256(str(number).encode()).hexdigest()[:32]
        cache.set(f"referral-limit:{digest}:{window}", 1, timeout=3600)
    client.post(reverse("account_login"), {"login": victim.email, "password": DEFAULT_PASSWORD})
    assert not logged_in(client)
