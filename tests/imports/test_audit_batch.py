"""An import of sheets is audited once per model and action, naming every record it wrote: the
audit trail costs one entry per import instead of one per record, and each person's journal
still says that she was imported, by whom."""

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from accompaniments.models import AuditedRecord, Beneficiary, Sheet, SheetRequest
from mediation.enums import Role
from tests.factories import make_user
from tests.imports.conftest import errors_of, run
from tests.imports.test_sheets_import import mediator, post, row, sheets_file  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

PEOPLE = 12


def test_importing_n_rows_writes_one_entry_per_model_naming_the_n_records(admin, mediator):  # noqa: F811
    report = run("fiches", sheets_file(*(row(f"P-{n}") for n in range(PEOPLE))), user=admin)
    assert errors_of(report) == []
    assert Beneficiary.objects.count() == Sheet.objects.count() == SheetRequest.objects.count() == PEOPLE

    created = LogEntry.objects.filter(action=LogEntry.Action.CREATE)
    assert created.count() == 3  # people, sheets, requests
    for model in (Beneficiary, Sheet, SheetRequest):
        entry = created.get(content_type__model=model._meta.model_name)
        named = set(AuditedRecord.objects.filter(entry=entry).values_list("object_id", flat=True))
        assert named == set(model.objects.values_list("pk", flat=True))
        assert entry.additional_data == {"import": "fichier.csv", "records": PEOPLE}
        assert (entry.actor, entry.actor_email) == (admin, admin.email)


def test_the_persons_journal_says_she_was_imported(client, admin, mediator):  # noqa: F811
    run("fiches", sheets_file(row("A-1"), row("B-2")), user=admin)
    person = Beneficiary.objects.get(external_id="A-1")
    manager = make_user(Role.STRUCTURE_MANAGER, structure=person.structure)
    client.force_login(manager)
    page = client.get(reverse("accompaniments:beneficiary_log", args=[person.pk]))
    assert page.status_code == 200
    rows = page.context["rows"]
    assert sorted(r.action for r in rows) == ["Création"] * 3  # her record, her sheet, its request
    assert {r.actor for r in rows} == {admin.get_full_name() or admin.email}
    # The import entries are on the journal of each person it wrote.
    other = Beneficiary.objects.get(external_id="B-2")
    assert len(client.get(reverse("accompaniments:beneficiary_log", args=[other.pk])).context["rows"]) == 3
