"""The holders a posts register gives its posts, written in bulk: the new accounts (inactive, no
usable password), their mediator roles and the holdings, by batch, with the entries of the
accounts' audit trail that `mediation.audit` records when an account or a role is created one by
one (bulk writes send no signal): the same kinds, author, address and details, in the same order
(an account, then its role)."""

import datetime

from auditlog.context import auditlog_value
from django.db.models.functions import Lower

from mediation.audit import MEMBERSHIP_FIELDS, PRIVILEGES
from mediation.enums import AccountEventKind, Role
from mediation.models import AccountEvent, Invitation, Membership, PostHolding, User

from .lookups import chunks


def write_holders(pairs, *, lookups, last_ends):
    """Give each (post, holder) of `pairs` its holding, creating the holder's account and role
    when `lookups` knows none; returns the number of accounts created."""
    accounts = {}
    for _post, holder in pairs:
        email = holder["email"]
        if lookups.users.get(email) is None and email not in accounts:
            user = User(email=email, first_name=holder["first_name"], last_name=holder["last_name"], is_active=False)
            user.set_unusable_password()
            accounts[email] = user
    User.objects.bulk_create(accounts.values())
    lookups.users.update(accounts)

    roles = {}
    for post, holder in pairs:
        user = lookups.users[holder["email"]]
        if user.pk not in lookups.memberships and user.pk not in roles:
            roles[user.pk] = Membership(user=user, role=Role.MEDIATOR, structure=post.structure)
    Membership.objects.bulk_create(roles.values())
    lookups.memberships.update(roles)

    holdings = []
    for post, holder in pairs:
        start = post.start_date
        last_end = last_ends.get(post.pk)
        if last_end and last_end >= start:
            start = last_end + datetime.timedelta(days=1)
        holding = PostHolding(post=post, mediator=lookups.users[holder["email"]], start_date=start)
        holding.full_clean(exclude=["post", "mediator"], validate_constraints=False)
        holdings.append(holding)
    PostHolding.objects.bulk_create(holdings)

    AccountEvent.objects.bulk_create(_events(accounts.values(), roles.values()))
    return len(accounts)


def _events(accounts, roles):
    """The audit entries of `accounts` and `roles` just created, as the signals would write them."""
    context = auditlog_value.get({})
    actor, address = context.get("actor"), context.get("remote_addr")
    actor_id = actor if isinstance(actor, int) else getattr(actor, "pk", None)
    by_account = {membership.user_id: membership for membership in roles}
    invitations = {} if actor_id is not None else _pending_invitations(roles)

    def event(kind, account_id, actor_id, **details):
        return AccountEvent(kind=kind, account_id=account_id, actor_id=actor_id, remote_addr=address, details=details)

    def role_event(membership):
        granted_by, extra = actor_id, {}
        invitation = invitations.get(membership.user.email.lower())
        if invitation is not None:
            granted_by, extra = invitation["invited_by_id"], {"invitation": invitation["pk"]}
        details = {"membership": membership.pk, **{name: getattr(membership, name) for name in MEMBERSHIP_FIELDS}}
        return event(AccountEventKind.MEMBERSHIP_CREATED, membership.user_id, granted_by, **details, **extra)

    events = []
    for user in accounts:
        events.append(
            event(AccountEventKind.ACCOUNT_CREATED, user.pk, actor_id, **{n: getattr(user, n) for n in PRIVILEGES})
        )
        if user.pk in by_account:
            events.append(role_event(by_account.pop(user.pk)))
    events.extend(role_event(membership) for membership in by_account.values())
    return events


def _pending_invitations(roles):
    """Without an author in the context, a role is granted by whoever invited its person to it
    (see `mediation.audit._granted_by`): the pending invitations of these accounts, by e-mail."""
    emails = {membership.user.email.lower() for membership in roles}
    found = {}
    ordering = Invitation._meta.ordering or ["pk"]
    for chunk in chunks(emails):
        pending = Invitation.objects.pending().annotate(key=Lower("email"))
        for invitation in pending.filter(key__in=chunk, role=Role.MEDIATOR).order_by(*ordering):
            found.setdefault(invitation.key, {"pk": invitation.pk, "invited_by_id": invitation.invited_by_id})
    return found
