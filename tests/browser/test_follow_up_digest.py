"""A mediator finds « Récapitulatif par courriel » in her menu and chooses the Monday digest;
on « À relancer » she downloads the week's follow-ups as a workbook."""

import datetime

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from partners.enums import DigestFrequency
from partners.models import DigestSubscription
from tests.accompaniments.factories import BeneficiaryFactory, SheetFactory, SheetRequestFactory
from tests.factories import make_mediator

from .test_partners import log_in, tick

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SHOTS = "/tmp/h3-{}.png"  # noqa: S108  (looked at by hand, never read back)


def test_the_mediator_chooses_her_digest_and_downloads_her_week(new_page, tmp_path):
    mediator = make_mediator(first_name="Awa", last_name="Diallo")
    post = mediator.post_holdings.get().post
    today = timezone.localdate()
    for days, name in ((4, "Martin"), (0, "Nguyen")):
        person = BeneficiaryFactory(structure=post.structure, referent=mediator, last_name=name, phone="03 20 00 00 00")
        sheet = SheetFactory(beneficiary=person, post=post, mediator=mediator)
        SheetRequestFactory(sheet=sheet, follow_up_on=today - datetime.timedelta(days=days))

    page = new_page()
    log_in(page, mediator.email)
    page.get_by_role("button", name="Mon activité").click()
    page.get_by_role("link", name="Récapitulatif par courriel").click()
    expect(page.get_by_role("heading", name="Récapitulatif par courriel")).to_be_visible()
    expect(page.get_by_role("radio", name="Jamais")).to_be_checked()
    tick(page, "Chaque lundi", role="radio")
    page.screenshot(path=SHOTS.format("notifications"), full_page=True)
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("vous recevrez un récapitulatif chaque lundi")).to_be_visible()
    expect(page.get_by_role("radio", name="Chaque lundi")).to_be_checked()
    page.screenshot(path=SHOTS.format("notifications-saved"), full_page=True)
    assert DigestSubscription.objects.get(user=mediator).frequency == DigestFrequency.WEEKLY

    page.goto(reverse("accompaniments:follow_ups"))
    expect(page.get_by_text("retards compris")).to_be_visible()
    page.screenshot(path=SHOTS.format("follow-ups"), full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="Excel (.xlsx)").click()
    assert download.value.suggested_filename.startswith("a-relancer-semaine-du-")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    rows = list(openpyxl.load_workbook(saved).active.iter_rows(values_only=True))
    assert [row[0] for row in rows[1:]] == ["Martin", "Nguyen"]
