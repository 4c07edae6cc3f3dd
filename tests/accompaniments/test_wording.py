"""« Fiche » means one thing on a mediator's pages: the accompaniment sheet. The person's own
record is her « dossier », on her pages, their headings and their messages."""

import re

import pytest
from django.urls import reverse

from mediation.enums import Role
from tests.accompaniments.factories import BeneficiaryFactory, SheetFactory
from tests.factories import make_mediator, make_user

pytestmark = pytest.mark.django_db

# « fiche » not followed by what makes it a sheet (d'accompagnement, d'orientation) or a plural of sheets.
PERSON_AS_FICHE = re.compile(r"\b(?:la|sa|une) fiche (?:de |personne|dit)|fiche de votre compte", re.IGNORECASE)


def test_the_persons_pages_call_her_record_a_dossier(client):
    mediator = make_mediator()
    client.force_login(mediator)
    person = BeneficiaryFactory(structure=mediator.membership.structure, referent=mediator)
    sheet = SheetFactory(beneficiary=person, mediator=mediator)
    pages = {
        "edit": reverse("accompaniments:beneficiary_update", args=[person.pk]),
        "detail": reverse("accompaniments:beneficiary_detail", args=[person.pk]),
        "sheet": reverse("accompaniments:sheet_update", args=[sheet.pk]),
    }
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, name
        text = re.sub(r"<[^>]+>", " ", response.content.decode())
        assert not PERSON_AS_FICHE.findall(text), (name, PERSON_AS_FICHE.findall(text))
    assert "Modifier le dossier de" in client.get(pages["edit"]).content.decode()
    client.force_login(make_user(Role.STRUCTURE_MANAGER, structure=person.structure))
    log = client.get(reverse("accompaniments:beneficiary_log", args=[person.pk])).content.decode()
    assert "Journal du dossier de" in log and not PERSON_AS_FICHE.findall(re.sub(r"<[^>]+>", " ", log))
