"""Post holders the posts-register import created (inactive, no password, never logged in) are
listed on the invitations page and invited like anyone else; accepting opens the same account,
with its role and post holding, instead of creating one."""

import html
import re

import pytest
from django.contrib.auth.hashers import make_password
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mediation.enums import Role
from mediation.imports import services as imports
from mediation.imports.formats import check_upload
from mediation.models import Invitation, Membership, PostHolding, User
from tests.factories import CommuneFactory, PostFactory, StructureFactory, department, make_user

pytestmark = pytest.mark.django_db

PASSWORD = "un-mot-de-passe-solide-42"
HOLDER = "awa.diallo@exemple.fr"
SECTION = "Comptes créés par import, à inviter"


def imported_holder(*, structure=None, post=None, email=HOLDER, first_name="Awa", last_name="Diallo"):
    """What the posts-register import makes of an unknown holder (see mediation/imports/resources.py)."""
    structure = structure or StructureFactory()
    post = post or PostFactory(structure=structure)
    user = User.objects.create_user(email, None, first_name=first_name, last_name=last_name, is_active=False)
    Membership.objects.create(user=user, role=Role.MEDIATOR, structure=structure)
    PostHolding.objects.create(post=post, mediator=user, start_date=post.start_date)
    return user


def somme_structure():
    return StructureFactory(commune__insee_code="80021", commune__department=department("80"))


def text_of(response):
    content = html.unescape(response.content.decode())
    assert "!!INVALID" not in content  # the test settings print undefined template variables
    return content


def invite(client, account=None, **data):
    url = reverse("mediation:invitation_create")
    if account is not None:
        url += f"?compte={account.pk}"
    return client.post(url, {"email": HOLDER, "first_name": "Awa", "last_name": "Diallo", **data})


def link_from(message):
    match = re.search(r"http://testserver(/invitation/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def accept(client, link, password=PASSWORD):
    return client.post(
        link, {"first_name": "Awa", "last_name": "Diallo-Sow", "password1": password, "password2": password}
    )


def sent_invitation(client, account, django_capture_on_commit_callbacks, **data):
    """Invite `account` as the logged-in inviter and return the link e-mailed to it."""
    data = {"role": Role.MEDIATOR, "structure": account.membership.structure_id, **data}
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(client, **data)
    assert response.status_code == 302, text_of(response)
    assert mail.outbox[-1].to == [account.email]
    return link_from(mail.outbox[-1])


# ---------------------------------------------------------------- the notion


def test_awaiting_invitation_is_the_same_rule_in_python_and_in_sql():
    structure = StructureFactory()
    awaiting = imported_holder(structure=structure)
    active = make_user(Role.MEDIATOR, structure=structure)
    closed = make_user(Role.MEDIATOR, structure=structure, is_active=False)  # has a password
    logged_in_once = imported_holder(structure=structure, email="deja.venue@exemple.fr")
    User.objects.filter(pk=logged_in_once.pk).update(last_login=timezone.now())
    python = {user for user in User.objects.all() if user.is_awaiting_invitation}
    assert set(User.objects.awaiting_invitation()) == python == {awaiting}
    assert {active, closed, logged_in_once}.isdisjoint(python)


def test_each_role_sees_the_awaiting_accounts_of_its_own_scope():
    nord = imported_holder()
    somme = imported_holder(structure=somme_structure(), email="somme@exemple.fr")
    scopes = {
        Role.ADMIN: make_user(Role.ADMIN),
        Role.COORDINATOR: make_user(Role.COORDINATOR, departments=[department("59")]),
        Role.STRUCTURE_MANAGER: make_user(Role.STRUCTURE_MANAGER, structure=somme.membership.structure),
        Role.MEDIATOR: make_user(Role.MEDIATOR, structure=nord.membership.structure),
        Role.READER: make_user(Role.READER, region=department("59").region),
    }
    seen = {role: set(User.objects.for_user(user).awaiting_invitation()) for role, user in scopes.items()}
    assert seen == {
        Role.ADMIN: {nord, somme},
        Role.COORDINATOR: {nord},
        Role.STRUCTURE_MANAGER: {somme},
        Role.MEDIATOR: set(),
        Role.READER: set(),
    }


# ---------------------------------------------------------------- end to end


def test_a_holder_created_by_the_import_is_invited_and_accepting_opens_the_same_account(
    client, login_as, django_capture_on_commit_callbacks
):
    coordinator = login_as(Role.COORDINATOR, departments=[department("59")])
    CommuneFactory(insee_code="59512", name="Roubaix", department=department("59"))
    headers = "code_poste,structure,commune_structure,departement,type_poste,financement,date_debut,email_titulaire"
    content = f"{headers}\r\nP-59-001,Centre social Élan,59512,59,QPV,ARS,01/02/2023,{HOLDER}\r\n".encode()
    report = imports.run(imports.KINDS["postes"], check_upload("postes.csv", content), user=coordinator, dry_run=False)
    assert not report.sorted_errors()
    holder = User.objects.get(email=HOLDER)
    assert holder.is_awaiting_invitation
    membership, holding = Membership.objects.get(user=holder), PostHolding.objects.get(mediator=holder)
    users_before = User.objects.count()

    listing = client.get(reverse("mediation:invitation_list"))
    assert SECTION in text_of(listing) and "P-59-001" in text_of(listing)
    assert [account.pk for account in listing.context["accounts"]] == [holder.pk]
    form_url = f"{reverse('mediation:invitation_create')}?compte={holder.pk}"
    assert html.escape(form_url) in listing.content.decode()

    form_page = client.get(form_url)
    assert f"Le compte {HOLDER} a été créé par l'import du registre des postes" in text_of(form_page)
    form = form_page.context["form"]
    assert (form["email"].value(), form["role"].value(), form["structure"].value()) == (
        HOLDER,
        Role.MEDIATOR,
        membership.structure_id,
    )
    link = sent_invitation(client, holder, django_capture_on_commit_callbacks)
    assert "En attente" in text_of(client.get(reverse("mediation:invitation_list")))
    client.logout()

    assert HOLDER in text_of(client.get(link))
    response = accept(client, link)
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert client.get(reverse("home")).url == reverse("accompaniments:home")

    holder.refresh_from_db()
    assert holder.is_active and holder.check_password(PASSWORD) and holder.last_name == "Diallo-Sow"
    assert not holder.is_awaiting_invitation
    assert User.objects.count() == users_before
    assert list(Membership.objects.filter(user=holder).values_list("pk", "role", "structure")) == [
        (membership.pk, membership.role, membership.structure_id)
    ]
    assert list(PostHolding.objects.filter(mediator=holder)) == [holding]
    holding.refresh_from_db()
    assert (holding.post.code, holding.end_date) == ("P-59-001", None)
    invitation = Invitation.objects.get()
    assert invitation.accepted_at is not None and invitation.user == holder

    client.logout()
    assert accept(client, link).status_code == 410
    response = client.post(reverse("account_login"), {"login": HOLDER, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("home")).url == reverse("accompaniments:home")


def test_the_address_typed_by_hand_works_too_and_the_held_post_may_be_named(
    client, login_as, django_capture_on_commit_callbacks
):
    login_as(Role.COORDINATOR)
    holder = imported_holder()
    post = holder.post_holdings.get().post
    link = sent_invitation(client, holder, django_capture_on_commit_callbacks, post=post.pk)
    client.logout()
    assert accept(client, link).status_code == 302
    assert list(PostHolding.objects.filter(post=post).values_list("mediator", "end_date")) == [(holder.pk, None)]


# ---------------------------------------------------------------- refused


def test_another_role_or_structure_is_refused_naming_what_the_account_is(client, login_as):
    login_as(Role.COORDINATOR, departments=[department("59")])
    holder = imported_holder()
    structure = holder.membership.structure
    expected = (
        f"Le compte {HOLDER} existe déjà : médiateur·rice santé de la structure « {structure} ». "
        "Invitez-le avec ce rôle et cette structure."
    )
    attempts = [
        {"role": Role.STRUCTURE_MANAGER, "structure": structure.pk},
        {"role": Role.MEDIATOR, "structure": StructureFactory().pk},
        {"role": Role.READER, "departments": [department("59").pk]},
    ]
    for data in attempts:
        response = invite(client, **data)
        assert response.status_code == 200
        assert expected in text_of(response), data
    assert not Invitation.objects.exists()


def test_a_post_other_than_the_one_held_is_refused(client, login_as):
    login_as(Role.COORDINATOR)
    holder = imported_holder()
    structure = holder.membership.structure
    held = holder.post_holdings.get().post
    free_post = PostFactory(structure=structure)
    response = invite(client, role=Role.MEDIATOR, structure=structure.pk, post=free_post.pk)
    assert response.status_code == 200
    assert f"Ce compte tient déjà le poste {held.code} : choisissez-le ou laissez « Aucun poste »." in text_of(response)
    holder.post_holdings.update(end_date=held.start_date)
    response = invite(client, role=Role.MEDIATOR, structure=structure.pk, post=held.pk)
    assert "Ce compte ne tient aucun poste : laissez « Aucun poste »." in text_of(response)
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("state", ["active", "logged_in_once"])
def test_an_account_that_has_had_access_is_still_refused(client, login_as, state):
    login_as(Role.COORDINATOR)
    holder = imported_holder()
    if state == "active":
        User.objects.filter(pk=holder.pk).update(is_active=True, password=make_password(PASSWORD))
    else:
        User.objects.filter(pk=holder.pk).update(last_login=timezone.now())
    response = invite(client, role=Role.MEDIATOR, structure=holder.membership.structure_id)
    assert "Un compte existe déjà avec cette adresse e-mail." in text_of(response)
    assert not Invitation.objects.exists()
    listing = client.get(reverse("mediation:invitation_list"))
    assert SECTION not in text_of(listing)
    assert client.get(reverse("mediation:invitation_create"), {"compte": holder.pk}).status_code == 404


@pytest.mark.parametrize("change", ["logged_in", "activated", "moved"])
def test_a_link_sent_before_the_account_changed_no_longer_works(
    client, login_as, django_capture_on_commit_callbacks, change
):
    login_as(Role.COORDINATOR)
    holder = imported_holder()
    link = sent_invitation(client, holder, django_capture_on_commit_callbacks)
    if change == "logged_in":
        User.objects.filter(pk=holder.pk).update(last_login=timezone.now())
    elif change == "activated":
        User.objects.filter(pk=holder.pk).update(is_active=True)
    else:
        Membership.objects.filter(user=holder).update(structure=StructureFactory())
    client.logout()
    assert accept(client, link).status_code == 410
    holder.refresh_from_db()
    assert not holder.has_usable_password() and holder.last_name == "Diallo"
    assert Invitation.objects.get().accepted_at is None


def test_two_invitations_open_the_account_once(client, login_as, django_capture_on_commit_callbacks):
    login_as(Role.COORDINATOR)
    holder = imported_holder()
    first = sent_invitation(client, holder, django_capture_on_commit_callbacks)
    second = sent_invitation(client, holder, django_capture_on_commit_callbacks)
    client.logout()
    assert accept(client, first).status_code == 302
    client.logout()
    assert accept(client, second, "un-autre-mot-de-passe-99").status_code == 410
    holder.refresh_from_db()
    assert holder.check_password(PASSWORD)
    assert Invitation.objects.filter(accepted_at__isnull=False).count() == 1


# ---------------------------------------------------------------- scope


def test_an_inviter_out_of_scope_neither_sees_nor_invites_the_account(client, login_as):
    login_as(Role.COORDINATOR, departments=[department("59")])
    holder = imported_holder(structure=somme_structure())
    somme = holder.membership.structure

    listing = client.get(reverse("mediation:invitation_list"))
    assert SECTION not in text_of(listing) and HOLDER not in text_of(listing)
    assert client.get(reverse("mediation:invitation_create"), {"compte": holder.pk}).status_code == 404

    own_structure = invite(client, role=Role.MEDIATOR, structure=StructureFactory().pk)
    assert "Un compte existe déjà avec cette adresse e-mail." in text_of(own_structure)
    assert somme.name not in text_of(own_structure)
    its_structure = invite(client, role=Role.MEDIATOR, structure=somme.pk)
    assert its_structure.status_code == 200
    assert not Invitation.objects.exists()
    holder.refresh_from_db()
    assert holder.is_awaiting_invitation


@pytest.mark.parametrize("value", ["abc", "12abc", "٣", "9" * 30, "-1"])
def test_a_malformed_or_unknown_account_id_is_a_404(client, login_as, value):
    login_as(Role.ADMIN)
    imported_holder()
    assert client.get(reverse("mediation:invitation_create"), {"compte": value}).status_code == 404


def test_the_list_shows_only_the_accounts_in_scope_in_a_constant_number_of_queries(client, login_as):
    login_as(Role.COORDINATOR, departments=[department("59")])
    nord = imported_holder()
    imported_holder(structure=somme_structure(), email="somme@exemple.fr")
    make_user(Role.MEDIATOR, structure=nord.membership.structure)  # active: nothing to invite

    with CaptureQueriesContext(connection) as one_account:
        listing = client.get(reverse("mediation:invitation_list"))
    assert [account.email for account in listing.context["accounts"]] == [HOLDER]
    assert "somme@exemple.fr" not in text_of(listing)

    for n in range(3):
        imported_holder(email=f"titulaire{n}@exemple.fr")
    with CaptureQueriesContext(connection) as four_accounts:
        listing = client.get(reverse("mediation:invitation_list"))
    assert len(listing.context["accounts"]) == 4
    assert len(four_accounts) == len(one_account)


def test_an_administrator_sees_every_structure(client, login_as):
    login_as(Role.ADMIN)
    imported_holder()
    imported_holder(structure=somme_structure(), email="somme@exemple.fr")
    listing = client.get(reverse("mediation:invitation_list"))
    assert {account.email for account in listing.context["accounts"]} == {HOLDER, "somme@exemple.fr"}


def test_a_structure_manager_sees_her_structure_s_accounts_flagged_but_cannot_invite(client, login_as):
    holder = imported_holder()
    imported_holder(structure=StructureFactory(), email="ailleurs@exemple.fr", first_name="Léa", last_name="Roux")
    login_as(Role.STRUCTURE_MANAGER, structure=holder.membership.structure)
    page = text_of(client.get(reverse("mediation:structure_home")))
    assert page.count("compte créé par import, à inviter par la coordination") == 1
    assert "Awa Diallo" in page and "Léa Roux" not in page
    assert client.get(reverse("mediation:invitation_list")).status_code == 403
    assert invite(client, role=Role.MEDIATOR, structure=holder.membership.structure_id).status_code == 403
    assert not Invitation.objects.exists()
