"""The first account of a new region: `create_first_admin` prints a single-use invitation link
that leads, through the invitation pages everyone uses, to a password then to the second factor."""

import contextlib
import io
import re
import time

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core import mail
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError
from django.urls import reverse

from mediation.enums import AccountEventKind, Role
from mediation.models import AccountEvent, Invitation, Membership, User
from tests.factories import UserFactory, make_user

pytestmark = pytest.mark.django_db

SITE = "https://mediation.region.example.fr"
PASSWORD = "un-mot-de-passe-solide-42"
LINK = re.compile(re.escape(SITE) + r"(/invitation/[A-Za-z0-9_-]+/)$")


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


def run(*args):
    """Run the command; returns (stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    call_command("create_first_admin", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def link_path(stdout):
    """The path of the link: the command's standard output is that one line."""
    match = LINK.match(stdout.strip())
    assert match, stdout
    return match.group(1)


def accept(client, path):
    return client.post(
        path, {"first_name": "Alix", "last_name": "Martin", "password1": PASSWORD} | {"password2": PASSWORD}
    )


def test_prints_a_link_and_records_an_administrators_invitation_without_sending_mail():
    out, err = run("--email", "Alix.Martin@ARS.example.fr", "--first-name", "Alix", "--last-name", "Martin")

    link_path(out)
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role, invitation.invited_by) == (
        "alix.martin@ars.example.fr",
        Role.ADMIN,
        None,
    )
    assert (invitation.first_name, invitation.last_name) == ("Alix", "Martin")
    assert invitation.is_usable()
    assert "alix.martin@ars.example.fr" in err and "double authentification" in err
    assert invitation.expires_at.strftime("%d/%m/%Y") in err
    assert not User.objects.exists()
    # The link is printed, not mailed: a fresh server may not send e-mail yet.
    assert mail.outbox == []
    (event,) = AccountEvent.objects.filter(kind=AccountEventKind.INVITATION_CREATED)
    assert event.actor is None and event.details["role"] == Role.ADMIN


def test_the_link_leads_to_a_password_then_to_the_second_factor_then_to_the_home(
    client, django_capture_on_commit_callbacks
):
    out, _err = run("--email", "alix@ars.example.fr")
    path = link_path(out)

    page = client.get(path)
    assert page.status_code == 200
    content = page.content.decode()
    assert "alix@ars.example.fr" in content and "administrateur·rice" in content

    response = accept(client, path)
    assert response.status_code == 302 and response["Location"] == reverse("home")
    user = User.objects.get(email="alix@ars.example.fr")
    assert user.membership.role == Role.ADMIN and user.is_active and user.is_staff
    assert (user.first_name, user.last_name) == ("Alix", "Martin")

    # An administrator works only once a second factor is set up: the home sends her there.
    assert client.get(reverse("home"))["Location"] == reverse("mfa_activate_totp")
    # allauth has her confirm her password before a second factor is added, as after any login.
    confirm = client.get(reverse("mfa_activate_totp"))
    assert confirm["Location"].startswith(reverse("account_reauthenticate"))
    assert client.post(confirm["Location"], {"password": PASSWORD}).status_code == 302
    setup = client.get(reverse("mfa_activate_totp"))
    assert setup.status_code == 200
    secret = setup.context["form"].secret
    code = format_hotp_value(hotp_value(secret, int(time.time()) // mfa_settings.TOTP_PERIOD))
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("mfa_activate_totp"), {"code": code}).status_code == 302
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    home = client.get(reverse("home"))
    assert home.status_code == 302 and home["Location"] != reverse("mfa_activate_totp")
    assert client.get(home["Location"]).status_code == 200

    # The link served once.
    client.logout()
    assert client.get(path).status_code == 410

    kinds = set(AccountEvent.objects.filter(account=user).values_list("kind", flat=True))
    assert {
        AccountEventKind.ACCOUNT_CREATED,
        AccountEventKind.MEMBERSHIP_CREATED,
        AccountEventKind.INVITATION_ACCEPTED,
        AccountEventKind.SECOND_FACTOR_ADDED,
    } <= kinds


def test_run_twice_gives_a_fresh_link_and_the_first_one_stops_working(client):
    first, _ = run("--email", "alix@ars.example.fr")
    second, err = run("--email", "alix@ars.example.fr")

    assert link_path(first) != link_path(second)
    assert "déjà en attente" in err and "ne fonctionne plus" in err
    assert Invitation.objects.pending().count() == 1
    assert client.get(link_path(first)).status_code == 410
    assert accept(client, link_path(first)).status_code == 410
    assert accept(client, link_path(second)).status_code == 302
    assert Membership.objects.get().role == Role.ADMIN
    assert AccountEvent.objects.filter(kind=AccountEventKind.INVITATION_REVOKED).count() == 1


def test_refuses_an_address_that_already_has_an_active_account():
    UserFactory(email="alix@ars.example.fr")
    with pytest.raises(CommandError, match="Un compte actif existe déjà avec l'adresse alix@ars.example.fr"):
        run("--email", "ALIX@ars.example.fr")
    assert not Invitation.objects.exists()


def test_refuses_an_address_whose_account_is_closed():
    UserFactory(email="alix@ars.example.fr", is_active=False)
    with pytest.raises(CommandError, match="Un compte inactif existe déjà"):
        run("--email", "alix@ars.example.fr")
    assert not Invitation.objects.exists()


def test_refuses_while_an_administrator_is_active_unless_asked_explicitly():
    make_user(Role.ADMIN)
    with pytest.raises(CommandError, match="administrateur·rice actif·ve existe déjà") as refused:
        run("--email", "second@ars.example.fr")
    assert "--additional-admin" in str(refused.value) and "Invitations" in str(refused.value)
    assert not Invitation.objects.exists()

    out, _err = run("--email", "second@ars.example.fr", "--additional-admin")
    link_path(out)
    assert Invitation.objects.get().role == Role.ADMIN


def test_an_account_made_with_createsuperuser_does_not_count_as_an_administrator():
    User.objects.create_superuser("root@serveur.example.fr", "un-mot-de-passe-solide-42")
    out, _err = run("--email", "alix@ars.example.fr")
    link_path(out)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--email", "pas-une-adresse"], "Adresse e-mail invalide"),
        (["--email", "alix@ars.example.fr", "--first-name", "Ali\u202ex"], "caractère invisible"),
    ],
)
def test_bad_input_gets_a_french_message_and_creates_nothing(args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert not Invitation.objects.exists()


def test_refuses_without_the_sites_address(settings):
    settings.SITE_URL = ""
    with pytest.raises(CommandError, match="SITE_URL"):
        run("--email", "alix@ars.example.fr")
    assert not Invitation.objects.exists()


def test_exits_non_zero_from_the_shell(settings):
    """As `docker compose exec web python manage.py create_first_admin …` runs it."""
    UserFactory(email="alix@ars.example.fr")
    err = io.StringIO()
    with contextlib.redirect_stderr(err), pytest.raises(SystemExit) as exited:
        ManagementUtility(["manage.py", "create_first_admin", "--email", "alix@ars.example.fr"]).execute()
    assert exited.value.code != 0
    assert "Un compte actif existe déjà" in err.getvalue()
