"""Merging two records of one person, and reading a person's audit trail (structure managers)."""

import datetime

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from accompaniments.models import Beneficiary, Sheet
from mediation.enums import Role, Vocabulary
from tests.accompaniments.factories import BeneficiaryFactory, ContactFactory, SheetFactory, SheetRequestFactory, item
from tests.factories import CommuneFactory, make_mediator, make_user

pytestmark = pytest.mark.django_db


def merge_url(person):
    return reverse("accompaniments:beneficiary_merge", args=[person.pk])


def log_url(person):
    return reverse("accompaniments:beneficiary_log", args=[person.pk])


@pytest.fixture
def manager(client):
    user = make_user(Role.STRUCTURE_MANAGER)
    client.force_login(user)
    return user


@pytest.fixture
def twins(manager):
    """Two records of one person in the manager's structure, with one sheet each."""
    structure = manager.membership.structure
    mediator = make_mediator(structure=structure)
    kept = BeneficiaryFactory(
        structure=structure, referent=mediator, last_name="Dupont", first_name="Éléonore", phone="", notes="Suivi CSS"
    )
    other = BeneficiaryFactory(
        structure=structure,
        referent=mediator,
        last_name="DUPONT",
        first_name="Eleonore",
        birth_year=None,
        phone="06 12 34 56 78",
        commune=CommuneFactory(name="Roubaix", insee_code="59512"),
        sex=item(Vocabulary.SEX, "male"),
        notes="Cherche un médecin traitant",
    )
    SheetFactory(beneficiary=kept)
    moved = SheetFactory(beneficiary=other, opened_on=datetime.date(2024, 5, 2))
    SheetRequestFactory(sheet=moved)
    return kept, other


def confirm(client, kept, other):
    return client.post(
        merge_url(kept), {"other": other.pk, "target_version": kept.version, "other_version": other.version}
    )


def test_the_merge_page_offers_probable_duplicates_first(client, twins):
    kept, other = twins
    someone = BeneficiaryFactory(structure=kept.structure, last_name="Autre")
    response = client.get(merge_url(kept))
    assert response.context["duplicates"] == [other]
    choices = response.context["form"].fields["other"].choices
    assert choices[1] == (
        "Doublons probables",
        [(other.pk, f"{other} — année de naissance inconnue — fiche n° {other.pk}")],
    )
    assert [pk for pk, _ in choices[2][1]] == [someone.pk]


def test_the_confirmation_shows_both_records_side_by_side(client, twins):
    kept, other = twins
    response = client.get(merge_url(kept), {"other": other.pk})
    page = response.content.decode()
    assert "Confirmer la fusion" in page
    assert "Roubaix" in page and "06 12 34 56 78" in page
    rows = {row.label: row for row in response.context["rows"]}
    assert rows["Téléphone"].taken and rows["Téléphone"].result == "06 12 34 56 78"
    assert not rows["Sexe"].taken and rows["Sexe"].result == "Femme"
    assert Beneficiary.objects.count() == 2  # nothing done yet
    assert "!!INVALID" not in page


def test_merging_moves_the_sheets_fills_the_gaps_and_deletes_the_other(client, twins):
    kept, other = twins
    other_pk = other.pk
    response = confirm(client, kept, other)
    assert response.status_code == 302
    assert response["Location"] == reverse("accompaniments:beneficiary_detail", args=[kept.pk])
    assert not Beneficiary.objects.filter(pk=other_pk).exists()
    assert Sheet.objects.filter(beneficiary=kept).count() == 2
    kept.refresh_from_db()
    assert kept.phone == "06 12 34 56 78"
    assert kept.commune.name == "Roubaix"
    assert kept.sex.code == "female"  # what the kept record said wins
    assert kept.notes == "Suivi CSS\n\nCherche un médecin traitant"
    assert "Fusion faite : 1 fiche d&#x27;accompagnement rattachée" in client.get(response["Location"]).content.decode()
    # The deletion is in the audit trail.
    deleted = LogEntry.objects.get(object_id=other_pk, content_type__model="beneficiary", action=LogEntry.Action.DELETE)
    assert deleted.actor.membership.role == Role.STRUCTURE_MANAGER
    # ...and the kept record's journal tells which record was merged into it.
    actions = [row.action for row in client.get(log_url(kept)).context["rows"]]
    assert f"Fusion (fiche n° {other_pk} supprimée)" in actions


def test_a_record_changed_during_the_comparison_is_not_merged(client, twins):
    kept, other = twins
    versions = {"other": other.pk, "target_version": kept.version, "other_version": other.version}
    Beneficiary.objects.filter(pk=other.pk).update(version=other.version + 1)
    response = client.post(merge_url(kept), versions, follow=True)
    assert Beneficiary.objects.count() == 2
    assert "rien n&#x27;a été fusionné" in response.content.decode()


@pytest.mark.parametrize("value", ["", "abc", "99999999", "9" * 40])
def test_an_unknown_choice_gets_a_message(client, twins, value):
    kept, _ = twins
    response = client.post(merge_url(kept), {"other": value, "target_version": "x"})
    assert response.status_code == 200
    assert response.context["form"].errors["other"]
    assert Beneficiary.objects.count() == 2


def test_a_record_cannot_be_merged_with_itself_or_another_structure(client, twins):
    kept, _ = twins
    foreign = BeneficiaryFactory(last_name="Dupont", first_name="Éléonore")
    for value in (kept.pk, foreign.pk):
        response = client.post(merge_url(kept), {"other": value, "target_version": kept.version, "other_version": 1})
        assert response.context["form"].errors["other"] == ["Choisissez une valeur de la liste proposée."]
    assert Beneficiary.objects.filter(pk=foreign.pk).exists()


def test_a_mediator_of_the_structure_cannot_merge(client, twins):
    kept, other = twins
    client.force_login(kept.referent)
    assert client.get(merge_url(kept)).status_code == 403
    assert confirm(client, kept, other).status_code == 403
    assert Beneficiary.objects.count() == 2


# ---------------------------------------------------------------- audit trail


def test_the_log_lists_who_did_what_on_the_person_and_her_sheets_without_values(client, manager, twins):
    kept, _ = twins
    sheet = kept.sheets.get()
    ContactFactory(sheet=sheet)
    client.get(reverse("accompaniments:beneficiary_detail", args=[kept.pk]))
    response = client.get(log_url(kept))
    page = response.content.decode()
    actions = [row.action for row in response.context["rows"]]
    assert actions[0] == "Consultation"
    assert {"Création", "Consultation"} <= set(actions)
    records = {row.record for row in response.context["rows"]}
    assert {f"personne accompagnée n° {kept.pk}", f"fiche d'accompagnement n° {sheet.pk}"} <= records
    assert any(r.startswith("contact n° ") for r in records)
    assert "nom, prénom" in page or "nom" in page
    assert "Suivi CSS" not in page
    assert "!!INVALID" not in page
    consulted = next(row for row in response.context["rows"] if row.action == "Consultation")
    assert consulted.actor == manager.get_full_name()


def test_the_log_is_for_structure_managers_only(client, twins):
    kept, _ = twins
    client.force_login(kept.referent)
    assert client.get(log_url(kept)).status_code == 403


def test_logs_cannot_be_added_changed_or_deleted_in_the_admin(rf):
    from django.contrib import admin
    from django.urls import resolve

    log_admin = admin.site._registry[LogEntry]
    for url in ("/admin/auditlog/logentry/", "/admin/auditlog/logentry/1/delete/"):
        request = rf.get(url)
        request.user = make_user(Role.ADMIN)
        request.resolver_match = resolve(url)
        assert not log_admin.has_add_permission(request)
        assert not log_admin.has_change_permission(request)
        assert not log_admin.has_delete_permission(request)
