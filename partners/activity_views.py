"""Outreach (aller-vers) sessions and collective actions: the mediator logs them, the structure
manager reads those of the structure. Nobody above the structure: the bilans aggregate them."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from mediation.access import for_roles
from mediation.enums import Role
from mediation.versioning import StaleEdit

from .forms import ActionPartnerFormSet, CollectiveActionForm, OutreachSessionForm
from .models import CollectiveAction, OutreachSession, Partner
from .views import PAGE_SIZE, STALE_SAVE_MESSAGE, breadcrumb, save_versioned

NOT_SAVED_MESSAGE = "L'enregistrement n'a pas pu aboutir : vérifiez la saisie puis réessayez."


def _saved_with(model, request, key):
    """The record of the user's scope that a submit with this key saved, if any."""
    return model.objects.for_user(request.user).filter(submission_key=key).first() if key else None


def outreach_crumbs(current):
    return breadcrumb(current, ("Aller-vers", reverse("partners:outreach_list")))


def action_crumbs(current):
    return breadcrumb(current, ("Actions collectives", reverse("partners:action_list")))


# ---------------------------------------------------------------- outreach


@for_roles(Role.MEDIATOR, Role.STRUCTURE_MANAGER)
def outreach_list(request):
    sessions = OutreachSession.objects.for_user(request.user).select_related("commune", "qpv", "post", "mediator")
    page = Paginator(sessions, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "partners/outreach_list.html",
        {"page": page, "is_mediator": request.membership.role == Role.MEDIATOR},
    )


@for_roles(Role.MEDIATOR, Role.STRUCTURE_MANAGER)
def outreach_detail(request, pk):
    session = get_object_or_404(
        OutreachSession.objects.for_user(request.user).select_related("commune", "qpv", "post", "mediator"), pk=pk
    )
    return render(
        request,
        "partners/outreach_detail.html",
        {
            **outreach_crumbs(f"Séance du {session.date:%d/%m/%Y}"),
            "session": session,
            "is_owner": session.mediator_id == request.user.pk,
        },
    )


@for_roles(Role.MEDIATOR)
def outreach_create(request):
    form = OutreachSessionForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        key = form.cleaned_data.get("submission_key")
        existing = _saved_with(OutreachSession, request, key)
        if existing:
            return redirect("partners:outreach_detail", pk=existing.pk)
        session = form.save(commit=False)
        session.mediator = request.user
        session.submission_key = key
        try:
            with transaction.atomic():
                session.save()
        except IntegrityError:
            # A simultaneous submit of the same form saved it first: land where that one did.
            existing = _saved_with(OutreachSession, request, key)
            if existing:
                return redirect("partners:outreach_detail", pk=existing.pk)
            form.add_error(None, NOT_SAVED_MESSAGE)
        else:
            messages.success(request, "La séance d'aller-vers est enregistrée.")
            return redirect("partners:outreach_detail", pk=session.pk)
    return render(request, "partners/outreach_form.html", {**outreach_crumbs("Nouvelle séance"), "form": form})


@for_roles(Role.MEDIATOR)
def outreach_update(request, pk):
    session = get_object_or_404(OutreachSession.objects.for_user(request.user), pk=pk)
    form = OutreachSessionForm(request.POST or None, instance=session, user=request.user)
    if request.method == "POST" and form.is_valid() and save_versioned(form, request):
        messages.success(request, "La séance d'aller-vers est modifiée.")
        return redirect("partners:outreach_detail", pk=session.pk)
    context = outreach_crumbs(f"Séance du {session.date:%d/%m/%Y}")
    return render(request, "partners/outreach_form.html", {**context, "form": form, "session": session})


# ---------------------------------------------------------------- collective actions


@for_roles(Role.MEDIATOR, Role.STRUCTURE_MANAGER)
def action_list(request):
    actions = (
        CollectiveAction.objects.for_user(request.user)
        .select_related("post", "mediator")
        .prefetch_related("themes", "action_partners__partner")
    )
    page = Paginator(actions, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "partners/action_list.html",
        {"page": page, "is_mediator": request.membership.role == Role.MEDIATOR},
    )


@for_roles(Role.MEDIATOR, Role.STRUCTURE_MANAGER)
def action_detail(request, pk):
    action = get_object_or_404(
        CollectiveAction.objects.for_user(request.user)
        .select_related("post", "mediator")
        .prefetch_related("themes", "publics", "action_partners__partner"),
        pk=pk,
    )
    return render(
        request,
        "partners/action_detail.html",
        {**action_crumbs(action.title), "action": action, "is_owner": action.mediator_id == request.user.pk},
    )


def _action_forms(request, action=None):
    form = CollectiveActionForm(request.POST or None, instance=action, user=request.user)
    partners = Partner.objects.for_user(request.user).select_related("commune").order_by("name")
    formset = ActionPartnerFormSet(
        request.POST or None,
        instance=action or CollectiveAction(),
        prefix="partenaires",
        form_kwargs={"partners": partners},
    )
    return form, formset


def _save_action(request, form, formset):
    """Validate both forms and save them together; returns the action, or None to show errors."""
    form_valid = form.is_valid()
    formset.role = form.cleaned_data.get("role") if form_valid else None
    if not (formset.is_valid() and form_valid):
        return None
    try:
        with transaction.atomic():
            action = form.save(commit=False)
            if not action.pk:
                action.mediator = request.user
                action.submission_key = form.cleaned_data.get("submission_key")
            action.save()
            form.save_m2m()
            formset.instance = action
            formset.save()
    except StaleEdit:
        form.add_error(None, STALE_SAVE_MESSAGE)
        return None
    return action


@for_roles(Role.MEDIATOR)
def action_create(request):
    form, formset = _action_forms(request)
    if request.method == "POST":
        key = form.cleaned_data.get("submission_key") if form.is_valid() else None
        if existing := _saved_with(CollectiveAction, request, key):
            return redirect("partners:action_detail", pk=existing.pk)
        try:
            action = _save_action(request, form, formset)
        except IntegrityError:
            # A simultaneous submit of the same form saved it first: land where that one did.
            if existing := _saved_with(CollectiveAction, request, key):
                return redirect("partners:action_detail", pk=existing.pk)
            form.add_error(None, NOT_SAVED_MESSAGE)
            action = None
        if action:
            messages.success(request, f"L'action « {action.title} » est enregistrée.")
            return redirect("partners:action_detail", pk=action.pk)
    context = action_crumbs("Nouvelle action")
    return render(request, "partners/action_form.html", {**context, "form": form, "formset": formset})


@for_roles(Role.MEDIATOR)
def action_update(request, pk):
    action = get_object_or_404(CollectiveAction.objects.for_user(request.user), pk=pk)
    form, formset = _action_forms(request, action)
    if request.method == "POST" and _save_action(request, form, formset):
        messages.success(request, "L'action est modifiée.")
        return redirect("partners:action_detail", pk=action.pk)
    context = action_crumbs(action.title)
    return render(request, "partners/action_form.html", {**context, "form": form, "formset": formset, "action": action})
