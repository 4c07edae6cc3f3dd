"""Small hardenings of the partners' pages: the directory search keeps the typed text out of every
URL (server logs, browser history) while Back and pagination still show the results; referral and
partner names refuse invisible characters (bidi overrides, zero-width)."""

import datetime
import re
from html import unescape
from urllib.parse import quote, quote_plus

import pytest
from django.urls import reverse
from django.utils import timezone

from mediation.enums import Vocabulary
from partners.enums import PartnerType
from partners.models import Partner, Referral
from tests.accompaniments.factories import item

from .factories import PartnerFactory
from .helpers import referral_data

pytestmark = pytest.mark.django_db

LIST = reverse("partners:partner_list")
TYPED = "Lefebvre"
URL_ATTRIBUTES = re.compile(r'\b(?:href|action|src|hx-get|hx-post|hx-push-url|formaction)="([^"]*)"')
RLO = "\u202e"
REFUSED_MESSAGE_PART = "retapez-le au clavier, sans copier-coller"


def urls_in(response):
    """Every URL a response sends the browser to: its Location header and the page's links."""
    urls = [response["Location"]] if response.has_header("Location") else []
    if response.get("Content-Type", "").startswith("text/html"):
        urls += [unescape(url) for url in URL_ATTRIBUTES.findall(response.content.decode())]
    return urls


def assert_no_typed_text(responses, typed=TYPED):
    forms_of_typed = {typed.lower(), quote(typed).lower(), quote_plus(typed).lower()}
    for response in responses:
        for url in urls_in(response):
            assert not any(form in url.lower() for form in forms_of_typed), url


def names_on(response):
    return {partner.name for partner in response.context["page"]}


def search(client, **criteria):
    return client.post(LIST, {"q": "", "category": "", "partner_type": "", **criteria})


# ---------------------------------------------------------------- directory search


def test_the_search_form_is_sent_by_post(client, world):
    client.force_login(world.lille.mediator)
    html = client.get(LIST).content.decode()
    form = html[html.index('role="search"') - 200 : html.index('role="search"') + 200]
    assert 'method="post"' in form and 'method="get"' not in form


def test_a_search_redirects_to_results_whose_urls_never_hold_the_typed_text(client, world):
    nurse = PartnerFactory(name=f"Cabinet infirmier {TYPED}", partner_type=PartnerType.HEALTH_PROFESSIONAL)
    PartnerFactory(name="CCAS de Lille", partner_type=PartnerType.CCAS)
    client.force_login(world.lille.mediator)

    sent = search(client, q=TYPED)
    assert sent.status_code == 302
    results = client.get(sent["Location"])
    assert results.status_code == 200
    assert names_on(results) == {nurse.name}
    # The form shows what was typed (in the page, not in a URL) to refine the search.
    assert f'value="{TYPED}"' in results.content.decode()
    assert_no_typed_text([sent, results])

    # Back from a partner's page: the same URL shows the same results, without resending a form.
    detail = client.get(reverse("partners:partner_detail", args=[nurse.pk]))
    assert detail.status_code == 200
    back = client.get(sent["Location"])
    assert names_on(back) == {nurse.name}
    assert_no_typed_text([detail, back])


def test_pagination_keeps_the_search_without_the_typed_text(client, world):
    matching = {PartnerFactory(name=f"Maison de santé {TYPED} {n:02d}").name for n in range(55)}
    PartnerFactory.create_batch(5, name="CAF du Nord")
    client.force_login(world.lille.mediator)

    first = client.get(search(client, q=TYPED)["Location"])
    assert first.context["page"].paginator.count == 55
    html = first.content.decode()
    [second_url] = {url for url in urls_in(first) if "page=2" in url}
    second = client.get(LIST + second_url if second_url.startswith("?") else second_url)
    assert second.status_code == 200
    assert second.context["page"].number == 2
    assert names_on(first) | names_on(second) == matching
    assert "CAF du Nord" not in html + second.content.decode()
    assert_no_typed_text([first, second])


def test_the_filters_travel_with_the_search(client, world):
    cpam = PartnerFactory(name="CPAM de Lille-Douai", cpam=False, partner_type=PartnerType.CPAM)
    PartnerFactory(name="CCAS de Lille", partner_type=PartnerType.CCAS)
    health = PartnerFactory(
        name="Maison de santé Lille Sud",
        partner_type=PartnerType.HEALTH_PROFESSIONAL,
        category=item(Vocabulary.PARTNER_CATEGORY, "health"),
    )
    client.force_login(world.lille.mediator)

    def found(**criteria):
        return names_on(client.get(search(client, **criteria)["Location"]))

    assert found(q="lille", partner_type=PartnerType.CPAM) == {cpam.name}
    assert found(category=item(Vocabulary.PARTNER_CATEGORY, "health").pk) == {health.name}


def test_a_search_lasts_an_hour_while_the_session_lives(client, world, monkeypatch):
    PartnerFactory(name=f"Cabinet infirmier {TYPED}")
    PartnerFactory(name="CCAS de Lille")
    client.force_login(world.lille.mediator)
    url = search(client, q=TYPED)["Location"]
    start = timezone.now()
    for minutes in (20, 40, 55):  # the user keeps working: the session stays open
        monkeypatch.setattr(timezone, "now", lambda minutes=minutes: start + datetime.timedelta(minutes=minutes))
        assert names_on(client.get(url)) == {f"Cabinet infirmier {TYPED}"}
    monkeypatch.setattr(timezone, "now", lambda: start + datetime.timedelta(minutes=61))
    expired = client.get(url, follow=True)
    assert expired.redirect_chain == [(LIST, 302)]
    assert "Cette recherche n" in expired.content.decode()
    assert len(names_on(expired)) == 2


def test_a_text_typed_in_an_old_link_is_dropped(client, world):
    PartnerFactory(name=f"Cabinet infirmier {TYPED}")
    PartnerFactory(name="CCAS de Lille")
    client.force_login(world.lille.mediator)
    response = client.get(f"{LIST}?q={TYPED}&page=2")
    assert response.status_code == 302 and response["Location"] == LIST


def test_an_unknown_or_foreign_search_token_shows_the_whole_directory(client, world):
    PartnerFactory(name=f"Cabinet infirmier {TYPED}")
    client.force_login(world.roubaix.mediator)
    url = client.post(LIST, {"q": TYPED})["Location"]
    # Another account (another session) cannot replay the search.
    client.force_login(world.lille.mediator)
    for unknown in (url, f"{LIST}?recherche=inconnue", f"{LIST}?recherche="):
        response = client.get(unknown, follow=True)
        assert response.status_code == 200
        assert response.redirect_chain[-1][0] == LIST
        assert "Cette recherche n" in response.content.decode()


def test_an_empty_search_or_bad_values_never_give_an_error_page(client, world):
    PartnerFactory(name="CCAS de Lille")
    client.force_login(world.lille.mediator)
    assert search(client)["Location"] == LIST
    response = search(client, q="x" * 500, category="abc", partner_type="zzz")
    assert response.status_code == 200
    assert names_on(response) == {"CCAS de Lille"}
    assert set(response.context["filters"].errors) == {"q", "category", "partner_type"}


# ---------------------------------------------------------------- names without invisible characters


@pytest.mark.parametrize("field", ["referrer_name", "referrer_structure", "patient_last_name", "patient_first_name"])
def test_a_referral_name_with_a_bidi_override_is_refused(client, world, field):
    response = client.post(
        reverse("public_referral:form"), referral_data(world.lille.commune, **{field: f"{RLO}birbeZ"})
    )
    assert response.status_code == 200
    [error] = response.context["form"].errors[field]
    assert REFUSED_MESSAGE_PART in error and "U+202E" in error
    assert REFUSED_MESSAGE_PART in response.content.decode()
    assert not Referral.objects.exists()


def test_a_referral_with_french_names_goes_through(client, world):
    data = referral_data(
        world.lille.commune,
        referrer_name="Dr Anaïs O\u02bcNeill-Lefèvre",
        referrer_structure="Cabinet d'Hélène",
        patient_last_name="N\u2019Diaye",
        patient_first_name="Marie-Ève",
    )
    assert client.post(reverse("public_referral:form"), data).status_code == 302
    referral = Referral.objects.get()
    assert (referral.patient_last_name, referral.patient_first_name) == ("N\u2019Diaye", "Marie-Ève")


def partner_data(**overrides):
    return {
        "name": "CPAM de Roubaix-Tourcoing",
        "partner_type": PartnerType.CPAM,
        "category": item(Vocabulary.PARTNER_CATEGORY, "social").pk,
        "phone": "36 46",
        **overrides,
    }


def test_a_partner_name_with_a_bidi_override_is_refused(client, world):
    client.force_login(world.lille.mediator)
    response = client.post(reverse("partners:partner_create"), partner_data(name=f"CCAS {RLO}sneL"))
    assert response.status_code == 200
    [error] = response.context["form"].errors["name"]
    assert REFUSED_MESSAGE_PART in error and "U+202E" in error
    assert not Partner.objects.exists()

    response = client.post(reverse("partners:partner_create"), partner_data(name="Centre social l\u2019Épeule"))
    assert response.status_code == 302
    assert Partner.objects.get().name == "Centre social l\u2019Épeule"


def test_editing_a_partner_refuses_a_bidi_override_too(client, world):
    partner = PartnerFactory(name="CCAS de Lille", partner_type=PartnerType.CCAS)
    client.force_login(world.lille.mediator)
    url = reverse("partners:partner_update", args=[partner.pk])
    data = partner_data(name=f"CCAS de {RLO}elliL", partner_type=PartnerType.CCAS, version=partner.version)
    response = client.post(url, data)
    assert response.status_code == 200
    assert REFUSED_MESSAGE_PART in response.context["form"].errors["name"][0]
    partner.refresh_from_db()
    assert partner.name == "CCAS de Lille"
