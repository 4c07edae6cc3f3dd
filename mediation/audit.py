"""Traceability (CNIL) at the core: the accounts' audit trail and what every audit entry may hold.

- Authentication events (login, logout, failed login or second factor, second factor added,
  removed or reset) and changes of rights (account privileges, groups and permissions, roles,
  invitations) are written as `AccountEvent`s, with the author (the request's user, or for a role
  opened by an invitation the person who invited), the time and the client's address. A failed
  login names the account by id when the e-mail typed is one, otherwise nothing: never the e-mail
  nor the password typed.
- The django-auditlog entries of every app name records by id only (`record_by_id_only`), and
  many-to-many changes list the ids of the values added or removed (`track_m2m_by_id`), never
  their labels: a vocabulary label ("Handicap") says something of a person's health."""

from contextlib import contextmanager

from allauth.account.adapter import get_adapter
from allauth.mfa import signals as mfa_signals
from auditlog.context import auditlog_value, set_actor
from auditlog.models import LogEntry
from auditlog.receivers import check_disable
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

from .enums import AccountEventKind

PRIVILEGES = ("is_active", "is_staff", "is_superuser")
MEMBERSHIP_FIELDS = ("role", "structure_id", "region_id")
CLEARED = "_audit_cleared_pks"

# ---------------------------------------------------------------- every audit entry


def record_by_id_only(sender, instance, **kwargs):
    """A log entry names its record "<model> n° <id>", never by the record's own text."""
    if instance.content_type_id and instance.object_pk:
        instance.object_repr = f"{instance.content_type.name} n° {instance.object_pk}"


def _m2m_by_id(field_name):
    @check_disable
    def log(sender, instance, action, reverse, pk_set, **kwargs):
        # From the other side (`value.sheets.add(...)`) there is no accessor on our models
        # (related_name="+"): only the forward changes happen.
        if reverse:
            return
        if action == "pre_clear":
            setattr(instance, CLEARED, sorted(getattr(instance, field_name).values_list("pk", flat=True)))
            return
        if action == "post_clear":
            pks, operation = getattr(instance, CLEARED, []), "delete"
        elif action in ("post_add", "post_remove"):
            pks, operation = sorted(pk_set or ()), "add" if action == "post_add" else "delete"
        else:
            return
        # auditlog writes str() of each item it is given: the ids, not the values' labels.
        LogEntry.objects.log_m2m_changes([str(pk) for pk in pks], instance, operation, field_name)

    return log


def track_m2m_by_id(model, field_names):
    """Log the many-to-many changes of `model` (a model registered with auditlog without
    `m2m_fields`) naming the field and the ids added or removed."""
    for name in field_names:
        m2m_changed.connect(
            _m2m_by_id(name),
            sender=getattr(model, name).through,
            weak=False,
            dispatch_uid=f"audit_m2m_by_id_{model._meta.label_lower}_{name}",
        )


# ---------------------------------------------------------------- account events


def _context():
    return auditlog_value.get({})


@contextmanager
def acting_as(actor, *, remote_addr=None):
    """auditlog's set_actor, whose actor ends with the block: auditlog leaves it in the thread's
    context, where the worker's next task would record its events in that person's name."""
    previous = auditlog_value.get({})
    try:
        with set_actor(actor, remote_addr=remote_addr):
            yield
    finally:
        auditlog_value.set(previous)


def _address(request=None):
    """The client's address as the login rate limits see it (trusted proxies), else the one the
    auditlog middleware took for the request."""
    if request is not None:
        try:
            return get_adapter(request).get_client_ip(request)
        except (ImproperlyConfigured, PermissionDenied):
            pass
    return _context().get("remote_addr")


def _pk(user):
    return getattr(user, "pk", None)


def record(kind, *, account=None, actor=None, request=None, **details):
    """Write one entry of the accounts' audit trail; `actor` defaults to the request's user."""
    from .models import AccountEvent

    if actor is None:
        actor = _context().get("actor")
    return AccountEvent.objects.create(
        kind=kind,
        account_id=account if isinstance(account, int) else _pk(account),
        actor_id=actor if isinstance(actor, int) else _pk(actor),
        remote_addr=_address(request),
        details=details,
    )


def _logged_in(sender, request, user, **kwargs):
    record(AccountEventKind.LOGIN, account=user, actor=user, request=request)


def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        record(AccountEventKind.LOGOUT, account=user, actor=user, request=request)


def _login_failed(sender, credentials, request=None, **kwargs):
    typed = credentials.get("email") or credentials.get("login") or credentials.get("username") or ""
    account = None
    if isinstance(typed, str) and typed:
        account = get_user_model().objects.filter(email__iexact=typed).values_list("pk", flat=True).first()
    record(AccountEventKind.LOGIN_FAILED, account=account, request=request)


def _second_factor(kind):
    def receiver(sender, request, user, authenticator, **kwargs):
        record(kind, account=user, actor=user, request=request, authenticator=authenticator.type)

    return receiver


# ---------------------------------------------------------------- privileges and roles


def _remember_privileges(sender, instance, update_fields=None, raw=False, **kwargs):
    if raw or instance.pk is None or (update_fields is not None and not set(update_fields) & set(PRIVILEGES)):
        instance._audit_privileges = None
        return
    instance._audit_privileges = sender.objects.filter(pk=instance.pk).values(*PRIVILEGES).first()


def _privileges_saved(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    now = {name: getattr(instance, name) for name in PRIVILEGES}
    if created:
        record(AccountEventKind.ACCOUNT_CREATED, account=instance, **now)
        return
    before = getattr(instance, "_audit_privileges", None)
    if before:
        changed = {name: [before[name], now[name]] for name in PRIVILEGES if before[name] != now[name]}
        if changed:
            record(AccountEventKind.PRIVILEGES_CHANGED, account=instance, **changed)


def _permissions_changed(field_name):
    def receiver(sender, instance, action, reverse, pk_set, **kwargs):
        if reverse or action not in ("post_add", "post_remove", "pre_clear"):
            return
        if action == "pre_clear":
            pks, operation = sorted(getattr(instance, field_name).values_list("pk", flat=True)), "delete"
        else:
            pks, operation = sorted(pk_set or ()), "add" if action == "post_add" else "delete"
        if pks:
            record(
                AccountEventKind.PERMISSIONS_CHANGED, account=instance, field=field_name, operation=operation, ids=pks
            )

    return receiver


def _granted_by(membership):
    """Who grants a role created outside any request's user: the person who invited, when the
    role comes from the invitation being accepted (the new account is not logged in yet)."""
    from .models import Invitation

    actor = _context().get("actor")
    if actor is not None:
        return actor, {}
    invitation = (
        Invitation.objects.pending()
        .filter(email__iexact=membership.user.email, role=membership.role)
        .values("pk", "invited_by_id")
        .first()
    )
    if invitation is None:
        return None, {}
    return invitation["invited_by_id"], {"invitation": invitation["pk"]}


def _membership(instance):
    return {"membership": instance.pk, **{name: getattr(instance, name) for name in MEMBERSHIP_FIELDS}}


def _remember_membership(sender, instance, raw=False, **kwargs):
    instance._audit_membership = None
    if not raw and instance.pk is not None:
        instance._audit_membership = sender.objects.filter(pk=instance.pk).values(*MEMBERSHIP_FIELDS).first()


def _membership_saved(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    actor, extra = _granted_by(instance)
    if created:
        record(
            AccountEventKind.MEMBERSHIP_CREATED, account=instance.user_id, actor=actor, **_membership(instance), **extra
        )
        return
    before = getattr(instance, "_audit_membership", None) or {}
    changed = [name for name in MEMBERSHIP_FIELDS if name in before and before[name] != getattr(instance, name)]
    if changed:
        before_values = {f"{name}_before": before[name] for name in changed}
        record(
            AccountEventKind.MEMBERSHIP_CHANGED,
            account=instance.user_id,
            actor=actor,
            fields=changed,
            **_membership(instance),
            **before_values,
            **extra,
        )


def _membership_deleted(sender, instance, **kwargs):
    record(AccountEventKind.MEMBERSHIP_DELETED, account=instance.user_id, **_membership(instance))


def _membership_departments(sender, instance, action, reverse, pk_set, **kwargs):
    if reverse or action not in ("post_add", "post_remove", "pre_clear"):
        return
    if action == "pre_clear":
        pks, operation = sorted(instance.departments.values_list("pk", flat=True)), "delete"
    else:
        pks, operation = sorted(pk_set or ()), "add" if action == "post_add" else "delete"
    if pks:
        actor, extra = _granted_by(instance)
        record(
            AccountEventKind.MEMBERSHIP_CHANGED,
            account=instance.user_id,
            actor=actor,
            fields=["departments"],
            operation=operation,
            departments=pks,
            **_membership(instance),
            **extra,
        )


def _invitation_saved(sender, instance, created, update_fields=None, raw=False, **kwargs):
    if raw:
        return
    scope = {"invitation": instance.pk, "role": instance.role, "structure_id": instance.structure_id}
    scope |= {"region_id": instance.region_id, "post_id": instance.post_id}
    if created:
        record(AccountEventKind.INVITATION_CREATED, actor=instance.invited_by_id, **scope)
    elif update_fields and "revoked_at" in update_fields and instance.revoked_at:
        record(AccountEventKind.INVITATION_REVOKED, **scope)
    elif update_fields and "accepted_at" in update_fields and instance.accepted_at:
        record(AccountEventKind.INVITATION_ACCEPTED, account=instance.user_id, actor=instance.user_id, **scope)


# ---------------------------------------------------------------- wiring


def connect():
    from .models import Invitation, Membership

    User = get_user_model()
    pre_save.connect(record_by_id_only, sender=LogEntry, dispatch_uid="audit_record_by_id_only")
    user_logged_in.connect(_logged_in, dispatch_uid="audit_logged_in")
    user_logged_out.connect(_logged_out, dispatch_uid="audit_logged_out")
    user_login_failed.connect(_login_failed, dispatch_uid="audit_login_failed")
    second_factor = {
        mfa_signals.authenticator_added: AccountEventKind.SECOND_FACTOR_ADDED,
        mfa_signals.authenticator_removed: AccountEventKind.SECOND_FACTOR_REMOVED,
        mfa_signals.authenticator_reset: AccountEventKind.SECOND_FACTOR_RESET,
        mfa_signals.authentication_failed: AccountEventKind.SECOND_FACTOR_FAILED,
    }
    for signal, kind in second_factor.items():
        signal.connect(_second_factor(kind), weak=False, dispatch_uid=f"audit_{kind}")
    pre_save.connect(_remember_privileges, sender=User, dispatch_uid="audit_remember_privileges")
    post_save.connect(_privileges_saved, sender=User, dispatch_uid="audit_privileges_saved")
    for name in ("groups", "user_permissions"):
        m2m_changed.connect(
            _permissions_changed(name),
            sender=getattr(User, name).through,
            weak=False,
            dispatch_uid=f"audit_permissions_{name}",
        )
    pre_save.connect(_remember_membership, sender=Membership, dispatch_uid="audit_remember_membership")
    post_save.connect(_membership_saved, sender=Membership, dispatch_uid="audit_membership_saved")
    post_delete.connect(_membership_deleted, sender=Membership, dispatch_uid="audit_membership_deleted")
    m2m_changed.connect(
        _membership_departments, sender=Membership.departments.through, dispatch_uid="audit_membership_departments"
    )
    post_save.connect(_invitation_saved, sender=Invitation, dispatch_uid="audit_invitation_saved")
