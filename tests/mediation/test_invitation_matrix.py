"""Who may invite whom, declared once: each inviting role × each role and scope invited. Then
the first administrator's own path: she invites coordinators for the region or for chosen
departments from the web pages, and each lands with exactly that scope."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from mediation.enums import Role
from mediation.models import Department, Invitation, Membership, Region, User
from tests.factories import StructureFactory, department, hauts_de_france

pytestmark = pytest.mark.django_db

PASSWORD = "un-mot-de-passe-solide-42"

# The inviters: a role and its scope.
INVITERS = {
    "admin": (Role.ADMIN, {}),
    "coordinator_region": (Role.COORDINATOR, {"region": "32"}),
    "coordinator_nord": (Role.COORDINATOR, {"departments": ["59"]}),
    "reader_region": (Role.READER, {"region": "32"}),
    "structure_manager": (Role.STRUCTURE_MANAGER, {}),
    "mediator": (Role.MEDIATOR, {}),
}
# The invitations asked for: a role and its scope.
TARGETS = {
    "coordinator_region": {"role": Role.COORDINATOR, "region": "32"},
    "coordinator_other_region": {"role": Role.COORDINATOR, "region": "11"},
    "coordinator_nord_pas_de_calais": {"role": Role.COORDINATOR, "departments": ["59", "62"]},
    "coordinator_somme": {"role": Role.COORDINATOR, "departments": ["80"]},
    "reader_nord": {"role": Role.READER, "departments": ["59"]},
    "admin": {"role": Role.ADMIN},
    "mediator_nord": {"role": Role.MEDIATOR, "structure": "59"},
    "mediator_somme": {"role": Role.MEDIATOR, "structure": "80"},
}
ALL = set(TARGETS)
# Who may invite whom: anything else is refused (the form says why, or the page is a 403).
MAY_INVITE = {
    "admin": ALL,
    "coordinator_region": ALL - {"coordinator_other_region", "admin"},
    "coordinator_nord": {"reader_nord", "mediator_nord"},
    "reader_region": set(),
    "structure_manager": set(),
    "mediator": set(),
}
CANNOT_REACH_THE_FORM = {"reader_region", "structure_manager", "mediator"}


@pytest.fixture
def other_region():
    return Region.objects.get_or_create(code="11", defaults={"name": "Île-de-France"})[0]


def scope_of(spec):
    scope = {}
    if "region" in spec:
        scope["region"] = Region.objects.get(code=spec["region"])
    if "departments" in spec:
        scope["departments"] = [department(code) for code in spec["departments"]]
    return scope


def form_data(target):
    data = {"email": "invitee@exemple.fr", "first_name": "Inès", "last_name": "Roy", "role": target["role"]}
    if "region" in target:
        data["region"] = Region.objects.get(code=target["region"]).pk
    if "departments" in target:
        data["departments"] = [department(code).pk for code in target["departments"]]
    if "structure" in target:
        structure = StructureFactory(commune__department=department(target["structure"]))
        data["structure"] = structure.pk
    return data


@pytest.mark.parametrize("target", sorted(TARGETS))
@pytest.mark.parametrize("inviter", sorted(INVITERS))
def test_who_may_invite_whom(client, login_as, other_region, inviter, target):
    role, spec = INVITERS[inviter]
    login_as(role, **scope_of(spec))
    response = client.post(reverse("mediation:invitation_create"), form_data(TARGETS[target]))

    if target in MAY_INVITE[inviter]:
        assert response.status_code == 302, response.content.decode()
        invitation = Invitation.objects.get()
        assert invitation.role == TARGETS[target]["role"]
    else:
        expected = 403 if inviter in CANNOT_REACH_THE_FORM else 200
        assert response.status_code == expected
        assert not Invitation.objects.exists()


def link_from_outbox():
    (message,) = mail.outbox
    return re.search(r"http://testserver(/invitation/[^/\s]+/)", message.body).group(1)


def accept(client, link):
    return client.post(link, {"first_name": "Inès", "last_name": "Roy", "password1": PASSWORD, "password2": PASSWORD})


def test_the_administrators_form_offers_coordinators_for_the_region_or_departments(client, login_as):
    login_as(Role.ADMIN)
    form = client.get(reverse("mediation:invitation_create")).context["form"]
    assert (Role.COORDINATOR.value, Role.COORDINATOR.label) in form.fields["role"].choices
    assert hauts_de_france() in form.fields["region"].queryset
    assert set(form.fields["departments"].queryset) >= set(Department.objects.filter(region=hauts_de_france()))


@pytest.mark.parametrize(
    ("scope", "expected_codes"),
    [({"region": "32"}, {"02", "59", "60", "62", "80"}), ({"departments": ["62", "80"]}, {"62", "80"})],
    ids=["region", "departments"],
)
def test_a_coordinator_invited_by_the_administrator_lands_with_that_scope(
    client, login_as, django_capture_on_commit_callbacks, scope, expected_codes
):
    login_as(Role.ADMIN)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("mediation:invitation_create"), form_data({"role": Role.COORDINATOR, **scope}))
    assert response.status_code == 302
    link = link_from_outbox()
    client.logout()

    assert accept(client, link).status_code == 302
    coordinator = User.objects.get(email="invitee@exemple.fr")
    membership = Membership.objects.get(user=coordinator)
    assert membership.role == Role.COORDINATOR and not coordinator.is_staff
    assert set(Department.objects.for_user(coordinator).values_list("code", flat=True)) == expected_codes
    # A coordinator works with a second factor, as the administrator does.
    assert client.get(reverse("home"))["Location"] == reverse("mfa_activate_totp")
