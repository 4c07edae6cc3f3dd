"""A double click on "Envoyer l'invitation" records one invitation and sends one e-mail, also when
the clicks reach the server at the same moment: every click lands on the list of invitations."""

import pytest
from django.core import mail
from django.urls import reverse

from mediation.enums import Role
from mediation.models import Invitation
from tests.concurrency import Browser, hidden_value, post_together, require_concurrent_database
from tests.conftest import enable_totp
from tests.factories import PostFactory, StructureFactory, make_user

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

CLICKS = 5
CREATE = reverse("mediation:invitation_create")


def test_simultaneous_clicks_send_one_invitation(live_server, mailoutbox):
    require_concurrent_database()
    coordinator = make_user(Role.COORDINATOR)
    enable_totp(coordinator)
    structure = StructureFactory()
    post = PostFactory(structure=structure)
    browser = Browser(live_server, coordinator)
    page = browser.open_form(CREATE)
    body = {
        "email": "nouvelle@exemple.fr",
        "first_name": "Nora",
        "last_name": "Ait",
        "role": Role.MEDIATOR,
        "structure": structure.pk,
        "post": post.pk,
        "submission_key": hidden_value(page.body, "submission_key"),
    }

    replies = post_together(browser, CREATE, [body] * CLICKS)

    assert Invitation.objects.filter(email="nouvelle@exemple.fr").count() == 1
    assert [message.to for message in mail.outbox] == [["nouvelle@exemple.fr"]]
    assert [reply.status for reply in replies] == [200] * CLICKS
    assert {reply.path for reply in replies} == {reverse("mediation:invitation_list")}


@pytest.mark.django_db
def test_an_altered_key_is_explained_and_the_form_shown_again_can_be_sent(client, login_as):
    login_as(Role.COORDINATOR)
    structure = StructureFactory()
    body = {"email": "nouvelle@exemple.fr", "role": Role.MEDIATOR, "structure": structure.pk}

    response = client.post(CREATE, {**body, "submission_key": "pas-une-clé"})

    assert response.status_code == 200
    assert "Ce formulaire n&#x27;a pas pu être reconnu" in response.content.decode()
    assert not Invitation.objects.exists()
    fresh = hidden_value(response.content.decode(), "submission_key")
    assert client.post(CREATE, {**body, "submission_key": fresh}).status_code == 302
    assert Invitation.objects.get().email == "nouvelle@exemple.fr"


@pytest.mark.django_db
def test_a_key_of_another_coordinator_s_invitation_neither_shows_it_nor_blocks_the_form(
    client, login_as, django_capture_on_commit_callbacks
):
    other = make_user(Role.COORDINATOR)
    key = "0b0f4a52-8c1e-4e55-9d57-3c5bbd1f2a10"
    Invitation.objects.create(
        email="autre@exemple.fr",
        role=Role.READER,
        invited_by=other,
        token_digest="x" * 64,
        expires_at="2100-01-01T00:00:00Z",
        submission_key=key,
    )
    login_as(Role.COORDINATOR)
    body = {"email": "nouvelle@exemple.fr", "role": Role.MEDIATOR, "structure": StructureFactory().pk}

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(CREATE, {**body, "submission_key": key}, follow=True)

    assert "Invitation envoyée à nouvelle@exemple.fr" in response.content.decode()
    assert "autre@exemple.fr" not in response.content.decode()
    assert [message.to for message in mail.outbox] == [["nouvelle@exemple.fr"]]
