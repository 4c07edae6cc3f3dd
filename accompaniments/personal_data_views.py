"""Pages on the life of personal data: a caseload export, a person's data (right of access) as
PDF or JSON, the anonymisation of a person, and the people about to be anonymised for lack of
activity. People are fetched through `Beneficiary.objects.for_user()`: anyone outside the user's
structure is a 404. Anonymisation and the retention list are the structure manager's."""

from django import forms
from django.contrib import messages
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET
from dsfr.forms import DsfrBaseForm

from mediation import perms
from mediation.access import for_roles
from mediation.breadcrumbs import breadcrumb as dsfr_breadcrumb
from mediation.enums import Role

from . import exports, personal_data
from .audit import log_access, log_page
from .models import Beneficiary

STAFF = (Role.MEDIATOR, Role.STRUCTURE_MANAGER)


class AnonymiseForm(DsfrBaseForm):
    confirm = forms.BooleanField(
        label="Je confirme l'anonymisation de cette personne. Elle est définitive.",
        error_messages={"required": "Cochez la case pour confirmer l'anonymisation."},
    )


def attachment(content, content_type, filename):
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def person_breadcrumb(beneficiary, current):
    return dsfr_breadcrumb(
        current,
        ("Personnes", reverse("accompaniments:beneficiary_list")),
        (str(beneficiary), reverse("accompaniments:beneficiary_detail", args=[beneficiary.pk])),
    )


# ---------------------------------------------------------------- caseload export


@require_GET
@for_roles(*STAFF)
def caseload_export(request):
    sheets = exports.caseload_sheets(request.user).order_by()
    counts = sheets.aggregate(sheets=Count("pk"), people=Count("beneficiary", distinct=True))
    return render(
        request,
        "accompaniments/personal_data_export.html",
        {
            "counts": counts,
            "is_mediator": perms.has_role(request.user, Role.MEDIATOR),
            "breadcrumb_data": dsfr_breadcrumb("Exporter les fiches"),
        },
    )


@require_GET
@for_roles(*STAFF)
def caseload_download(request, fmt):
    if fmt not in exports.FORMATS:
        raise Http404
    content, content_type, extension = exports.export_caseload(request.user, fmt)
    name = "mes-fiches" if perms.has_role(request.user, Role.MEDIATOR) else "fiches-structure"
    return attachment(content, content_type, f"{name}-{timezone.localdate():%Y-%m-%d}.{extension}")


# ---------------------------------------------------------------- right of access


@require_GET
@for_roles(*STAFF)
def beneficiary_data(request, pk, fmt):
    if fmt not in ("pdf", "json"):
        raise Http404
    beneficiary = get_object_or_404(Beneficiary.objects.for_user(request.user).select_related("structure"), pk=pk)
    data = personal_data.personal_data(beneficiary)
    log_access(beneficiary)
    if fmt == "pdf":
        return attachment(personal_data.access_pdf(data), "application/pdf", f"donnees-personne-{pk}.pdf")
    return attachment(personal_data.access_json(data), "application/json", f"donnees-personne-{pk}.json")


# ---------------------------------------------------------------- erasure


@for_roles(Role.STRUCTURE_MANAGER)
def beneficiary_anonymise(request, pk):
    beneficiary = get_object_or_404(Beneficiary.objects.for_user(request.user), pk=pk)
    if beneficiary.anonymised_at is not None:
        messages.info(request, "Cette personne est déjà anonymisée.")
        return redirect("accompaniments:beneficiary_detail", pk=pk)
    form = AnonymiseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        personal_data.anonymise(beneficiary, by=request.user)
        messages.success(
            request, "La personne est anonymisée : son identité, ses coordonnées et les notes sont effacées."
        )
        return redirect("accompaniments:beneficiary_detail", pk=pk)
    if request.method == "GET":
        log_access(beneficiary)
    return render(
        request,
        "accompaniments/personal_data_anonymise.html",
        {
            "beneficiary": beneficiary,
            "form": form,
            "sheet_count": beneficiary.sheets.count(),
            "breadcrumb_data": person_breadcrumb(beneficiary, "Anonymiser"),
        },
    )


# ---------------------------------------------------------------- retention


@require_GET
@for_roles(Role.STRUCTURE_MANAGER)
def retention_list(request):
    people = list(personal_data.pending_for_structure(request.membership.structure))
    for person in people:
        person.anonymised_on = personal_data.anonymisation_day(person.warned_on)
    log_page(Beneficiary, [person.pk for person in people], page="retention_list", actor=request.user)
    return render(
        request,
        "accompaniments/personal_data_retention.html",
        {
            "people": people,
            "breadcrumb_data": dsfr_breadcrumb("Personnes à anonymiser"),
        },
    )
