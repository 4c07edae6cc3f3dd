"""What is kept of a form sent after the session expired belongs to the account that typed it, is
bounded in size, expires with the session and never holds a password or another secret. An
anonymous visitor stores nothing at all."""

import datetime
import json

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from accompaniments.models import Beneficiary
from mediation.enums import Vocabulary
from tests.accompaniments.factories import item
from tests.factories import DEFAULT_PASSWORD, make_mediator

pytestmark = pytest.mark.django_db

CREATE_URL = reverse("accompaniments:beneficiary_create")
RESTORED = "Votre session avait expiré"
NEW_PASSWORD = "un-nouveau-mot-de-passe-tres-long"


def person(**overrides):
    return {
        "last_name": "Dupont",
        "first_name": "Éléonore",
        "birth_year": "1980",
        "sex": item(Vocabulary.SEX, "female").pk,
        "notes": "Suivi diabète, à rappeler",
        **overrides,
    }


def log_in(client, user):
    response = client.post(reverse("account_login"), {"login": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    return response


def expire_sessions():
    """Thirty idle minutes later: the server no longer knows the sessions; the browser keeps
    its cookies."""
    Session.objects.update(expire_date=timezone.now() - datetime.timedelta(seconds=1))


def session_contents():
    """Everything the session table holds, decoded, as one string."""
    return " ".join(json.dumps(row.get_decoded(), ensure_ascii=False) for row in Session.objects.all())


@pytest.fixture
def mediator():
    return make_mediator()


def test_a_password_change_sent_after_the_session_expired_stores_no_password(client, mediator):
    log_in(client, mediator)
    assert client.get(reverse("account_change_password")).status_code == 200
    expire_sessions()
    sent = client.post(
        reverse("account_change_password"),
        {"oldpassword": DEFAULT_PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert sent["Location"].startswith(reverse("account_login"))
    stored = session_contents()
    assert DEFAULT_PASSWORD not in stored
    assert NEW_PASSWORD not in stored


def test_secret_looking_fields_of_a_form_are_never_kept(client, mediator):
    log_in(client, mediator)
    expire_sessions()
    client.post(CREATE_URL, person(new_password="mot-de-passe-cache", otp="123456", api_token="jeton-secret"))
    stored = session_contents()
    assert "Suivi diabète" in stored  # what she typed is kept...
    for secret in ("mot-de-passe-cache", "123456", "jeton-secret"):
        assert secret not in stored  # ...but not a secret


def test_the_mediator_who_typed_the_form_gets_it_back_after_logging_in(client, mediator):
    log_in(client, mediator)
    expire_sessions()
    assert client.post(CREATE_URL, person())["Location"].startswith(reverse("account_login"))
    log_in(client, mediator)
    page = client.get(CREATE_URL).content.decode()
    assert RESTORED in page
    assert "Suivi diabète, à rappeler" in page
    assert not Beneficiary.objects.exists()


def test_another_account_logging_in_on_the_same_browser_gets_nothing(client, mediator):
    colleague = make_mediator(structure=mediator.membership.structure)
    log_in(client, mediator)
    expire_sessions()
    client.post(CREATE_URL, person())
    log_in(client, colleague)
    page = client.get(CREATE_URL).content.decode()
    assert RESTORED not in page
    assert "Suivi diabète" not in page
    assert "Suivi diabète" not in session_contents()  # deleted, not merely hidden


def test_an_anonymous_post_without_the_marker_creates_no_session(client, mediator):
    sent = client.post(CREATE_URL, person())
    assert sent["Location"].startswith(reverse("account_login"))
    assert not Session.objects.exists()


def test_a_forged_marker_stores_nothing(client, mediator):
    from django.conf import settings

    client.cookies[settings.SESSION_OWNER_COOKIE_NAME] = f"{mediator.pk}:forged:signature"
    client.post(CREATE_URL, person())
    assert not Session.objects.exists()


def test_after_a_logout_the_browser_no_longer_keeps_forms(client, mediator):
    log_in(client, mediator)
    client.post(reverse("account_logout"))
    Session.objects.all().delete()
    client.post(CREATE_URL, person())
    assert not Session.objects.exists()


def test_a_two_megabyte_form_is_not_kept_and_the_page_says_so(client, mediator):
    log_in(client, mediator)
    expire_sessions()
    client.post(CREATE_URL, person(notes="x" * (2 * 1024 * 1024)))
    assert len(session_contents()) < 10_000  # (the stored rows are compressed: decode them)
    log_in(client, mediator)
    page = client.get(CREATE_URL).content.decode()
    assert "trop volumineuse pour être conservée" in page
    assert "xxxxxxxxxx" not in page


def test_what_was_kept_expires_with_the_session(client, mediator):
    log_in(client, mediator)
    expire_sessions()
    client.post(CREATE_URL, person())
    log_in(client, mediator)
    session = client.session
    kept = session["preserved_post"]
    kept["saved_at"] -= 31 * 60
    session["preserved_post"] = kept
    session.save()
    page = client.get(CREATE_URL).content.decode()
    assert RESTORED not in page
    assert "Suivi diabète" not in page
