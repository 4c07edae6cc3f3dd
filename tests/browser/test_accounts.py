"""Accounts in a real browser: each role logs in through the forms (second factor included)
and lands on its home page; an invitation link is used once; a wrong password says nothing
about which accounts exist."""

import re

import pytest
from playwright.sync_api import expect

from mediation.enums import Role
from mediation.management.commands.totp_code import current_code
from mediation.models import User
from tests.conftest import enable_totp
from tests.factories import DEFAULT_PASSWORD, PostFactory, StructureFactory, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

NEW_PASSWORD = "un-mot-de-passe-solide-42"
# allauth's answer to any failed login, whether or not the address has an account.
LOGIN_ERROR = "L’adresse e-mail ou le mot de passe sont incorrects."
# Seconds a TOTP code must stay valid for the test to type it.
TOTP_MARGIN = 5


def log_in(page, email, password=DEFAULT_PASSWORD):
    page.goto("/compte/connexion/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion")
    page.get_by_role("textbox", name="Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(password)
    page.get_by_role("button", name="Se connecter").click()


def enter_totp(page, user):
    expect(page.get_by_role("heading", level=1)).to_have_text("Code de vérification")
    page.get_by_label("Code à 6 chiffres").fill(current_code(user, min_validity=TOTP_MARGIN))
    page.get_by_role("button", name="Valider").click()


def expect_home(page, *, path, menu_item, heading=None):
    """On a role's home page: its URL, its entry of the main menu marked current, a main heading
    (its text too when given)."""
    expect(page).to_have_url(re.compile(rf"^[^?]*{re.escape(path)}$"))
    menu = page.get_by_role("navigation", name="Menu principal")
    expect(menu.locator('a[aria-current="page"]')).to_have_text(menu_item)
    if heading is None:
        expect(page.get_by_role("heading", level=1)).to_be_visible()
    else:
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)


# Each role's home: its path, its current menu entry, and its heading where it is stable.
HOMES = {
    Role.MEDIATOR: ("/accompagnements/", "Mes accompagnements", None),
    Role.STRUCTURE_MANAGER: ("/ma-structure/", "Ma structure", "Centre social Les Tilleuls"),
    Role.COORDINATOR: ("/postes/", "Postes", "Registre des postes"),
    Role.READER: ("/bilans/", "Tableau de bord", None),
    Role.ADMIN: ("/postes/", "Postes", "Registre des postes"),
}


@pytest.mark.parametrize("role", list(HOMES))
def test_each_role_logs_in_and_lands_on_its_home(new_page, role):
    structure = StructureFactory(name="Centre social Les Tilleuls")
    user = make_user(role, structure=structure, first_name="Camille")
    if role in (Role.COORDINATOR, Role.READER, Role.ADMIN):
        enable_totp(user)
    page = new_page()

    log_in(page, user.email)
    if role in (Role.COORDINATOR, Role.READER, Role.ADMIN):
        enter_totp(page, user)

    path, menu_item, heading = HOMES[role]
    expect_home(page, path=path, menu_item=menu_item, heading=heading)
    # The header names the person and the role she is logged in with.
    expect(page.get_by_role("link", name=re.compile(rf"Camille .* · {re.escape(role.label)}")).first).to_be_visible()


def test_an_invited_mediator_sets_a_password_once_and_lands_home(new_page, mailoutbox):
    coordinator = make_user(Role.COORDINATOR)
    enable_totp(coordinator)
    structure = StructureFactory(name="CCAS de Roubaix")
    post = PostFactory(structure=structure, code="P-NORD-42")

    page = new_page()
    log_in(page, coordinator.email)
    enter_totp(page, coordinator)
    page.goto("/invitations/nouvelle/")
    page.get_by_role("textbox", name="Adresse e-mail").fill("nora.ait@exemple.fr")
    page.get_by_role("textbox", name="Prénom").fill("Nora")
    page.get_by_role("textbox", name="Nom", exact=True).fill("Ait")
    page.get_by_role("combobox", name="Rôle").select_option(label=Role.MEDIATOR.label)
    page.get_by_role("combobox", name="Structure").select_option(label=str(structure))
    page.get_by_role("combobox", name="Poste").select_option(label=str(post))
    page.get_by_role("button", name="Envoyer l'invitation").click()
    expect(page.get_by_text("Invitation envoyée à nora.ait@exemple.fr.")).to_be_visible()

    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["nora.ait@exemple.fr"]
    link = re.search(r"https?://\S+/invitation/[^/\s]+/", mailoutbox[0].body).group(0)

    invitee = new_page()
    invitee.goto(link)
    expect(invitee.get_by_role("heading", level=1)).to_have_text("Créer mon accès")
    expect(invitee.get_by_text("nora.ait@exemple.fr")).to_be_visible()
    invitee.get_by_label(re.compile(r"^\s*Mot de passe")).fill(NEW_PASSWORD)
    invitee.get_by_label("Confirmation du mot de passe").fill(NEW_PASSWORD)
    invitee.get_by_role("button", name="Créer mon accès").click()
    expect_home(invitee, path="/accompagnements/", menu_item="Mes accompagnements")
    expect(invitee.get_by_text("Bienvenue ! Votre compte est créé.")).to_be_visible()

    user = User.objects.get(email="nora.ait@exemple.fr")
    assert user.membership.role == Role.MEDIATOR and user.membership.structure == structure

    again = new_page()
    response = again.goto(link)
    assert response.status == 410
    expect(again.get_by_role("heading", level=1)).to_have_text("Ce lien d'invitation ne fonctionne plus")
    expect(again.get_by_label(re.compile(r"^\s*Mot de passe"))).to_have_count(0)


def test_a_wrong_password_gets_a_french_error_that_reveals_no_account(new_page):
    user = make_user(Role.MEDIATOR)
    page = new_page()

    log_in(page, user.email, "pas-le-bon-mot-de-passe")
    expect(page).to_have_url(re.compile(r"/compte/connexion/$"))
    alert = page.get_by_role("alert")
    expect(alert).to_have_text(LOGIN_ERROR)
    known_account_answer = alert.inner_text()

    log_in(page, "personne.inconnue@exemple.fr", "pas-le-bon-mot-de-passe")
    expect(page).to_have_url(re.compile(r"/compte/connexion/$"))
    expect(page.get_by_role("alert")).to_have_text(known_account_answer)
