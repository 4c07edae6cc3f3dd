"""« Mes accompagnements » and « À relancer »: what a mediator opens every morning."""

import datetime

import pytest
from django.urls import reverse

from accompaniments.enums import RequestStatus
from tests.accompaniments.factories import SheetFactory, SheetRequestFactory
from tests.accompaniments.sheet_fixtures import Team, days_ago, today

pytestmark = pytest.mark.django_db

HOME = reverse("accompaniments:home")
FOLLOW_UPS = reverse("accompaniments:follow_ups")


@pytest.fixture
def team(client):
    team = Team()
    client.force_login(team.mediator)
    return team


def sheet_for(team, last_name, *, opened, requests=()):
    """A sheet of a new person; `requests` are SheetRequestFactory keyword sets."""
    person = team.new_person(last_name=last_name, first_name="Test")
    sheet = SheetFactory(beneficiary=person, post=team.post, opened_on=opened)
    for fields in requests:
        SheetRequestFactory(sheet=sheet, **fields)
    return sheet


@pytest.fixture
def caseload(team):
    """Four sheets, named after what makes them stand out."""
    return {
        "overdue": sheet_for(team, "Retard", opened=days_ago(40), requests=[{"follow_up_on": days_ago(5)}]),
        "soon": sheet_for(
            team,
            "Bientot",
            opened=days_ago(20),
            requests=[{"follow_up_on": today() + datetime.timedelta(days=3), "care": True}],
        ),
        "done": sheet_for(team, "Close", opened=days_ago(10), requests=[{"resolved": True}]),
        "recent": sheet_for(team, "Recente", opened=days_ago(1), requests=[{}]),
    }


def names(response):
    return [sheet.beneficiary.last_name for sheet in response.context["page"]]


def test_sheets_come_by_next_follow_up_then_newest(client, caseload):
    response = client.get(HOME)
    assert response.status_code == 200
    assert names(response) == ["Retard", "Bientot", "Recente", "Close"]
    content = response.content.decode()
    assert "1 en cours" in content and "1 résolue" in content
    assert "1 demande à relancer" in content  # the box linking to « À relancer »
    assert FOLLOW_UPS in content


def test_the_home_keeps_the_posts_box(client, team, caseload):
    content = client.get(HOME).content.decode()
    assert team.post.code in content
    assert "Nouvelle fiche" in content and "Nouvelle personne" in content


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"statut": RequestStatus.RESOLVED}, ["Close"]),
        ({"statut": RequestStatus.IN_PROGRESS}, ["Retard", "Bientot", "Recente"]),
        ({"domaine": "care"}, ["Bientot"]),
        ({"a_relancer": "on"}, ["Retard"]),
        ({"du": days_ago(15).isoformat()}, ["Recente", "Close"]),
        ({"du": days_ago(30).isoformat(), "au": days_ago(5).isoformat()}, ["Bientot", "Close"]),
    ],
)
def test_filters(client, caseload, query, expected):
    response = client.get(HOME, query)
    assert names(response) == expected


@pytest.mark.parametrize(
    "query",
    [
        {"statut": "whatever"},
        {"du": "not-a-date"},
        {"au": "2024-02-31"},
        {"du": "2025-01-10", "au": "2024-01-01"},
        {"page": "abc"},
        {"page": "99999"},
        {"domaine": "x" * 5000},
    ],
)
def test_wrong_filters_are_reported_and_ignored(client, caseload, query):
    response = client.get(HOME, query)
    assert response.status_code == 200
    assert names(response)  # the list is still shown


def test_a_wrong_filter_leaves_the_others_applied(client, caseload):
    response = client.get(HOME, {"statut": RequestStatus.RESOLVED, "du": "pas une date"})
    assert names(response) == ["Close"]
    assert "Saisissez une date valide." in response.content.decode()


def test_search_by_name_is_posted_never_in_the_url(client, caseload):
    response = client.post(f"{HOME}?statut={RequestStatus.IN_PROGRESS}", {"nom": "réTard"}, follow=True)
    assert response.status_code == 200
    assert names(response) == ["Retard"]
    assert "retard" not in response.wsgi_request.get_full_path().lower()
    assert f"statut={RequestStatus.IN_PROGRESS}" in response.wsgi_request.get_full_path()
    content = response.content.decode()
    assert 'method="get"' in content and 'name="nom"' in content
    assert names(client.post(HOME, {"nom": "close"}, follow=True)) == ["Close"]
    assert names(client.post(f"{HOME}?statut=resolved", {"nom": "retard"}, follow=True)) == []


def test_back_after_a_name_search_asks_a_get_again(client, caseload):
    response = client.post(HOME, {"nom": "retard"})
    assert response.status_code == 302
    assert "retard" not in response.url.lower()
    assert names(client.get(response.url)) == ["Retard"]  # what Back or reload asks


def test_an_expired_name_search_shows_the_caseload_with_a_message(client, caseload):
    response = client.get(HOME, {"recherche": "expiree", "statut": "resolved"}, follow=True)
    assert response.redirect_chain[-1][0] == f"{HOME}?statut=resolved"
    assert "Cette recherche a expiré" in response.content.decode()
    assert names(response) == ["Close"]


def test_a_manager_sees_the_whole_structure(client, team, caseload):
    colleague = team.colleague()
    other = SheetFactory(
        beneficiary=team.new_person(last_name="Collegue"), mediator=colleague, post=team.post, opened_on=days_ago(3)
    )
    assert "Collegue" not in names(client.get(HOME))
    client.force_login(team.manager())
    response = client.get(HOME)
    assert "Collegue" in names(response)
    assert other.mediator.get_full_name() in response.content.decode()


def test_the_list_is_paginated(client, team):
    for n in range(52):
        sheet_for(team, f"Personne{n:02d}", opened=days_ago(n % 30))
    first = client.get(HOME)
    assert len(names(first)) == 50
    assert len(names(client.get(HOME, {"page": 2}))) == 2


# ---------------------------------------------------------------- À relancer


def test_follow_ups_list_only_my_overdue_open_requests_oldest_first(client, team):
    older = sheet_for(team, "Ancienne", opened=days_ago(60), requests=[{"follow_up_on": days_ago(20)}])
    sheet_for(team, "Aujourdhui", opened=days_ago(30), requests=[{"follow_up_on": today()}])
    sheet_for(team, "Demain", opened=days_ago(30), requests=[{"follow_up_on": today() + datetime.timedelta(days=1)}])
    sheet_for(team, "Close", opened=days_ago(30), requests=[{"resolved": True, "follow_up_on": None}])
    sheet_for(team, "Sansdate", opened=days_ago(30), requests=[{}])
    colleague = team.colleague()
    SheetRequestFactory(
        sheet=SheetFactory(beneficiary=team.new_person(last_name="Collegue"), mediator=colleague, post=team.post),
        follow_up_on=days_ago(3),
    )

    response = client.get(FOLLOW_UPS)
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [row["request"].sheet.beneficiary.last_name for row in rows] == ["Ancienne", "Aujourdhui"]
    assert [row["days_late"] for row in rows] == [20, 0]
    content = response.content.decode()
    assert "20 jours de retard" in content and "Aujourd'hui" in content
    assert reverse("accompaniments:sheet_detail", args=[older.pk]) in content
    assert reverse("accompaniments:request_close", args=[older.requests.get().pk]) in content
    assert f'name="next" value="{FOLLOW_UPS}"' in content


def test_closing_from_follow_ups_comes_back_to_the_list(client, team):
    sheet = sheet_for(team, "Ancienne", opened=days_ago(60), requests=[{"follow_up_on": days_ago(20)}])
    request_ = sheet.requests.get()
    response = client.post(
        reverse("accompaniments:request_close", args=[request_.pk]),
        {"status": RequestStatus.RESOLVED, "closed_on": today().isoformat(), "next": FOLLOW_UPS},
    )
    assert response.url == FOLLOW_UPS
    page = client.get(FOLLOW_UPS)
    assert page.context["rows"] == []
    assert "Aucune relance due" in page.content.decode()
