"""Workflows across models of the core."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from .enums import STRUCTURE_ROLES, Role
from .models import Invitation, Membership, PostHolding, User


class InvitationUnusable(Exception):
    """The link is unknown, already used, revoked or expired."""


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def invite(
    *,
    by: User | None,
    email: str,
    role: str,
    base_url: str,
    first_name="",
    last_name="",
    structure=None,
    post=None,
    region=None,
    departments=(),
    submission_key=None,
    send_email=True,
) -> tuple[Invitation, str]:
    """Record an invitation and e-mail its link once the transaction commits. Returns the
    invitation and the link (the token is not stored, only its digest). A `submission_key`
    already used refuses the insert (IntegrityError): no second invitation, no second e-mail.
    Without `send_email` (the first administrator's, from the command line: `by` is None) the
    caller hands the link over itself."""
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        email=email.lower(),
        first_name=first_name,
        last_name=last_name,
        role=role,
        structure=structure,
        post=post,
        region=region,
        invited_by=by,
        token_digest=token_digest(token),
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_VALIDITY_DAYS),
        submission_key=submission_key,
    )
    invitation.departments.set(departments)
    link = base_url.rstrip("/") + reverse("invitation_accept", kwargs={"token": token})
    if not send_email:
        return invitation, link
    context = {"invitation": invitation, "link": link, "inviter": by}
    subject = "Votre accès à Médiation santé"
    body = render_to_string("mediation/emails/invitation.txt", context)
    transaction.on_commit(lambda: send_mail(subject, body, None, [invitation.email]))
    return invitation, link


def find_usable_invitation(token: str) -> Invitation:
    invitation = Invitation.objects.filter(token_digest=token_digest(token)).first()
    if invitation is None or not invitation.is_usable():
        raise InvitationUnusable
    return invitation


@transaction.atomic
def accept_invitation(*, token: str, first_name: str, last_name: str, password: str) -> User:
    """Create the account and its role from a usable invitation, or open the account awaiting
    its invitation (an imported post holder) that has exactly the invited role; spend the invitation."""
    invitation = Invitation.objects.select_for_update().filter(token_digest=token_digest(token)).first()
    if invitation is None or not invitation.is_usable():
        raise InvitationUnusable
    existing = User.objects.select_for_update().filter(email__iexact=invitation.email).first()
    if existing is not None:
        if not _opens(invitation, existing):
            raise InvitationUnusable
        existing.activate(first_name=first_name, last_name=last_name, password=password)
        return _spend(invitation, existing)
    user = User.objects.create_user(
        invitation.email,
        password,
        first_name=first_name,
        last_name=last_name,
        is_staff=invitation.role == Role.ADMIN,
        is_superuser=invitation.role == Role.ADMIN,
    )
    membership = Membership.objects.create(
        user=user, role=invitation.role, structure=invitation.structure, region=invitation.region
    )
    membership.departments.set(invitation.departments.all())
    post_is_free = invitation.post_id and not invitation.post.holdings.filter(end_date__isnull=True).exists()
    if invitation.role == Role.MEDIATOR and post_is_free:
        PostHolding.objects.create(post=invitation.post, mediator=user, start_date=timezone.localdate())
    return _spend(invitation, user)


def _opens(invitation: Invitation, account: User) -> bool:
    """Does `invitation` open this existing account? Only one awaiting its invitation, whose role
    and structure are those invited: its membership and post holdings stay as they are."""
    return (
        account.is_awaiting_invitation
        and invitation.role in STRUCTURE_ROLES
        and Membership.objects.filter(user=account, role=invitation.role, structure=invitation.structure_id).exists()
    )


def _spend(invitation: Invitation, user: User) -> User:
    invitation.accepted_at = timezone.now()
    invitation.user = user
    invitation.save(update_fields=["accepted_at", "user"])
    return user


# ---------------------------------------------------------------- the first administrator


class FirstAdminRefused(Exception):
    """The first administrator's invitation cannot be made; the message says why, in French."""


@transaction.atomic
def invite_first_admin(
    *, email: str, base_url: str, first_name="", last_name="", additional=False
) -> tuple[Invitation, str, list[Invitation]]:
    """Invite an administrator from the server's command line (`create_first_admin`), through the
    invitation everyone gets: a password, then the second factor. Refused for an address that
    already has an account, and while an administrator is active unless `additional` is asked
    (the next ones are invited from the web pages). A pending invitation for the address is
    revoked (its link stops working) and replaced: returns the new invitation, its link and the
    revoked ones."""
    email = email.strip().lower()
    account = User.objects.filter(email__iexact=email).first()
    if account is not None and account.is_active:
        raise FirstAdminRefused(
            f"Un compte actif existe déjà avec l'adresse {email} : rien n'est créé. S'il a été fait avec "
            "createsuperuser, il n'ouvre que l'administration technique ; supprimez-le depuis /admin/ ou "
            "choisissez une autre adresse."
        )
    if account is not None:
        raise FirstAdminRefused(
            f"Un compte inactif existe déjà avec l'adresse {email} (fermé, ou créé par un import) : rien n'est "
            "créé. Rouvrez-le depuis /admin/ ou choisissez une autre adresse."
        )
    admins = Membership.objects.filter(role=Role.ADMIN, user__is_active=True).count()
    if admins and not additional:
        raise FirstAdminRefused(
            f"Un·e administrateur·rice actif·ve existe déjà ({admins} compte{'s' if admins > 1 else ''}) : rien "
            "n'est créé. Les suivant·es sont invité·es depuis la page Invitations du site. Pour créer malgré "
            "tout un·e administrateur·rice supplémentaire depuis le serveur, ajoutez --additional-admin."
        )
    revoked = list(Invitation.objects.select_for_update().pending().filter(email__iexact=email))
    now = timezone.now()
    for old in revoked:
        old.revoked_at = now
        old.save(update_fields=["revoked_at"])
    invitation, link = invite(
        by=None,
        email=email,
        role=Role.ADMIN,
        base_url=base_url,
        first_name=first_name,
        last_name=last_name,
        send_email=False,
    )
    return invitation, link, revoked
