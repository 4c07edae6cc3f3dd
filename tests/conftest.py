import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from mediation.enums import Role
from tests.factories import make_user


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
