"""A coordinator's first steps on an empty region: each step's state comes from real data, in
the same few queries whatever the region holds, and the checklist goes once all are done."""

import datetime

import pytest
from django.utils import timezone

from mediation.enums import Role
from mediation.models import Invitation
from reporting import first_steps
from tests.factories import PostHoldingFactory, StructureFactory, UserFactory, department, hauts_de_france, make_user
from tests.reporting.campaign_factories import AnnualBilanFactory, CampaignFactory, mediator_on, post_in, sheet_for

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 3, 10)
CAMPAIGN_YEAR = 2025
TITLES = ["Structures employeuses", "Registre des postes", "Titulaires invité·es", "Historique importé"]
# Queries of the checklist for a coordinator, and for an administrator (who also has the
# coordinators' step); the membership is read once per request beforehand.
COORDINATOR_QUERIES = 6
ADMIN_QUERIES = 8


@pytest.fixture
def coordinator():
    user = make_user(Role.COORDINATOR, region=hauts_de_france())
    first_steps.perms.membership_of(user)  # as the request's middleware already did
    return user


def states(user):
    return {step.title: step.done for step in first_steps.for_user(user, today=TODAY).steps}


def step(user, title):
    (found,) = [s for s in first_steps.for_user(user, today=TODAY).steps if s.title == title]
    return found


def invite(email, **fields):
    return Invitation.objects.create(
        email=email,
        role=Role.MEDIATOR,
        token_digest=email,
        expires_at=timezone.now() + datetime.timedelta(days=7),
        **fields,
    )


def test_an_empty_region_shows_every_step_to_do_with_its_link(coordinator):
    checklist = first_steps.for_user(coordinator, today=TODAY)
    assert [s.title for s in checklist.steps] == [*TITLES, "Campagne 2025"]
    assert not any(s.done for s in checklist.steps) and checklist.done_count == 0
    assert [s.url for s in checklist.steps] == [
        "/imports/structures/",
        "/imports/postes/",
        "/invitations/",
        "/imports/",
        "/campagnes/ouvrir/",
    ]
    assert step(coordinator, "Structures employeuses").description == "0 structure dans votre périmètre."
    assert step(coordinator, "Registre des postes").description == "0 poste ouvert en 2026."


def test_structures_and_posts_of_the_scope_only(coordinator):
    outside = make_user(Role.COORDINATOR, departments=[department("59")])
    StructureFactory(commune__department=department("80"))
    assert states(coordinator)["Structures employeuses"]
    assert not states(outside)["Structures employeuses"]

    post_in("80", start_date=datetime.date(2026, 2, 1))
    assert states(coordinator)["Registre des postes"]
    assert step(coordinator, "Registre des postes").description == "1 poste ouvert en 2026."
    assert not states(outside)["Registre des postes"]


def test_a_post_closed_before_the_year_does_not_count_for_the_register(coordinator):
    post_in("59", start_date=datetime.date(2020, 1, 1), end_date=datetime.date(2025, 12, 31))
    assert not states(coordinator)["Registre des postes"]


def test_holders_are_invited_once_each_has_an_active_account_or_a_pending_invitation(coordinator):
    imported = mediator_on(post_in("59"), is_active=False)
    imported.set_unusable_password()
    imported.save()
    mediator_on(post_in("62"))
    assert not states(coordinator)["Titulaires invité·es"]
    assert step(coordinator, "Titulaires invité·es").description == (
        "1 titulaire sur 2 a un compte actif ou une invitation en attente."
    )

    invitation = invite(imported.email.upper())
    assert states(coordinator)["Titulaires invité·es"]
    assert step(coordinator, "Titulaires invité·es").description.startswith("2 titulaires sur 2 ont")

    invitation.expires_at = timezone.now()
    invitation.save()
    assert not states(coordinator)["Titulaires invité·es"]


def test_a_vacant_post_is_said_but_does_not_keep_the_step_open(coordinator):
    assert step(coordinator, "Titulaires invité·es").description == "Aucun poste ouvert aujourd'hui."
    vacant = post_in("59")
    assert not states(coordinator)["Titulaires invité·es"]
    assert step(coordinator, "Titulaires invité·es").description == "Aucun titulaire : 1 poste vacant."
    invite("future@exemple.fr", post=vacant, structure=vacant.structure)
    assert states(coordinator)["Titulaires invité·es"]
    assert step(coordinator, "Titulaires invité·es").description == (
        "Aucun titulaire : 1 poste vacant, dont 1 avec une invitation en attente."
    )

    mediator_on(post_in("59"))
    assert states(coordinator)["Titulaires invité·es"]
    assert "1 poste vacant aujourd'hui." in step(coordinator, "Titulaires invité·es").description


def test_a_holder_whose_holding_ended_is_not_counted(coordinator):
    post = post_in("59")
    mediator_on(post, end=datetime.date(2025, 6, 30), is_active=False)
    PostHoldingFactory(post=post, mediator=UserFactory(), start_date=datetime.date(2025, 7, 1))
    assert states(coordinator)["Titulaires invité·es"]


@pytest.mark.parametrize("when", ["sheet_last_year", "imported_bilan"])
def test_history_is_imported_with_a_sheet_before_the_year_or_an_imported_bilan(coordinator, when):
    post = post_in("59")
    mediator = mediator_on(post)
    sheet_for(mediator, post, opened_on=datetime.date(2026, 1, 5))
    assert not states(coordinator)["Historique importé"]

    if when == "sheet_last_year":
        sheet_for(mediator, post, opened_on=datetime.date(2025, 12, 31))
        expected = "1 fiche d'avant 2026, 0 bilan annuel historique."
    else:
        campaign = CampaignFactory(year=2024, imported=True, deadline=None)
        AnnualBilanFactory(campaign=campaign, post=post, mediator=None)
        expected = "0 fiche d'avant 2026, 1 bilan annuel historique."
    assert states(coordinator)["Historique importé"]
    assert step(coordinator, "Historique importé").description == expected


def test_history_outside_the_scope_does_not_count():
    coordinator = make_user(Role.COORDINATOR, departments=[department("59")])
    post = post_in("80")
    sheet_for(mediator_on(post), post, opened_on=datetime.date(2024, 5, 1))
    assert not states(coordinator)["Historique importé"]


def test_the_campaign_of_the_year_just_ended_is_opened(coordinator):
    CampaignFactory(year=2024)
    CampaignFactory(year=CAMPAIGN_YEAR, imported=True, deadline=None, departments=[department("62")])
    assert not states(coordinator)["Campagne 2025"]

    CampaignFactory(year=CAMPAIGN_YEAR, departments=[department("59")])
    assert states(coordinator)["Campagne 2025"]
    assert step(coordinator, "Campagne 2025").description == "Campagne 2025 ouverte."


def fill_region():
    """Every step done, with more than one of everything."""
    posts = [post_in(code) for code in ("59", "59", "62", "80")]
    for post in posts:
        mediator = mediator_on(post)
        sheet_for(mediator, post, opened_on=datetime.date(2025, 4, 1))
    history = CampaignFactory(year=2024, imported=True, deadline=None)
    AnnualBilanFactory(campaign=history, post=posts[0], mediator=None)
    CampaignFactory(year=CAMPAIGN_YEAR, region=hauts_de_france(), departments=[])
    make_user(Role.COORDINATOR, departments=[department("02")])


def test_everything_done_and_the_checklist_goes_in_the_same_queries(coordinator, django_assert_num_queries):
    with django_assert_num_queries(COORDINATOR_QUERIES):
        empty = first_steps.for_user(coordinator, today=TODAY)
    assert not empty.all_done

    fill_region()
    with django_assert_num_queries(COORDINATOR_QUERIES):
        full = first_steps.for_user(coordinator, today=TODAY)
    assert full.all_done and full.done_count == len(full.steps) == 5


def test_an_administrator_first_invites_coordinators(django_assert_num_queries):
    admin = make_user(Role.ADMIN)
    first_steps.perms.membership_of(admin)
    with django_assert_num_queries(ADMIN_QUERIES):
        checklist = first_steps.for_user(admin, today=TODAY)
    first = checklist.steps[0]
    assert (first.number, first.title, first.done) == (1, "Coordinateur·rices invité·es", False)
    assert first.url == "/invitations/nouvelle/"

    Invitation.objects.create(
        email="coord@exemple.fr",
        role=Role.COORDINATOR,
        region=hauts_de_france(),
        token_digest="x",
        expires_at=timezone.now() + datetime.timedelta(days=7),
    )
    assert states(admin)["Coordinateur·rices invité·es"]
    fill_region()
    with django_assert_num_queries(ADMIN_QUERIES):
        assert first_steps.for_user(admin, today=TODAY).all_done


# ---------------------------------------------------------------- on the home page


def test_the_coordinators_home_shows_the_steps_until_all_are_done(client, login_as):
    login_as(Role.COORDINATOR, region=hauts_de_france())
    home = client.get("/", follow=True)
    assert home.redirect_chain[-1][0] == "/postes/"
    content = home.content.decode()
    assert "Premiers pas" in content and "0 étape sur 5 faite." in content
    for title in TITLES:
        assert title in content
    assert 'href="/imports/structures/"' in content and 'href="/campagnes/ouvrir/"' in content
    assert content.count("À faire") == 5

    today = timezone.localdate()
    posts = [post_in(code, start_date=datetime.date(today.year, 1, 1)) for code in ("59", "62")]
    for post in posts:
        sheet_for(mediator_on(post), post, opened_on=datetime.date(today.year - 1, 6, 1))
    content = client.get("/postes/").content.decode()
    assert "4 étapes sur 5 faites." in content and content.count("À faire") == 1

    CampaignFactory(year=first_steps.campaign_year(today), region=hauts_de_france(), departments=[])
    content = client.get("/postes/").content.decode()
    assert "Premiers pas" not in content and "Registre des postes" in content


def test_the_administrators_home_shows_her_steps_too(client, login_as):
    login_as(Role.ADMIN)
    content = client.get("/postes/").content.decode()
    assert "Premiers pas" in content and "Coordinateur·rices invité·es" in content
    assert 'href="/invitations/nouvelle/"' in content
