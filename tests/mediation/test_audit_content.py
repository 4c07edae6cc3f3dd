"""What the audit log holds after realistic writes through the pages: record ids and field
names only, never a person's identity, a note, or the label of a closed-list value (a care
barrier, a referral reason, a resource: they tell of a person's health or social situation)."""

import json

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from accompaniments.models import Beneficiary, Contact, Sheet, SheetRequest
from mediation.enums import Vocabulary
from mediation.models import VocabularyItem
from partners.models import Orientation, Referral
from tests.accompaniments.factories import item
from tests.accompaniments.sheet_fixtures import CARE_DOCTOR, Team, request_row, sheet_data, today, update_data
from tests.partners.helpers import referral_data

pytestmark = pytest.mark.django_db

PERSONAL_MODELS = (Beneficiary, Sheet, SheetRequest, Contact, Referral, Orientation)
TYPED = [
    "Zerbib",  # the referred patient
    "Ophélie",
    "06 12 34 56 78",
    "Diabète non suivi",  # the referral's message
    "Vandamme",  # the referring doctor
    "Kowalczyk",  # the person created on the page
    "Bérénice",
    "07 98 76 54 32",
    "Suivi psychiatrique",  # notes of the person, the sheet, a request, a contact, an orientation
    "Dossier MDPH",
    "Rendez-vous CMP",
    "Appel à la soeur",
    "Bilan addictologie",
]


def log_content():
    """Every column of every audit entry that could carry text, as one string."""
    columns = ("changes", "changes_text", "object_repr", "additional_data", "serialized_data")
    rows = list(LogEntry.objects.values_list(*columns))
    return json.dumps(rows, ensure_ascii=False, default=str)


def barrier(code):
    return item(Vocabulary.CARE_BARRIER, code)


def assert_no_personal_content(content):
    for text in TYPED:
        assert text not in content, text
    labels = VocabularyItem.objects.values_list("label", flat=True)
    leaked = sorted(label for label in labels if label in content)
    assert leaked == []


@pytest.fixture
def team(client):
    cache.clear()
    team = Team()
    team.post.communes.set([team.structure.commune])
    client.force_login(team.mediator)
    return team


def test_changing_a_sheets_barriers_logs_the_field_and_the_ids_not_the_labels(client, team):
    sheet_barriers = [barrier("handicap").pk, barrier("mobilite").pk]
    data = sheet_data(team, requests=[request_row()], beneficiary=team.person.pk, barriers=sheet_barriers)
    create = client.post(f"{reverse('accompaniments:sheet_create')}?beneficiary={team.person.pk}", data)
    assert create.status_code == 302
    sheet = Sheet.objects.get()
    assert set(sheet.barriers.values_list("pk", flat=True)) == set(sheet_barriers)
    changed = update_data(team, sheet, barriers=[barrier("logement").pk, barrier("mobilite").pk])
    assert client.post(reverse("accompaniments:sheet_update", args=[sheet.pk]), changed).status_code == 302

    assert_no_personal_content(log_content())
    m2m = [
        entry.changes_dict["barriers"]
        for entry in LogEntry.objects.get_for_object(sheet).order_by("pk")
        if "barriers" in entry.changes_dict
    ]
    assert m2m == [
        {"type": "m2m", "operation": "add", "objects": sorted(str(pk) for pk in sheet_barriers)},
        {"type": "m2m", "operation": "delete", "objects": [str(barrier("handicap").pk)]},
        {"type": "m2m", "operation": "add", "objects": [str(barrier("logement").pk)]},
    ]


def test_the_whole_log_holds_no_personal_content_after_a_days_work(client, team, committed_mail):
    # A person created, then edited.
    person = {
        "last_name": "Kowalczyk",
        "first_name": "Bérénice",
        "birth_date": "",
        "birth_year": "1975",
        "sex": item(Vocabulary.SEX, "female").pk,
        "phone": "07 98 76 54 32",
        "email": "",
        "address": "",
        "commune": "",
        "lives_in_qpv": "",
        "qpv": "",
        "resources": item(Vocabulary.RESOURCES, "rsa").pk,
        "came_via": "",
        "consent_on": "",
        "consent_method": "",
        "notes": "Suivi psychiatrique",
    }
    assert client.post(reverse("accompaniments:beneficiary_create"), person).status_code == 302
    created = Beneficiary.objects.get(last_name="Kowalczyk")
    person |= {"notes": "Suivi psychiatrique et Dossier MDPH", "version": created.version}
    assert client.post(reverse("accompaniments:beneficiary_update", args=[created.pk]), person).status_code == 302
    # Her sheet with barriers and requests, then edited.
    rows = [request_row(note="Dossier MDPH"), request_row(domain="care", kind=CARE_DOCTOR, note="Rendez-vous CMP")]
    data = sheet_data(team, requests=rows, notes="Bilan addictologie", barriers=[barrier("handicap").pk])
    url = f"{reverse('accompaniments:sheet_create')}?beneficiary={created.pk}"
    assert client.post(url, data).status_code == 302
    sheet = Sheet.objects.get(beneficiary=created)
    changed = update_data(team, sheet, barriers=[barrier("logement").pk], notes="Bilan addictologie revu")
    assert client.post(reverse("accompaniments:sheet_update", args=[sheet.pk]), changed).status_code == 302
    # A contact and an orientation.
    contact = {
        "contact-date": today().isoformat(),
        "contact-mode": item(Vocabulary.CONTACT_MODE, "telephone").pk,
        "contact-minutes": "15",
        "contact-note": "Appel à la soeur",
    }
    assert client.post(reverse("accompaniments:contact_add", args=[sheet.pk]), contact).status_code == 302
    orientation = {
        "partner": "",
        "partner_type": "cpam",
        "date": today().isoformat(),
        "reason": "Rendez-vous CMP",
        "outcome": "pending",
    }
    assert client.post(f"{reverse('partners:orientation_create')}?sheet={sheet.pk}", orientation).status_code == 302
    # A referral from the public page, with two reasons, accepted into a new person and sheet.
    reasons = [item(Vocabulary.REFERRAL_REASON, code).pk for code in ("parcours_de_sante_complexe", "rupture_de_soins")]
    sent = Client().post(reverse("public_referral:form"), referral_data(team.structure.commune, reasons=reasons))
    assert sent.status_code == 302
    referral = Referral.objects.get()
    accept = reverse("partners:referral_accept", kwargs={"pk": referral.pk})
    assert committed_mail(client.post, accept, {"beneficiary": "", "action": "accept"}).status_code == 302

    logged = set(LogEntry.objects.values_list("content_type", flat=True))
    assert set(ContentType.objects.get_for_models(*PERSONAL_MODELS).values()) <= {
        ContentType.objects.get_for_id(pk) for pk in logged
    }
    assert_no_personal_content(log_content())


@pytest.fixture
def committed_mail(django_capture_on_commit_callbacks):
    def _run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return _run
