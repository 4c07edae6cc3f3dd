"""The accounts' audit trail (CNIL): logins, logouts, failed logins, second-factor changes and
role changes are recorded with their author, time and address; the administrators read them in
the Django admin and nobody, superusers included, edits or deletes them."""

import datetime
import re

import pytest
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, format_hotp_value, hotp_value
from allauth.mfa.totp.internal.auth import yield_hotp_counters_from_time as counters
from auditlog.models import LogEntry
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from mediation.enums import AccountEventKind, Role
from mediation.models import AccountEvent, Membership, User
from tests.conftest import enable_totp
from tests.factories import DEFAULT_PASSWORD, StructureFactory, make_user
from tests.mediation.test_account_pages import get_after_reauthenticating

pytestmark = pytest.mark.django_db

LOGIN = reverse("account_login")
WRONG_PASSWORD = "pas-le-bon-mot-de-passe"


@pytest.fixture(autouse=True)
def _no_rate_limit_left_over():
    cache.clear()


def events(kind):
    return list(AccountEvent.objects.filter(kind=kind).order_by("pk"))


def only(kind):
    found = events(kind)
    assert len(found) == 1, found
    return found[0]


def row_text(event):
    return repr([event.kind, event.actor_id, event.account_id, event.remote_addr, event.details, str(event)]) + repr(
        AccountEvent.objects.filter(pk=event.pk).values().get()
    )


def test_a_login_and_a_logout_are_recorded_with_the_account_and_the_address(client):
    user = make_user(Role.MEDIATOR)

    assert client.post(LOGIN, {"login": user.email, "password": DEFAULT_PASSWORD}).status_code == 302
    login = only(AccountEventKind.LOGIN)
    assert (login.account, login.actor, login.remote_addr) == (user, user, "127.0.0.1")
    assert timezone.now() - login.timestamp < datetime.timedelta(minutes=1)

    client.post(reverse("account_logout"))
    logout = only(AccountEventKind.LOGOUT)
    assert (logout.account, logout.actor, logout.remote_addr) == (user, user, "127.0.0.1")


def test_a_failed_login_names_the_account_by_id_never_what_was_typed(client):
    user = make_user(Role.MEDIATOR)

    client.post(LOGIN, {"login": user.email, "password": WRONG_PASSWORD})
    client.post(LOGIN, {"login": "inconnue@exemple.fr", "password": WRONG_PASSWORD})

    known, unknown = events(AccountEventKind.LOGIN_FAILED)
    assert (known.account_id, known.actor_id, known.remote_addr) == (user.pk, None, "127.0.0.1")
    assert (unknown.account_id, unknown.actor_id, unknown.details) == (None, None, {})
    for event in (known, unknown):
        text = row_text(event)
        assert user.email not in text and "inconnue" not in text and WRONG_PASSWORD not in text
    assert not events(AccountEventKind.LOGIN)


def test_a_wrong_second_factor_code_is_recorded(client):
    user = make_user(Role.COORDINATOR)
    enable_totp(user)
    client.post(LOGIN, {"login": user.email, "password": DEFAULT_PASSWORD})

    client.post(reverse("mfa_authenticate"), {"code": "000000"})

    failed = only(AccountEventKind.SECOND_FACTOR_FAILED)
    assert (failed.account, failed.details) == (user, {"authenticator": "totp"})
    assert not events(AccountEventKind.LOGIN)


def test_activating_and_deactivating_totp_are_recorded(client, django_capture_on_commit_callbacks):
    user = make_user(Role.MEDIATOR)
    client.post(LOGIN, {"login": user.email, "password": DEFAULT_PASSWORD})
    assert get_after_reauthenticating(client, reverse("mfa_activate_totp")).status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    code = format_hotp_value(hotp_value(secret, next(counters())))

    with django_capture_on_commit_callbacks(execute=True):  # allauth signals it once committed
        response = client.post(reverse("mfa_activate_totp"), {"code": code})

    assert response.status_code == 302
    added = events(AccountEventKind.SECOND_FACTOR_ADDED)
    assert {event.details["authenticator"] for event in added} == {"totp", "recovery_codes"}
    assert {(event.account, event.actor) for event in added} == {(user, user)}
    assert secret not in str([row_text(event) for event in added])

    assert get_after_reauthenticating(client, reverse("mfa_deactivate_totp")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("mfa_deactivate_totp")).status_code == 302
    removed = events(AccountEventKind.SECOND_FACTOR_REMOVED)
    assert {(event.account, event.actor) for event in removed} == {(user, user)}
    assert {event.details["authenticator"] for event in removed} == {"totp", "recovery_codes"}


def test_a_role_given_through_a_coordinators_invitation_is_recorded_with_the_coordinator(
    client, login_as, django_capture_on_commit_callbacks
):
    coordinator = login_as(Role.COORDINATOR)
    structure = StructureFactory()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("mediation:invitation_create"),
            {"email": "nouvelle@exemple.fr", "first_name": "Nora", "last_name": "Ait", "role": Role.MEDIATOR}
            | {"structure": structure.pk},
        )
    invitation = only(AccountEventKind.INVITATION_CREATED)
    assert invitation.actor == coordinator
    assert invitation.details | {"invitation": None} == {
        "invitation": None,
        "role": Role.MEDIATOR,
        "structure_id": structure.pk,
        "region_id": None,
        "post_id": None,
    }
    link = re.search(r"http://testserver(/invitation/[^/\s]+/)", mail.outbox[0].body).group(1)
    client.logout()

    password = "un-mot-de-passe-solide-42"
    client.post(link, {"first_name": "Nora", "last_name": "Ait", "password1": password, "password2": password})

    account = User.objects.get(email="nouvelle@exemple.fr")
    (created,) = AccountEvent.objects.filter(kind=AccountEventKind.MEMBERSHIP_CREATED, account=account)
    assert (created.account, created.actor) == (account, coordinator)
    assert created.details == {
        "membership": account.membership.pk,
        "role": Role.MEDIATOR,
        "structure_id": structure.pk,
        "region_id": None,
        "invitation": invitation.details["invitation"],
    }
    assert only(AccountEventKind.INVITATION_ACCEPTED).account == account


# ---------------------------------------------------------------- the Django admin


def admin_post_data(response):
    """The change form of the admin page as a browser would send it back unchanged."""
    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        forms += list(formset.forms)
        management = formset.management_form
        data |= {management.add_prefix(name): management[name].value() for name in management.fields}
    for form in forms:
        for bound in form:
            value = bound.value()
            widget = bound.field.widget
            if hasattr(widget, "widgets"):  # split date and time
                for index, part in enumerate(widget.decompress(value)):
                    data[f"{bound.html_name}_{index}"] = "" if part is None else part
            elif isinstance(value, bool):
                if value:
                    data[bound.html_name] = "on"
            elif isinstance(value, list | tuple):
                data[bound.html_name] = [str(v) for v in value]
            elif value is not None:
                data[bound.html_name] = value
    return {key: value for key, value in data.items() if "password" not in key}


@pytest.fixture
def admin(client):
    user = make_user(Role.ADMIN)
    enable_totp(user)
    client.force_login(user)
    return user


def change_url(user):
    return reverse("admin:mediation_user_change", args=[user.pk])


def test_an_administrator_giving_himself_a_structure_role_in_the_admin_is_recorded(client, admin):
    structure = StructureFactory()
    data = admin_post_data(client.get(change_url(admin)))
    data |= {"membership-0-role": Role.STRUCTURE_MANAGER, "membership-0-structure": structure.pk}

    response = client.post(change_url(admin), data)

    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    assert Membership.objects.get(user=admin).role == Role.STRUCTURE_MANAGER
    changed = only(AccountEventKind.MEMBERSHIP_CHANGED)
    assert (changed.account, changed.actor) == (admin, admin)
    assert changed.details["fields"] == ["role", "structure_id"]
    assert (changed.details["role"], changed.details["role_before"]) == (Role.STRUCTURE_MANAGER, Role.ADMIN)
    assert changed.details["structure_id"] == structure.pk


def test_privileges_given_in_the_admin_are_recorded_with_the_administrator(client, admin):
    colleague = make_user(Role.COORDINATOR)
    data = admin_post_data(client.get(change_url(colleague)))
    data |= {"is_staff": "on", "is_superuser": "on"}

    assert client.post(change_url(colleague), data).status_code == 302

    changed = only(AccountEventKind.PRIVILEGES_CHANGED)
    assert (changed.account, changed.actor) == (colleague, admin)
    assert changed.details == {"is_staff": [False, True], "is_superuser": [False, True]}


def test_removing_a_role_in_the_admin_is_recorded(client, admin):
    member = make_user(Role.MEDIATOR)
    membership_pk = member.membership.pk
    data = admin_post_data(client.get(change_url(member))) | {"membership-0-DELETE": "on"}

    assert client.post(change_url(member), data).status_code == 302

    assert not Membership.objects.filter(user=member).exists()
    deleted = only(AccountEventKind.MEMBERSHIP_DELETED)
    assert (deleted.account, deleted.actor) == (member, admin)
    assert deleted.details == {"membership": membership_pk, "role": Role.MEDIATOR} | {
        "structure_id": member.membership.structure_id,
        "region_id": None,
    }


def test_administrators_read_the_trails_but_nobody_edits_or_deletes_them(client, admin):
    event = AccountEvent.objects.filter(kind=AccountEventKind.LOGIN).first()
    person_entry = LogEntry.objects.log_create(admin, action=LogEntry.Action.ACCESS, changes="")
    assert event is not None and person_entry is not None
    assert client.get(reverse("admin:mediation_accountevent_changelist")).status_code == 200
    assert client.get(reverse("admin:auditlog_logentry_changelist")).status_code == 200
    assert client.get(reverse("admin:mediation_accountevent_add")).status_code == 403
    for name, entry in (("mediation_accountevent", event), ("auditlog_logentry", person_entry)):
        change = reverse(f"admin:{name}_change", args=[entry.pk])
        delete = reverse(f"admin:{name}_delete", args=[entry.pk])
        assert client.get(change).status_code == 200  # read only
        assert client.post(change, {"kind": AccountEventKind.LOGOUT, "action": 0}).status_code == 403
        assert client.get(delete).status_code == 403
        assert client.post(delete, {"post": "yes"}).status_code == 403
        changelist = reverse(f"admin:{name}_changelist")
        bulk = {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"}
        client.post(changelist, bulk)
        assert type(entry).objects.filter(pk=entry.pk).exists()
    event.refresh_from_db()
    assert event.kind == AccountEventKind.LOGIN


def test_the_purge_removes_account_events_past_the_retention(client, settings):
    settings.AUDIT_LOG_RETENTION_MONTHS = 12
    user = make_user(Role.MEDIATOR)
    client.post(LOGIN, {"login": user.email, "password": DEFAULT_PASSWORD})
    client.post(reverse("account_logout"))
    old = only(AccountEventKind.LOGIN)
    AccountEvent.objects.filter(pk=old.pk).update(timestamp=timezone.now() - datetime.timedelta(days=400))

    call_command("purge_audit_logs")

    assert not AccountEvent.objects.filter(kind=AccountEventKind.LOGIN).exists()
    assert AccountEvent.objects.filter(kind=AccountEventKind.LOGOUT).exists()
