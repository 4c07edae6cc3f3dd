"""The mediator's daily work: her caseload, the follow-ups due, and the accompaniment sheets.
Every record is fetched through `for_user()`: outside the user's structure it is a 404."""

import logging

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.db.models import Prefetch
from django.forms.formsets import BaseFormSet
from django.forms.utils import ErrorDict
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from mediation.access import for_roles
from mediation.breadcrumbs import breadcrumb as dsfr_breadcrumb
from mediation.enums import Role
from mediation.idempotency import save_once
from mediation.middleware import restore_preserved_post
from mediation.perms import role_of
from mediation.versioning import StaleEdit

from . import search_tokens, sheets
from .audit import log_access, log_page
from .enums import RequestStatus
from .models import Beneficiary, Contact, Sheet, SheetRequest
from .sheet_forms import (
    MAX_REQUESTS_PER_SHEET,
    REQUESTS_PREFIX,
    CaseloadFilterForm,
    CloseRequestForm,
    ContactForm,
    NameSearchForm,
    NewSheetRequestFormSet,
    SheetForm,
    SheetRequestFormSet,
    proposed_request,
)

logger = logging.getLogger(__name__)

PAGE_SIZE = 50
# The name search of « Mes accompagnements »: its token in the query string, and how many people
# it keeps (a name matches a few people; the caseload is then filtered on them).
PERSON_SEARCH_PARAM = "recherche"
CASELOAD_SEARCH_LIMIT = 1000
MAX_PK_DIGITS = 18
RESTORED_MESSAGE = "Votre session avait expiré : votre saisie a été conservée, vérifiez-la puis enregistrez."
TOTAL_FORMS_KEY = f"{REQUESTS_PREFIX}-TOTAL_FORMS"


# ---------------------------------------------------------------- helpers


def _pk_or_404(raw):
    raw = raw or ""
    if not (raw.isascii() and raw.isdigit() and len(raw) <= MAX_PK_DIGITS):
        raise Http404
    return int(raw)


def _sheets_for(user):
    return Sheet.objects.for_user(user)


def _safe_next(request, url):
    if url and url.startswith("/") and not url.startswith("//"):
        if url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
            return url
    return None


def _quiet(*items):
    """Re-show bound forms as typed, without validation errors: a draft brought back (one more
    row asked for, a session restored) is not a failed save."""
    for item in items:
        if isinstance(item, BaseFormSet):
            item._errors, item._non_form_errors = [], item.error_class()
            for form in item.forms:
                form._errors = ErrorDict()
        else:
            item._errors = ErrorDict()


def _with_page_range(page):
    page.pages_list = list(page.paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1))
    return page


def _focus(form, candidate, name):
    form.fields["opened_on"].widget.attrs.pop("autofocus", None)
    candidate.fields[name].widget.attrs["autofocus"] = True


def _focus_first_error(form, formset):
    for candidate in [form, *formset.forms]:
        for name in candidate.errors:
            if name in candidate.fields and not candidate.fields[name].widget.is_hidden:
                _focus(form, candidate, name)
                return
    if formset.is_bound and formset.non_form_errors() and formset.forms:
        _focus(form, formset.forms[0], "kind")  # a sheet without any request


def _focus_first_empty(form, formset):
    """A new sheet opens on the first required field left empty; when the sheet's own fields
    are all proposed, on the type of the first request (proposed from the person's last one, or
    to choose), so that the keyboard goes straight to what is left to say."""
    if name := form.first_empty_required():
        _focus(form, form, name)
    elif formset.forms:
        _focus(form, formset.forms[0], "kind")


def _one_more_row(data, formset_class, *, instance):
    """The no-JavaScript way to add a request: the same data with one more (empty) row."""
    data = data.copy()
    try:
        total = int(data.get(TOTAL_FORMS_KEY, ""))
    except ValueError:
        return None
    data[TOTAL_FORMS_KEY] = str(max(0, min(total + 1, MAX_REQUESTS_PER_SHEET)))
    return formset_class(data, instance=instance)


# ---------------------------------------------------------------- daily lists


def _plural(count, word):
    return f"{count} {word}{'s' if count > 1 else ''}"


def _request_badges(counts):
    """(label, DSFR classes) for a sheet's requests, one badge per status: {status: count}."""
    badges = []
    if in_progress := counts.get(RequestStatus.IN_PROGRESS):
        badges.append((f"{in_progress} en cours", "fr-badge--info"))
    if resolved := counts.get(RequestStatus.RESOLVED):
        badges.append((_plural(resolved, "résolue"), "fr-badge--success"))
    if unresolved := counts.get(RequestStatus.UNRESOLVED):
        badges.append((_plural(unresolved, "non résolue"), "fr-badge--warning"))
    return badges


@for_roles(Role.MEDIATOR, Role.STRUCTURE_MANAGER)
def home(request):
    """« Mes accompagnements »: the sheets of my caseload (a manager: of the structure), next
    follow-up first. Filters travel in the query string; a name only in a POST body."""
    user, today = request.user, timezone.localdate()
    is_mediator = role_of(user) == Role.MEDIATOR
    if request.method == "POST":
        return _search_caseload(request)
    filters = request.GET.copy()
    token = filters.pop(PERSON_SEARCH_PARAM, [None])[0]
    found = search_tokens.recall(user, token) if token else None
    if token and found is None:
        messages.info(request, search_tokens.EXPIRED)
        return redirect(_home_url(filters))
    filter_form = CaseloadFilterForm(filters or None)
    chosen = filter_form.valid_filters() if filters else {}
    name_form = NameSearchForm()

    # What the caseload sorts and filters on is stored on each sheet (Sheet.next_follow_up_on and
    # the counts per status): one index walked in the page's order, never the caseload's requests.
    caseload = Sheet.objects.for_user(user).in_caseload_of(user)
    my_requests = SheetRequest.objects.for_user(user).in_caseload_of(user)
    if chosen.get("statut"):
        caseload = caseload.with_request_status(chosen["statut"])
    if chosen.get("domaine"):
        caseload = caseload.filter(pk__in=my_requests.filter(domain=chosen["domaine"]).values("sheet_id"))
    if chosen.get("a_relancer"):
        caseload = caseload.filter(has_follow_up=True, next_follow_up_on__lte=today)
    if chosen.get("du"):
        caseload = caseload.filter(opened_on__gte=chosen["du"])
    if chosen.get("au"):
        caseload = caseload.filter(opened_on__lte=chosen["au"])
    if found is not None:
        caseload = caseload.filter(beneficiary__in=found["ids"])

    # Sort the ids alone, then fetch the rows of the page: joining people and posts to every
    # sheet of the caseload before sorting costs more than the sort itself.
    ordered = caseload.by_next_follow_up().values_list("pk", flat=True)
    page = _with_page_range(Paginator(ordered, PAGE_SIZE).get_page(request.GET.get("page")))
    ids = list(page.object_list)
    rows = Sheet.objects.select_related("beneficiary", "post", "mediator").in_bulk(ids)
    page.object_list = [rows[pk] for pk in ids]
    for sheet in page.object_list:
        sheet.badges = _request_badges(
            {
                RequestStatus.IN_PROGRESS: sheet.open_request_count,
                RequestStatus.RESOLVED: sheet.resolved_request_count,
                RequestStatus.UNRESOLVED: sheet.unresolved_request_count,
            }
        )
    log_page(Sheet, ids, page="caseload", actor=user)
    due_count = my_requests.follow_up_due(today).count()
    holdings = []
    if is_mediator:
        holdings = (
            user.post_holdings.active_on(today)
            .select_related("post__structure", "post__department")
            .prefetch_related("post__communes", "post__qpvs")
        )
    return render(
        request,
        "accompaniments/home.html",
        {
            "page": page,
            "filter_form": filter_form,
            "name_form": name_form,
            "searched": found is not None,
            "without_search": _home_url(filters),
            "filtered": bool(chosen or found is not None),
            "chosen_filters": bool(chosen),
            "due_count": due_count,
            "holdings": holdings,
            "is_mediator": is_mediator,
            "today": today,
        },
    )


def _home_url(params):
    params = params.copy()
    params.pop("page", None)
    query = params.urlencode()
    return reverse("accompaniments:home") + (f"?{query}" if query else "")


def _search_caseload(request):
    """The name typed above the caseload, sent by POST: the people it finds in the user's scope
    are kept under a token, and the caseload is shown again by a GET filtered on them (the
    filters of the query string stay). An empty name shows the caseload without search."""
    filters = request.GET.copy()
    filters.pop(PERSON_SEARCH_PARAM, None)
    name_form = NameSearchForm(request.POST)
    if name_form.is_valid() and (name := name_form.cleaned_data["nom"].strip()):
        matches = Beneficiary.objects.for_user(request.user).search(name).order_by("pk")
        filters[PERSON_SEARCH_PARAM] = search_tokens.remember(request.user, matches, limit=CASELOAD_SEARCH_LIMIT)
    return redirect(_home_url(filters))


@for_roles(Role.MEDIATOR, Role.STRUCTURE_MANAGER)
def follow_ups(request):
    """« À relancer »: open requests whose follow-up day has come, the oldest first."""
    user, today = request.user, timezone.localdate()
    due = (
        SheetRequest.objects.for_user(user)
        .in_caseload_of(user)
        .follow_up_due(today)
        .select_related("sheet__beneficiary", "sheet__mediator", "kind")
        .order_by("follow_up_on", "pk")
    )
    page = _with_page_range(Paginator(due, PAGE_SIZE).get_page(request.GET.get("page")))
    here = request.get_full_path()
    rows = [
        {
            "request": r,
            "days_late": (today - r.follow_up_on).days,
            "close_form": CloseRequestForm(request_to_close=r, initial={"next": here}),
        }
        for r in page
    ]
    log_page(SheetRequest, [row["request"].pk for row in rows], page="follow_ups", actor=user)
    return render(
        request,
        "accompaniments/follow_ups.html",
        {"page": page, "rows": rows, "is_mediator": role_of(user) == Role.MEDIATOR, "today": today},
    )


# ---------------------------------------------------------------- sheets


def _breadcrumb(*links, current):
    return dsfr_breadcrumb(current, *((title, url) for url, title in links))


def _person_link(beneficiary):
    return reverse("accompaniments:beneficiary_detail", args=[beneficiary.pk]), str(beneficiary)


def _render_sheet_form(request, *, form, formset, beneficiary, sheet=None):
    if sheet is None and not form.is_bound:
        _focus_first_empty(form, formset)
    _focus_first_error(form, formset)
    sheet_date = None
    if sheet is None:
        cancel_url = reverse("accompaniments:beneficiary_detail", args=[beneficiary.pk])
        breadcrumb = _breadcrumb(_person_link(beneficiary), current="Nouvelle fiche")
    else:
        # The date as stored: a failed save leaves the typed one on the instance.
        sheet_date = form.initial.get("opened_on") or sheet.opened_on
        cancel_url = reverse("accompaniments:sheet_detail", args=[sheet.pk])
        breadcrumb = _breadcrumb(
            _person_link(beneficiary), (cancel_url, f"Fiche du {sheet_date:%d/%m/%Y}"), current="Modifier"
        )
    return render(
        request,
        "accompaniments/sheet_form.html",
        {
            "form": form,
            "formset": formset,
            "beneficiary": beneficiary,
            "sheet": sheet,
            "max_requests": MAX_REQUESTS_PER_SHEET,
            "form_action": request.get_full_path(),
            "cancel_url": cancel_url,
            "sheet_date": sheet_date,
            "breadcrumb_data": breadcrumb,
        },
    )


def _bind(request):
    """The data to bind the sheet forms with: the POST, or what was kept when the session
    expired during the previous POST to this page (then re-shown without errors)."""
    if request.method == "POST":
        return request.POST, False
    restored = restore_preserved_post(request)
    if restored is not None:
        messages.info(request, RESTORED_MESSAGE)
        return restored, True
    return None, False


def _validate(form, formset):
    form_valid = form.is_valid()
    formset.set_sheet_opened_on(form.cleaned_data.get("opened_on"))
    formset_valid = formset.is_valid()
    return form_valid and formset_valid


@for_roles(Role.MEDIATOR, Role.STRUCTURE_MANAGER)
def sheet_create(request):
    raw = request.GET.get("beneficiary")
    if not raw:
        return render(request, "accompaniments/sheet_choose_person.html")
    beneficiary = get_object_or_404(
        Beneficiary.objects.for_user(request.user).filter(anonymised_at__isnull=True), pk=_pk_or_404(raw)
    )
    data, restored = _bind(request)
    form = SheetForm(data, beneficiary=beneficiary, user=request.user)
    proposed = proposed_request(beneficiary) if data is None else None
    formset = form.requests = NewSheetRequestFormSet(
        data, instance=form.instance, initial=[proposed] if proposed else None
    )
    if data is None:
        return _render_sheet_form(request, form=form, formset=formset, beneficiary=beneficiary)

    if not formset.management_form.is_valid():
        form.is_valid()
        messages.error(request, "Les demandes saisies n'ont pas pu être lues : ajoutez-les à nouveau.")
        formset = NewSheetRequestFormSet(instance=form.instance)
        return _render_sheet_form(request, form=form, formset=formset, beneficiary=beneficiary)
    if restored or "add_request" in data:
        if not restored:
            formset = _one_more_row(data, NewSheetRequestFormSet, instance=form.instance) or formset
        _validate(form, formset)
        _quiet(form, formset)
        return _render_sheet_form(request, form=form, formset=formset, beneficiary=beneficiary)

    if _validate(form, formset):
        try:
            sheet, created = save_once(
                _sheets_for(request.user),
                form.submission_key,
                lambda key: sheets.create_sheet(form=form, requests=formset, key=key),
            )
        except IntegrityError:
            logger.exception("Sheet creation failed")
            form.add_error(None, "La fiche n'a pas pu être enregistrée : vérifiez la saisie puis réessayez.")
        else:
            if not created:
                messages.info(request, "Cette fiche était déjà enregistrée (envoi en double) : la voici.")
                return redirect("accompaniments:sheet_detail", pk=sheet.pk)
            count = sheet.requests.count()
            messages.success(request, f"Fiche enregistrée avec {count} demande{'s' if count > 1 else ''}.")
            return redirect("accompaniments:sheet_detail", pk=sheet.pk)
    return _render_sheet_form(request, form=form, formset=formset, beneficiary=beneficiary)


@for_roles(Role.MEDIATOR, Role.STRUCTURE_MANAGER)
def sheet_update(request, pk):
    sheet = get_object_or_404(_sheets_for(request.user).select_related("beneficiary"), pk=pk)
    beneficiary = sheet.beneficiary
    data, restored = _bind(request)
    form = SheetForm(data, instance=sheet, beneficiary=beneficiary, user=request.user)
    formset = form.requests = SheetRequestFormSet(data, instance=sheet)
    context = {"form": form, "formset": formset, "beneficiary": beneficiary, "sheet": sheet}
    if data is None:
        return _render_sheet_form(request, **context)

    if not formset.management_form.is_valid():
        form.is_valid()
        messages.error(request, "Les demandes saisies n'ont pas pu être lues : voici celles enregistrées.")
        context["formset"] = SheetRequestFormSet(instance=sheet)
        return _render_sheet_form(request, **context)
    if restored or "add_request" in data:
        if not restored:
            context["formset"] = _one_more_row(data, SheetRequestFormSet, instance=sheet) or formset
            form.requests = context["formset"]
        _validate(form, context["formset"])
        _quiet(form, context["formset"])
        return _render_sheet_form(request, **context)

    if _validate(form, formset):
        try:
            sheets.update_sheet(form=form, requests=formset)
        except StaleEdit:
            form.add_error(None, form.stale_error())
        else:
            messages.success(request, "Fiche enregistrée.")
            return redirect("accompaniments:sheet_detail", pk=sheet.pk)
    if form.has_stale_error():
        # Lay the typed rows over the requests stored now, so that saving again applies to them.
        context["formset"] = SheetRequestFormSet(formset.rebased_data(form.data), instance=sheet)
        form.requests = context["formset"]
        context["formset"].set_sheet_opened_on(form.cleaned_data.get("opened_on"))
        context["formset"].is_valid()
    return _render_sheet_form(request, **context)


@for_roles(Role.MEDIATOR, Role.STRUCTURE_MANAGER)
@require_GET
def request_form_row(request):
    """htmx: one more empty request row, at the index the page's TOTAL_FORMS gives, and that
    counter moved on (out-of-band swap)."""
    try:
        index = int(request.GET.get(TOTAL_FORMS_KEY, ""))
    except ValueError:
        index = -1
    if not 0 <= index < MAX_REQUESTS_PER_SHEET:
        return render(request, "accompaniments/includes/sheet_request_limit.html", {"max": MAX_REQUESTS_PER_SHEET})
    form = NewSheetRequestFormSet(instance=Sheet()).extra_row(index)
    return render(
        request,
        "accompaniments/includes/sheet_request_row.html",
        {"form": form, "number": index + 1, "total_forms": index + 1, "swap_total": True},
    )


def _render_sheet_detail(request, sheet, *, contact_form=None):
    log_access(sheet)
    here = reverse("accompaniments:sheet_detail", args=[sheet.pk])
    rows = [
        {
            "request": r,
            "close_form": CloseRequestForm(request_to_close=r, initial={"next": f"{here}#demandes"})
            if r.status == RequestStatus.IN_PROGRESS
            else None,
        }
        for r in sheet.requests.all()
    ]
    return render(
        request,
        "accompaniments/sheet_detail.html",
        {
            "sheet": sheet,
            "rows": rows,
            "contacts": list(sheet.contacts.all()),
            "orientations": list(sheet.orientations.select_related("partner")),
            "contact_form": contact_form or ContactForm(sheet=sheet),
            "today": timezone.localdate(),
            "breadcrumb_data": _breadcrumb(
                _person_link(sheet.beneficiary), current=f"Fiche du {sheet.opened_on:%d/%m/%Y}"
            ),
        },
    )


def _sheet_for_display(user, pk):
    return get_object_or_404(
        _sheets_for(user)
        .select_related(
            "beneficiary", "mediator", "post__department", "contact_mode", "sex", "resources", "came_via", "qpv"
        )
        .prefetch_related(
            "barriers",
            Prefetch("requests", queryset=SheetRequest.objects.select_related("kind")),
            Prefetch("contacts", queryset=Contact.objects.select_related("mode")),
        ),
        pk=pk,
    )


@for_roles(Role.MEDIATOR, Role.STRUCTURE_MANAGER)
def sheet_detail(request, pk):
    return _render_sheet_detail(request, _sheet_for_display(request.user, pk))


@require_POST
@for_roles(Role.MEDIATOR, Role.STRUCTURE_MANAGER)
def contact_add(request, pk):
    sheet = _sheet_for_display(request.user, pk)
    form = ContactForm(request.POST, sheet=sheet)
    if form.is_valid():
        back = reverse("accompaniments:sheet_detail", args=[sheet.pk]) + "#contacts"
        if sheets.add_contact(form):
            messages.success(request, f"Contact du {form.instance.date:%d/%m/%Y} ajouté.")
        else:
            messages.info(request, "Ce contact était déjà enregistré (envoi en double).")
        return redirect(back)
    return _render_sheet_detail(request, sheet, contact_form=form)


@require_POST
@for_roles(Role.MEDIATOR, Role.STRUCTURE_MANAGER)
def request_close(request, pk):
    sheet_request = get_object_or_404(SheetRequest.objects.for_user(request.user).select_related("kind"), pk=pk)
    form = CloseRequestForm(request.POST, request_to_close=sheet_request)
    form.is_valid()
    back = _safe_next(request, form.cleaned_data.get("next")) or reverse(
        "accompaniments:sheet_detail", args=[sheet_request.sheet_id]
    )
    already_closed = f"La demande « {sheet_request.kind} » était déjà close."
    if sheet_request.status != RequestStatus.IN_PROGRESS:
        messages.info(request, already_closed)
    elif form.is_valid():
        resolved = form.cleaned_data["status"] == RequestStatus.RESOLVED
        if not sheets.close_request(sheet_request, resolved=resolved, on=form.cleaned_data["closed_on"]):
            messages.info(request, already_closed)  # by a colleague's save, a moment ago
            return redirect(back)
        messages.success(
            request,
            f"Demande « {sheet_request.kind} » close le {sheet_request.closed_on:%d/%m/%Y} : "
            f"{sheet_request.get_status_display().lower()}.",
        )
    else:
        problems = " ".join(str(error) for errors in form.errors.values() for error in errors)
        messages.error(request, f"La demande « {sheet_request.kind} » n'a pas été close. {problems}")
    return redirect(back)
