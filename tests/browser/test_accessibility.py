"""Accessible by test: every page a role reaches by following links passes axe-core with no serious
or critical violation, the forms' error states too, and the checker does report a missing label.

The data is the demo's (`seed_demo`: every kind of record, lists long enough to be paginated);
each role logs in with a session opened by Django's test client, whose cookie the browser gets."""

import datetime

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from playwright.sync_api import expect

from accompaniments.models import Beneficiary, SheetRequest
from mediation.enums import Role
from mediation.models import User
from tests.accompaniments.factories import BeneficiaryFactory, SheetFactory
from tests.browser.a11y import arrow_to, crawl, page_violations, tab_to, violations
from tests.conftest import enable_totp
from tests.factories import CommuneFactory, PostFactory, StructureFactory, department, make_mediator, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# The demo's account of each role (mediation/demo_data.py).
ROLE_ACCOUNTS = {
    "médiatrice": "mediatrice@demo.fr",
    "encadrante": "encadrante@demo.fr",
    "coordination": "coordination@demo.fr",
    "lecture": "lecture@demo.fr",
    "administration": "admin@demo.fr",
}
# Pages a crawl checks at most for one role: enough for every kind of page (a path that differs
# only by a record id is one page), bounded so the test keeps to a few minutes.
PAGES_PER_ROLE = 60
# Pages reached without an account.
PUBLIC_PAGES = [
    "/compte/connexion/",
    "/compte/mot-de-passe/oubli/",
    "/orientation/",
    "/mentions-legales/",
    "/donnees-personnelles/",
    "/accessibilite/",
    "/plan-du-site/",
]


def seed_demo():
    with open("/dev/null", "w") as quiet:
        call_command("seed_demo", stdout=quiet, stderr=quiet)


def logged_in_page(new_page, live_server, email):
    """A browser page of a fresh context holding a session of `email`'s account."""
    client = Client()
    client.force_login(User.objects.get(email=email))
    page = new_page()
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    return page


def submit_empty(page, button_name):
    """Send the page's form as it is, past the browser's own checks of required fields, so that
    the server's error state shows."""
    page.eval_on_selector_all("form", "forms => forms.forEach(form => { form.noValidate = true; })")
    page.get_by_role("button", name=button_name, exact=True).last.click()
    expect(page.locator(".fr-alert--error, .fr-error-text").first).to_be_visible()


def test_the_checker_reports_an_input_without_label(new_page):
    page = new_page()
    page.goto("/compte/connexion/")
    page.set_content(
        '<!doctype html><html lang="fr"><head><title>Page d’essai</title></head><body><main>'
        '<h1>Essai</h1><form><input type="text" name="nom"></form></main></body></html>'
    )
    found = violations(page)
    assert any(line.startswith("label (critical): input ") for line in found), found


def test_every_page_of_every_role_passes_axe(new_page, live_server):
    seed_demo()
    found = []
    anonymous = new_page()
    for path in PUBLIC_PAGES:
        anonymous.goto(path)
        found += [f"anonyme — {line}" for line in page_violations(anonymous)]
    for role, email in ROLE_ACCOUNTS.items():
        page = logged_in_page(new_page, live_server, email)
        visited, lines = crawl(page, "/", limit=PAGES_PER_ROLE)
        assert len(visited) > 5, f"{role}: only {visited} reached"
        found += [f"{role} — {line}" for line in lines]
    assert not found, "\n".join(found)


def test_forms_in_their_error_state_pass_axe(new_page, live_server):
    seed_demo()
    found = []

    page = logged_in_page(new_page, live_server, ROLE_ACCOUNTS["médiatrice"])
    page.goto("/accompagnements/personnes/nouvelle/")
    submit_empty(page, "Enregistrer")
    found += page_violations(page, "personne, formulaire vide")

    person = Beneficiary.objects.filter(referent__email=ROLE_ACCOUNTS["médiatrice"]).first()
    page.goto(f"/accompagnements/fiches/nouvelle/?beneficiary={person.pk}")
    page.locator("[name='requests-0-kind']").select_option("")  # proposed from the last request
    submit_empty(page, "Enregistrer la fiche")
    found += page_violations(page, "fiche, formulaire vide")

    page = logged_in_page(new_page, live_server, ROLE_ACCOUNTS["coordination"])
    page.goto("/invitations/nouvelle/")
    submit_empty(page, "Envoyer l'invitation")
    found += page_violations(page, "invitation, formulaire vide")

    page = new_page()
    page.goto("/orientation/")
    submit_empty(page, "Envoyer la fiche d'orientation")
    found += page_violations(page, "fiche d'orientation publique, formulaire vide")

    assert not found, "\n".join(found)


def test_a_person_and_a_sheet_are_entered_with_the_keyboard_only(new_page, live_server):
    mediator = make_mediator(email="amina@exemple.fr", first_name="Amina", last_name="Haddad")
    page = logged_in_page(new_page, live_server, mediator.email)
    page.goto("/accompagnements/personnes/nouvelle/")

    tab_to(page, page.locator("[name=last_name]"))
    page.keyboard.type("Lefebvre")
    tab_to(page, page.locator("[name=first_name]"))
    page.keyboard.type("Éléonore")
    tab_to(page, page.locator("[name=birth_year]"))
    page.keyboard.type("1971")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("LEFEBVRE")
    person = Beneficiary.objects.get(last_name="Lefebvre", first_name="Éléonore", birth_year=1971)

    tab_to(page, page.get_by_role("link", name="Nouvelle fiche pour cette personne").first)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Nouvelle fiche d'accompagnement")
    for name, label in [
        ("contact_mode", "Permanence"),
        ("requests-0-kind", "Demande de Complémentaire santé solidaire"),
    ]:
        select = page.locator(f"[name='{name}']")
        tab_to(page, select)
        arrow_to(page, select, label=label)
    tab_to(page, page.get_by_role("button", name="Enregistrer la fiche", exact=True).last)
    page.keyboard.press("Space")
    expect(page.locator(".fr-alert--success")).to_be_visible()
    request = SheetRequest.objects.get(sheet__beneficiary=person)
    assert request.kind.code == "demande_de_complementaire_sante_solidaire"
    assert request.sheet.contact_mode.code == "permanence"


def test_the_dashboard_changes_year_and_territory_with_the_keyboard_only(new_page, live_server):
    this_year = datetime.date.today().year
    for code, count, year in [("59", 3, this_year - 1), ("80", 2, this_year - 1), ("80", 4, this_year - 2)]:
        structure = StructureFactory(commune=CommuneFactory(department=department(code)))
        post = PostFactory(structure=structure, department=department(code))
        for _ in range(count):
            SheetFactory(
                beneficiary=BeneficiaryFactory(structure=structure), post=post, opened_on=datetime.date(year, 6, 1)
            )
    reader = make_user(Role.READER, region=department("59").region)
    enable_totp(reader)
    page = logged_in_page(new_page, live_server, reader.email)
    page.goto("/bilans/")
    expect(page.locator("#tableau-volume tfoot")).to_contain_text("5")

    year = page.get_by_label("Année")
    tab_to(page, year)
    arrow_to(page, year, value=str(this_year - 2))
    territory = page.get_by_label("Territoire")
    tab_to(page, territory)
    arrow_to(page, territory, value="departement:80")
    tab_to(page, page.get_by_role("button", name="Afficher"))
    page.keyboard.press("Enter")
    expect(page.locator(".fr-text--lead").first).to_contain_text(f"Somme (80) · {this_year - 2}")
    expect(page.locator("#tableau-volume tfoot")).to_contain_text("4")
