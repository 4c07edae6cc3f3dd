"""A new region in a real browser: the first administrator opens the link `create_first_admin`
printed, chooses her password, sets up her second factor and lands on her first steps; she
invites a coordinator for the region, who goes the same way and finds her own checklist."""

import io
import re
import time

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core.management import call_command
from playwright.sync_api import expect

from mediation.enums import Role
from mediation.management.commands.totp_code import seconds_left
from mediation.models import Membership
from tests.browser.a11y import page_violations
from tests.browser.test_accounts import TOTP_MARGIN

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "un-mot-de-passe-solide-42"


def code_from_secret(secret):
    """The code an authenticator app shows for this secret, with time left to type it (the
    next period's when the current one is about to end, as `current_code` does)."""
    if seconds_left() < TOTP_MARGIN:
        time.sleep(seconds_left() + 0.1)
    return format_hotp_value(hotp_value(secret, int(time.time()) // mfa_settings.TOTP_PERIOD))


def create_access(page, link, *, first_name, last_name):
    """From the invitation link to the home: password, confirmation, second factor."""
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Créer mon accès")
    page.get_by_role("textbox", name="Prénom").fill(first_name)
    page.get_by_role("textbox", name="Nom", exact=True).fill(last_name)
    page.get_by_label(re.compile(r"^\s*Mot de passe")).fill(PASSWORD)
    page.get_by_label("Confirmation du mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Créer mon accès").click()
    expect(page.get_by_text("Bienvenue ! Votre compte est créé.")).to_be_visible()

    # Her role needs a second factor; allauth has her confirm her password before adding one.
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirmer votre identité")
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Confirmer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Activer la double authentification")
    secret = page.get_by_label(re.compile("Clé secrète")).input_value()
    page.get_by_label(re.compile("Code à 6 chiffres")).fill(code_from_secret(secret))
    page.get_by_role("button", name="Activer").click()
    expect(page.get_by_text("Application d'authentification activée.")).to_be_visible()
    page.goto("/")


def test_the_first_administrator_then_a_coordinator_reach_their_first_steps(
    new_page, live_server, settings, mailoutbox, tmp_path
):
    settings.SITE_URL = live_server.url
    out = io.StringIO()
    call_command("create_first_admin", "--email", "alix.martin@ars.example.fr", stdout=out, stderr=io.StringIO())
    link = out.getvalue().strip()
    assert link.startswith(live_server.url + "/invitation/")

    admin = new_page()
    create_access(admin, link, first_name="Alix", last_name="Martin")
    expect(admin).to_have_url(re.compile(r"/postes/$"))
    steps = admin.get_by_role("region", name="Premiers pas")
    expect(steps).to_contain_text("0 étape sur 6 faite.")
    expect(steps.get_by_role("heading", level=3)).to_have_count(6)
    first = steps.get_by_role("link", name="1. Coordinateur·rices invité·es")
    expect(first).to_have_attribute("href", "/invitations/nouvelle/")
    assert page_violations(admin) == []

    first.click()
    admin.get_by_role("textbox", name="Adresse e-mail").fill("camille.roux@ars.example.fr")
    admin.get_by_role("combobox", name="Rôle").select_option(label=Role.COORDINATOR.label)
    admin.get_by_role("combobox", name="Toute la région").select_option(label="Hauts-de-France")
    admin.get_by_role("button", name="Envoyer l'invitation").click()
    expect(admin.get_by_text("Invitation envoyée à camille.roux@ars.example.fr.")).to_be_visible()
    admin.goto("/postes/")
    expect(admin.get_by_role("region", name="Premiers pas")).to_contain_text("1 étape sur 6 faite.")

    (message,) = mailoutbox
    invitation_link = re.search(r"https?://\S+/invitation/[^/\s]+/", message.body).group(0)
    coordinator = new_page()
    create_access(coordinator, invitation_link, first_name="Camille", last_name="Roux")
    expect(coordinator).to_have_url(re.compile(r"/postes/$"))
    checklist = coordinator.get_by_role("region", name="Premiers pas")
    expect(checklist).to_contain_text("0 étape sur 5 faite.")
    expect(checklist.get_by_text("À faire")).to_have_count(5)
    for name, href in [
        ("1. Structures employeuses", "/imports/structures/"),
        ("2. Registre des postes", "/imports/postes/"),
        ("3. Titulaires invité·es", "/invitations/"),
        ("4. Historique importé", "/imports/"),
    ]:
        expect(checklist.get_by_role("link", name=name)).to_have_attribute("href", href)
    expect(checklist.get_by_role("link", name=re.compile(r"^5\. Campagne \d{4}$"))).to_have_attribute(
        "href", "/campagnes/ouvrir/"
    )
    # The page as she sees it, kept for whoever looks at a failure.
    coordinator.screenshot(path=str(tmp_path / "first_steps_coordinator.png"), full_page=True)
    assert page_violations(coordinator) == []

    membership = Membership.objects.get(user__email="camille.roux@ars.example.fr")
    assert membership.role == Role.COORDINATOR and membership.region.name == "Hauts-de-France"
