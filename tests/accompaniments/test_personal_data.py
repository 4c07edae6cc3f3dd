"""A person's data: right of access (PDF and JSON, structure staff only, logged), anonymisation
by a structure manager (identity and notes gone, bilan unchanged) and retention (warn the
managers, then anonymise exactly the people without activity)."""

import datetime
import io
import json

import pytest
from auditlog.models import LogEntry
from django.core.management import call_command
from django.urls import reverse
from pypdf import PdfReader

from accompaniments import personal_data
from accompaniments.enums import RequestStatus
from accompaniments.models import Beneficiary, RetentionNotice
from mediation.enums import Role
from mediation.models import Department
from partners import personal_data as partners_personal_data
from reporting.bilan import compute_bilan
from reporting.exports import bilan_document
from reporting.scope import resolve_scope
from tests.accompaniments.factories import BeneficiaryFactory, ContactFactory, SheetFactory, SheetRequestFactory
from tests.conftest import enable_totp
from tests.factories import StructureFactory, make_mediator, make_user

pytestmark = pytest.mark.django_db

YEAR = 2024


@pytest.fixture
def team():
    mediator = make_mediator(first_name="Awa", last_name="Diallo")
    structure = mediator.membership.structure
    return {
        "structure": structure,
        "mediator": mediator,
        "post": mediator.post_holdings.get().post,
        "manager": make_user(Role.STRUCTURE_MANAGER, structure=structure),
    }


@pytest.fixture
def person(team):
    person = BeneficiaryFactory(
        structure=team["structure"],
        referent=team["mediator"],
        last_name="Dupont",
        first_name="Éléonore",
        birth_date=datetime.date(1980, 5, 4),
        phone="06 12 34 56 78",
        email="eleonore@exemple.fr",
        address="3 rue des Lilas",
        notes="Vit seule, diabète.",
        external_id="X-42",
        consent_on=datetime.date(2024, 3, 1),
        consent_method="oral",
    )
    sheet = SheetFactory(
        beneficiary=person, post=team["post"], opened_on=datetime.date(YEAR, 3, 15), notes="Note de fiche", age=43
    )
    SheetRequestFactory(sheet=sheet, note="Dossier CSS envoyé", resolved=True)
    SheetRequestFactory(sheet=sheet, care=True)
    ContactFactory(sheet=sheet, note="Appel à la CPAM")
    return person


def data_url(person, fmt):
    return reverse("accompaniments:beneficiary_data", args=[person.pk, fmt])


# ---------------------------------------------------------------- right of access


def test_json_holds_the_record_sheets_requests_and_contacts(client, team, person):
    client.force_login(team["mediator"])
    response = client.get(data_url(person, "json"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "attachment" in response["Content-Disposition"] and "Dupont" not in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    fields = {item["field"]: item["value"] for item in data["person"]}
    assert (fields["last_name"], fields["first_name"], fields["birth_date"]) == ("Dupont", "Éléonore", "04/05/1980")
    assert fields["notes"] == "Vit seule, diabète." and fields["external_id"] == "X-42"
    [sheet] = data["sheets"]
    assert sheet["title"] == "Fiche du 15/03/2024"
    assert {r[0]["value"] for r in sheet["requests"]} == {"Accès aux droits", "Accès aux soins"}
    assert sheet["contacts"][0][-1]["value"] == "Appel à la CPAM"


def test_pdf_reads_back_and_the_access_is_logged(client, team, person):
    client.force_login(team["manager"])
    response = client.get(data_url(person, "pdf"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Données personnelles détenues" in text
    assert "Dupont" in text and "Habite en QPV" in text and "Dossier CSS" in text and "Appel à la CPAM" in text
    entry = LogEntry.objects.filter(action=LogEntry.Action.ACCESS, object_id=person.pk).get()
    assert entry.actor == team["manager"]


def test_user_text_is_escaped_in_the_pdf_and_nothing_is_fetched(client, team, person):
    person.notes = '<img src="http://example.com/pixel.png"> <b>gras</b>'
    person.save()
    client.force_login(team["mediator"])
    response = client.get(data_url(person, "pdf"))  # the test guard refuses any outbound connection
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert '<img src="http://example.com/pixel.png">' in text


@pytest.mark.parametrize("fmt", ["pdf", "json"])
def test_another_structure_gets_a_404_and_other_roles_a_403(client, person, fmt):
    other = StructureFactory()
    for user, expected in [
        (make_mediator(structure=other), 404),
        (make_user(Role.STRUCTURE_MANAGER, structure=other), 404),
        (make_user(Role.COORDINATOR), 403),
        (make_user(Role.READER), 403),
        (make_user(Role.ADMIN), 403),
    ]:
        if expected == 403:
            enable_totp(user)
        client.force_login(user)
        assert client.get(data_url(person, fmt)).status_code == expected
    assert not LogEntry.objects.filter(action=LogEntry.Action.ACCESS).exists()


def test_an_unknown_format_is_a_404(client, team, person):
    client.force_login(team["mediator"])
    assert client.get(data_url(person, "xml")).status_code == 404


# ---------------------------------------------------------------- erasure


def anonymise_url(person):
    return reverse("accompaniments:beneficiary_anonymise", args=[person.pk])


def test_a_manager_anonymises_a_person(client, team, person):
    client.force_login(team["manager"])
    page = client.get(anonymise_url(person))
    assert page.status_code == 200 and "Cette action est définitive" in page.content.decode()
    response = client.post(anonymise_url(person), {"confirm": "on"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.last_name, person.first_name, str(person)) == ("Personne anonymisée", "", "PERSONNE ANONYMISÉE ")
    assert person.anonymised_at is not None
    for name in (
        "birth_date",
        "birth_year",
        "sex",
        "commune",
        "qpv",
        "resources",
        "came_via",
        "consent_on",
        "lives_in_qpv",
    ):
        assert getattr(person, name) is None, name
    for name in ("phone", "email", "address", "notes", "external_id", "consent_method"):
        assert getattr(person, name) == "", name
    sheet = person.sheets.get()
    assert sheet.notes == ""
    assert (sheet.age, sheet.sex.code, sheet.lives_in_qpv, sheet.resources.code) == (43, "female", True, "rsa")
    assert all(r.note == "" for r in sheet.requests.all()) and sheet.requests.count() == 2
    assert all(c.note == "" for c in sheet.contacts.all())
    operation = LogEntry.objects.filter(object_id=person.pk, additional_data__operation="anonymisation").get()
    assert operation.actor == team["manager"] and operation.action == LogEntry.Action.UPDATE
    detail = client.get(reverse("accompaniments:beneficiary_detail", args=[person.pk])).content.decode()
    assert "Personne anonymisée le" in detail and "Dupont" not in detail


def test_the_confirmation_box_is_required(client, team, person):
    client.force_login(team["manager"])
    response = client.post(anonymise_url(person), {})
    assert response.status_code == 200 and "Cochez la case" in response.content.decode()
    person.refresh_from_db()
    assert person.anonymised_at is None and person.last_name == "Dupont"


def test_only_the_manager_of_the_structure_anonymises(client, team, person):
    client.force_login(team["mediator"])
    assert client.post(anonymise_url(person), {"confirm": "on"}).status_code == 403
    client.force_login(make_user(Role.STRUCTURE_MANAGER, structure=StructureFactory()))
    assert client.post(anonymise_url(person), {"confirm": "on"}).status_code == 404
    person.refresh_from_db()
    assert person.anonymised_at is None


def test_anonymisation_wipes_the_referral_and_orientations(team, person):
    from partners.models import Orientation, Referral
    from tests.factories import CommuneFactory

    sheet = person.sheets.get()
    referral = Referral.objects.create(
        referrer_name="Dr Martin",
        referrer_profession="Médecin",
        referrer_email="dr@exemple.fr",
        patient_last_name="Dupont",
        patient_first_name="Éléonore",
        patient_phone="0612345678",
        commune=CommuneFactory(),
        department=team["post"].department,
        message="Diabète mal suivi",
        patient_agreed=True,
        sheet=sheet,
    )
    orientation = Orientation.objects.create(
        sheet=sheet,
        mediator=team["mediator"],
        post=team["post"],
        partner_type="cpam",
        date=sheet.opened_on,
        reason="CSS",
    )
    data = personal_data.personal_data(person)
    assert data["sheets"][0]["referral"][5]["value"] == "Dupont"
    assert data["sheets"][0]["orientations"][0][3]["value"] == "CSS"
    personal_data.anonymise(person, by=team["manager"])
    referral.refresh_from_db()
    orientation.refresh_from_db()
    assert (referral.patient_last_name, referral.patient_first_name, referral.patient_phone, referral.message) == (
        "Personne anonymisée",
        "",
        "",
        "",
    )
    assert referral.referrer_name == "Dr Martin"
    assert orientation.reason == "(anonymisé)"


def test_the_bilan_is_identical_before_and_after_anonymisation(team, person):
    for n in range(3):
        other = BeneficiaryFactory(structure=team["structure"], referent=team["mediator"])
        sheet = SheetFactory(beneficiary=other, post=team["post"], opened_on=datetime.date(YEAR, 4 + n, 2), age=30 + n)
        SheetRequestFactory(sheet=sheet, resolved=n % 2 == 0)
    scope = resolve_scope(Department.objects.all(), year=YEAR, key="region:32")

    def document():
        data = bilan_document(compute_bilan(scope))
        data.pop("computed_at")
        return data

    before = document()
    assert before["activity"]["volume"]["total"]["sheets"] == 4
    personal_data.anonymise(person, by=team["manager"])
    assert Beneficiary.objects.get(pk=person.pk).anonymised_at is not None
    assert document() == before


# ---------------------------------------------------------------- retention

TODAY = datetime.date(2026, 6, 15)


def at(day):
    """An aware datetime at noon on `day`, for created_at."""
    from django.utils import timezone

    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


@pytest.fixture
def people(team):
    """Who has been active when, against TODAY and 24 months of retention."""

    def make(name, *, created, sheet_on=None, **activity):
        person = BeneficiaryFactory(structure=team["structure"], referent=team["mediator"], last_name=name)
        Beneficiary.objects.filter(pk=person.pk).update(created_at=at(created))
        if sheet_on:
            sheet = SheetFactory(beneficiary=person, post=team["post"], opened_on=sheet_on)
            if "contact_on" in activity:
                ContactFactory(sheet=sheet, date=activity["contact_on"])
            if "closed_on" in activity:
                SheetRequestFactory(
                    sheet=sheet, opened_on=sheet_on, status=RequestStatus.RESOLVED, closed_on=activity["closed_on"]
                )
            if "request_on" in activity:
                SheetRequestFactory(sheet=sheet, opened_on=activity["request_on"])
        return person

    old = datetime.date(2023, 1, 10)
    return {
        "inactive": make("Ancien", created=old, sheet_on=old),
        "inactive_no_sheet": make("Sans fiche", created=old),
        "recent_sheet": make("Fiche récente", created=old, sheet_on=datetime.date(2026, 3, 1)),
        "recent_contact": make("Contact récent", created=old, sheet_on=old, contact_on=datetime.date(2025, 9, 1)),
        "recent_closure": make("Clôture récente", created=old, sheet_on=old, closed_on=datetime.date(2025, 1, 5)),
        "recent_request": make("Demande récente", created=old, sheet_on=old, request_on=datetime.date(2024, 12, 1)),
        "new_record": make("Nouveau", created=datetime.date(2026, 5, 1)),
        # Inactive since 2024-07-01: 24 months on 2026-07-01, within the 30 days of warning.
        "soon_inactive": make("Bientôt", created=old, sheet_on=datetime.date(2024, 7, 1)),
    }


def names(queryset):
    return sorted(b.last_name for b in queryset)


def test_last_activity_is_the_latest_of_sheet_contact_and_request(people):
    found = {b.last_name: b.last_activity_on for b in personal_data.with_last_activity(Beneficiary.objects.all())}
    assert found["Contact récent"] == datetime.date(2025, 9, 1)
    assert found["Clôture récente"] == datetime.date(2025, 1, 5)
    assert found["Sans fiche"] == datetime.date(2023, 1, 10)


def test_retention_warns_first_then_anonymises_exactly_the_inactive(
    team, people, mailoutbox, django_capture_on_commit_callbacks
):
    assert names(personal_data.to_warn(TODAY)) == ["Ancien", "Bientôt", "Sans fiche"]

    with django_capture_on_commit_callbacks(execute=True):
        run = personal_data.apply_retention(today=TODAY, base_url="https://mediation.example.fr")
    assert (run.warned, run.anonymised, run.structures_notified) == (3, 0, 1)
    [mail] = mailoutbox
    assert mail.to == [team["manager"].email]
    assert mail.subject == "3 personne(s) seront anonymisées le 15 juillet 2026"
    assert "https://mediation.example.fr/accompagnements/personnes/a-anonymiser/" in mail.body
    assert "Ancien" not in mail.body  # no name in an e-mail
    assert RetentionNotice.objects.count() == 3

    # Nobody is warned twice, nobody is anonymised before the 30 days.
    day_29 = TODAY + datetime.timedelta(days=29)
    run = personal_data.apply_retention(today=day_29)
    assert (run.warned, run.anonymised) == (0, 0)

    # Meanwhile "Ancien" comes back: a contact on his sheet.
    ContactFactory(sheet=people["inactive"].sheets.get(), date=TODAY + datetime.timedelta(days=10))

    with django_capture_on_commit_callbacks(execute=True):
        run = personal_data.apply_retention(today=TODAY + datetime.timedelta(days=30))
    assert run.anonymised == 2
    # Warned 30 days ago and still inactive: "Sans fiche", and "Bientôt", inactive since 2026-07-01.
    anonymised = Beneficiary.objects.filter(anonymised_at__isnull=False)
    assert sorted(b.pk for b in anonymised) == sorted([people["inactive_no_sheet"].pk, people["soon_inactive"].pk])
    entry = LogEntry.objects.filter(additional_data__operation="conservation").first()
    assert entry is not None and entry.actor is None


def test_the_retention_list_shows_the_warned_people_to_the_manager(client, team, people):
    personal_data.apply_retention(today=TODAY)
    client.force_login(team["manager"])
    content = client.get(reverse("accompaniments:retention_list")).content.decode()
    assert "ANCIEN" in content and "15/07/2026" in content
    assert "FICHE RÉCENTE" not in content
    client.force_login(team["mediator"])
    assert client.get(reverse("accompaniments:retention_list")).status_code == 403


def test_the_command_reports_each_run(people, settings):
    out = io.StringIO()
    call_command("apply_retention", "--date", TODAY.isoformat(), "--dry-run", stdout=out)
    assert (
        "Simulation — 15/06/2026 : 3 personne(s) signalée(s) à 1 structure(s), 0 personne(s) anonymisée(s), "
        "0 orientation(s) non suivie(s) effacée(s)." in out.getvalue()
    )
    assert not RetentionNotice.objects.exists()
    settings.RETENTION_MONTHS = 48
    out = io.StringIO()
    call_command("apply_retention", "--date", TODAY.isoformat(), stdout=out)
    assert "0 personne(s) signalée(s)" in out.getvalue()


def test_access_logs_are_purged_after_their_own_retention(settings):
    """The access logs follow AUDIT_LOG_RETENTION_MONTHS (12 by default) through purge_audit_logs."""
    from mediation.management.commands.purge_audit_logs import Command

    assert settings.AUDIT_LOG_RETENTION_MONTHS == 12
    parser = Command().create_parser("manage.py", "purge_audit_logs")
    assert parser.parse_args([]).months == 12


def test_referrals_that_never_became_a_sheet_lose_the_patient_after_their_retention(team, people, settings):
    from partners.enums import ReferralStatus
    from partners.models import Referral
    from tests.partners.factories import ReferralFactory

    def referral(**fields):
        return ReferralFactory(commune=team["structure"].commune, **fields)

    assert settings.REFERRAL_RETENTION_MONTHS == 12
    long_ago, lately = at(datetime.date(2025, 6, 1)), at(datetime.date(2025, 7, 1))  # TODAY − 12 months: 2025-06-15
    old_declined = referral(
        status=ReferralStatus.DECLINED,
        received_at=long_ago,
        decided_at=long_ago,
        decline_reason="Déjà suivie par le CCAS",
        message="Diabète",
    )
    old_pending = referral(received_at=long_ago)
    declined_lately = referral(status=ReferralStatus.DECLINED, received_at=long_ago, decided_at=lately)
    recent_pending = referral(received_at=lately)
    accepted = referral(
        status=ReferralStatus.ACCEPTED,
        received_at=long_ago,
        decided_at=long_ago,
        sheet=people["recent_sheet"].sheets.get(),
    )

    assert sorted(partners_personal_data.referrals_to_wipe(TODAY).values_list("pk", flat=True)) == sorted(
        [old_declined.pk, old_pending.pk]
    )
    dry = personal_data.apply_retention(today=TODAY, dry_run=True)
    assert dry.referrals_wiped == 2
    assert Referral.objects.get(pk=old_declined.pk).patient_last_name == "Benali"

    run = personal_data.apply_retention(today=TODAY)
    assert run.referrals_wiped == 2
    wiped = Referral.objects.get(pk=old_declined.pk)
    assert (wiped.patient_last_name, wiped.patient_first_name, wiped.patient_phone) == (
        personal_data.ANONYMISED_LAST_NAME,
        "",
        "",
    )
    assert (wiped.message, wiped.decline_reason) == ("", "")
    assert wiped.referrer_email and wiped.commune_id and wiped.reasons.exists()  # what the activity counts stays
    for kept in (declined_lately, recent_pending, accepted):
        assert Referral.objects.get(pk=kept.pk).patient_last_name == "Benali"
    assert LogEntry.objects.filter(object_pk=str(old_pending.pk), additional_data__operation="conservation").exists()
    # The next run finds nothing more to do.
    assert personal_data.apply_retention(today=TODAY).referrals_wiped == 0
