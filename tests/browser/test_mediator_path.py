"""The mediator's everyday path in a real browser: find a person among homonyms, go Back to the
results without a resubmission dialog, and log a sheet for her with the keyboard alone, counting
the pages loaded and the keys pressed."""

import datetime
import os
import re

import pytest
from playwright.sync_api import expect

from accompaniments.models import Sheet
from mediation.enums import Role, Vocabulary
from tests.accompaniments.factories import BeneficiaryFactory, SheetFactory, SheetRequestFactory, item
from tests.factories import DEFAULT_PASSWORD, make_mediator, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PEOPLE = "/accompagnements/personnes/"
MAX_PAGE_LOADS = 3
MAX_KEYS = 40


def shot(tmp_path, name):
    """Where a screenshot goes: SCREENSHOT_DIR, to look at the pages by hand, else the test's folder."""
    return f"{os.environ.get('SCREENSHOT_DIR') or tmp_path}/{name}"


class Keyboard:
    """The keys a test presses, counted."""

    def __init__(self, page):
        self.page, self.presses, self.tabs = page, 0, 0

    def type(self, text):
        self.page.keyboard.type(text)
        self.presses += len(text)

    def press(self, key, times=1):
        for _ in range(times):
            self.page.keyboard.press(key)
        self.presses += times
        self.tabs += times if key == "Tab" else 0


def log_in(page, user):
    page.goto("/compte/connexion/")
    page.get_by_role("textbox", name="Adresse e-mail").fill(user.email)
    page.get_by_label("Mot de passe", exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def focused(page):
    return page.evaluate(
        "() => { const e = document.activeElement; return (e.getAttribute('name') || e.textContent || '').trim(); }"
    )


@pytest.fixture
def homonyms():
    """A mediator with fourteen DUPONT and two MARTIN Julie; the younger Julie came before."""
    mediator = make_mediator(email="amina@exemple.fr", first_name="Amina", last_name="Haddad")
    structure = mediator.membership.structure
    post = mediator.post_holdings.get().post
    elder = BeneficiaryFactory(
        structure=structure, referent=mediator, last_name="Martin", first_name="Julie", birth_year=1962
    )
    younger = BeneficiaryFactory(
        structure=structure, referent=mediator, last_name="Martin", first_name="Julie", birth_year=1990
    )
    for n in range(14):
        BeneficiaryFactory(structure=structure, referent=mediator, last_name="Dupont", first_name=f"Prénom{n}")
    earlier = SheetFactory(
        beneficiary=younger,
        mediator=mediator,
        post=post,
        opened_on=datetime.date.today() - datetime.timedelta(days=40),
        contact_mode=item(Vocabulary.CONTACT_MODE, "permanence"),
    )
    SheetRequestFactory(sheet=earlier)
    return mediator, elder, younger


def test_back_after_a_search_shows_the_results_again_without_the_name_in_url_or_title(new_page, homonyms, tmp_path):
    mediator, elder, younger = homonyms
    page = new_page()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    log_in(page, mediator)

    page.goto(PEOPLE)
    page.get_by_label("Rechercher une personne").fill("martin julie")
    page.get_by_role("button", name="Rechercher").click()
    expect(page.get_by_role("status")).to_have_text("2 personnes trouvées")
    results_url = page.url
    assert "martin" not in results_url.lower() and "julie" not in results_url.lower()
    page.screenshot(path=shot(tmp_path, "h5-search-results.png"), full_page=True)

    page.get_by_role("row").filter(has_text="1990").get_by_role("link", name="MARTIN Julie", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("MARTIN")
    assert page.title().startswith("Personne accompagnée")
    page.screenshot(path=shot(tmp_path, "h5-person.png"), full_page=True)

    page.go_back()
    expect(page.get_by_role("status")).to_have_text("2 personnes trouvées")
    assert page.url == results_url and dialogs == []
    history_titles = page.evaluate("() => document.title")
    assert "MARTIN" not in history_titles.upper()


def test_logging_a_sheet_for_a_known_person_takes_three_pages_and_few_keys(new_page, homonyms):
    mediator, elder, younger = homonyms
    page = new_page()
    log_in(page, mediator)
    page.goto(PEOPLE)
    expect(page.get_by_label("Rechercher une personne")).to_be_focused()

    loads = []
    page.on("load", lambda p: loads.append(p.url))
    keys = Keyboard(page)

    # 1. Search: the field has the focus when the page opens.
    keys.type("martin ju")
    keys.press("Enter")
    expect(page.get_by_role("status")).to_have_text("2 personnes trouvées")
    # The first result has the focus; the younger Julie (1990) is the second row.
    expect(page.get_by_role("link", name="MARTIN Julie").first).to_be_focused()
    keys.press("Tab", 3)
    expect(
        page.get_by_role("link", name=re.compile("Nouvelle fiche pour MARTIN Julie, née ou né en 1990"))
    ).to_be_focused()
    keys.press("Enter")

    # 2. The sheet, proposed from her last one: the cursor is on the request's type.
    expect(page.get_by_role("heading", level=1)).to_have_text("Nouvelle fiche d'accompagnement")
    expect(page.locator("[name='requests-0-kind']")).to_be_focused()
    expect(page.locator("[name='contact_mode'] option:checked")).to_have_text("Permanence")
    expect(page.locator("[name='requests-0-kind'] option:checked")).to_have_text(
        "Demande de Complémentaire santé solidaire"
    )
    # Its note comes next; Enter there saves the sheet (the form's first button is « Enregistrer »).
    keys.press("Tab")
    assert focused(page) == "requests-0-note"
    keys.type("RDV CPAM")
    keys.press("Enter")

    # 3. Saved: the sheet's page.
    expect(page.locator(".fr-alert--success")).to_contain_text("Fiche enregistrée avec 1 demande.")
    sheet = Sheet.objects.exclude(opened_on__lt=datetime.date.today()).get()
    assert sheet.beneficiary == younger
    assert sheet.requests.get().kind.code == "demande_de_complementaire_sante_solidaire"
    assert sheet.requests.get().note == "RDV CPAM"

    print(f"\nmediator path: {len(loads)} page loads, {keys.presses} key presses ({keys.tabs} Tab)")
    assert len(loads) <= MAX_PAGE_LOADS
    assert keys.presses <= MAX_KEYS


def test_a_sheet_without_request_is_refused_and_the_manager_sees_the_structure_mediators(new_page, homonyms, tmp_path):
    mediator, elder, younger = homonyms
    structure = mediator.membership.structure
    colleague = make_mediator(structure=structure, first_name="Bérénice", last_name="Colin")
    manager = make_user(Role.STRUCTURE_MANAGER, structure=structure, first_name="Claire", last_name="Encadrante")
    make_user(Role.COORDINATOR, first_name="Corinne", last_name="Coordinatrice")
    make_mediator(first_name="Olivier", last_name="Ailleurs")  # another structure

    page = new_page()
    log_in(page, manager)
    page.goto(f"/accompagnements/fiches/nouvelle/?beneficiary={elder.pk}")
    mediators = page.locator("[name='mediator']")
    options = [text.strip() for text in mediators.locator("option").all_inner_texts()]
    assert options == ["Choisir un·e médiateur·rice", "Bérénice Colin", "Amina Haddad"]
    assert colleague.get_full_name() in options
    mediators.evaluate("s => s.size = s.options.length")  # open the list for the screenshot
    page.screenshot(path=shot(tmp_path, "h5-manager-sheet-form.png"), full_page=True)
    mediators.evaluate("s => s.size = 0")

    mediators.select_option(label="Amina Haddad")
    page.locator("[name='contact_mode']").select_option(label="Permanence")
    page.get_by_role("button", name="Enregistrer la fiche", exact=True).last.click()
    expect(page.get_by_role("alert")).to_contain_text("porte au moins une demande")
    expect(page.locator("[name='requests-0-kind']")).to_be_focused()
    page.screenshot(path=shot(tmp_path, "h5-no-request-refused.png"), full_page=True)
    assert not Sheet.objects.filter(beneficiary=elder).exists()


def test_back_after_a_name_search_of_the_caseload_shows_it_again(new_page, homonyms, tmp_path):
    mediator, elder, younger = homonyms
    page = new_page()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    log_in(page, mediator)

    page.goto("/accompagnements/")
    page.get_by_placeholder("Nom ou prénom").fill("martin")
    page.get_by_placeholder("Nom ou prénom").press("Enter")
    status = page.get_by_role("status").filter(has_text="des personnes recherchées par leur nom")
    expect(status).to_contain_text("1 fiche")
    searched_url = page.url
    assert "martin" not in searched_url.lower()
    page.screenshot(path=shot(tmp_path, "h5-caseload-search.png"), full_page=True)

    page.get_by_role("link", name="MARTIN Julie").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Fiche du")
    page.go_back()
    expect(status).to_contain_text("1 fiche")
    assert page.url == searched_url and dialogs == []
