"""Creating and editing a person's record: duplicates, French messages, concurrent edits and
expired sessions. Nothing typed is lost."""

import datetime

import pytest
from auditlog.models import LogEntry
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accompaniments.models import Beneficiary
from mediation.enums import Role, Vocabulary
from mediation.models import VocabularyItem
from tests.accompaniments.factories import BeneficiaryFactory, item
from tests.factories import DEFAULT_PASSWORD, QpvFactory, make_mediator, make_user

pytestmark = pytest.mark.django_db

CREATE_URL = reverse("accompaniments:beneficiary_create")


@pytest.fixture
def mediator(client):
    user = make_mediator()
    client.force_login(user)
    return user


def person_data(**overrides):
    data = {
        "last_name": "Dupont",
        "first_name": "Éléonore",
        "birth_date": "",
        "birth_year": "1980",
        "sex": item(Vocabulary.SEX, "female").pk,
        "phone": "06 12 34 56 78",
        "email": "",
        "address": "",
        "commune": "",
        "lives_in_qpv": "",
        "qpv": "",
        "resources": "",
        "came_via": "",
        "consent_on": "",
        "consent_method": "",
        "notes": "",
    }
    data.update(overrides)
    return data


def structure_of(user):
    return user.membership.structure


def errors_of(response):
    return response.context["form"].errors


# ---------------------------------------------------------------- create


def test_a_mediator_creates_a_person_she_then_follows(client, mediator):
    response = client.post(CREATE_URL, person_data())
    person = Beneficiary.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("accompaniments:beneficiary_detail", args=[person.pk])
    assert (person.structure, person.referent, person.birth_year) == (structure_of(mediator), mediator, 1980)
    page = client.get(response["Location"]).content.decode()
    assert "Le dossier de DUPONT Éléonore est créé." in page
    assert f"{reverse('accompaniments:sheet_create')}?beneficiary={person.pk}" in page
    assert "Nouvelle fiche pour cette personne" in page


def test_the_creation_form_puts_the_focus_on_the_last_name(client, mediator):
    page = client.get(CREATE_URL).content.decode()
    assert 'name="last_name"' in page
    field = page[page.index('name="last_name"') - 300 : page.index('name="last_name"') + 300]
    assert "autofocus" in field


def test_a_probable_duplicate_is_shown_before_anything_is_created(client, mediator):
    existing = BeneficiaryFactory(
        structure=structure_of(mediator), referent=mediator, last_name="DUPONT", first_name="eleonore"
    )
    response = client.post(CREATE_URL, person_data(last_name="dupont", first_name="Éléonore"))
    assert response.status_code == 200
    assert Beneficiary.objects.count() == 1
    page = response.content.decode()
    assert "Cette personne est peut-être déjà suivie par la structure" in page
    assert reverse("accompaniments:beneficiary_detail", args=[existing.pk]) in page
    assert response.context["duplicates"] == [existing]
    # What was typed is still there.
    assert 'value="06 12 34 56 78"' in page
    assert "!!INVALID" not in page

    confirmed = client.post(CREATE_URL, person_data(last_name="dupont", first_name="Éléonore", confirm_duplicate="1"))
    assert confirmed.status_code == 302
    assert Beneficiary.objects.count() == 2


def test_a_homonym_born_another_year_is_not_a_duplicate(client, mediator):
    BeneficiaryFactory(structure=structure_of(mediator), last_name="Dupont", first_name="Éléonore", birth_year=1950)
    assert client.post(CREATE_URL, person_data(birth_year="1980")).status_code == 302


def test_a_homonym_of_unknown_birth_year_is_a_probable_duplicate(client, mediator):
    BeneficiaryFactory(structure=structure_of(mediator), last_name="Dupont", first_name="Eléonore", birth_year=None)
    response = client.post(CREATE_URL, person_data(birth_year="1980"))
    assert response.status_code == 200
    assert len(response.context["duplicates"]) == 1


def test_homonyms_of_other_structures_and_anonymised_records_are_not_duplicates(client, mediator):
    BeneficiaryFactory(last_name="Dupont", first_name="Éléonore")
    BeneficiaryFactory(
        structure=structure_of(mediator), last_name="Dupont", first_name="Éléonore", anonymised_at=timezone.now()
    )
    assert client.post(CREATE_URL, person_data()).status_code == 302


def test_a_double_submit_creates_one_record(client, mediator):
    data = person_data(submission_token="abc123", confirm_duplicate="1")
    first = client.post(CREATE_URL, data)
    second = client.post(CREATE_URL, data)
    assert Beneficiary.objects.count() == 1
    assert second.status_code == 302
    assert second["Location"] == first["Location"]


def test_a_structure_manager_chooses_the_referent_among_the_mediators(client):
    manager = make_user(Role.STRUCTURE_MANAGER)
    structure = structure_of(manager)
    mediator = make_mediator(structure=structure)
    outsider = make_mediator()
    client.force_login(manager)

    missing = client.post(CREATE_URL, person_data())
    assert "Choisissez le·la médiateur·rice référent·e." in errors_of(missing)["referent"]
    foreign = client.post(CREATE_URL, person_data(referent=outsider.pk))
    assert errors_of(foreign)["referent"] == ["Choisissez une valeur de la liste proposée."]
    assert client.post(CREATE_URL, person_data(referent=manager.pk)).status_code == 200

    assert client.post(CREATE_URL, person_data(referent=mediator.pk)).status_code == 302
    assert Beneficiary.objects.get().referent == mediator


# ---------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"birth_year": "1850"}, "birth_year", "Indiquez une année de naissance entre 1900 et"),
        ({"birth_year": "3000"}, "birth_year", "Indiquez une année de naissance entre 1900 et"),
        ({"birth_year": "mille neuf cent"}, "birth_year", "Saisissez une année en chiffres"),
        ({"birth_year": "9" * 5000}, "birth_year", "Saisissez une année en chiffres"),
        ({"birth_date": "1899-12-31", "birth_year": ""}, "birth_date", "à partir de 1900"),
        ({"birth_date": "31/02/1980", "birth_year": ""}, "birth_date", "Saisissez une date valide"),
        ({"birth_date": "1980-05-04", "birth_year": "1981"}, "birth_year", "ne correspond pas à la date de naissance"),
        ({"sex": "999999"}, "sex", "Choisissez une valeur de la liste proposée."),
        ({"sex": "abc"}, "sex", "Choisissez une valeur de la liste proposée."),
        ({"sex": "9" * 30}, "sex", "Choisissez une valeur de la liste proposée."),
        ({"commune": "9" * 30}, "commune", "Commune inconnue"),
        ({"consent_method": "carrier_pigeon"}, "consent_method", "Choisissez une valeur de la liste proposée."),
        ({"consent_on": "2020-01-01"}, "consent_method", "Précisez comment le consentement a été recueilli."),
        ({"email": "pas-une-adresse"}, "email", "Saisissez une adresse e-mail valide"),
        ({"phone": "appelle-moi"}, "phone", "Saisissez un numéro de téléphone"),
        ({"last_name": "x" * 5000}, "last_name", "Assurez-vous que cette valeur comporte au plus 150 caractères"),
        ({"last_name": "  "}, "last_name", "Ce champ est obligatoire."),
        ({"notes": "x" * 20_000}, "notes", "au plus 10000 caractères"),
    ],
)
def test_invalid_input_gets_a_french_message(client, mediator, overrides, field, message):
    response = client.post(CREATE_URL, person_data(**overrides))
    assert response.status_code == 200
    assert any(message in error for error in errors_of(response)[field]), errors_of(response)
    assert not Beneficiary.objects.exists()
    assert "La fiche n'est pas enregistrée" in response.content.decode()


def test_dates_in_the_future_are_refused(client, mediator):
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = client.post(CREATE_URL, person_data(birth_date=tomorrow, birth_year="", consent_on=tomorrow))
    assert errors_of(response)["birth_date"] == ["La date de naissance ne peut pas être dans le futur."]
    assert errors_of(response)["consent_on"] == ["La date du consentement ne peut pas être dans le futur."]


def test_a_qpv_needs_the_person_to_live_in_a_qpv(client, mediator):
    qpv = QpvFactory(department=structure_of(mediator).commune.department)
    for answer in ("", "False"):
        response = client.post(CREATE_URL, person_data(qpv=qpv.pk, lives_in_qpv=answer))
        assert "répondez « Oui » à « Habite en QPV »" in errors_of(response)["qpv"][0]
    assert client.post(CREATE_URL, person_data(qpv=qpv.pk, lives_in_qpv="True")).status_code == 302
    person = Beneficiary.objects.get()
    assert (person.lives_in_qpv, person.qpv) == (True, qpv)


def test_a_qpv_of_another_department_is_refused(client, mediator):
    elsewhere = QpvFactory(department=structure_of(mediator).commune.department.__class__.objects.get(code="80"))
    response = client.post(CREATE_URL, person_data(qpv=elsewhere.pk, lives_in_qpv="True"))
    assert errors_of(response)["qpv"] == ["Choisissez une valeur de la liste proposée."]


def test_a_birth_date_sets_the_birth_year(client, mediator):
    client.post(CREATE_URL, person_data(birth_date="1975-06-30", birth_year=""))
    assert Beneficiary.objects.get().birth_year == 1975


def test_a_retired_value_is_not_offered_for_new_records(client, mediator):
    retired = item(Vocabulary.RESOURCES, "aah")
    VocabularyItem.objects.filter(pk=retired.pk).update(is_active=False)
    response = client.post(CREATE_URL, person_data(resources=retired.pk))
    assert errors_of(response)["resources"] == ["Choisissez une valeur de la liste proposée."]


# ---------------------------------------------------------------- edit


def update_url(person):
    return reverse("accompaniments:beneficiary_update", args=[person.pk])


def edit_data(person, **overrides):
    data = person_data(
        last_name=person.last_name,
        first_name=person.first_name,
        birth_year=person.birth_year or "",
        sex=person.sex_id or "",
        resources=person.resources_id or "",
        came_via=person.came_via_id or "",
        lives_in_qpv="True" if person.lives_in_qpv else "",
        version=person.version,
    )
    data.update(overrides)
    return data


def test_an_edit_is_saved_and_bumps_the_version(client, mediator):
    person = BeneficiaryFactory(structure=structure_of(mediator), referent=mediator)
    response = client.post(update_url(person), edit_data(person, phone="03 20 00 00 00"))
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.phone, person.version, person.referent) == ("03 20 00 00 00", 2, mediator)


def test_a_retired_value_stays_readable_and_saveable_on_an_old_record(client, mediator):
    retired = item(Vocabulary.RESOURCES, "aah")
    person = BeneficiaryFactory(structure=structure_of(mediator), referent=mediator, resources=retired)
    VocabularyItem.objects.filter(pk=retired.pk).update(is_active=False)
    page = client.get(update_url(person)).content.decode()
    assert "AAH (retiré)" in page
    assert client.post(update_url(person), edit_data(person, notes="Revue")).status_code == 302
    person.refresh_from_db()
    assert person.resources == retired


def test_a_stale_edit_is_refused_with_what_changed_and_the_typed_values_kept(client, mediator):
    person = BeneficiaryFactory(structure=structure_of(mediator), referent=mediator, phone="")
    opened = edit_data(person, phone="06 00 00 00 01", notes="Saisie dans le premier onglet")
    # Someone else saves first, from another tab.
    assert client.post(update_url(person), edit_data(person, phone="07 99 99 99 99")).status_code == 302

    response = client.post(update_url(person), opened)
    assert response.status_code == 200
    page = response.content.decode()
    assert "modifiées par ailleurs" in page
    assert "téléphone : « 07 99 99 99 99 »" in page
    assert 'value="06 00 00 00 01"' in page
    assert "Saisie dans le premier onglet" in page
    person.refresh_from_db()
    assert person.phone == "07 99 99 99 99"
    # Once reviewed, saving again goes through.
    retry = dict(opened, version=response.context["form"].data["version"])
    assert client.post(update_url(person), retry).status_code == 302
    person.refresh_from_db()
    assert person.phone == "06 00 00 00 01"


@pytest.mark.parametrize(
    ("stored_first", "saved_elsewhere", "shown"),
    [(False, "", "« vide »"), (None, "False", "« Non »"), (True, "False", "« Non »")],
)
def test_a_stale_edit_lists_a_qpv_answer_changed_between_no_and_not_given(
    client, mediator, stored_first, saved_elsewhere, shown
):
    person = BeneficiaryFactory(structure=structure_of(mediator), referent=mediator, lives_in_qpv=stored_first)
    typed = {False: "False", None: "", True: "True"}[stored_first]
    opened = edit_data(person, lives_in_qpv=typed, notes="Premier onglet")
    assert client.post(update_url(person), edit_data(person, lives_in_qpv=saved_elsewhere)).status_code == 302

    page = client.post(update_url(person), opened).content.decode()
    assert "modifiées par ailleurs" in page
    assert f"habite en QPV : {shown}" in page


def test_a_form_sent_after_the_session_expired_is_restored_after_logging_in_again(client, mediator):
    person = BeneficiaryFactory(structure=structure_of(mediator), referent=mediator)
    client.get(update_url(person))  # her pages mark the browser as hers
    Session.objects.all().delete()  # thirty idle minutes later the server forgot her session
    sent = client.post(update_url(person), edit_data(person, phone="06 11 22 33 44", notes="Tapé avant expiration"))
    assert sent.status_code == 302
    assert sent["Location"].startswith(reverse("account_login"))

    logged_in = client.post(reverse("account_login"), {"login": mediator.email, "password": DEFAULT_PASSWORD})
    assert logged_in.status_code == 302
    response = client.get(update_url(person))
    page = response.content.decode()
    assert "Votre session avait expiré : votre saisie a été conservée, vérifiez-la puis enregistrez." in page
    assert 'value="06 11 22 33 44"' in page
    assert "Tapé avant expiration" in page
    person.refresh_from_db()
    assert person.phone != "06 11 22 33 44"  # not saved until she submits
    # Used once: the next visit shows the stored record.
    assert "Tapé avant expiration" not in client.get(update_url(person)).content.decode()


def test_a_creation_sent_after_the_session_expired_is_restored_with_force_login(client, mediator):
    client.get(CREATE_URL)
    Session.objects.all().delete()
    client.post(CREATE_URL, person_data(last_name="Lefebvre", first_name="Inès"))
    client.force_login(mediator)
    page = client.get(CREATE_URL).content.decode()
    assert "Votre session avait expiré" in page
    assert 'value="Lefebvre"' in page
    assert not Beneficiary.objects.exists()


# ---------------------------------------------------------------- audit


def test_create_and_update_are_logged_without_personal_values(client, mediator):
    client.post(CREATE_URL, person_data(phone="06 98 76 54 32", notes="Diabète"))
    person = Beneficiary.objects.get()
    client.post(update_url(person), edit_data(person, phone="06 98 76 54 33", notes="Diabète"))
    entries = LogEntry.objects.get_for_object(person)
    actions = sorted(entry.action for entry in entries if entry.action != LogEntry.Action.ACCESS)
    assert actions == [LogEntry.Action.CREATE, LogEntry.Action.UPDATE]
    for entry in entries:
        assert entry.actor == mediator
        dumped = f"{entry.changes} {entry.changes_text} {entry.object_repr} {entry.serialized_data}"
        for secret in ("Dupont", "DUPONT", "Éléonore", "06 98", "Diabète", "1980"):
            assert secret not in dumped
    update = entries.get(action=LogEntry.Action.UPDATE)
    assert set(update.changes_dict) == {"phone"}


FORM_FIELDS = [
    "last_name", "first_name", "birth_date", "birth_year", "sex", "phone", "email", "address", "commune",
    "lives_in_qpv", "qpv", "resources", "came_via", "consent_on", "consent_method", "notes", "referent",
    "version", "confirm_duplicate", "submission_token",
]  # fmt: skip


@pytest.fixture
def fuzz_staff():
    manager = make_user(Role.STRUCTURE_MANAGER)
    return manager, BeneficiaryFactory(structure=manager.membership.structure)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.dictionaries(st.sampled_from(FORM_FIELDS), st.text(max_size=300)))
def test_random_input_never_breaks_the_form(fuzz_staff, values):
    from accompaniments.beneficiary_forms import BeneficiaryForm

    manager, person = fuzz_staff
    for instance in (Beneficiary(structure=person.structure), person):
        form = BeneficiaryForm(values, instance=instance, user=manager, structure=person.structure)
        if form.is_valid():
            assert form.cleaned_data["last_name"].strip()
        else:
            assert all(isinstance(message, str) for messages in form.errors.values() for message in messages)
