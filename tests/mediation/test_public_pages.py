"""The pages a French public service publishes: legal notice, personal data, accessibility
statement and site map, open to anyone, linked from the footer of every page, saying the
operator's identity and the durations as the settings give them."""

import html as html_module
import re

import pytest
from django.test import override_settings
from django.urls import reverse

from mediation.enums import Role

pytestmark = pytest.mark.django_db

PAGES = {
    "pages:legal_notice": ["Mentions légales", "Éditeur", "Directeur ou directrice de la publication", "Hébergement"],
    "pages:personal_data": [
        "Données personnelles",
        "Les personnes accompagnées",
        "Les fiches d'accompagnement et les demandes",
        "Les orientations envoyées par des professionnels",
        "Les comptes des personnels",
        "Les journaux",
        "article 6, paragraphe 1, e",
        "article 9, paragraphe 2, h",
        "Durées de conservation",
        "Qui voit quoi",
        "Vos droits",
        "réclamation à la Commission nationale de l'informatique et des libertés",
    ],
    "pages:accessibility": [
        "Déclaration d'accessibilité",
        "État de conformité",
        "<strong>non conforme</strong>",
        "aucun audit",
        "axe-core",
        "ne remplacent pas un audit RGAA",
        "Contenus non accessibles",
        "Établissement de cette déclaration d'accessibilité",
        "Retour d'information et contact",
        "Voies de recours",
        "Défenseur des droits",
    ],
    "pages:sitemap": ["Plan du site", "Pages publiques", "Après connexion"],
}

OPERATOR = {
    "OPERATOR_NAME": "Agence régionale de santé Hauts-de-France",
    "OPERATOR_ADDRESS": "556 avenue Willy Brandt, 59777 Euralille",
    "OPERATOR_EMAIL": "ars-hdf-contact@ars.sante.fr",
    "OPERATOR_PHONE": "03 62 72 77 00",
    "OPERATOR_PUBLICATION_DIRECTOR": "Le directeur général de l'ARS",
    "OPERATOR_HOST_NAME": "Hébergeur Exemple SAS",
    "OPERATOR_HOST_ADDRESS": "1 rue des Serveurs, 59000 Lille",
    "OPERATOR_HOST_PHONE": "03 20 00 00 00",
    "OPERATOR_DPO_CONTACT": "ars-hdf-dpd@ars.sante.fr",
    "OPERATOR_ACCESSIBILITY_CONTACT": "accessibilite@ars.sante.fr",
}


def text(response):
    return html_module.unescape(response.content.decode())


@pytest.mark.parametrize("name", PAGES)
def test_each_page_is_open_to_anyone_with_its_content(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    html = text(response)
    for expected in PAGES[name]:
        assert expected in html, f"{name}: {expected!r} missing"


@override_settings(**OPERATOR)
def test_the_operator_is_named_as_configured(client):
    legal = text(client.get(reverse("pages:legal_notice")))
    for setting in (
        "OPERATOR_NAME",
        "OPERATOR_ADDRESS",
        "OPERATOR_PHONE",
        "OPERATOR_EMAIL",
        "OPERATOR_PUBLICATION_DIRECTOR",
        "OPERATOR_HOST_NAME",
        "OPERATOR_HOST_ADDRESS",
        "OPERATOR_HOST_PHONE",
        "OPERATOR_DPO_CONTACT",
    ):
        assert OPERATOR[setting] in legal, setting
    personal = text(client.get(reverse("pages:personal_data")))
    assert 'href="mailto:ars-hdf-dpd@ars.sante.fr"' in personal
    accessibility = text(client.get(reverse("pages:accessibility")))
    assert 'href="mailto:accessibilite@ars.sante.fr"' in accessibility
    assert "Agence régionale de santé Hauts-de-France s'engage" in accessibility
    for html in (legal, personal, accessibility):
        assert "À renseigner" not in html


def test_an_identity_left_unset_says_so(client):
    legal = text(client.get(reverse("pages:legal_notice")))
    assert "À renseigner (OPERATOR_NAME)" in legal
    assert "À renseigner (OPERATOR_HOST_NAME)" in legal


def durations(client):
    html = text(client.get(reverse("pages:personal_data")))
    table = html[html.index("<caption>Durées de conservation</caption>") : html.index("</table>")]
    return re.sub(r"\s+", " ", table)


@override_settings(
    RETENTION_MONTHS=24,
    RETENTION_WARNING_DAYS=30,
    REFERRAL_RETENTION_MONTHS=12,
    AUDIT_LOG_RETENTION_MONTHS=12,
    SESSION_COOKIE_AGE=30 * 60,
    SESSION_ABSOLUTE_AGE=12 * 3600,
    EMAIL_SENT_RETENTION_DAYS=30,
    BACKUP_KEEP=14,
)
def test_the_durations_shown_follow_the_settings(client, settings):
    before = durations(client)
    assert "jusqu'à 24 mois sans activité" in before
    assert "prévenue 30 jours avant" in before
    assert "12 mois après sa décision" in before
    assert "30 minutes d'inactivité, et au plus 12 heures après la connexion" in before
    assert "<td>14 jours</td>" in before

    settings.RETENTION_MONTHS = 36
    settings.RETENTION_WARNING_DAYS = 15
    settings.REFERRAL_RETENTION_MONTHS = 6
    settings.AUDIT_LOG_RETENTION_MONTHS = 18
    settings.SESSION_COOKIE_AGE = 15 * 60
    settings.SESSION_ABSOLUTE_AGE = 8 * 3600
    settings.EMAIL_SENT_RETENTION_DAYS = 7
    settings.BACKUP_KEEP = 30
    after = durations(client)
    assert "jusqu'à 36 mois sans activité" in after
    assert "prévenue 15 jours avant" in after
    assert "6 mois après sa décision" in after
    assert "<td>18 mois</td>" in after
    assert "15 minutes d'inactivité, et au plus 8 heures après la connexion" in after
    assert "<td>7 jours</td>" in after
    assert "<td>30 jours</td>" in after
    assert "24 mois" not in after and "14 jours" not in after


@override_settings(SESSION_COOKIE_NAME="__Host-sessionid", CSRF_COOKIE_NAME="__Host-csrftoken")
def test_the_cookies_listed_are_those_the_service_sets(client):
    html = text(client.get(reverse("pages:personal_data")))
    assert "<code>__Host-sessionid</code>" in html
    assert "<code>__Host-csrftoken</code>" in html


FOOTER_LINKS = {
    "pages:sitemap": "Plan du site",
    "pages:accessibility": "Accessibilité : non conforme",
    "pages:legal_notice": "Mentions légales",
    "pages:personal_data": "Données personnelles",
}


def footer(html):
    return html[html.index('<footer class="fr-footer"') : html.index("</footer>")]


def assert_footer_links(html):
    bottom = footer(html)
    for name, label in FOOTER_LINKS.items():
        assert f'<a class="fr-footer__bottom-link" href="{reverse(name)}">{label}</a>' in bottom, label


@pytest.mark.parametrize(
    "url",
    [
        reverse("account_login"),
        reverse("account_reset_password"),
        reverse("public_referral:form"),
        *[reverse(name) for name in PAGES],
        "/page-qui-n-existe-pas/",
    ],
)
def test_the_footer_links_the_pages_from_every_public_page(client, url):
    assert_footer_links(text(client.get(url)))


def test_the_footer_links_the_pages_once_logged_in(client, login_as):
    login_as(Role.MEDIATOR)
    for url in (reverse("home"), reverse("accompaniments:beneficiary_list"), reverse("mediation:my_account")):
        assert_footer_links(text(client.get(url, follow=True)))


def test_the_sitemap_shows_a_visitor_every_role_and_a_person_their_own(client, login_as):
    visitor = text(client.get(reverse("pages:sitemap")))
    for public in ("public_referral:form", "pages:legal_notice", "pages:personal_data", "account_login"):
        assert f'href="{reverse(public)}"' in visitor
    for label in ("Médiateur·rice santé", "Coordinateur·rice", "Lecteur·rice institutionnel·le"):
        assert label in visitor
    assert f'href="{reverse("reporting:dashboard")}"' in visitor
    assert f'href="{reverse("accompaniments:beneficiary_list")}"' in visitor

    login_as(Role.MEDIATOR)
    mediator = text(client.get(reverse("pages:sitemap")))
    assert f'href="{reverse("accompaniments:beneficiary_list")}"' in mediator
    assert f'href="{reverse("partners:referral_inbox")}"' in mediator
    # Only what the role may open: no link that would answer 403.
    assert f'href="{reverse("reporting:dashboard")}"' not in mediator
    assert f'href="{reverse("campaigns:campaign_list")}"' not in mediator
