"""Read-only API tokens: an administrator creates one for a scope in the Django admin, with a
required expiry of at most a year; its secret is shown once and only its SHA-256 is kept;
`Authorization: Bearer` on /bilans/api/v1/bilan.json gives the JSON a reader downloads from the
dashboard; outside the token's scope is a 404; expired, revoked, unknown or missing is a 401 with
a French message in JSON; each use is logged (address hashed) and shown to the administrator."""

import datetime
import hashlib
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from mediation.enums import Role
from reporting.models import ApiToken, ApiTokenUse
from tests.factories import make_user
from tests.reporting.test_editions import YEAR, mediator_on

pytestmark = pytest.mark.django_db

API = reverse("reporting:api_bilan_json")
ADD = reverse("admin:reporting_apitoken_add")


@pytest.fixture
def sheets():
    """Nord: three mediators (readers see it); Oise: one (readers never see it alone)."""
    for _ in range(3):
        mediator_on("59")
    mediator_on("60", sheets=5)


@pytest.fixture
def administrator(client, login_as):
    return login_as(Role.ADMIN)


def create_token(client, scope="departement:59", days=30, name="Service des études"):
    expires = timezone.localdate() + datetime.timedelta(days=days)
    return client.post(ADD, {"name": name, "scope": scope, "expires_on": expires.isoformat()})


def secret_of(page):
    found = re.search(r'<code id="api-token">([^<]+)</code>', page.content.decode())
    return found.group(1) if found else None


@pytest.fixture
def token(client, administrator):
    """(token, secret) for the Nord, created through the admin; then the client logs out."""
    page = create_token(client)
    assert page.status_code == 200
    secret = secret_of(page)
    client.logout()
    return ApiToken.objects.get(), secret


def get(client, secret, **params):
    params = {"annee": YEAR, **params}
    headers = {"Authorization": f"Bearer {secret}"} if secret is not None else {}
    return client.get(API, params, headers=headers)


def test_the_secret_is_shown_once_and_only_its_hash_is_kept(client, administrator):
    page = create_token(client)
    secret = secret_of(page)
    assert secret and len(secret) >= 43  # 32 random bytes, base64url
    stored = ApiToken.objects.get()
    assert stored.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert stored.scope_key == "departement:59" and stored.created_by == administrator
    assert secret not in {str(v) for v in ApiToken.objects.values().get().values()}
    assert "no-store" in page["Cache-Control"]
    # Never shown again: not on its page, not in the list.
    for url in (
        reverse("admin:reporting_apitoken_change", args=[stored.pk]),
        reverse("admin:reporting_apitoken_changelist"),
    ):
        shown = client.get(url)
        assert shown.status_code == 200 and secret not in shown.content.decode()
        assert stored.prefix in shown.content.decode()


@pytest.mark.parametrize(("days", "message"), [(0, "doit être après"), (400, "au plus un an")])
def test_the_expiry_is_required_and_within_a_year(client, administrator, days, message):
    page = create_token(client, days=days)
    assert page.status_code == 200 and message in page.content.decode()
    no_date = client.post(ADD, {"name": "x", "scope": "departement:59", "expires_on": ""})
    assert "Ce champ est obligatoire" in no_date.content.decode()
    assert not ApiToken.objects.exists()


def test_only_administrators_create_tokens(client, login_as):
    staff = make_user(Role.COORDINATOR)
    staff.is_staff = True  # reaches the admin site, but is no administrator
    staff.save()
    client.force_login(staff)
    assert client.get(ADD).status_code in (302, 403)
    assert create_token(client).status_code in (302, 403)
    assert not ApiToken.objects.exists()


def test_the_token_reads_the_json_a_reader_downloads(client, sheets, token, login_as):
    _token, secret = token
    answer = get(client, secret, perimetre="departement:59")
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("application/json")
    assert "Set-Cookie" not in answer
    reader = login_as(Role.READER, departments=[])  # noqa: F841 - the reader's session
    dashboard = client.get(reverse("reporting:bilan_json"), {"annee": YEAR, "perimetre": "departement:59"})
    client.logout()
    strip = lambda content: re.sub(rb'"computed_at": "[^"]+"', b"", content)  # noqa: E731
    assert strip(answer.content) == strip(dashboard.content)
    # Without perimetre: the token's own scope.
    assert get(client, secret).json()["scope"]["code"] == "59"


def test_outside_the_scope_is_a_404(client, sheets, token):
    _token, secret = token
    for other in ("departement:60", "region:32", "territoire:picardie"):
        answer = get(client, secret, perimetre=other)
        assert answer.status_code == 404
        assert answer.json()["erreur"] == "Ce territoire n'est pas dans le périmètre de ce jeton."


def test_expired_revoked_unknown_or_missing_is_a_401_in_french(client, token, administrator):
    stored, secret = token
    assert get(client, secret).status_code == 200
    assert get(client, None).status_code == 401
    assert "Jeton manquant" in get(client, None).json()["erreur"]
    wrong = get(client, secret[:-2] + "xx")
    assert wrong.status_code == 401 and "Jeton inconnu" in wrong.json()["erreur"]
    assert wrong["WWW-Authenticate"].startswith("Bearer")

    ApiToken.objects.filter(pk=stored.pk).update(expires_on=timezone.localdate())
    expired = get(client, secret)
    assert expired.status_code == 401 and "a expiré le" in expired.json()["erreur"]

    ApiToken.objects.filter(pk=stored.pk).update(expires_on=timezone.localdate() + datetime.timedelta(days=3))
    client.force_login(administrator)
    client.post(reverse("admin:reporting_apitoken_changelist"), {"action": "revoke", "_selected_action": [stored.pk]})
    client.logout()
    stored.refresh_from_db()
    assert stored.revoked_at is not None and stored.revoked_by == administrator
    revoked = get(client, secret)
    assert revoked.status_code == 401 and "révoqué" in revoked.json()["erreur"]


def test_bad_parameters_say_so(client, token):
    _token, secret = token
    assert "annee" in get(client, secret, annee="deux-mille").json()["erreur"]
    assert get(client, secret, type="urbain").status_code == 400
    assert client.post(API, headers={"Authorization": f"Bearer {secret}"}).status_code == 405


def test_each_use_is_logged_with_a_hashed_address_and_shown_to_the_administrator(client, token, administrator):
    stored, secret = token
    get(client, secret, perimetre="departement:59", REMOTE_ADDR="203.0.113.7")
    client.get(
        API,
        {"annee": YEAR, "perimetre": "region:32"},
        headers={"Authorization": f"Bearer {secret}"},
        REMOTE_ADDR="203.0.113.7",
    )
    uses = list(ApiTokenUse.objects.order_by("at"))
    assert [u.status for u in uses] == [200, 404]
    assert uses[1].path == f"{API}?annee={YEAR}&perimetre=region%3A32"
    assert all(u.token == stored and "203.0.113.7" not in u.client and len(u.client) == 32 for u in uses)
    client.force_login(administrator)
    page = client.get(reverse("admin:reporting_apitoken_change", args=[stored.pk])).content.decode()
    assert "region%3A32" in page and "404" in page
    assert client.get(reverse("admin:reporting_apitokenuse_changelist")).status_code == 200


def test_the_rate_limit_answers_429(client, token, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 2
    _token, secret = token
    assert [get(client, secret).status_code for _ in range(3)] == [200, 200, 429]
    assert "Trop de requêtes" in get(client, secret).json()["erreur"]
