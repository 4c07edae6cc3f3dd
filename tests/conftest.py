import json

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.db import connections

from mediation.enums import Role
from mediation.models import Commune, FormerCommuneCode
from tests.factories import make_user

BULK_RESTORED = (Commune, FormerCommuneCode)  # thousands of rows the migrations load (geography)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The transactional tests (live server, simultaneous requests) get the migrations' data back
    after each test (`serialized_rollback`), which Django restores one save() per row: Hauts-de-
    France's communes and former codes would add seconds to each of them. They are left out of
    the serialized copy and put back in two bulk inserts instead."""
    connection = connections["default"]
    contents = getattr(connection, "_test_serialized_contents", None)
    if not contents:
        return
    labels = {model._meta.label_lower for model in BULK_RESTORED}
    with django_db_blocker.unblock():
        rows = {model: list(model.objects.order_by("pk").values()) for model in BULK_RESTORED}
    connection._test_serialized_contents = json.dumps([o for o in json.loads(contents) if o["model"] not in labels])
    deserialize = connection.creation.deserialize_db_from_string

    def deserialize_then_bulk_restore(data):
        deserialize(data)
        for model in BULK_RESTORED:
            # ignore_conflicts: before the first flush, the rows are still there.
            model.objects.bulk_create([model(**row) for row in rows[model]], batch_size=2000, ignore_conflicts=True)

    connection.creation.deserialize_db_from_string = deserialize_then_bulk_restore


@pytest.fixture(autouse=True)
def _no_outbound_network(monkeypatch):
    """Tests never reach the network; e-mails go to the locmem outbox."""
    import socket

    real_connect = socket.socket.connect

    def guarded_connect(self, address, *args, **kwargs):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and host not in {"127.0.0.1", "localhost", "::1"} and not host.startswith("/"):
            raise RuntimeError(f"Outbound network access in a test: {address!r}")
        return real_connect(self, address, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)


@pytest.fixture(autouse=True)
def _no_audit_author_left():
    """Each test starts without an audit author: auditlog keeps the last one in the thread's
    context (the app ends its own: mediation.audit.acting_as and the audit middleware)."""
    from auditlog.context import auditlog_value

    token = auditlog_value.set({})
    yield
    auditlog_value.reset(token)


def enable_totp(user):
    """Give `user` a TOTP authenticator, as if they had set up the second factor."""
    return TOTP.activate(user, generate_totp_secret())


@pytest.fixture
def login_as(client):
    """Log the client in as a new user of `role` (second factor already set up where required)."""

    def _login(role, **scope):
        user = make_user(role, **scope)
        if role in (Role.COORDINATOR, Role.READER, Role.ADMIN):
            enable_totp(user)
        client.force_login(user)
        return user

    return _login


__all__ = ["Authenticator", "enable_totp"]
