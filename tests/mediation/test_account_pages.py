"""The django-allauth pages we route: each one answers, in French, inside the DSFR frame,
without a link to the pages we left out (sign-up, e-mail management)."""

import html
import re

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.core import mail
from django.urls import NoReverseMatch, reverse

from mediation.enums import Role
from tests.conftest import enable_totp
from tests.factories import DEFAULT_PASSWORD, make_user

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "un-nouveau-mot-de-passe-solide-42"


def h1_of(response):
    content = response.content.decode()
    headings = re.findall(r"<h1[^>]*>(.*?)</h1>", content, re.S)
    assert len(headings) == 1, headings
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", headings[0]))).strip()


def assert_sound_page(response, heading):
    """200, our DSFR frame, the expected French heading, every input labelled, nothing the
    CSP would block, no undefined template variable (test settings print them)."""
    assert response.status_code == 200
    content = response.content.decode()
    assert h1_of(response) == heading
    assert 'class="fr-header"' in content and 'class="fr-footer"' in content
    assert "!!INVALID" not in content
    assert "<style" not in content and " style=" not in content
    for script in re.findall(r"<script\b[^>]*>", content):
        assert "nonce=" in script, script
    main = content.split('<main id="content"', 1)[1]
    for tag in re.findall(r"<input\b[^>]*>", main):
        if 'type="hidden"' in tag:
            continue
        input_id = re.search(r'\bid="([^"]+)"', tag).group(1)
        assert f'for="{input_id}"' in main, f"no label for {tag}"
    return content


def get_after_reauthenticating(client, url):
    """allauth asks for the password again before sensitive MFA pages (force_login leaves
    no recent authentication in the session): answer with the password, then GET again."""
    response = client.get(url)
    if response.status_code == 302 and response["Location"].startswith(reverse("account_reauthenticate")):
        assert_sound_page(client.get(response["Location"]), "Confirmer votre identité")
        confirmed = client.post(response["Location"], {"password": DEFAULT_PASSWORD})
        assert confirmed.status_code == 302
        response = client.get(url)
    return response


def reset_url_for(user):
    return reverse(
        "account_reset_password_from_key",
        kwargs={"uidb36": user_pk_to_url_str(user), "key": default_token_generator.make_token(user)},
    )


# Pages for anyone --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url_name", "heading"),
    [
        ("account_login", "Connexion"),
        ("account_reset_password", "Mot de passe oublié"),
        ("account_reset_password_done", "Consultez votre messagerie"),
        ("account_reset_password_from_key_done", "Mot de passe modifié"),
        ("account_inactive", "Compte désactivé"),
    ],
)
def test_public_pages_answer_in_french(client, url_name, heading):
    assert_sound_page(client.get(reverse(url_name)), heading)


def test_login_page_offers_the_reset_link_and_no_sign_up(client):
    content = assert_sound_page(client.get(reverse("account_login")), "Connexion")
    assert f'href="{reverse("account_reset_password")}"' in content
    assert "Mot de passe oublié ?" in content
    assert "sur invitation" in content
    assert "signup" not in content and "inscri" not in content.lower()
    with pytest.raises(NoReverseMatch):
        reverse("account_signup")
    # The fields keep their autocomplete hints and get no placeholder repeating the label.
    assert 'autocomplete="email"' in content and 'autocomplete="current-password"' in content
    assert "placeholder=" not in content


def test_login_with_a_wrong_password_stays_on_the_page_with_a_french_error(client):
    user = make_user(Role.MEDIATOR)
    response = client.post(reverse("account_login"), {"login": user.email, "password": "pas-le-bon-mot"})
    content = assert_sound_page(response, "Connexion")
    assert "mot de passe sont incorrects" in html.unescape(content)
    assert "_auth_user_id" not in client.session


def test_login_field_errors_are_tied_to_their_input(client):
    response = client.post(reverse("account_login"), {"login": "", "password": ""})
    content = assert_sound_page(response, "Connexion")
    assert re.search(r'<input[^>]*aria-describedby="[^"]*id_login-desc-error"[^>]*>', content)
    assert 'id="id_login-desc-error"' in content
    assert "Ce champ est obligatoire." in content


def test_password_reset_answers_alike_for_known_and_unknown_addresses(client):
    user = make_user(Role.MEDIATOR)
    known = client.post(reverse("account_reset_password"), {"email": user.email})
    unknown = client.post(reverse("account_reset_password"), {"email": "personne-inconnue@exemple.fr"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("account_reset_password_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [user.email]
    assert "mot de passe" in message.subject.lower()
    assert message.body.startswith("Bonjour")
    assert "http://testserver/compte/mot-de-passe/nouveau/" in message.body


def test_the_reset_link_of_the_mail_lets_one_choose_a_new_password(client):
    user = make_user(Role.MEDIATOR)
    client.post(reverse("account_reset_password"), {"email": user.email})
    link = re.search(r"http://testserver(/compte/mot-de-passe/nouveau/\S+)", mail.outbox[0].body).group(1)
    response = client.get(link, follow=True)
    assert_sound_page(response, "Choisir un nouveau mot de passe")
    form_url = response.redirect_chain[-1][0]
    done = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert done.status_code == 302
    assert done["Location"] == reverse("account_reset_password_from_key_done")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_reset_from_key_page_with_a_real_key(client):
    user = make_user(Role.MEDIATOR)
    response = client.get(reset_url_for(user), follow=True)
    content = assert_sound_page(response, "Choisir un nouveau mot de passe")
    assert content.count('autocomplete="new-password"') == 2


def test_reset_from_key_page_with_a_bad_key(client):
    user = make_user(Role.MEDIATOR)
    url = reverse(
        "account_reset_password_from_key", kwargs={"uidb36": user_pk_to_url_str(user), "key": "abc-mauvaise-cle"}
    )
    content = assert_sound_page(client.get(url, follow=True), "Ce lien ne fonctionne plus")
    assert reverse("account_reset_password") in content


# Second step of the sign-in -----------------------------------------------------------------


def test_an_account_with_a_second_factor_is_asked_for_the_code_in_french(client):
    user = make_user(Role.COORDINATOR)
    enable_totp(user)
    response = client.post(reverse("account_login"), {"login": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    content = assert_sound_page(client.get(reverse("mfa_authenticate")), "Code de vérification")
    assert 'autocomplete="one-time-code"' in content
    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert "Code incorrect." in assert_sound_page(wrong, "Code de vérification")
    assert "_auth_user_id" not in client.session


# Pages of a signed-in person ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("url_name", "heading"),
    [
        ("account_logout", "Déconnexion"),
        ("account_change_password", "Changer de mot de passe"),
        ("account_reauthenticate", "Confirmer votre identité"),
        ("mfa_index", "Double authentification"),
    ],
)
def test_account_pages_answer_in_french(client, login_as, url_name, heading):
    login_as(Role.MEDIATOR)
    assert_sound_page(client.get(reverse(url_name)), heading)


def test_manage_pages_link_only_to_routed_pages(client, login_as):
    login_as(Role.MEDIATOR)
    content = assert_sound_page(client.get(reverse("account_change_password")), "Changer de mot de passe")
    menu = content.split('class="fr-sidemenu"', 1)[1].split("</nav>", 1)[0]
    assert re.findall(r'href="([^"]+)"', menu) == [
        reverse("mediation:my_account"),
        reverse("account_change_password"),
        reverse("mfa_index"),
    ]


def test_logout_page_signs_out_with_a_post(client, login_as):
    login_as(Role.MEDIATOR)
    content = assert_sound_page(client.get(reverse("account_logout")), "Déconnexion")
    assert re.search(r'<form method="post" action="' + re.escape(reverse("account_logout")) + '"', content)
    assert "_auth_user_id" in client.session
    client.post(reverse("account_logout"))
    assert "_auth_user_id" not in client.session


def test_totp_activation_shows_the_qr_code_as_an_image(client, login_as):
    login_as(Role.MEDIATOR)
    response = get_after_reauthenticating(client, reverse("mfa_activate_totp"))
    content = assert_sound_page(response, "Activer la double authentification")
    assert re.search(r'<img src="data:image/svg\+xml;base64,[^"]+"[^>]* alt="[^"]+"', content)
    assert 'id="authenticator_secret"' in content


def test_mfa_pages_of_an_account_with_a_second_factor(client, login_as):
    user = login_as(Role.COORDINATOR)
    codes = RecoveryCodes.activate(user)
    content = assert_sound_page(client.get(reverse("mfa_index")), "Double authentification")
    assert reverse("mfa_deactivate_totp") in content and reverse("mfa_view_recovery_codes") in content
    response = get_after_reauthenticating(client, reverse("mfa_view_recovery_codes"))
    content = assert_sound_page(response, "Codes de secours")
    unused = codes.get_unused_codes()
    assert unused and all(f"<code>{code}</code>" in content for code in unused)
    download = client.get(reverse("mfa_download_recovery_codes"))
    assert download.status_code == 200 and download["Content-Type"].startswith("text/plain")
    assert_sound_page(client.get(reverse("mfa_reauthenticate")), "Confirmer votre identité")


@pytest.mark.parametrize(
    ("url_name", "heading"),
    [
        ("mfa_deactivate_totp", "Désactiver l'application d'authentification"),
        ("mfa_generate_recovery_codes", "Générer de nouveaux codes de secours"),
    ],
)
def test_sensitive_mfa_pages_ask_to_reauthenticate_first(client, login_as, url_name, heading):
    login_as(Role.COORDINATOR)
    first = client.get(reverse(url_name))
    assert first.status_code == 302
    assert first["Location"].startswith(reverse("account_reauthenticate"))
    assert_sound_page(get_after_reauthenticating(client, reverse(url_name)), heading)


def test_a_coordinator_who_asked_for_a_reset_link_can_still_set_up_the_second_factor(client):
    user = make_user(Role.COORDINATOR)
    client.post(reverse("account_reset_password"), {"email": user.email})
    client.force_login(user)
    response = get_after_reauthenticating(client, reverse("mfa_activate_totp"))
    assert_sound_page(response, "Activer la double authentification")


def test_an_account_without_a_password_is_offered_to_choose_one(client):
    user = make_user(Role.MEDIATOR)
    user.set_unusable_password()
    user.save()
    client.force_login(user)
    response = client.get(reverse("account_change_password"), follow=True)
    assert_sound_page(response, "Choisir un mot de passe")
    new_password = "un-nouveau-mot-de-passe-solide"
    client.post(reverse("account_set_password"), {"password1": new_password, "password2": new_password})
    user.refresh_from_db()
    assert user.check_password(new_password)
