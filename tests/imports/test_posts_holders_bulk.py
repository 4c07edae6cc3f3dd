"""The posts register writes its holders in bulk: the accounts' audit trail is the one that
creating the same accounts and roles one by one records, and the number of queries does not grow
with the number of holders."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mediation.audit import acting_as
from mediation.enums import AccountEventKind, Role
from mediation.models import AccountEvent, Membership, Structure, User
from tests.factories import UserFactory
from tests.imports.conftest import errors_of, run
from tests.imports.test_posts_import import register, row

pytestmark = pytest.mark.django_db

ADDRESS = "203.0.113.9"


def trail(since, **accounts):
    """The account events after `since`, sorted, accounts named as in `accounts` (name=e-mail)."""
    names = {User.objects.get(email=email).pk: name for name, email in accounts.items()}
    described = []
    for event in AccountEvent.objects.filter(pk__gt=since):
        details = dict(event.details)
        if "membership" in details:
            assert Membership.objects.get(pk=details.pop("membership")).user_id == event.account_id
        described.append((event.kind, names[event.account_id], event.actor_id, event.remote_addr, details))
    return sorted(described, key=repr)


def last_event():
    return AccountEvent.objects.order_by("pk").values_list("pk", flat=True).last() or 0


def test_the_holders_audit_trail_is_the_one_of_accounts_created_one_by_one(admin, communes):
    UserFactory(email="sans.role@exemple.fr")  # an account without a role: only its role is created
    UserFactory(email="sans.role.bis@exemple.fr")
    start = last_event()
    with acting_as(admin, remote_addr=ADDRESS):
        report = run(
            "postes",
            register(
                row("P-59-001", email="awa@exemple.fr"),
                row("P-59-002", email="sans.role@exemple.fr"),
                row("P-59-003", email="nadia@exemple.fr"),
            ),
            user=admin,
        )
    assert errors_of(report) == []
    imported = trail(start, new="awa@exemple.fr", existing="sans.role@exemple.fr", other="nadia@exemple.fr")

    structure = Structure.objects.get(name="Centre social Élan")
    start = last_event()
    with acting_as(admin, remote_addr=ADDRESS):
        first = User.objects.create_user(
            "awa.bis@exemple.fr", None, first_name="Awa", last_name="Diallo", is_active=False
        )
        Membership.objects.create(user=first, role=Role.MEDIATOR, structure=structure)
        Membership.objects.create(
            user=User.objects.get(email="sans.role.bis@exemple.fr"), role=Role.MEDIATOR, structure=structure
        )
        third = User.objects.create_user(
            "nadia.bis@exemple.fr", None, first_name="Awa", last_name="Diallo", is_active=False
        )
        Membership.objects.create(user=third, role=Role.MEDIATOR, structure=structure)
    one_by_one = trail(
        start, new="awa.bis@exemple.fr", existing="sans.role.bis@exemple.fr", other="nadia.bis@exemple.fr"
    )

    assert imported == one_by_one
    assert len(imported) == 5


def count_queries(admin, prefix, holders):
    rows = [row(f"P-{prefix}-{n:03}", email=f"titulaire.{prefix.lower()}.{n}@exemple.fr") for n in range(holders)]
    with acting_as(admin), CaptureQueriesContext(connection) as queries:
        report = run("postes", register(*rows), user=admin)
    assert errors_of(report) == [] and report.created == holders
    return len(queries)


def test_the_number_of_queries_does_not_grow_with_the_holders(admin, communes):
    count_queries(admin, "A", 1)  # the structure is created once, by the first file
    few = count_queries(admin, "B", 3)
    many = count_queries(admin, "C", 40)
    assert User.objects.filter(email__startswith="titulaire.c.").count() == 40
    assert AccountEvent.objects.filter(kind=AccountEventKind.ACCOUNT_CREATED).count() >= 44
    assert many == few
