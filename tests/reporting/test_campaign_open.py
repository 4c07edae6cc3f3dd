"""Opening a campaign: who gets a bilan, on which post, whether it is usable by default, and
the one-campaign-per-year-per-department rule."""

import datetime

import pytest
from django.urls import reverse

from mediation.enums import PostType, Role, Vocabulary
from partners.enums import PartnerType
from reporting import campaigns
from reporting.campaigns import CampaignError, days_in_year, open_campaign
from reporting.enums import USABLE_MIN_DAYS, BilanState, FigureKey
from reporting.models import AnnualBilan, Campaign
from tests.factories import PostHoldingFactory, department, hauts_de_france, make_user

from .campaign_factories import YEAR, D, action, mediator_on, partner, partnership, post_in, sheet_for, vocabulary_item

pytestmark = pytest.mark.django_db

DEADLINE = datetime.date(2100, 2, 28)


def open_nord(by=None, year=YEAR):
    by = by or make_user(Role.COORDINATOR)
    return open_campaign(by=by, year=year, deadline=DEADLINE, departments=[department("59")])


def test_days_in_year_count_each_day_covered_once():
    first, last = D(YEAR, 1, 1), D(YEAR, 12, 31)
    assert days_in_year([(D(YEAR - 1, 5, 1), None)], first, last) == 366  # 2024 is a leap year
    assert days_in_year([(D(YEAR, 1, 1), D(YEAR, 1, 31)), (D(YEAR, 1, 15), D(YEAR, 2, 10))], first, last) == 41
    assert days_in_year([(D(YEAR, 1, 1), D(YEAR, 1, 10)), (D(YEAR, 1, 11), D(YEAR, 1, 20))], first, last) == 20
    assert days_in_year([(D(YEAR + 1, 1, 1), None)], first, last) == 0


def test_opening_creates_one_prefilled_bilan_per_mediator_who_held_a_post_in_scope():
    post = post_in("59")
    sophie = mediator_on(post)
    sheet_for(sophie, post)
    julien = mediator_on(post_in("59", post_type=PostType.RURAL))
    mediator_on(post_in("80"))  # another department
    mediator_on(post_in("59"), start=D(YEAR + 1, 1, 5))  # started after the year
    mediator_on(post_in("59"), start=D(YEAR - 3, 1, 1), end=D(YEAR - 1, 12, 31))  # left before the year
    mediator_on(post_in("59"), is_active=False)  # closed account

    campaign = open_nord()

    bilans = {b.mediator: b for b in campaign.bilans.all()}
    assert set(bilans) == {sophie, julien}
    assert bilans[sophie].state == BilanState.NOT_STARTED
    assert bilans[sophie].post == post
    assert bilans[sophie].department == department("59")
    assert bilans[julien].post_type == PostType.RURAL
    assert bilans[sophie].figures.get(key=FigureKey.PEOPLE_TOTAL).computed == 1
    assert bilans[sophie].figures.count() == len(FigureKey.values)


def test_the_bilan_is_on_the_post_held_longest_and_in_that_posts_campaign():
    nord, somme = post_in("59"), post_in("80")
    mover = mediator_on(nord, start=D(YEAR - 1, 1, 1), end=D(YEAR, 3, 31))
    PostHoldingFactory(post=somme, mediator=mover, start_date=D(YEAR, 4, 1))

    assert not open_nord().bilans.filter(mediator=mover).exists()
    somme_campaign = open_campaign(
        by=make_user(Role.COORDINATOR, departments=[department("80")]),
        year=YEAR,
        deadline=DEADLINE,
        departments=[department("80")],
    )
    bilan = somme_campaign.bilans.get(mediator=mover)
    assert bilan.post == somme
    assert bilan.days_held == 366  # a whole year on a post, across two posts


@pytest.mark.parametrize(("start", "usable"), [(D(YEAR, 7, 2), True), (D(YEAR, 7, 3), False)])
def test_a_bilan_is_usable_by_default_when_a_post_was_held_six_months(start, usable):
    mediator = mediator_on(post_in("59"), start=start)
    bilan = open_nord().bilans.get(mediator=mediator)
    assert bilan.days_held == (D(YEAR, 12, 31) - start).days + 1
    assert (bilan.days_held >= USABLE_MIN_DAYS) is usable
    assert bilan.usable is usable
    assert str(bilan.days_held) in bilan.usable_reason
    assert bilan.usable_set_by is None


def test_answers_suggested_by_the_records_are_preselected():
    post = post_in("59")
    mediator = mediator_on(post)
    nutrition = vocabulary_item(Vocabulary.PREVENTION_THEME, "nutrition")
    action(mediator, post, themes=[nutrition], partner_types=[PartnerType.CPAM])
    partnership(mediator, post, partner("health", PartnerType.CPAM))

    bilan = open_nord().bilans.get(mediator=mediator)
    assert list(bilan.themes.all()) == [nutrition]
    assert [i.code for i in bilan.coanimating_partner_types.all()] == ["cpam"]
    assert bilan.cpam_partnership is True
    assert bilan.identified_on_ground is None


def test_one_campaign_per_year_and_department():
    coordinator = make_user(Role.COORDINATOR, region=hauts_de_france())
    open_nord(coordinator)
    with pytest.raises(CampaignError, match="Nord"):
        open_campaign(by=coordinator, year=YEAR, deadline=DEADLINE, region=hauts_de_france())
    # Another year, or another department, is fine.
    open_nord(coordinator, year=YEAR - 1)
    open_campaign(by=coordinator, year=YEAR, deadline=DEADLINE, departments=[department("80")])
    assert Campaign.objects.count() == 3


def test_recompute_adds_the_bilans_of_new_holders_and_keeps_declared_values():
    post = post_in("59")
    mediator = mediator_on(post)
    campaign = open_nord()
    figure = campaign.bilans.get().figures.get(key=FigureKey.PEOPLE_TOTAL)
    figure.declared = 12
    figure.save()
    newcomer = mediator_on(post_in("59"), start=D(YEAR, 2, 1))
    sheet_for(mediator, post)

    assert campaigns.add_missing_bilans(campaign) == 1
    campaigns.recompute(list(campaign.bilans.all()))
    figure.refresh_from_db()
    assert (figure.computed, figure.declared) == (1, 12)
    assert campaign.bilans.filter(mediator=newcomer).exists()


# ---------------------------------------------------------------- the page


def test_a_coordinator_opens_a_campaign_on_her_departments(client, login_as):
    mediator = mediator_on(post_in("59"))
    login_as(Role.COORDINATOR, departments=[department("59")])
    response = client.post(
        reverse("campaigns:campaign_create"),
        {"year": YEAR, "departments": [department("59").pk], "deadline": "2100-02-28"},
    )
    campaign = Campaign.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("campaigns:campaign_detail", kwargs={"pk": campaign.pk})
    assert campaign.bilans.get().mediator == mediator
    assert list(campaign.departments.all()) == [department("59")]


def test_a_coordinator_cannot_open_a_campaign_beyond_her_departments(client, login_as):
    login_as(Role.COORDINATOR, departments=[department("59")])
    response = client.post(
        reverse("campaigns:campaign_create"),
        {"year": YEAR, "departments": [department("80").pk], "deadline": "2100-02-28"},
    )
    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in response.content.decode()
    assert not Campaign.objects.exists()


def test_a_departmental_coordinator_cannot_choose_the_whole_region(client, login_as):
    login_as(Role.COORDINATOR, departments=[department("59")])
    response = client.post(
        reverse("campaigns:campaign_create"),
        {"year": YEAR, "region": hauts_de_france().pk, "deadline": "2100-02-28"},
    )
    assert response.status_code == 200
    assert not Campaign.objects.exists()


NORD = "nord"  # stands for the Nord department's pk in the cases below


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"year": "deux mille", "deadline": "2100-02-28", "departments": NORD}, "Saisissez une année"),
        ({"year": "1990", "deadline": "2100-02-28", "departments": NORD}, "comprise entre"),
        ({"year": "99999999999999999999", "deadline": "2100-02-28", "departments": NORD}, "comprise entre"),
        ({"year": YEAR, "deadline": "2000-01-01", "departments": NORD}, "déjà passée"),
        ({"year": YEAR, "deadline": "31/31/2099", "departments": NORD}, "date valide"),
        ({"year": YEAR, "deadline": "2100-02-28", "departments": "999999"}, "Sélectionnez un choix valide"),
        ({"year": YEAR, "deadline": "2100-02-28", "departments": "abc"}, "n’est pas une valeur correcte"),
        ({"year": YEAR, "deadline": "2100-02-28"}, "soit toute la région"),
    ],
)
def test_the_campaign_form_explains_what_is_wrong(client, login_as, data, message):
    login_as(Role.COORDINATOR, departments=[department("59")])
    if data.get("departments") == NORD:
        data = {**data, "departments": department("59").pk}
    response = client.post(reverse("campaigns:campaign_create"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Campaign.objects.exists()


def test_an_overlapping_campaign_is_refused_with_a_clear_message(client, login_as):
    coordinator = login_as(Role.COORDINATOR, departments=[department("59")])
    open_nord(coordinator)
    response = client.post(
        reverse("campaigns:campaign_create"),
        {"year": YEAR, "departments": [department("59").pk], "deadline": "2100-02-28"},
    )
    assert "Une campagne 2024 couvre déjà : Nord" in response.content.decode()
    assert Campaign.objects.count() == 1
    assert AnnualBilan.objects.count() == 0
