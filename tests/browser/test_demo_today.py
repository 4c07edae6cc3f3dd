"""The demo on today's date, as its users see it: the mediator's home and follow-ups, the
coordinator's campaign and dashboard; no absurd lateness, a current year that is not empty."""

import io
import re

import pytest
from django.core.management import call_command
from django.utils import timezone

from mediation import demo_data
from reporting.models import Campaign
from tests.browser.test_accessibility import ROLE_ACCOUNTS, logged_in_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

LATE = re.compile(r"(\d[\d\u202f\u00a0 ]*)\s*jours? de retard")


def days_late_shown(page):
    return [int(re.sub(r"\D", "", n)) for n in LATE.findall(page.inner_text("body"))]


def test_the_demo_on_todays_date(new_page, live_server, monkeypatch, tmp_path):
    monkeypatch.setattr(demo_data, "DEMO_SHEETS", 150)
    monkeypatch.setattr(demo_data, "DEMO_SHEETS_BEFORE", 100)
    call_command("seed_demo", stdout=io.StringIO(), stderr=io.StringIO())
    this_year = timezone.localdate().year

    mediator = logged_in_page(new_page, live_server, ROLE_ACCOUNTS["médiatrice"])
    mediator.goto("/")
    mediator.screenshot(path=tmp_path / "mediator-home.png", full_page=True)
    assert all(n < 60 for n in days_late_shown(mediator))
    mediator.goto("/accompagnements/a-relancer/")
    mediator.screenshot(path=tmp_path / "mediator-follow-ups.png", full_page=True)
    assert all(n < 60 for n in days_late_shown(mediator)), days_late_shown(mediator)

    coordinator = logged_in_page(new_page, live_server, "coordination@demo.fr")
    campaign = Campaign.objects.get(year=this_year - 1, imported=False)
    coordinator.goto(f"/campagnes/{campaign.pk}/")
    coordinator.screenshot(path=tmp_path / "coordinator-campaign.png", full_page=True)
    assert all(n < 60 for n in days_late_shown(coordinator))
    coordinator.goto("/bilans/")
    coordinator.screenshot(path=tmp_path / "coordinator-dashboard.png", full_page=True)
    coordinator.goto(f"/bilans/?annee={this_year}")
    coordinator.screenshot(path=tmp_path / "coordinator-dashboard-this-year.png", full_page=True)
