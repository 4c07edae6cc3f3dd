"""The public referral form under simultaneous posts: the limit per client address holds, each
real client behind the proxy has its own allowance, and a double click gets the receipt twice."""

import html

import pytest
from django.conf import settings
from django.urls import reverse

from partners.models import Referral
from tests.concurrency import Browser, hidden_value, post_together, require_concurrent_database

from .helpers import referral_data

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

FORM_URL = reverse("public_referral:form")
SENT_URL = reverse("public_referral:sent")
TOO_MANY = "Trop de fiches envoyées depuis cette connexion"


def outcomes(replies):
    """(receipts, refusals for the limit), checking that every reply is one or the other."""
    receipts = [r for r in replies if r.status == 200 and r.path == SENT_URL]
    refused = [r for r in replies if r.status == 429 and TOO_MANY in html.unescape(r.body)]
    assert len(receipts) + len(refused) == len(replies), {(r.status, r.path) for r in replies}
    return receipts, refused


def test_simultaneous_posts_from_one_address_store_no_more_than_the_limit(live_server, world):
    require_concurrent_database()
    browser = Browser(live_server)
    browser.open_form(FORM_URL)
    posts = 16

    replies = post_together(browser, FORM_URL, [referral_data(world.lille.commune) for _ in range(posts)])

    receipts, refused = outcomes(replies)
    assert Referral.objects.count() == settings.REFERRAL_RATE_LIMIT
    assert (len(receipts), len(refused)) == (settings.REFERRAL_RATE_LIMIT, posts - settings.REFERRAL_RATE_LIMIT)


def test_a_quadruple_click_stores_one_referral_and_shows_its_receipt_each_time(live_server, world):
    require_concurrent_database()
    browser = Browser(live_server)
    page = browser.open_form(FORM_URL)
    body = referral_data(world.lille.commune, submission_key=hidden_value(page.body, "submission_key"))

    replies = post_together(browser, FORM_URL, [body] * 4)

    referral = Referral.objects.get()
    assert [(r.status, r.path) for r in replies] == [(200, SENT_URL)] * 4
    assert all(referral.reference in r.body for r in replies)
    # The double click cost one submission of the allowance, not four.
    extra = settings.REFERRAL_RATE_LIMIT - 1
    receipts, refused = outcomes(
        post_together(browser, FORM_URL, [referral_data(world.lille.commune) for _ in range(extra + 1)])
    )
    assert (len(receipts), len(refused)) == (extra, 1)


def test_each_client_behind_the_proxy_has_its_own_allowance(live_server, world, settings):
    require_concurrent_database()
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    browser = Browser(live_server)
    browser.open_form(FORM_URL)
    senders = {"203.0.113.7": "Dr Claire Vandamme", "198.51.100.9": "Dr Paul Lemaire"}
    each = settings.REFERRAL_RATE_LIMIT + 2
    posts = [(address, name) for address, name in senders.items() for _ in range(each)]

    replies = post_together(
        browser,
        FORM_URL,
        [referral_data(world.lille.commune, referrer_name=name) for _, name in posts],
        headers=[{"X-Forwarded-For": address} for address, _ in posts],
    )

    receipts, refused = outcomes(replies)
    assert (len(receipts), len(refused)) == (
        2 * settings.REFERRAL_RATE_LIMIT,
        2 * (each - settings.REFERRAL_RATE_LIMIT),
    )
    for name in senders.values():
        assert Referral.objects.filter(referrer_name=name).count() == settings.REFERRAL_RATE_LIMIT
