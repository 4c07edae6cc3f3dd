"""Referrals in: the public fiche d'orientation, the inbox of the mediator (or structure
manager) the referral is routed to, and the coordinators' list of referrals no post covers.

The public page only creates: it shows an empty form, records a referral and confirms with a
reference number; it never shows back what was typed nor lists anything. Coordinators see
unrouted referrals without any name (commune, date, number of reasons) and assign a post."""

from django.conf import settings
from django.contrib import messages
from django.db import IntegrityError
from django.db.models import Count, Exists, OuterRef
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accompaniments.audit import log_access, log_page
from accompaniments.models import Beneficiary
from mediation.access import for_roles, public
from mediation.enums import Role
from mediation.geography import fields as geography_fields
from mediation.models import Post, PostHolding

from . import ratelimit, services
from .enums import ReferralStatus
from .forms import AcceptReferralForm, AssignReferralForm, DeclineReferralForm, HandOverReferralForm, ReferralForm
from .models import Referral, held_post_ids
from .views import breadcrumb

# Far above what the form's fields may hold (about 4 KB at most): anything bigger is refused
# before it is read.
MAX_BODY_BYTES = 64 * 1024
SENT_SESSION_KEY = "partners_referral_reference"
INBOX_LIMIT = 200
ALREADY_HANDLED_MESSAGE = "Cette orientation a déjà été traitée entre-temps (autre onglet ou autre personne)."

# ---------------------------------------------------------------- the public page


def _refused(request, reason, status):
    return render(request, "partners/public/referral_refused.html", {"reason": reason}, status=status)


def _body_too_large(request):
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BODY_BYTES
    except ValueError:
        return True


def _sent_before(form):
    """The referral already recorded from this very form (a double click, a resent page), if any."""
    key = form.cleaned_data.get("submission_key") if form.is_valid() else None
    return Referral.objects.filter(submission_key=key).only("reference").first() if key else None


def _record(request, data):
    """Record the referral; if a simultaneous submit of the same form recorded it first (its
    unique key refuses this one), that referral, and this submit is not counted."""
    try:
        return services.submit_referral(
            referrer_name=data["referrer_name"],
            referrer_profession=data["referrer_profession"],
            referrer_structure=data["referrer_structure"],
            referrer_phone=data["referrer_phone"],
            referrer_email=data["referrer_email"],
            patient_last_name=data["patient_last_name"],
            patient_first_name=data["patient_first_name"],
            patient_phone=data["patient_phone"],
            commune=data["commune"],
            reasons=data["reasons"],
            message=data["message"],
            base_url=request.build_absolute_uri("/"),
            submission_key=data.get("submission_key"),
        )
    except IntegrityError:
        key = data.get("submission_key")
        referral = Referral.objects.filter(submission_key=key).only("reference").first() if key else None
        if referral is None:
            raise
        ratelimit.give_back(request)
        return referral


@public
@require_http_methods(["GET", "POST"])
def referral_form(request):
    if request.method == "POST" and _body_too_large(request):
        return _refused(request, "too_large", 413)
    form = ReferralForm(request.POST or None)
    if request.method == "POST":
        referral = _sent_before(form)
        if referral is None:
            if ratelimit.is_exhausted(request):
                return _refused(request, "rate_limit", 429)
            if form.is_trap_filled():
                ratelimit.record_hit(request)
                return _refused(request, "trap", 400)
            if form.is_valid():
                # Counted before it is recorded, in one atomic step: simultaneous posts cannot
                # all pass a limit that only some of them fit in.
                if not ratelimit.record_hit(request):
                    return _refused(request, "rate_limit", 429)
                referral = _record(request, form.cleaned_data)
        if referral is not None:
            request.session[SENT_SESSION_KEY] = referral.reference
            return redirect("public_referral:sent")
    return render(request, "partners/public/referral_form.html", {"form": form})


@public
@require_GET
def commune_suggestions(request):
    """The communes matching what is typed in a commune field (public data of the COG), as the
    <option>s of its datalist: the referral form's and the person form's (htmx)."""
    typed = request.GET.get("q") or request.GET.get("commune") or ""
    suggestions = geography_fields.suggest(typed)
    return render(request, "partners/public/includes/commune_options.html", {"suggestions": suggestions})


@public
@require_GET
def referral_sent(request):
    reference = request.session.get(SENT_SESSION_KEY)
    if not reference:
        return redirect("public_referral:form")
    return render(request, "partners/public/referral_sent.html", {"reference": reference})


# ---------------------------------------------------------------- the inbox (structure staff)


STATUS_TABS = [
    (ReferralStatus.PENDING, "À traiter"),
    (ReferralStatus.ACCEPTED, "Acceptées"),
    (ReferralStatus.DECLINED, "Déclinées"),
]


@for_roles(Role.MEDIATOR, Role.STRUCTURE_MANAGER)
def referral_inbox(request):
    status = request.GET.get("etat")
    if status not in ReferralStatus.values:
        status = ReferralStatus.PENDING
    scoped = Referral.objects.for_user(request.user)
    counts = dict(scoped.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    referrals = (
        scoped.filter(status=status)
        .select_related("commune", "post")
        .prefetch_related("reasons")
        .order_by("received_at" if status == ReferralStatus.PENDING else "-received_at", "pk")
    )
    tabs = [
        {"status": s, "label": label, "count": counts.get(s, 0), "current": s == status} for s, label in STATUS_TABS
    ]
    shown = list(referrals[:INBOX_LIMIT])
    log_page(Referral, [referral.pk for referral in shown], page="referral_inbox", actor=request.user)
    return render(
        request,
        "partners/referral_inbox.html",
        {"referrals": shown, "tabs": tabs, "status": status, "pending": status == ReferralStatus.PENDING},
    )


def _scoped_referral(request, pk):
    return get_object_or_404(
        Referral.objects.for_user(request.user).select_related("commune__department", "post__structure", "sheet"),
        pk=pk,
    )


def _referral_breadcrumb(referral, current):
    return breadcrumb(
        current,
        ("Orientations reçues", reverse("partners:referral_inbox")),
        (referral.reference, reverse("partners:referral_detail", kwargs={"pk": referral.pk})),
    )


@for_roles(Role.MEDIATOR, Role.STRUCTURE_MANAGER)
def referral_detail(request, pk):
    referral = _scoped_referral(request, pk)
    log_access(referral)
    return render(
        request,
        "partners/referral_detail.html",
        {
            **breadcrumb(referral.reference, ("Orientations reçues", reverse("partners:referral_inbox"))),
            "referral": referral,
            "reasons": referral.reasons.all(),
            "pending": referral.status == ReferralStatus.PENDING,
            "events": referral.events.select_related("by", "from_post", "to_post"),
            "may_hand_over": _holds_post(request.user, referral),
        },
    )


def _holds_post(user, referral):
    return (
        referral.post_id is not None
        and held_post_ids(user, timezone.localdate()).filter(post_id=referral.post_id).exists()
    )


@for_roles(Role.MEDIATOR)
def referral_hand_over(request, pk):
    """Only the holder(s) of the referral's post hand it over; anyone else gets a 404."""
    referral = _scoped_referral(request, pk)
    if not _holds_post(request.user, referral):
        raise Http404
    if referral.status != ReferralStatus.PENDING:
        messages.info(request, ALREADY_HANDLED_MESSAGE)
        return redirect("partners:referral_detail", pk=referral.pk)
    posts = (
        Post.objects.active_on(timezone.localdate())
        .filter(department_id=referral.department_id)
        .exclude(pk=referral.post_id)
        .select_related("structure")
        .prefetch_related("communes")
        .annotate(held=Exists(PostHolding.objects.active_on(timezone.localdate()).filter(post=OuterRef("pk"))))
        .order_by("code")
    )
    form = HandOverReferralForm(request.POST or None, posts=posts)
    if request.method == "POST" and form.is_valid():
        to_post = form.cleaned_data["post"]
        try:
            services.hand_over_referral(
                referral=referral,
                by=request.user,
                to_post=to_post,
                reason=form.cleaned_data["reason"],
                base_url=request.build_absolute_uri("/"),
            )
        except services.ReferralAlreadyHandled:
            messages.info(request, ALREADY_HANDLED_MESSAGE)
            return redirect("partners:referral_inbox")
        where = f"au poste {to_post}" if to_post else "à la coordination du département"
        messages.success(request, f"Orientation {referral.reference} confiée {where}.")
        return redirect("partners:referral_inbox")
    context = _referral_breadcrumb(referral, "Confier")
    return render(request, "partners/referral_hand_over.html", {**context, "referral": referral, "form": form})


@require_POST
@for_roles(Role.MEDIATOR, Role.STRUCTURE_MANAGER)
def referral_first_contact(request, pk):
    referral = _scoped_referral(request, pk)
    if referral.first_contact_at is None:
        referral.record_first_contact(at=timezone.now())
        messages.success(request, f"Premier contact noté, {referral.time_to_first_contact_label} après la réception.")
    return redirect("partners:referral_detail", pk=referral.pk)


@for_roles(Role.MEDIATOR, Role.STRUCTURE_MANAGER)
def referral_accept(request, pk):
    referral = _scoped_referral(request, pk)
    if referral.status != ReferralStatus.PENDING:
        messages.info(request, ALREADY_HANDLED_MESSAGE)
        return redirect("partners:referral_detail", pk=referral.pk)
    people = Beneficiary.objects.for_user(request.user).filter(
        structure_id=referral.post.structure_id, anonymised_at__isnull=True
    )
    form = AcceptReferralForm(request.POST or None, referral=referral, people=people)
    if request.method == "POST" and form.is_valid() and form.cleaned_data["action"] == "accept":
        log_access(referral)
        try:
            sheet = services.accept_referral(
                referral=referral, by=request.user, beneficiary=form.cleaned_data.get("beneficiary")
            )
        except services.ReferralAlreadyHandled:
            messages.info(request, ALREADY_HANDLED_MESSAGE)
            return redirect("partners:referral_inbox")
        messages.success(
            request,
            f"Orientation {referral.reference} acceptée : la fiche est ouverte, complétez-la. "
            "Le professionnel est informé par e-mail.",
        )
        return redirect("accompaniments:sheet_detail", pk=sheet.pk)
    log_page(Referral, [referral.pk], page="referral_accept", actor=request.user)
    candidates = [person.pk for person in form.candidates]
    log_page(Beneficiary, candidates, page="referral_accept", actor=request.user)
    context = _referral_breadcrumb(referral, "Accepter")
    return render(request, "partners/referral_accept.html", {**context, "referral": referral, "form": form})


@for_roles(Role.MEDIATOR, Role.STRUCTURE_MANAGER)
def referral_decline(request, pk):
    referral = _scoped_referral(request, pk)
    if referral.status != ReferralStatus.PENDING:
        messages.info(request, ALREADY_HANDLED_MESSAGE)
        return redirect("partners:referral_detail", pk=referral.pk)
    form = DeclineReferralForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.decline_referral(referral=referral, by=request.user, reason=form.cleaned_data["reason"])
        except services.ReferralAlreadyHandled:
            messages.info(request, ALREADY_HANDLED_MESSAGE)
            return redirect("partners:referral_inbox")
        messages.success(request, f"Orientation {referral.reference} déclinée : le professionnel est informé.")
        return redirect("partners:referral_inbox")
    context = _referral_breadcrumb(referral, "Décliner")
    return render(request, "partners/referral_decline.html", {**context, "referral": referral, "form": form})


# ---------------------------------------------------------------- unrouted referrals (coordinators)


def _summaries(referrals):
    """What a coordinator may see of a referral: never a name nor a message."""
    return (
        referrals.values("pk", "reference", "received_at", "commune__name", "commune__insee_code", "department__name")
        .annotate(reasons_count=Count("reasons"))
        .order_by("received_at", "pk")
    )


def _with_wait(summaries):
    """Each summary with the whole days it has waited since it was received."""
    today = timezone.localdate()
    return [
        {**summary, "waited_days": (today - timezone.localdate(summary["received_at"])).days} for summary in summaries
    ]


@for_roles(Role.COORDINATOR, Role.ADMIN)
def referral_routing(request):
    summaries = _with_wait(_summaries(Referral.objects.awaiting_routing(request.user)))
    escalated = _with_wait(
        Referral.objects.escalated(request.user)
        .values("pk", "reference", "received_at", "commune__name", "department__name", "post__code")
        .order_by("received_at", "pk")
    )
    return render(
        request,
        "partners/referral_routing.html",
        {"summaries": summaries, "escalated": escalated, "escalation_days": settings.REFERRAL_ESCALATION_DAYS},
    )


@for_roles(Role.COORDINATOR, Role.ADMIN)
def referral_assign(request, pk):
    waiting = Referral.objects.awaiting_routing(request.user)
    summary = _summaries(waiting.filter(pk=pk)).first()
    if summary is None:
        raise Http404
    referral = waiting.only("pk", "department_id", "status", "post_id").get(pk=pk)
    posts = (
        Post.objects.for_user(request.user)
        .active_on(timezone.localdate())
        .filter(department_id=referral.department_id)
        .select_related("structure")
        .prefetch_related("communes")
        .annotate(held=Exists(PostHolding.objects.active_on(timezone.localdate()).filter(post=OuterRef("pk"))))
        .order_by("code")
    )
    form = AssignReferralForm(request.POST or None, posts=posts)
    if request.method == "POST" and form.is_valid():
        try:
            services.assign_referral(
                referral=referral,
                post=form.cleaned_data["post"],
                by=request.user,
                base_url=request.build_absolute_uri("/"),
            )
        except services.ReferralAlreadyHandled:
            messages.info(request, ALREADY_HANDLED_MESSAGE)
            return redirect("partners:referral_routing")
        messages.success(request, f"Orientation {summary['reference']} attribuée au poste {form.cleaned_data['post']}.")
        return redirect("partners:referral_routing")
    context = breadcrumb(summary["reference"], ("Orientations à attribuer", reverse("partners:referral_routing")))
    return render(request, "partners/referral_assign.html", {**context, "summary": summary, "form": form})
