"""The people a structure follows: list and search, record, edit, merge, audit trail and caseload
transfer. Every person is fetched through `Beneficiary.objects.for_user()`: someone outside the
user's structure is a 404 by construction. Merge, audit trail and transfer are for structure
managers only (403 for the mediators of the structure)."""

import uuid
from dataclasses import dataclass

from auditlog.models import LogEntry
from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import F, Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import date_format

from mediation import perms
from mediation.access import for_roles
from mediation.enums import Role
from mediation.middleware import restore_preserved_post
from mediation.versioning import StaleEdit

from . import search_tokens
from .audit import log_access, log_page
from .beneficiaries import (
    MARKED_DISTINCT_FROM,
    MERGED_FROM,
    find_duplicates,
    log_entries_for,
    mark_distinct,
    merge_beneficiaries,
    merge_plan,
    probable_pairs,
    transfer_caseload,
)
from .beneficiary_forms import (
    BeneficiaryForm,
    BeneficiarySearchForm,
    CaseloadOriginForm,
    CaseloadTransferForm,
    DistinctPairForm,
    MergeForm,
    initial_from_preserved,
)
from .models import Beneficiary, Contact, Sheet, SheetRequest

PAGE_SIZE = 50
SEARCH_LIMIT = 50
LOG_PAGE_SIZE = 50
ALREADY_CREATED = "Cette fiche était déjà enregistrée : elle n'a pas été créée une seconde fois."
NOT_CREATED = "La fiche n'a pas pu être enregistrée : vérifiez la saisie puis réessayez."
SESSION_RESTORED = "Votre session avait expiré : votre saisie a été conservée, vérifiez-la puis enregistrez."
ACTION_LABELS = {
    LogEntry.Action.CREATE: "Création",
    LogEntry.Action.UPDATE: "Modification",
    LogEntry.Action.DELETE: "Suppression",
    LogEntry.Action.ACCESS: "Consultation",
}
RELATED_SHOWN = ("structure", "sex", "commune", "qpv", "resources", "came_via", "referent")
PERSON_FIELDS = [
    "last_name",
    "first_name",
    "birth_date",
    "birth_year",
    "sex",
    "phone",
    "email",
    "address",
    "commune",
    "lives_in_qpv",
    "qpv",
    "resources",
    "came_via",
    "consent_on",
    "consent_method",
    "external_id",
    "notes",
    "referent",
]


def breadcrumb(current, *links):
    """The DSFR breadcrumb under "Personnes": `links` are (url name, args, title)."""
    items = [{"url": reverse("accompaniments:beneficiary_list"), "title": "Personnes"}]
    items += [{"url": reverse(name, args=args), "title": str(title)} for name, args, title in links]
    return {"links": items, "current": current, "root_dir": reverse("home")}


def person_link(beneficiary):
    return ("accompaniments:beneficiary_detail", [beneficiary.pk], beneficiary)


def people(request):
    return Beneficiary.objects.for_user(request.user)


def require_structure_manager(request):
    """Merge, audit trail and caseload transfer are the structure manager's."""
    if not perms.has_role(request.user, Role.STRUCTURE_MANAGER):
        raise PermissionDenied


def shown(instance, name):
    """A field of a person as the pages show it."""
    field = instance._meta.get_field(name)
    value = getattr(instance, name)
    if value is None or value == "":
        return ""
    if field.choices:
        return getattr(instance, f"get_{name}_display")()
    if isinstance(value, bool):
        return "Oui" if value else "Non"
    if hasattr(value, "strftime"):
        return date_format(value, "d/m/Y")
    if name == "referent":
        return value.get_full_name() or value.email
    return str(value)


# ---------------------------------------------------------------- list and search


def _listed(request):
    return people(request).select_related("commune", "referent").with_activity()


@for_roles(Role.MEDIATOR, Role.STRUCTURE_MANAGER)
def beneficiary_list(request):
    """The people of the structure. A search is sent by POST (a name stays out of the URL), then
    redirected to its results page (Post/Redirect/Get: Back and reload work without re-sending)."""
    search_form = BeneficiarySearchForm(request.POST or None)
    if request.method == "POST" and search_form.is_valid():
        matches = people(request).search(search_form.cleaned_data["q"]).order_by("name_key", "pk")
        token = search_tokens.remember(request.user, matches, limit=SEARCH_LIMIT)
        return redirect("accompaniments:beneficiary_search", token=token)
    return _render_list(request, search_form)


@for_roles(Role.MEDIATOR, Role.STRUCTURE_MANAGER)
def beneficiary_search(request, token):
    """The results of a search made a moment ago by this account, found by its token. The people
    are read again through the user's scope (one who left it since is no longer shown)."""
    found = search_tokens.recall(request.user, token)
    if found is None:
        messages.info(request, search_tokens.EXPIRED)
        return redirect("accompaniments:beneficiary_list")
    results = list(_listed(request).filter(pk__in=found["ids"]).order_by("name_key", "pk"))
    return _render_list(request, BeneficiarySearchForm(), found=(results, found["count"]))


def _render_list(request, search_form, *, found=None):
    is_mediator = perms.has_role(request.user, Role.MEDIATOR)
    mine = is_mediator and request.GET.get("suivi") != "structure"
    listed = _listed(request)
    context = {"search_form": search_form, "is_mediator": is_mediator, "mine": mine}
    if found is not None:
        results, count = found
        context.update(searched=True, results=results, count=count, limit=SEARCH_LIMIT)
        page_kind = "beneficiary_search"
    else:
        # Sort the whole list on the latest activity alone, then count sheets and open
        # requests for the page's rows only: a fixed number of queries, fast at any size.
        ordering = (F("last_activity_on").desc(), "name_key", "pk")
        candidates = people(request)
        if mine:
            candidates = candidates.filter(referent=request.user)
        paged = candidates.with_last_activity().order_by(*ordering).values_list("pk", flat=True)
        page = Paginator(paged, PAGE_SIZE).get_page(request.GET.get("page"))
        results = list(listed.filter(pk__in=list(page.object_list)).order_by(*ordering))
        context.update(searched=False, page=page, results=results)
        page_kind = "beneficiary_list" if mine else "beneficiary_list_structure"
    log_page(Beneficiary, [person.pk for person in context["results"]], page=page_kind, actor=request.user)
    return render(request, "accompaniments/beneficiary_list.html", context)


# ---------------------------------------------------------------- create and edit


def _form(request, beneficiary, data=None, **kwargs):
    return BeneficiaryForm(
        data, instance=beneficiary, user=request.user, structure=request.membership.structure, **kwargs
    )


def _restored_form(request, beneficiary):
    """The form filled with what the person had sent when her session expired, if anything."""
    preserved = restore_preserved_post(request)
    if preserved is None:
        return None
    messages.info(request, SESSION_RESTORED)
    return _form(request, beneficiary, initial=initial_from_preserved(BeneficiaryForm, preserved))


def _created_with(request, key):
    """The pk of the person of the user's scope that a submit with this key created, if any."""
    return people(request).filter(submission_key=key).values_list("pk", flat=True).first() if key else None


def _save_once(request, form, key):
    """Save the new person under the form's key: (person, True). If a simultaneous submit of the
    same form saved it first, the unique key refuses the second insert: (that person, False)."""
    form.instance.submission_key = key
    try:
        with transaction.atomic():
            return form.save(), True
    except IntegrityError:
        form.instance.pk = None
        already = _created_with(request, key)
        if already is None:
            form.add_error(None, NOT_CREATED)
            return None, False
        return people(request).get(pk=already), False


@for_roles(Role.MEDIATOR, Role.STRUCTURE_MANAGER)
def beneficiary_create(request):
    structure = request.membership.structure
    beneficiary = Beneficiary(structure=structure)
    if perms.has_role(request.user, Role.MEDIATOR):
        beneficiary.referent = request.user
    form = None
    if request.method == "GET":
        form = _restored_form(request, beneficiary)
    if form is None:
        form = _form(request, beneficiary, request.POST or None, initial={"submission_token": uuid.uuid4().hex})
    duplicates = []
    if request.method == "POST" and not form.is_valid():
        form.focus_first_error()
    elif request.method == "POST":
        data = form.cleaned_data
        key = data["submission_token"]
        if already := _created_with(request, key):
            messages.info(request, ALREADY_CREATED)
            return redirect("accompaniments:beneficiary_detail", pk=already)
        if not data["confirm_duplicate"]:
            duplicates = list(
                find_duplicates(
                    structure=structure,
                    last_name=data["last_name"],
                    first_name=data["first_name"],
                    birth_year=form.birth_year_value,
                    birth_date=data["birth_date"],
                    phone=data["phone"],
                )
                .select_related("commune", "referent")
                .with_activity()
                .order_by("name_key", "pk")
            )
        if duplicates and (already := _created_with(request, key)):
            # The "duplicate" is this very form, saved in the meantime by a simultaneous submit.
            messages.info(request, ALREADY_CREATED)
            return redirect("accompaniments:beneficiary_detail", pk=already)
        if duplicates:
            form.ask_duplicate_confirmation()
        else:
            beneficiary, created = _save_once(request, form, key)
            if beneficiary is not None:
                if created:
                    messages.success(request, f"Le dossier de {beneficiary} est créé.")
                else:
                    messages.info(request, ALREADY_CREATED)
                return redirect("accompaniments:beneficiary_detail", pk=beneficiary.pk)
    return render(
        request,
        "accompaniments/beneficiary_form.html",
        {
            "form": form,
            "duplicates": duplicates,
            "beneficiary": None,
            "breadcrumb_data": breadcrumb("Nouvelle personne"),
        },
    )


@for_roles(Role.MEDIATOR, Role.STRUCTURE_MANAGER)
def beneficiary_update(request, pk):
    beneficiary = get_object_or_404(people(request), pk=pk)
    form = None
    if request.method == "GET":
        form = _restored_form(request, beneficiary)
        log_access(beneficiary)
    if form is None:
        form = _form(request, beneficiary, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            form.save()
        except StaleEdit:
            # Changed between the check and the save: the form, rebuilt on the stored record,
            # now tells what changed and keeps what was typed.
            form = _form(request, get_object_or_404(people(request), pk=pk), request.POST)
            form.is_valid()
        else:
            messages.success(request, f"Le dossier de {beneficiary} est enregistré.")
            return redirect("accompaniments:beneficiary_detail", pk=beneficiary.pk)
    elif request.method == "POST":
        form.focus_first_error()
    stored = Beneficiary.objects.get(pk=beneficiary.pk) if form.is_bound else beneficiary
    return render(
        request,
        "accompaniments/beneficiary_form.html",
        {
            "form": form,
            "duplicates": [],
            "beneficiary": stored,
            "breadcrumb_data": breadcrumb("Modifier", person_link(stored)),
        },
    )


# ---------------------------------------------------------------- record


@for_roles(Role.MEDIATOR, Role.STRUCTURE_MANAGER)
def beneficiary_detail(request, pk):
    sheets = (
        Sheet.objects.select_related("post", "mediator", "contact_mode")
        .prefetch_related(
            "barriers",
            Prefetch("requests", queryset=SheetRequest.objects.select_related("kind").order_by("-opened_on", "-pk")),
            Prefetch("contacts", queryset=Contact.objects.select_related("mode").order_by("-date", "-pk")),
        )
        .order_by("-opened_on", "-pk")
    )
    beneficiary = get_object_or_404(
        people(request).select_related(*RELATED_SHOWN).prefetch_related(Prefetch("sheets", queryset=sheets)),
        pk=pk,
    )
    log_access(beneficiary)
    return render(
        request,
        "accompaniments/beneficiary_detail.html",
        {
            "beneficiary": beneficiary,
            "sheets": beneficiary.sheets.all(),
            "breadcrumb_data": breadcrumb(str(beneficiary)),
            "is_manager": perms.has_role(request.user, Role.STRUCTURE_MANAGER),
        },
    )


# ---------------------------------------------------------------- merge


@dataclass(frozen=True)
class ComparedField:
    label: str
    kept: str
    other: str
    result: str
    taken: bool


def compare(target, other, plan):
    rows = []
    merged = Beneficiary(**{name: getattr(target, name) for name in ("structure_id", "referent_id")})
    for name in PERSON_FIELDS:
        setattr(merged, name, plan.get(name, getattr(target, name)))
        label = str(Beneficiary._meta.get_field(name).verbose_name)
        rows.append(
            ComparedField(
                label=label[:1].upper() + label[1:],
                kept=shown(target, name),
                other=shown(other, name),
                result=shown(merged, name),
                taken=name in plan,
            )
        )
    return rows


@for_roles(Role.MEDIATOR, Role.STRUCTURE_MANAGER)
def beneficiary_merge(request, pk):
    target = get_object_or_404(people(request).select_related(*RELATED_SHOWN), pk=pk)
    require_structure_manager(request)
    duplicates = list(
        find_duplicates(
            structure=target.structure_id,
            last_name=target.last_name,
            first_name=target.first_name,
            birth_year=target.birth_year,
            birth_date=target.birth_date,
            phone=target.phone,
            exclude_pk=target.pk,
        ).order_by("name_key", "pk")
    )
    if request.method == "POST":
        data = request.POST
    else:
        data = request.GET if "other" in request.GET else None
    form = MergeForm(data, target=target, user=request.user, duplicates=duplicates)
    if data is None or not form.is_valid():
        shown_people = [target.pk, *(duplicate.pk for duplicate in duplicates)]
        log_page(Beneficiary, shown_people, page="merge_candidates", actor=request.user)
        return render(
            request,
            "accompaniments/beneficiary_merge.html",
            {
                "beneficiary": target,
                "form": form,
                "duplicates": duplicates,
                "other": None,
                "breadcrumb_data": breadcrumb("Fusionner un doublon", person_link(target)),
            },
        )
    other = Beneficiary.objects.select_related(*RELATED_SHOWN).with_activity().get(pk=form.cleaned_data["other"].pk)
    if request.method == "POST":
        target.version = form.cleaned_data["target_version"]
        other.version = form.cleaned_data["other_version"]
        try:
            result = merge_beneficiaries(into=target, other=other)
        except StaleEdit:
            messages.error(
                request,
                "Une des deux fiches a été modifiée pendant que vous les compariez : rien n'a été fusionné. "
                "Vérifiez la comparaison à jour ci-dessous, puis confirmez à nouveau.",
            )
            return redirect(f"{reverse('accompaniments:beneficiary_merge', args=[target.pk])}?other={other.pk}")
        filled = ", ".join(str(label) for label in result.filled_fields)
        filled = f" Champs complétés : {filled}." if filled else ""
        moved = result.moved_sheets
        if moved == 0:
            done = "l'autre fiche, qui n'avait aucune fiche d'accompagnement, est supprimée."
        elif moved == 1:
            done = "1 fiche d'accompagnement rattachée à cette personne, l'autre fiche est supprimée."
        else:
            done = f"{moved} fiches d'accompagnement rattachées à cette personne, l'autre fiche est supprimée."
        messages.success(request, f"Fusion faite : {done}{filled}")
        return redirect("accompaniments:beneficiary_detail", pk=target.pk)
    target_sheets = Sheet.objects.filter(beneficiary=target).count()
    log_page(Beneficiary, [target.pk, other.pk], page="merge_comparison", actor=request.user)
    return render(
        request,
        "accompaniments/beneficiary_merge.html",
        {
            "beneficiary": target,
            "other": other,
            "rows": compare(target, other, merge_plan(into=target, other=other)),
            "target_sheet_count": target_sheets,
            "breadcrumb_data": breadcrumb("Confirmer la fusion", person_link(target)),
        },
    )


# ---------------------------------------------------------------- probable duplicates


@for_roles(Role.STRUCTURE_MANAGER)
def duplicate_pairs(request):
    """The probable duplicates of the manager's structure, to merge or to mark as two people."""
    found = probable_pairs(request.membership.structure)
    shown_people = [person.pk for pair in found.pairs for person in (pair.first, pair.second)]
    log_page(Beneficiary, shown_people, page="duplicate_pairs", actor=request.user)
    return render(
        request,
        "accompaniments/duplicate_pairs.html",
        {"found": found, "breadcrumb_data": breadcrumb("Doublons probables")},
    )


@for_roles(Role.STRUCTURE_MANAGER)
def duplicate_pair_distinct(request):
    """Mark two records of the structure as two people (POST only); another structure's record is a 404."""
    if request.method != "POST":
        return redirect("accompaniments:duplicate_pairs")
    form = DistinctPairForm(request.POST, user=request.user)
    if not form.is_valid():
        raise Http404
    first, second = form.cleaned_data["first"], form.cleaned_data["second"]
    if mark_distinct(one=first, other=second, by=request.user):
        messages.success(
            request,
            f"{first} (fiche n° {first.pk}) et {second} (fiche n° {second.pk}) : deux personnes différentes, "
            "la paire n'est plus proposée.",
        )
    else:
        messages.info(request, "Ces deux fiches étaient déjà marquées comme deux personnes différentes.")
    return redirect("accompaniments:duplicate_pairs")


# ---------------------------------------------------------------- audit trail


@dataclass(frozen=True)
class LogRow:
    timestamp: object
    actor: str
    action: str
    record: str
    fields: str


def field_labels(entry):
    if entry.action not in (LogEntry.Action.CREATE, LogEntry.Action.UPDATE):
        return ""
    model = entry.content_type.model_class()
    labels = []
    for name in entry.changes_dict:
        try:
            labels.append(str(model._meta.get_field(name).verbose_name))
        except (FieldDoesNotExist, AttributeError):
            labels.append(name)
    return ", ".join(labels)


def action_label(entry):
    data = entry.additional_data if isinstance(entry.additional_data, dict) else {}
    merged_from = data.get(MERGED_FROM)
    if merged_from:
        return f"Fusion (fiche n° {merged_from} supprimée)"
    if distinct_from := data.get(MARKED_DISTINCT_FROM):
        return f"Marquée comme une autre personne que la fiche n° {distinct_from}"
    return ACTION_LABELS.get(entry.action, str(entry.action))


@for_roles(Role.MEDIATOR, Role.STRUCTURE_MANAGER)
def beneficiary_log(request, pk):
    beneficiary = get_object_or_404(people(request), pk=pk)
    require_structure_manager(request)
    page = Paginator(log_entries_for(beneficiary), LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        LogRow(
            timestamp=entry.timestamp,
            actor=(entry.actor.get_full_name() or entry.actor.email) if entry.actor else "Système",
            action=action_label(entry),
            record=entry.object_repr,
            fields=field_labels(entry),
        )
        for entry in page
    ]
    return render(
        request,
        "accompaniments/beneficiary_log.html",
        {
            "beneficiary": beneficiary,
            "page": page,
            "rows": rows,
            "breadcrumb_data": breadcrumb("Journal", person_link(beneficiary)),
        },
    )


# ---------------------------------------------------------------- caseload transfer


@for_roles(Role.MEDIATOR, Role.STRUCTURE_MANAGER)
def caseload_transfer(request):
    require_structure_manager(request)
    structure = request.membership.structure
    origin_form = CaseloadOriginForm(request.GET or None, structure=structure)
    origin = origin_form.cleaned_data["de"] if origin_form.is_bound and origin_form.is_valid() else None
    form, caseload, selected = None, [], set()
    if origin is not None:
        form = CaseloadTransferForm(request.POST or None, structure=structure, origin=origin)
        if request.method == "POST" and form.is_valid():
            to_user = form.cleaned_data["to_user"]
            count = transfer_caseload(beneficiaries=form.selected(), to=to_user)
            origin_name = origin.get_full_name() or origin.email
            messages.success(
                request,
                f"Suivi transféré : {count} personne{'s' if count > 1 else ''} de {origin_name} "
                f"à {to_user.get_full_name() or to_user.email}.",
            )
            return redirect("accompaniments:caseload_transfer")
        caseload = list(form.caseload.select_related("commune").with_activity().order_by("name_key", "pk"))
        log_page(Beneficiary, [person.pk for person in caseload], page="caseload_transfer", actor=request.user)
        selected = {str(value) for value in (form["beneficiaries"].value() or [])}
    return render(
        request,
        "accompaniments/caseload_transfer.html",
        {"origin_form": origin_form, "origin": origin, "form": form, "caseload": caseload, "selected": selected},
    )
