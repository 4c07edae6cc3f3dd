"""The security baseline: second factor, sessions, headers, rate limits, no enumeration."""

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.hashers import identify_hasher
from django.urls import reverse

from mediation.enums import Role
from mediation.models import Membership
from tests.conftest import enable_totp
from tests.factories import DEFAULT_PASSWORD, make_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.READER, Role.ADMIN])
def test_roles_that_need_a_second_factor_are_sent_to_set_it_up(client, role):
    user = make_user(role)
    client.force_login(user)
    assert client.get(reverse("home")).url == reverse("mfa_activate_totp")
    assert client.get(reverse("mediation:my_account")).url == reverse("mfa_activate_totp")
    enable_totp(user)
    assert client.get(reverse("mediation:my_account")).status_code == 200


def test_the_admin_site_also_needs_the_second_factor(client):
    admin = make_user(Role.ADMIN)
    client.force_login(admin)
    assert client.get("/admin/").url == reverse("mfa_activate_totp")
    enable_totp(admin)
    assert client.get("/admin/").status_code == 200


def test_a_mediator_is_offered_but_not_forced_a_second_factor(client):
    client.force_login(make_user(Role.MEDIATOR))
    assert client.get(reverse("accompaniments:home")).status_code == 200
    assert "conseillée" in client.get(reverse("mediation:my_account")).content.decode()


def test_the_admin_site_refuses_non_staff(client):
    client.force_login(make_user(Role.MEDIATOR))
    assert client.get("/admin/").status_code == 403


def test_a_deactivated_account_loses_its_session_at_once(client):
    user = make_user(Role.MEDIATOR)
    client.force_login(user)
    assert client.get(reverse("accompaniments:home")).status_code == 200
    user.is_active = False
    user.save()
    response = client.get(reverse("accompaniments:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_a_removed_membership_is_denied_on_the_next_request(client):
    user = make_user(Role.MEDIATOR)
    client.force_login(user)
    Membership.objects.filter(user=user).delete()
    assert client.get(reverse("accompaniments:home")).status_code == 403
    response = client.get(reverse("home"))
    assert response.status_code == 403
    assert "pas de rôle" in response.content.decode()


def test_logout_needs_a_post(client):
    client.force_login(make_user(Role.MEDIATOR))
    client.get(reverse("account_logout"))
    assert client.get(reverse("accompaniments:home")).status_code == 200
    client.post(reverse("account_logout"))
    assert client.get(reverse("accompaniments:home")).status_code == 302


def test_login_by_email_lands_on_the_role_home(client):
    user = make_user(Role.STRUCTURE_MANAGER)
    response = client.post(reverse("account_login"), {"login": user.email.upper(), "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("home")).url == reverse("mediation:structure_home")


def test_login_errors_do_not_tell_whether_the_account_exists(client):
    user = make_user(Role.MEDIATOR)
    wrong_password = client.post(reverse("account_login"), {"login": user.email, "password": "pas-le-bon-mot"})
    unknown = client.post(reverse("account_login"), {"login": "inconnu@exemple.fr", "password": "pas-le-bon-mot"})
    assert wrong_password.status_code == unknown.status_code == 200
    assert wrong_password.context["form"].errors == unknown.context["form"].errors


def test_failed_logins_are_rate_limited(client):
    user = make_user(Role.MEDIATOR)
    for _ in range(5):
        client.post(reverse("account_login"), {"login": user.email, "password": "pas-le-bon-mot"})
    blocked = client.post(reverse("account_login"), {"login": user.email, "password": DEFAULT_PASSWORD})
    assert blocked.status_code in (200, 429)
    assert "_auth_user_id" not in client.session


@pytest.fixture
def later(monkeypatch):
    """Move Django's clock (which the session store reads expiry against) to `minutes` after
    the start of the test."""
    import datetime

    from django.utils import timezone

    start = timezone.now()

    def _move(minutes):
        monkeypatch.setattr(timezone, "now", lambda: start + datetime.timedelta(minutes=minutes))

    return _move


def test_a_session_survives_twenty_nine_idle_minutes(client, later):
    client.force_login(make_user(Role.MEDIATOR))
    assert client.get(reverse("accompaniments:home")).status_code == 200
    later(29)
    assert client.get(reverse("accompaniments:home")).status_code == 200


def test_a_session_ends_after_thirty_idle_minutes(client, later):
    client.force_login(make_user(Role.MEDIATOR))
    assert client.get(reverse("accompaniments:home")).status_code == 200
    later(31)
    response = client.get(reverse("accompaniments:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_each_request_restarts_the_idle_delay(client, later):
    client.force_login(make_user(Role.MEDIATOR))
    later(20)
    assert client.get(reverse("accompaniments:home")).status_code == 200
    later(40)  # 20 minutes after the last request
    assert client.get(reverse("accompaniments:home")).status_code == 200


def test_the_session_cookie_goes_with_the_browser(client):
    user = make_user(Role.MEDIATOR)
    response = client.post(reverse("account_login"), {"login": user.email, "password": DEFAULT_PASSWORD})
    cookie = response.cookies[django_settings.SESSION_COOKIE_NAME]
    assert cookie.value
    assert not cookie["expires"] and not cookie["max-age"]
    assert cookie["httponly"]


def test_passwords_are_hashed_with_argon2_and_need_twelve_characters(settings):
    from mediation.settings import base

    assert base.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    min_length = next(v for v in base.AUTH_PASSWORD_VALIDATORS if "MinimumLength" in v["NAME"])
    assert min_length["OPTIONS"]["min_length"] == 12
    from django.contrib.auth.hashers import make_password

    settings.PASSWORD_HASHERS = base.PASSWORD_HASHERS
    assert identify_hasher(make_password("un-mot-de-passe-long")).algorithm == "argon2"


def test_pages_carry_the_security_headers(client):
    client.force_login(make_user(Role.MEDIATOR))
    response = client.get(reverse("accompaniments:home"))
    csp = response["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "no-store" in response["Cache-Control"]
    nonce = csp.split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in response.content.decode()


def test_there_is_no_public_sign_up(client):
    assert client.get("/compte/signup/").status_code == 404
    from allauth.account.adapter import get_adapter

    assert get_adapter().is_open_for_signup(None) is False


def test_error_pages_are_in_french(client):
    client.force_login(make_user(Role.MEDIATOR))
    response = client.get("/nulle-part/")
    assert response.status_code == 404
    assert "Page introuvable" in response.content.decode()
