"""Sessions: rotated at login, ended after an absolute lifetime whatever the activity, ended on
the other browsers by a password change; a logout wipes what the browser kept; a form refused
for its CSRF token and a database outage both answer with a plain French page."""

import pytest
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse

from accompaniments.models import Beneficiary
from mediation.enums import Vocabulary
from tests.accompaniments.factories import item
from tests.factories import DEFAULT_PASSWORD, make_mediator

pytestmark = pytest.mark.django_db

HOME = reverse("accompaniments:home")
LOGIN_AT = "_login_at"


def log_in(client, user, password=DEFAULT_PASSWORD):
    response = client.post(reverse("account_login"), {"login": user.email, "password": password})
    assert response.status_code == 302
    return response


@pytest.fixture
def mediator():
    return make_mediator()


# ---------------------------------------------------------------- lifetime


def test_the_session_key_changes_at_login(client, mediator):
    anonymous = client.session  # the session the browser had before logging in
    anonymous["seen"] = True
    anonymous.save()
    log_in(client, mediator)
    assert client.session.session_key != anonymous.session_key
    assert client.session["seen"] is True  # same browser, new key


def age_session(client, hours):
    session = client.session
    session[LOGIN_AT] -= hours * 3600
    session.save()


def test_a_session_older_than_twelve_hours_is_ended_on_the_next_request(client, mediator):
    log_in(client, mediator)
    assert client.get(HOME).status_code == 200
    age_session(client, 12.1)
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session
    page = client.get(response["Location"]).content.decode()
    assert "reconnectez-vous" in page


def test_a_busy_session_of_eleven_hours_goes_on(client, mediator):
    log_in(client, mediator)
    age_session(client, 11)
    assert client.get(HOME).status_code == 200


def test_the_absolute_lifetime_comes_from_the_settings(client, mediator, settings):
    settings.SESSION_ABSOLUTE_AGE = 3600
    log_in(client, mediator)
    age_session(client, 1.1)
    assert client.get(HOME).status_code == 302


def test_logout_asks_the_browser_to_forget_the_site(client, mediator):
    log_in(client, mediator)
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache", "cookies", "storage"'


def test_only_the_logout_tells_the_browser_to_forget_the_site(client, mediator):
    """A browser obeys the header: on any other page it would drop the session cookie."""
    log_in(client, mediator)
    for response in (client.get(HOME), client.post(reverse("account_login"), {})):
        assert "Clear-Site-Data" not in response


def test_a_password_change_ends_the_other_sessions_of_the_account(mediator):
    here, elsewhere = Client(), Client()
    log_in(here, mediator)
    log_in(elsewhere, mediator)
    new_password = "un-nouveau-mot-de-passe-tres-long"
    changed = here.post(
        reverse("account_change_password"),
        {"oldpassword": DEFAULT_PASSWORD, "password1": new_password, "password2": new_password},
    )
    assert changed.status_code == 302
    assert here.get(HOME).status_code == 200  # the browser that changed it stays logged in
    response = elsewhere.get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


# ---------------------------------------------------------------- error pages


def test_a_form_without_its_csrf_token_gets_a_french_page():
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("account_login"), {"login": "a@exemple.fr", "password": "x"})
    assert response.status_code == 403
    page = response.content.decode()
    assert '<html lang="fr"' in page
    assert "trop longtemps" in page
    assert "cookies" in page
    assert 'href="/compte/connexion/"' in page
    assert "CSRF" not in page and "Forbidden" not in page


@pytest.fixture
def unbroken_client():
    return Client(raise_request_exception=False)


def fail(when):
    def wrapper(execute, sql, params, many, context):
        if when(sql):
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    return wrapper


def test_with_the_database_down_the_page_is_a_plain_french_error(unbroken_client, mediator):
    unbroken_client.force_login(mediator)
    with connection.execute_wrapper(fail(lambda sql: True)):
        response = unbroken_client.get(HOME)
    assert response.status_code == 500
    page = response.content.decode()
    assert "Le service rencontre un problème" in page
    assert "Traceback" not in page and "OperationalError" not in page


def test_a_write_cut_by_the_database_leaves_nothing_half_written(unbroken_client, mediator):
    unbroken_client.force_login(mediator)
    data = {
        "last_name": "Dupont",
        "first_name": "Éléonore",
        "birth_year": "1980",
        "sex": item(Vocabulary.SEX, "female").pk,
    }
    with connection.execute_wrapper(fail(lambda sql: "auditlog_logentry" in sql and sql.startswith("INSERT"))):
        response = unbroken_client.post(reverse("accompaniments:beneficiary_create"), data)
    assert response.status_code == 500
    assert "Le service rencontre un problème" in response.content.decode()
    assert not Beneficiary.objects.exists()
