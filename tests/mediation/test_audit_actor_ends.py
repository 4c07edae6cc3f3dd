"""The author of audit entries ends with the request or the task that set it: auditlog leaves it
in the thread's context, where the next work of that thread (a command in the same process, the
worker's next task) would otherwise record its events in the name of the last person served."""

import pytest
from auditlog.context import auditlog_value
from django.urls import reverse

from mediation import audit
from mediation.enums import AccountEventKind, Role
from mediation.models import AccountEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_context():
    token = auditlog_value.set({})
    yield
    auditlog_value.reset(token)


def test_an_event_recorded_after_a_request_has_no_author(client, login_as):
    login_as(Role.COORDINATOR)
    assert client.get(reverse("mediation:my_account")).status_code == 200
    event = audit.record(AccountEventKind.INVITATION_CREATED)
    assert AccountEvent.objects.get(pk=event.pk).actor_id is None


def test_an_event_recorded_after_an_import_task_has_no_author(login_as):
    user = login_as(Role.COORDINATOR)
    with audit.acting_as(user, remote_addr="192.0.2.1"):
        inside = audit.record(AccountEventKind.INVITATION_CREATED)
    after = audit.record(AccountEventKind.INVITATION_CREATED)
    assert (inside.actor_id, after.actor_id) == (user.pk, None)
