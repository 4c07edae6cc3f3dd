"""Who reaches each page of the partners app: the role matrix declared once, the records of
another structure or department answering 404, and readers never reaching a person."""

import pytest
from django.urls import reverse

from tests.accompaniments.factories import BeneficiaryFactory, SheetFactory

from .factories import (
    CollectiveActionFactory,
    MediatorPartnerFactory,
    OrientationFactory,
    OutreachSessionFactory,
    PartnerFactory,
    ReferralFactory,
)

pytestmark = pytest.mark.django_db

M, SM, C, R, A = "mediator", "manager", "coordinator", "reader", "admin"
ROLES = (M, SM, C, R, A)


def records(world):
    """One record of each kind, belonging to the Lille team (Nord)."""
    lille = world.lille
    sheet = SheetFactory(
        beneficiary=BeneficiaryFactory(structure=lille.structure, referent=lille.mediator), post=lille.post
    )
    return {
        "partner": PartnerFactory(),
        "partnership": MediatorPartnerFactory(mediator=lille.mediator, post=lille.post),
        "sheet": sheet,
        "orientation": OrientationFactory(sheet=sheet),
        "referral": ReferralFactory(commune=lille.commune, post=lille.post),
        "unrouted": ReferralFactory(commune=world.croix, post=None),
        "session": OutreachSessionFactory(mediator=lille.mediator, post=lille.post, commune=lille.commune),
        "action": CollectiveActionFactory(mediator=lille.mediator, post=lille.post),
    }


def pages(r):
    """(name, URL, roles answered 200; the others get 403). POST-only pages answer 405 to GET."""

    def u(name, obj=None):
        return reverse(f"partners:{name}", kwargs={"pk": obj.pk} if obj else None)

    return [
        ("partner_list", u("partner_list"), {M, SM, C, A}),
        ("partner_detail", u("partner_detail", r["partner"]), {M, SM, C, A}),
        ("partner_create", u("partner_create"), {M, SM}),
        ("partner_update", u("partner_update", r["partner"]), {M, SM}),
        ("my_partners", u("my_partners"), {M}),
        ("my_partner_add", u("my_partner_add"), {M}),
        ("my_partner_update", u("my_partner_update", r["partnership"]), {M}),
        ("my_partner_remove", u("my_partner_remove", r["partnership"]), {M}),
        ("orientation_create", u("orientation_create") + f"?sheet={r['sheet'].pk}", {M, SM}),
        ("orientation_update", u("orientation_update", r["orientation"]), {M, SM}),
        ("referral_inbox", u("referral_inbox"), {M, SM}),
        ("referral_detail", u("referral_detail", r["referral"]), {M, SM}),
        ("referral_accept", u("referral_accept", r["referral"]), {M, SM}),
        ("referral_decline", u("referral_decline", r["referral"]), {M, SM}),
        ("referral_first_contact", u("referral_first_contact", r["referral"]), {M, SM}),
        ("referral_routing", u("referral_routing"), {C, A}),
        ("referral_assign", u("referral_assign", r["unrouted"]), {C, A}),
        ("outreach_list", u("outreach_list"), {M, SM}),
        ("outreach_detail", u("outreach_detail", r["session"]), {M, SM}),
        ("outreach_create", u("outreach_create"), {M}),
        ("outreach_update", u("outreach_update", r["session"]), {M}),
        ("action_list", u("action_list"), {M, SM}),
        ("action_detail", u("action_detail", r["action"]), {M, SM}),
        ("action_create", u("action_create"), {M}),
        ("action_update", u("action_update", r["action"]), {M}),
    ]


POST_ONLY = {"my_partner_remove", "referral_first_contact"}
# Pages that show one record (the others list the user's own scope).
RECORD_PAGES = {
    "partner_detail",
    "partner_update",
    "my_partner_update",
    "my_partner_remove",
    "orientation_create",
    "orientation_update",
    "referral_detail",
    "referral_accept",
    "referral_decline",
    "referral_first_contact",
    "referral_assign",
    "outreach_detail",
    "outreach_update",
    "action_detail",
    "action_update",
}
# The directory is shared by the department: another structure of the Nord reads it.
DEPARTMENT_PAGES = {"partner_detail", "partner_update"}


def user_for(world, role):
    return {
        M: world.lille.mediator,
        SM: world.lille.manager,
        C: world.coordinator_nord,
        R: world.reader,
        A: world.admin,
    }[role]


@pytest.mark.parametrize("role", ROLES)
def test_the_role_matrix(client, world, role):
    r = records(world)
    client.force_login(user_for(world, role))
    for name, url, allowed in pages(r):
        expected = (405 if name in POST_ONLY else 200) if role in allowed else 403
        response = client.get(url)
        assert response.status_code == expected, f"{role} on {name}: {response.status_code}"


def test_anonymous_visitors_are_sent_to_the_login_page(client, world):
    for name, url, _ in pages(records(world)):
        response = client.get(url)
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("account_login")), name


def test_another_structure_or_department_gets_404s(client, world):
    r = records(world)
    outsiders = [
        (M, world.roubaix.mediator, False),  # another structure of the same department
        (SM, world.roubaix.manager, False),
        (M, world.amiens.mediator, True),  # another department
        (SM, world.amiens.manager, True),
        (C, world.coordinator_somme, True),
    ]
    for role, user, other_department in outsiders:
        client.force_login(user)
        for name, url, allowed in pages(r):
            if role not in allowed or name not in RECORD_PAGES:
                continue
            if name in DEPARTMENT_PAGES and not other_department:
                continue
            method = client.post if name in POST_ONLY else client.get
            assert method(url).status_code == 404, f"{user} ({role}) on {name}"


def test_readers_and_coordinators_never_see_a_person(client, world):
    r = records(world)
    secret = r["referral"].patient_last_name
    for user in (world.reader, world.coordinator_nord, world.coordinator_region, world.admin):
        client.force_login(user)
        for name, url, _ in pages(r):
            response = client.get(url)
            if response.status_code == 200:
                html = response.content.decode()
                assert secret not in html, name
                assert r["sheet"].beneficiary.last_name not in html, name
