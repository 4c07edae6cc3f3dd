"""The partner directory, each mediator's own partners, and orientations out of a sheet."""

import secrets

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accompaniments.models import Sheet
from mediation.access import for_roles
from mediation.breadcrumbs import breadcrumb as dsfr_breadcrumb
from mediation.enums import Role
from mediation.idempotency import save_once, saved_under
from mediation.versioning import StaleEdit

from .forms import MediatorPartnerForm, OrientationForm, OrientationOutcomeForm, PartnerFilterForm, PartnerForm
from .models import MediatorPartner, Orientation, Partner

DIRECTORY_READERS = (Role.MEDIATOR, Role.STRUCTURE_MANAGER, Role.COORDINATOR, Role.ADMIN)
DIRECTORY_EDITORS = (Role.MEDIATOR, Role.STRUCTURE_MANAGER)
STALE_SAVE_MESSAGE = "Ces informations ont été modifiées entre-temps : rechargez la page et saisissez à nouveau."
PAGE_SIZE = 50
ALREADY_MINE = "Ce partenaire est déjà dans vos partenaires."
PARTNER_ALREADY_ADDED = "Ce partenaire était déjà ajouté au répertoire (formulaire envoyé deux fois)."
# Directory searches kept in the session, so that the typed text never travels in a URL.
SEARCHES_SESSION_KEY = "partner_searches"
SEARCH_PARAM = "recherche"
SEARCH_LIFETIME_SECONDS = 60 * 60
MAX_KEPT_SEARCHES = 10
SEARCH_EXPIRED_MESSAGE = "Cette recherche n'est plus disponible : saisissez-la à nouveau."


def parse_pk(value):
    """An id read from a query string; anything else than a positive integer is a 404."""
    try:
        pk = int(value)
    except (TypeError, ValueError):
        raise Http404 from None
    if pk <= 0:
        raise Http404
    return pk


def breadcrumb(current, *links):
    """Context for {% dsfr_breadcrumb %}: the (title, url) links above the current page."""
    return {"breadcrumb_data": dsfr_breadcrumb(current, *links)}


def save_versioned(form, request):
    """Save an edit form; when the record changed meanwhile, say so next to the form."""
    try:
        return form.save()
    except StaleEdit:
        form.add_error(None, STALE_SAVE_MESSAGE)
        return None


# ---------------------------------------------------------------- directory


def kept_searches(request):
    """The directory searches of this session still alive, {token: {"data": …, "at": epoch}}."""
    now = timezone.now().timestamp()
    searches = request.session.get(SEARCHES_SESSION_KEY) or {}
    return {
        token: search
        for token, search in searches.items()
        if isinstance(search, dict) and now - search.get("at", 0) < SEARCH_LIFETIME_SECONDS
    }


def keep_search(request, data):
    """Keep a search's criteria under a new random token; the oldest ones beyond the limit go."""
    token = secrets.token_urlsafe(12)
    searches = kept_searches(request)
    searches[token] = {"data": data, "at": timezone.now().timestamp()}
    newest = sorted(searches.items(), key=lambda item: item[1]["at"])[-MAX_KEPT_SEARCHES:]
    request.session[SEARCHES_SESSION_KEY] = dict(newest)
    return token


@for_roles(*DIRECTORY_READERS)
def partner_list(request):
    """The directory. The search is sent by POST and kept in the session under a token: the
    results page (Back, pagination) is `?recherche=<token>`, never the typed text."""
    if request.method == "POST":
        filters = PartnerFilterForm(request.POST, user=request.user)
        if filters.is_valid():
            criteria = filters.criteria()
            if not criteria:
                return redirect("partners:partner_list")
            token = keep_search(request, criteria)
            return redirect(f"{reverse('partners:partner_list')}?{SEARCH_PARAM}={token}")
    elif SEARCH_PARAM in request.GET:
        search = kept_searches(request).get(request.GET[SEARCH_PARAM])
        if search is None:
            messages.info(request, SEARCH_EXPIRED_MESSAGE)
            return redirect("partners:partner_list")
        filters = PartnerFilterForm(search["data"], user=request.user)
    elif "q" in request.GET:
        # An old link with the text in it: the text goes no further (pagination links).
        return redirect("partners:partner_list")
    else:
        filters = PartnerFilterForm(user=request.user)
    partners = (
        filters.filter(Partner.objects.for_user(request.user))
        .select_related("category", "commune", "department")
        .order_by(Lower("name"), "pk")
    )
    page = Paginator(partners, PAGE_SIZE).get_page(request.GET.get("page"))
    mine = set()
    if request.membership and request.membership.role == Role.MEDIATOR:
        mine = set(MediatorPartner.objects.for_user(request.user).current().values_list("partner_id", flat=True))
    context = {
        "filters": filters,
        "page": page,
        "mine": mine,
        "can_edit": request.membership.role in DIRECTORY_EDITORS,
        "is_mediator": request.membership.role == Role.MEDIATOR,
    }
    return render(request, "partners/partner_list.html", context)


@for_roles(*DIRECTORY_READERS)
def partner_detail(request, pk):
    partner = get_object_or_404(
        Partner.objects.for_user(request.user).select_related("category", "commune", "department", "created_by"),
        pk=pk,
    )
    is_mediator = request.membership.role == Role.MEDIATOR
    partnership = None
    if is_mediator:
        partnership = MediatorPartner.objects.for_user(request.user).current().filter(partner=partner).first()
    return render(
        request,
        "partners/partner_detail.html",
        {
            **breadcrumb(partner.name, ("Répertoire des partenaires", reverse("partners:partner_list"))),
            "partner": partner,
            "publics": partner.publics.all(),
            "partnership": partnership,
            "is_mediator": is_mediator,
            "can_edit": request.membership.role in DIRECTORY_EDITORS,
        },
    )


@for_roles(*DIRECTORY_EDITORS)
def partner_create(request):
    form = PartnerForm(request.POST or None, user=request.user)
    if request.method == "POST":
        valid, partners = form.is_valid(), Partner.objects.for_user(request.user)
        # This same form sent again: its partner, whose name the form now finds "close", is the one it added.
        if saved := saved_under(partners, form.submission_key):
            messages.info(request, PARTNER_ALREADY_ADDED)
            return redirect("partners:partner_detail", pk=saved.pk)
        if valid:
            partner, added = save_once(partners, form.submission_key, lambda key: _add_partner(form, request.user, key))
            if added:
                messages.success(request, f"« {partner.name} » est ajouté au répertoire du département.")
            else:
                messages.info(request, PARTNER_ALREADY_ADDED)
            return redirect("partners:partner_detail", pk=partner.pk)
    return render(request, "partners/partner_form.html", {"form": form})


def _add_partner(form, author, key):
    partner = form.save(commit=False)
    partner.created_by, partner.submission_key = author, key
    partner.save()
    form.save_m2m()
    return partner


@for_roles(*DIRECTORY_EDITORS)
def partner_update(request, pk):
    partner = get_object_or_404(Partner.objects.for_user(request.user), pk=pk)
    form = PartnerForm(request.POST or None, instance=partner, user=request.user)
    if request.method == "POST" and form.is_valid() and save_versioned(form, request):
        messages.success(request, "Le partenaire est modifié.")
        return redirect("partners:partner_detail", pk=partner.pk)
    return render(request, "partners/partner_form.html", {"form": form, "partner": partner})


# ---------------------------------------------------------------- my partners


@for_roles(Role.MEDIATOR)
def my_partners(request):
    partnerships = (
        MediatorPartner.objects.for_user(request.user)
        .current()
        .select_related("partner__category", "partner__commune", "post")
        .order_by(Lower("partner__name"))
    )
    return render(request, "partners/my_partners.html", {"partnerships": partnerships})


@for_roles(Role.MEDIATOR)
def my_partner_add(request):
    initial = {}
    if request.GET.get("partenaire"):
        initial["partner"] = parse_pk(request.GET["partenaire"])
    form = MediatorPartnerForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST":
        valid, mine = form.is_valid(), MediatorPartner.objects.for_user(request.user)
        # This same form sent again: the list no longer offers the partner it added.
        if saved_under(mine, form.submission_key):
            messages.info(request, ALREADY_MINE)
            return redirect("partners:my_partners")
        if valid:
            try:
                partnership, added = save_once(
                    mine, form.submission_key, lambda key: _add_partnership(form, request, key)
                )
            except IntegrityError:  # one current partnership per partner, added from another form
                added = False
            if added:
                messages.success(request, f"« {partnership.partner.name} » est ajouté à vos partenaires.")
            else:
                messages.info(request, ALREADY_MINE)
            return redirect("partners:my_partners")
    context = breadcrumb("Ajouter", ("Mes partenaires", reverse("partners:my_partners")))
    return render(request, "partners/my_partner_form.html", {**context, "form": form})


def _add_partnership(form, request, key):
    partnership = form.save(commit=False)
    partnership.mediator, partnership.submission_key = request.user, key
    partnership.save()
    return partnership


@for_roles(Role.MEDIATOR)
def my_partner_update(request, pk):
    partnership = get_object_or_404(
        MediatorPartner.objects.for_user(request.user).current().select_related("partner"), pk=pk
    )
    form = MediatorPartnerForm(request.POST or None, instance=partnership, user=request.user)
    if request.method == "POST" and form.is_valid() and save_versioned(form, request):
        messages.success(request, "Votre partenariat est modifié.")
        return redirect("partners:my_partners")
    context = breadcrumb(partnership.partner.name, ("Mes partenaires", reverse("partners:my_partners")))
    return render(request, "partners/my_partner_form.html", {**context, "form": form, "partnership": partnership})


@require_POST
@for_roles(Role.MEDIATOR)
def my_partner_remove(request, pk):
    partnership = get_object_or_404(
        MediatorPartner.objects.for_user(request.user).current().select_related("partner"), pk=pk
    )
    partnership.end(on=timezone.localdate())
    messages.success(
        request,
        f"« {partnership.partner.name} » est retiré de vos partenaires. "
        "Il reste compté dans le bilan des années où vous avez travaillé ensemble.",
    )
    return redirect("partners:my_partners")


# ---------------------------------------------------------------- orientations out of a sheet


def sheet_url(sheet):
    return reverse("accompaniments:sheet_detail", kwargs={"pk": sheet.pk})


@for_roles(Role.MEDIATOR, Role.STRUCTURE_MANAGER)
def orientation_create(request):
    sheet = get_object_or_404(
        Sheet.objects.for_user(request.user).select_related("post__department", "beneficiary"),
        pk=parse_pk(request.GET.get("sheet")),
    )
    form = OrientationForm(request.POST or None, sheet=sheet, user=request.user)
    if request.method == "POST" and form.is_valid():
        key = form.cleaned_data.get("submission_key")
        if key and Orientation.objects.filter(submission_key=key, sheet=sheet).exists():
            return redirect(sheet_url(sheet))
        orientation = form.save(commit=False)
        orientation.sheet = sheet
        orientation.mediator = request.user
        orientation.post = sheet.post
        orientation.submission_key = key
        try:
            with transaction.atomic():
                orientation.save()
        except IntegrityError:
            return redirect(sheet_url(sheet))
        messages.success(request, f"L'orientation vers « {orientation.destination} » est enregistrée.")
        return redirect(sheet_url(sheet))
    context = breadcrumb("Orienter vers un partenaire", (str(sheet), sheet_url(sheet)))
    return render(request, "partners/orientation_form.html", {**context, "form": form, "sheet": sheet})


@for_roles(Role.MEDIATOR, Role.STRUCTURE_MANAGER)
def orientation_update(request, pk):
    orientation = get_object_or_404(
        Orientation.objects.for_user(request.user).select_related("sheet", "partner"), pk=pk
    )
    form = OrientationOutcomeForm(request.POST or None, instance=orientation)
    if request.method == "POST" and form.is_valid() and save_versioned(form, request):
        messages.success(request, "La suite donnée à l'orientation est enregistrée.")
        return redirect(sheet_url(orientation.sheet))
    return render(
        request,
        "partners/orientation_update.html",
        {
            **breadcrumb("Suite donnée à l'orientation", (str(orientation.sheet), sheet_url(orientation.sheet))),
            "form": form,
            "orientation": orientation,
            "sheet": orientation.sheet,
        },
    )
