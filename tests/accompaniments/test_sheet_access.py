"""Who reaches a sheet: its structure's staff only. Others get a 404 (the record does not exist
for them) or, for roles that never see a person, a 403; no list ever shows them a sheet."""

import pytest
from django.urls import reverse

from accompaniments.enums import RequestStatus
from accompaniments.models import Contact, Sheet
from mediation.enums import Role
from tests.accompaniments.factories import SheetFactory, SheetRequestFactory
from tests.accompaniments.sheet_fixtures import Team, days_ago, request_row, sheet_data, today, update_data
from tests.conftest import enable_totp
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def target():
    """A sheet of structure A, with an open request due for follow-up."""
    team = Team()
    team.person.last_name = "Zanzibar"
    team.person.save()
    sheet = SheetFactory(beneficiary=team.person, post=team.post, opened_on=days_ago(10))
    SheetRequestFactory(sheet=sheet, follow_up_on=days_ago(1))
    team.sheet = sheet
    return team


def calls(team):
    """Every way to reach the sheet: (label, method, url, data)."""
    sheet, request_ = team.sheet, team.sheet.requests.get()
    create = reverse("accompaniments:sheet_create") + f"?beneficiary={team.person.pk}"
    return [
        ("detail", "get", reverse("accompaniments:sheet_detail", args=[sheet.pk]), None),
        ("update-get", "get", reverse("accompaniments:sheet_update", args=[sheet.pk]), None),
        ("update-post", "post", reverse("accompaniments:sheet_update", args=[sheet.pk]), update_data(team, sheet)),
        (
            "close",
            "post",
            reverse("accompaniments:request_close", args=[request_.pk]),
            {"status": RequestStatus.RESOLVED, "closed_on": today().isoformat()},
        ),
        (
            "contact",
            "post",
            reverse("accompaniments:contact_add", args=[sheet.pk]),
            {"contact-date": today().isoformat()},
        ),
        ("create-get", "get", create, None),
        ("create-post", "post", create, sheet_data(team, requests=[request_row()])),
    ]


def outsider(kind):
    """Someone of another structure, or with a role above the structures."""
    if kind == "mediator":
        return Team().mediator
    if kind == "manager":
        return make_user(Role.STRUCTURE_MANAGER)
    user = make_user(Role(kind))
    enable_totp(user)
    return user


def assert_nothing_changed(team):
    team.sheet.refresh_from_db()
    assert team.sheet.version == 1
    assert team.sheet.requests.get().status == RequestStatus.IN_PROGRESS
    assert not Contact.objects.exists()
    assert Sheet.objects.count() == 1


@pytest.mark.parametrize(("kind", "status"), [("mediator", 404), ("manager", 404)])
def test_staff_of_another_structure_get_404_everywhere(client, target, kind, status):
    client.force_login(outsider(kind))
    for label, method, url, data in calls(target):
        response = getattr(client, method)(url, data) if data else getattr(client, method)(url)
        assert response.status_code == status, label
    assert_nothing_changed(target)


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.READER, Role.ADMIN])
def test_roles_above_the_structures_are_refused(client, target, role):
    client.force_login(outsider(role))
    for label, method, url, data in calls(target):
        response = getattr(client, method)(url, data) if data else getattr(client, method)(url)
        assert response.status_code == 403, label
    for name in ("home", "follow_ups", "request_form_row"):
        assert client.get(reverse(f"accompaniments:{name}")).status_code == 403
    assert_nothing_changed(target)


def test_anonymous_visitors_are_sent_to_login(client, target):
    for label, method, url, data in calls(target):
        response = getattr(client, method)(url, data) if data else getattr(client, method)(url)
        assert response.status_code == 302, label
        assert response.url.startswith(reverse("account_login"))
    assert_nothing_changed(target)


@pytest.mark.parametrize("kind", ["mediator", "manager"])
def test_lists_of_another_structure_never_show_the_sheet(client, target, kind):
    client.force_login(outsider(kind))
    home = client.get(reverse("accompaniments:home"))
    searched = client.post(reverse("accompaniments:home"), {"nom": "Zanzibar"}, follow=True)
    follow_ups = client.get(reverse("accompaniments:follow_ups"))
    for response in (home, searched, follow_ups):
        assert response.status_code == 200
        assert "Zanzibar".upper() not in response.content.decode()
    assert home.context["page"].paginator.count == 0
    assert follow_ups.context["page"].paginator.count == 0


def test_the_structure_sees_the_sheet_and_a_mediator_lists_only_her_own(client, target):
    colleague = target.colleague()
    client.force_login(colleague)
    assert client.get(reverse("accompaniments:sheet_detail", args=[target.sheet.pk])).status_code == 200
    assert client.get(reverse("accompaniments:home")).context["page"].paginator.count == 0
    assert client.get(reverse("accompaniments:follow_ups")).context["page"].paginator.count == 0

    client.force_login(target.manager())
    assert client.get(reverse("accompaniments:sheet_detail", args=[target.sheet.pk])).status_code == 200
    assert "ZANZIBAR" in client.get(reverse("accompaniments:home")).content.decode()
    assert "ZANZIBAR" in client.get(reverse("accompaniments:follow_ups")).content.decode()
