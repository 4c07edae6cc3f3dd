"""Invitations: the only way an account comes to exist."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from mediation.enums import Role
from mediation.models import Invitation, Membership, PostHolding, User
from tests.factories import PostFactory, StructureFactory, department, hauts_de_france

pytestmark = pytest.mark.django_db

PASSWORD = "un-mot-de-passe-solide-42"


def invitation_link_from_outbox():
    assert len(mail.outbox) == 1
    match = re.search(r"http://testserver(/invitation/[^/\s]+/)", mail.outbox[0].body)
    assert match, mail.outbox[0].body
    return match.group(1)


def invite(client, **data):
    with_defaults = {"email": "nouvelle@exemple.fr", "first_name": "Nora", "last_name": "Ait", **data}
    return client.post(reverse("mediation:invitation_create"), with_defaults)


def accept(client, link, password=PASSWORD):
    return client.post(link, {"first_name": "Nora", "last_name": "Ait", "password1": password, "password2": password})


def test_coordinator_invites_a_mediator_who_sets_a_password_and_lands_home(
    client, login_as, django_capture_on_commit_callbacks
):
    login_as(Role.COORDINATOR)
    structure = StructureFactory()
    post = PostFactory(structure=structure)
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(client, role=Role.MEDIATOR, structure=structure.pk, post=post.pk)
    assert response.status_code == 302
    link = invitation_link_from_outbox()
    client.logout()

    page = client.get(link)
    assert page.status_code == 200
    assert "nouvelle@exemple.fr" in page.content.decode()
    response = accept(client, link)
    assert response.status_code == 302 and response["Location"] == reverse("home")

    user = User.objects.get(email="nouvelle@exemple.fr")
    assert user.membership.role == Role.MEDIATOR and user.membership.structure == structure
    assert PostHolding.objects.get(post=post, end_date__isnull=True).mediator == user
    assert client.get(reverse("home")).url == reverse("accompaniments:home")


def test_the_link_works_once(client, login_as, django_capture_on_commit_callbacks):
    login_as(Role.COORDINATOR)
    with django_capture_on_commit_callbacks(execute=True):
        invite(client, role=Role.READER, departments=[department("59").pk])
    link = invitation_link_from_outbox()
    client.logout()
    accept(client, link)
    client.logout()
    again = client.get(link)
    assert again.status_code == 410
    assert "ne fonctionne plus" in again.content.decode()
    assert accept(client, link, "un-autre-mot-de-passe-99").status_code == 410
    assert User.objects.filter(email="nouvelle@exemple.fr").count() == 1


def test_an_expired_or_revoked_link_is_refused(client, login_as, django_capture_on_commit_callbacks):
    login_as(Role.COORDINATOR)
    with django_capture_on_commit_callbacks(execute=True):
        invite(client, role=Role.READER, departments=[department("59").pk])
    link = invitation_link_from_outbox()
    invitation = Invitation.objects.get()
    client.post(reverse("mediation:invitation_revoke", args=[invitation.pk]))
    client.logout()
    assert client.get(link).status_code == 410

    Invitation.objects.update(revoked_at=None, expires_at=timezone.now() - timedelta(minutes=1))
    assert client.get(link).status_code == 410
    assert accept(client, link).status_code == 410
    assert not User.objects.filter(email="nouvelle@exemple.fr").exists()


def test_an_unknown_token_gets_the_same_answer(client):
    response = client.get(reverse("invitation_accept", args=["pas-un-vrai-jeton"]))
    assert response.status_code == 410


def test_a_weak_password_is_refused_in_french(client, login_as, django_capture_on_commit_callbacks):
    login_as(Role.COORDINATOR)
    with django_capture_on_commit_callbacks(execute=True):
        invite(client, role=Role.READER, departments=[department("59").pk])
    link = invitation_link_from_outbox()
    client.logout()
    response = accept(client, link, "court")
    assert response.status_code == 200
    assert "12 caractères" in response.content.decode()
    assert not User.objects.filter(email="nouvelle@exemple.fr").exists()


def test_a_coordinator_cannot_invite_beyond_her_departments(client, login_as):
    login_as(Role.COORDINATOR, departments=[department("59")])
    somme_structure = StructureFactory(commune__insee_code="80021", commune__department=department("80"))
    response = invite(client, role=Role.MEDIATOR, structure=somme_structure.pk)
    assert response.status_code == 200
    response = invite(client, role=Role.READER, departments=[department("80").pk])
    assert response.status_code == 200
    response = invite(client, role=Role.READER, region=hauts_de_france().pk)
    assert response.status_code == 200
    assert not Invitation.objects.exists()


def test_a_coordinator_cannot_create_an_administrator(client, login_as):
    login_as(Role.COORDINATOR, region=hauts_de_france())
    response = invite(client, role=Role.ADMIN)
    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in response.content.decode()
    assert not Invitation.objects.exists()


def test_an_existing_account_cannot_be_invited_again(client, login_as):
    me = login_as(Role.COORDINATOR)
    response = invite(client, email=me.email.upper(), role=Role.READER, departments=[department("59").pk])
    assert "Un compte existe déjà" in response.content.decode()


@pytest.mark.parametrize("role", [Role.MEDIATOR, Role.STRUCTURE_MANAGER, Role.READER])
def test_other_roles_cannot_invite(client, login_as, role):
    login_as(role)
    response = invite(client, role=Role.COORDINATOR, departments=[department("59").pk])
    assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_a_coordinator_cannot_revoke_someone_elses_invitation(client, login_as, django_capture_on_commit_callbacks):
    login_as(Role.COORDINATOR)
    with django_capture_on_commit_callbacks(execute=True):
        invite(client, role=Role.READER, departments=[department("59").pk])
    invitation = Invitation.objects.get()
    client.logout()
    login_as(Role.COORDINATOR)
    response = client.post(reverse("mediation:invitation_revoke", args=[invitation.pk]))
    assert response.status_code == 404
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_accepting_gives_exactly_the_invited_scope(client, login_as, django_capture_on_commit_callbacks):
    login_as(Role.COORDINATOR, region=hauts_de_france())
    with django_capture_on_commit_callbacks(execute=True):
        invite(client, role=Role.COORDINATOR, departments=[department("62").pk, department("80").pk])
    link = invitation_link_from_outbox()
    client.logout()
    accept(client, link)
    membership = Membership.objects.get(user__email="nouvelle@exemple.fr")
    assert membership.role == Role.COORDINATOR
    assert membership.region is None
    assert {d.code for d in membership.departments.all()} == {"62", "80"}
