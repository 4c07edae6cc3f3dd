"""Workflows across models: a referral from its submission (routing, reference, e-mails) to its
acceptance (person, sheet) or its refusal. E-mails leave only once the transaction commits and
never carry a name or a health detail: the reference number and the outcome only."""

import datetime

from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accompaniments.enums import ConsentMethod
from accompaniments.models import Beneficiary, Sheet
from accompaniments.services import vocabulary_item
from mediation.enums import Role, Vocabulary
from mediation.models import Commune, Post, PostHolding, User

from .enums import ReferralStatus
from .models import Referral, ReferralEvent

REFERENCE_PREFIX = "ORI"


class ReferralAlreadyHandled(Exception):
    """The referral was accepted, declined or assigned meanwhile (another tab, a colleague)."""


# ---------------------------------------------------------------- routing


def route(commune: Commune, day: datetime.date) -> Post | None:
    """The post a referral for `commune` goes to: an open post covering the commune and held by a
    mediator on `day`. When several do, the one with the fewest referrals still pending, then
    the first by post code. None when no held post covers the commune: the department's
    coordinators then assign it."""
    held = PostHolding.objects.active_on(day).values("post_id")
    return (
        Post.objects.active_on(day)
        .filter(communes=commune, pk__in=held)
        .annotate(pending=Count("referrals", filter=Q(referrals__status=ReferralStatus.PENDING)))
        .order_by("pending", "code")
        .first()
    )


def coordinators_of(department) -> list[User]:
    """Active coordinators whose scope covers `department` (by department or whole region)."""
    return list(
        User.objects.filter(is_active=True, membership__role=Role.COORDINATOR)
        .filter(Q(membership__departments=department) | Q(membership__region=department.region_id))
        .distinct()
    )


def reference_for(referral: Referral) -> str:
    """ORI-2025-000123: the year received and a serial number, nothing about the patient."""
    year = timezone.localtime(referral.received_at).year
    return f"{REFERENCE_PREFIX}-{year}-{referral.pk:06d}"


# ---------------------------------------------------------------- submission


@transaction.atomic
def submit_referral(
    *,
    referrer_name: str,
    referrer_profession: str,
    referrer_structure: str,
    referrer_phone: str,
    referrer_email: str,
    patient_last_name: str,
    patient_first_name: str,
    patient_phone: str,
    commune: Commune,
    reasons,
    message: str,
    base_url: str,
    submission_key=None,
) -> Referral:
    """Record a referral from the public page, route it, and e-mail its reference to the
    professional and a notice (without any name) to whoever must handle it."""
    post = route(commune, timezone.localdate())
    referral = Referral.objects.create(
        submission_key=submission_key,
        referrer_name=referrer_name,
        referrer_profession=referrer_profession,
        referrer_structure=referrer_structure,
        referrer_phone=referrer_phone,
        referrer_email=referrer_email,
        patient_last_name=patient_last_name,
        patient_first_name=patient_first_name,
        patient_phone=patient_phone,
        commune=commune,
        department=commune.department,
        message=message,
        patient_agreed=True,
        post=post,
    )
    referral.reasons.set(reasons)
    referral.reference = reference_for(referral)
    referral.save(update_fields=["reference"])
    _mail_on_commit(
        "Votre orientation vers un médiateur santé est bien reçue",
        "partners/emails/referral_received.txt",
        {"referral": referral},
        [referral.referrer_email],
    )
    _notify_handlers(referral, base_url=base_url)
    return referral


def _notify_handlers(referral: Referral, *, base_url: str):
    """Tell the post holder (or the coordinators) that a referral waits, without any name."""
    if referral.post_id:
        holder = referral.post.holder_on(timezone.localdate())
        recipients = [holder.email] if holder and holder.is_active else []
        link = base_url.rstrip("/") + reverse("partners:referral_inbox")
        template = "partners/emails/referral_new_for_mediator.txt"
    else:
        recipients = [user.email for user in coordinators_of(referral.department)]
        link = base_url.rstrip("/") + reverse("partners:referral_routing")
        template = "partners/emails/referral_to_route.txt"
    if recipients:
        _mail_on_commit(
            f"Nouvelle orientation reçue ({referral.reference})",
            template,
            {"referral": referral, "link": link},
            recipients,
        )


def _mail_on_commit(subject, template, context, recipients):
    body = render_to_string(template, context)
    transaction.on_commit(lambda: send_mail(subject, body, None, recipients))


# ---------------------------------------------------------------- handling


def _lock_pending(referral: Referral) -> Referral:
    locked = Referral.objects.select_for_update(of=("self",)).select_related("post__structure").get(pk=referral.pk)
    # Handled meanwhile, or handed to another post (or back to coordination) meanwhile.
    if locked.status != ReferralStatus.PENDING or locked.post_id != referral.post_id:
        raise ReferralAlreadyHandled
    return locked


@transaction.atomic
def accept_referral(*, referral: Referral, by: User, beneficiary: Beneficiary | None = None) -> Sheet:
    """Open a sheet on the referral's post for `beneficiary` (an existing person of the
    structure) or for a new person made from the referral. The first contact is dated now if it
    was not recorded before; the professional is told, by reference number only."""
    referral = _lock_pending(referral)
    if referral.post_id is None:
        raise ReferralAlreadyHandled
    now, today = timezone.now(), timezone.localdate()
    post = referral.post
    mediator = post.holder_on(today) or by
    came_via = vocabulary_item(Vocabulary.CAME_VIA, "partner_referral")
    if beneficiary is None:
        beneficiary = Beneficiary.objects.create(
            structure=post.structure,
            referent=mediator,
            last_name=referral.patient_last_name,
            first_name=referral.patient_first_name,
            phone=referral.patient_phone,
            commune=referral.commune,
            came_via=came_via,
            consent_on=timezone.localtime(referral.received_at).date(),
            consent_method=ConsentMethod.REFERRAL,
        )
    elif beneficiary.structure_id != post.structure_id:
        raise ValueError("La personne choisie n'est pas suivie par la structure du poste.")
    sheet = Sheet.objects.create(
        beneficiary=beneficiary,
        mediator=mediator,
        post=post,
        opened_on=today,
        sex=beneficiary.sex,
        age=beneficiary.age_on(today),
        lives_in_qpv=beneficiary.lives_in_qpv,
        qpv=beneficiary.qpv,
        resources=beneficiary.resources,
        came_via=came_via,
    )
    referral.status = ReferralStatus.ACCEPTED
    referral.decided_at = now
    referral.decided_by = by
    referral.sheet = sheet
    referral.first_contact_at = referral.first_contact_at or now
    referral.save(update_fields=["status", "decided_at", "decided_by", "sheet", "first_contact_at"])
    _mail_on_commit(
        f"Suite donnée à votre orientation {referral.reference}",
        "partners/emails/referral_accepted.txt",
        {"referral": referral},
        [referral.referrer_email],
    )
    return sheet


@transaction.atomic
def decline_referral(*, referral: Referral, by: User, reason: str) -> Referral:
    """Decline with an internal reason; the professional learns the outcome, not the reason."""
    referral = _lock_pending(referral)
    referral.status = ReferralStatus.DECLINED
    referral.decided_at = timezone.now()
    referral.decided_by = by
    referral.decline_reason = reason
    referral.save(update_fields=["status", "decided_at", "decided_by", "decline_reason"])
    _mail_on_commit(
        f"Suite donnée à votre orientation {referral.reference}",
        "partners/emails/referral_declined.txt",
        {"referral": referral},
        [referral.referrer_email],
    )
    return referral


@transaction.atomic
def assign_referral(*, referral: Referral, post: Post, by: User, base_url: str) -> Referral:
    """A coordinator gives an unrouted referral to a post of its department."""
    referral = _lock_pending(referral)
    if referral.post_id is not None:
        raise ReferralAlreadyHandled
    if post.department_id != referral.department_id:
        raise ValueError("Le poste doit être dans le département de la commune du patient.")
    referral.post = post
    referral.assigned_by = by
    referral.assigned_at = timezone.now()
    referral.save(update_fields=["post", "assigned_by", "assigned_at"])
    ReferralEvent.objects.create(referral=referral, by=by, kind=ReferralEvent.Kind.ASSIGNED, to_post=post)
    _notify_handlers(referral, base_url=base_url)
    return referral


@transaction.atomic
def hand_over_referral(*, referral: Referral, by: User, to_post: Post | None, reason: str, base_url: str) -> Referral:
    """The holder of the referral's post hands it to another post (`to_post`), or back to the
    department's coordinators (None), with a reason. Its new handlers are told (without any
    name); the professional is not: only the outcome reaches them."""
    referral = _lock_pending(referral)
    from_post = referral.post
    if from_post is None or (to_post is not None and to_post.pk == from_post.pk):
        raise ReferralAlreadyHandled
    if to_post is not None and to_post.department_id != referral.department_id:
        raise ValueError("Le poste doit être dans le département de la commune du patient.")
    referral.post = to_post
    referral.reminded_at = None
    referral.save(update_fields=["post", "reminded_at"])
    ReferralEvent.objects.create(
        referral=referral,
        by=by,
        kind=ReferralEvent.Kind.HANDED_OVER if to_post else ReferralEvent.Kind.HANDED_BACK,
        from_post=from_post,
        to_post=to_post,
        reason=reason,
    )
    _notify_handlers(referral, base_url=base_url)
    return referral
