"""Names typed in the app hold visible characters only: a bidi override (U+202E) or a zero-width
character is refused with a French message and nothing is stored; ordinary French names, with
accents, hyphens and both apostrophes, go through. Referral and partner names:
tests/partners/test_hardening_small.py."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from accompaniments.models import Beneficiary
from mediation.enums import Role, Vocabulary
from mediation.models import Invitation, User
from tests.accompaniments.factories import item
from tests.factories import department, make_mediator

pytestmark = pytest.mark.django_db

RLO = "\u202e"
REFUSED_MESSAGE_PART = "retapez-le au clavier, sans copier-coller"
FRENCH_NAMES = [
    ("N\u2019Diaye", "Zoé"),  # typographic apostrophe
    ("D'Alembert", "Jean-Baptiste"),
    ("O\u02bcNeill", "Anaïs"),  # modifier letter apostrophe
    ("Le Bihan-Guéguen", "Marie-Ève"),
    ("Çelik", "Ïsmaël Œdipe"),
]
# Bidi embeddings, overrides and isolates; marks; zero-width characters; word joiner, soft
# hyphen, byte order mark; a control character and the line and paragraph separators.
INVISIBLE = [chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))] + [
    "\u200e",
    "\u200f",
    "\u200b",
    "\u200c",
    "\u200d",
    "\u2060",
    "\u00ad",
    "\ufeff",
    "\x07",
    "\u2028",
    "\u2029",
]


def person_data(**overrides):
    return {
        "last_name": "Dupont",
        "first_name": "Éléonore",
        "birth_year": "1980",
        "sex": item(Vocabulary.SEX, "female").pk,
        "phone": "06 12 34 56 78",
        **overrides,
    }


def refused(response, field):
    assert response.status_code == 200
    errors = response.context["form"].errors[field]
    assert any(REFUSED_MESSAGE_PART in error and "U+202E" in error for error in errors), errors
    assert REFUSED_MESSAGE_PART in response.content.decode()


# ---------------------------------------------------------------- persons


@pytest.mark.parametrize("field", ["last_name", "first_name"])
def test_a_person_name_with_a_bidi_override_is_refused(client, field):
    client.force_login(make_mediator())
    response = client.post(reverse("accompaniments:beneficiary_create"), person_data(**{field: f"{RLO}tnopuD"}))
    refused(response, field)
    assert not Beneficiary.objects.exists()


def test_editing_a_person_refuses_a_bidi_override_too(client):
    client.force_login(make_mediator())
    client.post(reverse("accompaniments:beneficiary_create"), person_data())
    person = Beneficiary.objects.get()
    url = reverse("accompaniments:beneficiary_update", args=[person.pk])
    response = client.post(url, person_data(last_name=f"Du{RLO}tnop", version=person.version))
    refused(response, "last_name")
    person.refresh_from_db()
    assert person.last_name == "Dupont"


@pytest.mark.parametrize("last_name, first_name", FRENCH_NAMES)
def test_french_person_names_are_accepted(client, last_name, first_name):
    client.force_login(make_mediator())
    data = person_data(last_name=last_name, first_name=first_name, confirm_duplicate="on")
    response = client.post(reverse("accompaniments:beneficiary_create"), data)
    assert response.status_code == 302, response.context["form"].errors
    assert Beneficiary.objects.filter(last_name=last_name, first_name=first_name).exists()


@pytest.mark.parametrize("char", INVISIBLE, ids=lambda c: f"U+{ord(c):04X}")
def test_every_invisible_character_is_refused_and_named(client, char):
    client.force_login(make_mediator())
    response = client.post(reverse("accompaniments:beneficiary_create"), person_data(first_name=f"Élé{char}onore"))
    assert response.status_code == 200
    [error] = response.context["form"].errors["first_name"]
    assert f"U+{ord(char):04X}" in error and REFUSED_MESSAGE_PART in error
    assert not Beneficiary.objects.exists()


# ---------------------------------------------------------------- invitations


def invite(client, **names):
    data = {"email": "nouvelle@exemple.fr", "first_name": "Nora", "last_name": "Ait", **names}
    return client.post(
        reverse("mediation:invitation_create"), {**data, "role": Role.READER, "departments": [department("59").pk]}
    )


@pytest.mark.parametrize("field", ["last_name", "first_name"])
def test_an_invitation_refuses_a_bidi_override_in_the_name(client, login_as, field):
    login_as(Role.COORDINATOR)
    response = invite(client, **{field: f"Ait{RLO}"})
    refused(response, field)
    assert not Invitation.objects.exists()


def accept_link(client, login_as, django_capture_on_commit_callbacks):
    login_as(Role.COORDINATOR)
    with django_capture_on_commit_callbacks(execute=True):
        assert invite(client).status_code == 302
    client.logout()
    [message] = mail.outbox
    return re.search(r"http://testserver(/invitation/[^/\s]+/)", message.body).group(1)


@pytest.mark.parametrize("field", ["last_name", "first_name"])
def test_accepting_an_invitation_refuses_a_bidi_override_in_the_name(
    client, login_as, django_capture_on_commit_callbacks, field
):
    link = accept_link(client, login_as, django_capture_on_commit_callbacks)
    password = "un-mot-de-passe-solide-42"
    data = {"first_name": "Nora", "last_name": "Ait", "password1": password, "password2": password}
    response = client.post(link, {**data, field: f"{RLO}tiA"})
    refused(response, field)
    assert not User.objects.filter(email="nouvelle@exemple.fr").exists()

    last_name, first_name = FRENCH_NAMES[0]
    response = client.post(link, {**data, "last_name": last_name, "first_name": first_name})
    assert response.status_code == 302
    user = User.objects.get(email="nouvelle@exemple.fr")
    assert (user.last_name, user.first_name) == (last_name, first_name)
