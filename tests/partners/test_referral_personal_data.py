"""The professional learns, before sending a referral and again in its receipt, what becomes of
the patient's data and for how long, as the retention settings say."""

import html

import pytest
from django.test import override_settings
from django.urls import reverse

from .helpers import referral_data

pytestmark = pytest.mark.django_db

FORM_URL = reverse("public_referral:form")


def form_text(client):
    return html.unescape(client.get(FORM_URL).content.decode())


@override_settings(REFERRAL_RETENTION_MONTHS=12, RETENTION_MONTHS=24)
def test_the_form_says_how_long_the_patient_data_is_kept_before_sending(client, world, settings):
    page = form_text(client)
    notice = page[page.index("Ce que deviennent les données du patient") : page.index("Envoyer la fiche d'orientation")]
    assert "anonymisée après 24 mois sans activité" in notice
    assert "effacés 12 mois après la décision" in notice
    assert f'href="{reverse("pages:personal_data")}"' in notice

    settings.REFERRAL_RETENTION_MONTHS = 6
    settings.RETENTION_MONTHS = 36
    page = form_text(client)
    assert "effacés 6 mois après la décision" in page
    assert "anonymisée après 36 mois sans activité" in page
    assert "12 mois" not in page and "24 mois" not in page


@override_settings(REFERRAL_RETENTION_MONTHS=9, RETENTION_MONTHS=30, SITE_URL="https://mediation.example.fr")
def test_the_receipt_says_it_too(client, world, mailoutbox, committed):
    committed(client.post, FORM_URL, referral_data(world.lille.commune))

    (receipt,) = [mail for mail in mailoutbox if mail.to == ["claire.vandamme@exemple.fr"]]
    assert "effacés 9 mois après la décision" in receipt.body
    assert "anonymisée après 30 mois sans activité" in receipt.body
    assert "https://mediation.example.fr/donnees-personnelles/" in receipt.body
    assert "Zerbib" not in receipt.body
