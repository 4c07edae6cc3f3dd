"""An account without a role sees no data, and is told what to do: ask an administrator; an
account made with `createsuperuser` is pointed to `create_first_admin` or to the role to add in
the Django admin. No role is ever given silently."""

import pytest
from django.urls import reverse

from mediation.models import Membership, User
from tests.conftest import enable_totp
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(client):
    user = User.objects.create_superuser("root@serveur.example.fr", "un-mot-de-passe-solide-42")
    enable_totp(user)
    client.force_login(user)
    return user


@pytest.mark.parametrize("path", ["/", "/imports/", "/campagnes/", "/postes/"])
def test_a_person_without_a_role_is_told_to_ask_an_administrator(client, path):
    client.force_login(UserFactory())
    response = client.get(path)
    assert response.status_code == 403
    content = response.content.decode()
    assert "Votre compte n'a pas de rôle" in content
    assert "administrateur·rice" in content and "invitation" in content
    # A person without a role cannot run commands on the server: not her business.
    assert "create_first_admin" not in content


@pytest.mark.parametrize("path", ["/", "/imports/"])
def test_an_account_made_with_createsuperuser_is_pointed_to_the_command_and_the_role(client, superuser, path):
    response = client.get(path)
    assert response.status_code == 403
    content = response.content.decode()
    assert "createsuperuser" in content
    assert "python manage.py create_first_admin --email" in content
    assert "docker compose exec web python manage.py create_first_admin --email" in content
    # The role is added by hand, on her own account's page of the Django admin (its "Rôle" block).
    assert reverse("admin:mediation_user_change", args=[superuser.pk]) in content
    assert not Membership.objects.filter(user=superuser).exists()


def test_a_role_is_not_given_by_visiting_the_pages(client, superuser):
    for path in ("/", "/imports/", "/admin/"):
        client.get(path)
    assert not Membership.objects.exists()
