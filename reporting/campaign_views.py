"""The yearly campaign's pages. Coordinators (and administrators) open campaigns, follow them,
review and validate bilans within their departments; a mediator fills in her own bilans.
Nobody else reaches a bilan: readers and structure managers get a 403, and a bilan outside the
user's scope is a 404 (AnnualBilan.objects.for_user)."""

from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from mediation import perms
from mediation.access import for_roles
from mediation.breadcrumbs import breadcrumb
from mediation.enums import Role
from mediation.idempotency import save_once, saved_under
from mediation.middleware import restore_preserved_post
from mediation.models import Department
from mediation.versioning import StaleEdit

from . import campaign_export, campaigns
from . import history_import as history
from .answers_review import AnswersReviewForm, edited_questions, review_answers
from .campaign_forms import (
    BilanForm,
    CampaignFilterForm,
    CampaignForm,
    ReopenForm,
    SendBackForm,
    UsableForm,
)
from .enums import BilanState
from .imports import HISTORY
from .models import AnnualBilan, BilanEvent, Campaign

COORDINATION = (Role.COORDINATOR, Role.ADMIN)
ANSWER_LISTS = ("themes", "coanimating_partner_types", "publics", "health_needs", "barriers")


def counted(n, singular, plural):
    return f"{n} {singular if n < 2 else plural}"


def campaigns_link():
    return ("Campagnes de bilans", reverse("campaigns:campaign_list"))


def campaign_link(campaign):
    label = f"Historique {campaign.year}" if campaign.imported else f"Campagne {campaign.year}"
    return (label, reverse("campaigns:campaign_detail", kwargs={"pk": campaign.pk}))


def my_bilans_link():
    return ("Mon bilan annuel", reverse("campaigns:my_bilans"))


def base_url(request):
    return request.build_absolute_uri("/")


NOT_YOUR_REMINDER = (
    "Cette campagne couvre aussi des départements hors de votre territoire : "
    "sa relance revient à la coordination qui les couvre tous."
)


def covers_campaign(user, campaign):
    """Whether the user's departments hold all of the campaign's (reminders go to all of them)."""
    return campaign.department_ids() <= set(perms.department_ids(user).values_list("pk", flat=True))


def state_counts(bilans):
    """{state: count} over an iterable of bilans, every state present."""
    counts = dict.fromkeys(BilanState.values, 0)
    for bilan in bilans:
        counts[bilan.state] += 1
    return counts


# ---------------------------------------------------------------- coordinators: campaigns


@for_roles(*COORDINATION)
def campaign_list(request):
    in_scope = Q(bilans__department__in=perms.department_ids(request.user))
    campaign_rows = (
        Campaign.objects.for_user(request.user)
        .select_related("region", "opened_by")
        .prefetch_related("departments")
        .annotate(
            n_bilans=Count("bilans", filter=in_scope),
            n_submitted=Count("bilans", filter=in_scope & Q(bilans__state=BilanState.SUBMITTED)),
            n_validated=Count("bilans", filter=in_scope & Q(bilans__state=BilanState.VALIDATED)),
            n_usable=Count("bilans", filter=in_scope & Q(bilans__usable=True)),
        )
    )
    return render(request, "reporting/campaign_list.html", {"campaigns": campaign_rows})


@for_roles(*COORDINATION)
def campaign_create(request):
    form = CampaignForm(request.POST or None, user=request.user)
    if request.method == "POST":
        in_scope, campaign, opened = Campaign.objects.for_user(request.user), None, False
        if form.is_valid():
            try:
                campaign, opened = save_once(in_scope, form.submission_key, lambda key: _open(request, form, key))
            except campaigns.CampaignError as error:
                form.add_error(None, str(error))
        # The campaign refusing this form as overlapping may be the one this very form opened: sent
        # twice, or at the same moment (the second waited for the first's lock on the departments).
        campaign = campaign or saved_under(in_scope, form.submission_key)
        if campaign is not None and not opened:
            messages.info(request, "Cette campagne était déjà ouverte (formulaire envoyé deux fois).")
            return redirect("campaigns:campaign_detail", pk=campaign.pk)
        if campaign is not None:
            count = campaign.bilans.count()
            messages.success(
                request,
                f"Campagne {campaign.year} ouverte : {counted(count, 'bilan attendu', 'bilans attendus')}, "
                "pré-remplis à partir des saisies de l'année.",
            )
            return redirect("campaigns:campaign_detail", pk=campaign.pk)
    return render(
        request,
        "reporting/campaign_form.html",
        {"form": form, "breadcrumb_data": breadcrumb("Ouvrir une campagne", campaigns_link())},
    )


def _open(request, form, key):
    data = form.cleaned_data
    return campaigns.open_campaign(
        by=request.user,
        year=data["year"],
        deadline=data["deadline"],
        region=data.get("region"),
        departments=data["departments"],
        submission_key=key,
    )


def _scoped_campaign(request, pk):
    return get_object_or_404(
        Campaign.objects.for_user(request.user).select_related("region", "opened_by").prefetch_related("departments"),
        pk=pk,
    )


def _campaign_bilans(request, campaign):
    return list(
        AnnualBilan.objects.for_user(request.user)
        .filter(campaign=campaign)
        .select_related("mediator", "post__structure", "department")
        .prefetch_related("figures")
        .order_by("department__code", "post__code", "mediator__last_name", "pk")
    )


@for_roles(*COORDINATION)
def campaign_detail(request, pk):
    campaign = _scoped_campaign(request, pk)
    bilans = _campaign_bilans(request, campaign)
    departments = Department.objects.filter(pk__in={b.department_id for b in bilans}).order_by("code")
    filters = CampaignFilterForm(request.GET or None, departments=departments)
    shown = filters.apply(bilans)
    today = timezone.localdate()
    counts = state_counts(bilans)
    late = sum(1 for b in bilans if b.is_editable and b.mediator_id)
    reminded_today = bool(campaign.reminder_sent_at and timezone.localtime(campaign.reminder_sent_at).date() == today)
    return render(
        request,
        "reporting/campaign_detail.html",
        {
            "campaign": campaign,
            "bilans": shown,
            "total": len(bilans),
            "counts": [(BilanState(state).label, state, n) for state, n in counts.items()],
            "usable_count": sum(1 for b in bilans if b.usable),
            "gap_count": sum(1 for b in bilans if b.gap_keys()),
            "late": late,
            "reminded_today": reminded_today,
            "can_remind": covers_campaign(request.user, campaign),
            "past_deadline": campaign.is_past_deadline(today),
            "filters": filters,
            "filtered": bool(request.GET),
            "breadcrumb_data": breadcrumb(campaign_link(campaign)[0], campaigns_link()),
        },
    )


@require_POST
@for_roles(*COORDINATION)
def campaign_remind(request, pk):
    campaign = _scoped_campaign(request, pk)
    if campaign.imported:
        messages.error(request, "Un historique importé n'a pas de relance.")
        return redirect("campaigns:campaign_detail", pk=campaign.pk)
    if not covers_campaign(request.user, campaign):
        messages.error(request, NOT_YOUR_REMINDER)
        return redirect("campaigns:campaign_detail", pk=campaign.pk)
    sent = campaigns.send_reminders(campaign, base_url=base_url(request))
    if sent is None:
        messages.info(request, "Les retardataires ont déjà été relancés aujourd'hui : une relance par jour au plus.")
    elif sent == 0:
        messages.info(request, "Aucun retardataire : tous les bilans attendus sont transmis.")
    else:
        messages.success(request, f"Relance envoyée par e-mail : {counted(sent, 'médiateur·rice', 'médiateur·rices')}.")
    return redirect("campaigns:campaign_detail", pk=campaign.pk)


@require_POST
@for_roles(*COORDINATION)
def campaign_recompute(request, pk):
    campaign = _scoped_campaign(request, pk)
    if campaign.imported:
        messages.error(request, "Les chiffres d'un historique importé ne se recalculent pas.")
        return redirect("campaigns:campaign_detail", pk=campaign.pk)
    added = campaigns.add_missing_bilans(campaign)
    bilans = AnnualBilan.objects.for_user(request.user).filter(campaign=campaign)
    refreshed = campaigns.recompute(list(bilans))
    text = f"Chiffres recalculés : {counted(refreshed, 'bilan non validé', 'bilans non validés')}"
    if added:
        text += f" ; {counted(added, 'bilan ajouté', 'bilans ajoutés')} (nouveaux titulaires)"
    messages.success(request, text + ". Les valeurs déclarées n'ont pas changé.")
    return redirect("campaigns:campaign_detail", pk=campaign.pk)


# ---------------------------------------------------------------- coordinators: export


def _export_response(request, campaign, fmt, part=None):
    content, content_type, extension = campaign_export.export_campaign(request.user, campaign, fmt, part=part)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{campaign_export.filename(campaign, extension, part)}"'
    return response


@for_roles(*COORDINATION)
def campaign_workbook(request, pk, fmt):
    """The campaign in one workbook (XLSX or ODS): its bilans, in the history import's format,
    then the status of each; the bilans of the user's departments only."""
    if fmt not in ("xlsx", "ods"):
        raise Http404
    return _export_response(request, _scoped_campaign(request, pk), fmt)


@for_roles(*COORDINATION)
def campaign_csv(request, pk, part):
    """One sheet of the campaign's workbook as a CSV: "bilans" or "etat"."""
    if part not in campaign_export.PARTS:
        raise Http404
    return _export_response(request, _scoped_campaign(request, pk), "csv", part)


# ---------------------------------------------------------------- coordinators: review


def _review_bilan(request, pk):
    return get_object_or_404(
        AnnualBilan.objects.for_user(request.user)
        .select_related(
            "campaign",
            "mediator",
            "post__structure",
            "department",
            "professional_project",
            "usable_set_by",
            "answers_reviewed_by",
        )
        .prefetch_related("figures", *ANSWER_LISTS),
        pk=pk,
    )


def _review_page(
    request, bilan, *, send_back_form=None, reopen_form=None, usable_form=None, answers_form=None, status=200
):
    events = BilanEvent.objects.filter(bilan=bilan).select_related("by")
    return render(
        request,
        "reporting/campaign_bilan_review.html",
        {
            "bilan": bilan,
            "figures": _figure_rows(bilan),
            "answers": _answers(bilan),
            "events": events,
            "send_back_form": send_back_form or SendBackForm(),
            "reopen_form": reopen_form or ReopenForm(),
            "usable_form": usable_form or UsableForm(initial={"usable": str(bilan.usable)}),
            "answers_form": answers_form or AnswersReviewForm(bilan=bilan),
            "answers_edited": edited_questions(bilan) if bilan.answers_reviewed_at else [],
            "breadcrumb_data": breadcrumb("Examen du bilan", campaigns_link(), campaign_link(bilan.campaign)),
        },
        status=status,
    )


def _figure_rows(bilan):
    from .campaign_forms import SECTIONS

    figures = bilan.figures_by_key()
    return [(title, [figures[key] for key in keys]) for title, keys, _names in SECTIONS if keys]


def _answers(bilan):
    """(section title, [(label, text)]) of the answers other than figures, for reading."""
    from .campaign_forms import SECTIONS

    rows = []
    for title, _keys, names in SECTIONS:
        if not names:
            continue
        answers = []
        for name in names:
            field = AnnualBilan._meta.get_field(name)
            if field.many_to_many:
                value = ", ".join(str(item) for item in getattr(bilan, name).all()) or "—"
            else:
                raw = getattr(bilan, name)
                value = {True: "Oui", False: "Non", None: "—"}.get(raw, raw) if not isinstance(raw, str) else raw
                value = value or "—"
            answers.append((str(field.verbose_name), value))
        rows.append((title, answers))
    return rows


@for_roles(*COORDINATION)
def bilan_review(request, pk):
    return _review_page(request, _review_bilan(request, pk))


@require_POST
@for_roles(*COORDINATION)
def bilan_validate(request, pk):
    bilan = _review_bilan(request, pk)
    if bilan.validate(by=request.user):
        messages.success(request, "Bilan validé : il est verrouillé.")
    else:
        messages.error(request, f"Ce bilan ne peut être validé : il est « {bilan.get_state_display()} ».")
    return redirect("campaigns:bilan_review", pk=bilan.pk)


@require_POST
@for_roles(*COORDINATION)
def bilan_send_back(request, pk):
    bilan = _review_bilan(request, pk)
    form = SendBackForm(request.POST)
    if not form.is_valid():
        return _review_page(request, bilan, send_back_form=form, status=400)
    if campaigns.send_back(bilan, by=request.user, comment=form.cleaned_data["comment"], base_url=base_url(request)):
        messages.success(request, "Bilan renvoyé pour correction : le·la médiateur·rice est prévenu·e par e-mail.")
    else:
        messages.error(request, f"Ce bilan ne peut être renvoyé : il est « {bilan.get_state_display()} ».")
    return redirect("campaigns:bilan_review", pk=bilan.pk)


@require_POST
@for_roles(*COORDINATION)
def bilan_reopen(request, pk):
    bilan = _review_bilan(request, pk)
    if bilan.import_key:
        messages.error(
            request, "Un bilan importé de l'historique ne se rouvre pas : il n'a pas de médiateur·rice à qui revenir."
        )
        return redirect("campaigns:bilan_review", pk=bilan.pk)
    form = ReopenForm(request.POST)
    if not form.is_valid():
        return _review_page(request, bilan, reopen_form=form, status=400)
    moved = campaigns.reopen(
        bilan,
        by=request.user,
        reason=form.cleaned_data["reason"],
        to_state=form.cleaned_data["to_state"],
        base_url=base_url(request),
    )
    if moved:
        messages.success(request, "Bilan rouvert : la réouverture et son motif sont inscrits à l'historique.")
    else:
        messages.error(request, "Seul un bilan validé peut être rouvert.")
    return redirect("campaigns:bilan_review", pk=bilan.pk)


@require_POST
@for_roles(*COORDINATION)
def bilan_usable(request, pk):
    bilan = _review_bilan(request, pk)
    form = UsableForm(request.POST)
    if not form.is_valid():
        return _review_page(request, bilan, usable_form=form, status=400)
    bilan.set_usable(by=request.user, usable=form.cleaned_data["usable"], reason=form.cleaned_data["reason"])
    messages.success(request, "Exploitabilité enregistrée, avec son motif, dans l'historique du bilan.")
    return redirect("campaigns:bilan_review", pk=bilan.pk)


@require_POST
@for_roles(*COORDINATION)
def bilan_answers_review(request, pk):
    """« Réponses relues »: the open answers, as the coordinator leaves them, may reach readers."""
    bilan = _review_bilan(request, pk)
    form = AnswersReviewForm(request.POST)
    if not form.is_valid():
        return _review_page(request, bilan, answers_form=form, status=400)
    if review_answers(bilan, by=request.user, texts=form.cleaned_data):
        messages.success(request, "Réponses relues : les textes enregistrés sont ceux que liront les lecteurs.")
    else:
        messages.error(request, "Seules les réponses d'un bilan validé se relisent : elles peuvent encore changer.")
    return redirect("campaigns:bilan_review", pk=bilan.pk)


# ---------------------------------------------------------------- coordinators: history


@for_roles(*COORDINATION)
def history_import(request):
    """The history import is one of the imports: its upload page, where the file is checked
    (dry run) and waits on the server, like any other, until confirmed."""
    return redirect("imports:upload", kind=HISTORY.slug)


@require_POST
@for_roles(*COORDINATION)
def history_import_confirm(request):
    """A confirmation sent from the page this import had before it joined the others: the
    file it named is not kept any more, its review page says what to do."""
    return redirect("imports:review", kind=HISTORY.slug)


@for_roles(*COORDINATION)
def history_template(request, fmt):
    dataset = history.template_dataset()
    if fmt == "xlsx":
        response = HttpResponse(
            dataset.export("xlsx"), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    elif fmt == "csv":
        response = HttpResponse(dataset.export("csv", delimiter=";"), content_type="text/csv; charset=utf-8")
    else:
        return HttpResponse("Format inconnu.", status=404, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="modele-bilans-historiques.{fmt}"'
    return response


# ---------------------------------------------------------------- mediators


def _own_bilan(request, pk):
    return get_object_or_404(
        AnnualBilan.objects.for_user(request.user)
        .select_related("campaign", "post__structure", "department", "professional_project")
        .prefetch_related("figures", *ANSWER_LISTS),
        pk=pk,
    )


@for_roles(Role.MEDIATOR)
def my_bilans(request):
    bilans = (
        AnnualBilan.objects.for_user(request.user)
        .select_related("campaign", "post__structure", "department")
        .order_by("-year")
    )
    return render(request, "reporting/bilan_list.html", {"bilans": bilans, "today": timezone.localdate()})


def _bilan_form(bilan, data=None, *, submitting=False):
    return BilanForm(data, instance=bilan, submitting=submitting)


@for_roles(Role.MEDIATOR)
def bilan_edit(request, pk):
    bilan = _own_bilan(request, pk)
    if not bilan.is_editable:
        if request.method == "POST":
            messages.error(request, "Ce bilan n'est plus modifiable : il a été transmis à la coordination.")
            return redirect("campaigns:bilan_edit", pk=bilan.pk)
        return _read_only_page(request, bilan)

    if request.method == "POST":
        submitting = request.POST.get("action") == "submit"
        form = _bilan_form(bilan, request.POST, submitting=submitting)
        if form.is_valid():
            try:
                form.save()
            except StaleEdit:
                form = _bilan_form(_own_bilan(request, pk), request.POST, submitting=submitting)
                form.is_valid()
            else:
                if submitting:
                    return redirect("campaigns:bilan_submit", pk=bilan.pk)
                messages.success(request, "Brouillon enregistré. Vous pourrez le reprendre jusqu'à sa transmission.")
                return redirect("campaigns:bilan_edit", pk=bilan.pk)
        messages.error(request, "Le bilan n'a pas été enregistré : corrigez les points signalés ci-dessous.")
        return _form_page(request, bilan, form, status=400)

    restored = restore_preserved_post(request)
    if restored is not None:
        form = _bilan_form(bilan, restored)
        form.is_valid()
        messages.info(
            request,
            "Votre session avait expiré : votre saisie a été conservée. Vérifiez-la puis enregistrez.",
        )
    else:
        form = _bilan_form(bilan)
    return _form_page(request, bilan, form)


def _form_page(request, bilan, form, status=200):
    return render(
        request,
        "reporting/bilan_form.html",
        {
            "bilan": bilan,
            "form": form,
            "sections": form.sections(),
            "breadcrumb_data": breadcrumb(f"Bilan {bilan.year}", my_bilans_link()),
        },
        status=status,
    )


def _read_only_page(request, bilan):
    return render(
        request,
        "reporting/bilan_detail.html",
        {
            "bilan": bilan,
            "figures": _figure_rows(bilan),
            "answers": _answers(bilan),
            "breadcrumb_data": breadcrumb(f"Bilan {bilan.year}", my_bilans_link()),
        },
    )


@for_roles(Role.MEDIATOR)
def bilan_submit(request, pk):
    """Confirm the submission: what is sent, and what is still missing."""
    bilan = _own_bilan(request, pk)
    if not bilan.is_editable:
        messages.info(request, "Ce bilan est déjà transmis.")
        return redirect("campaigns:bilan_edit", pk=bilan.pk)
    missing = bilan.missing_for_submission()
    if request.method == "POST" and not missing:
        if bilan.submit(by=request.user):
            messages.success(request, "Bilan transmis à la coordination. Merci !")
        else:
            messages.info(request, "Ce bilan était déjà transmis.")
        return redirect("campaigns:bilan_edit", pk=bilan.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "reporting/bilan_submit.html",
        {
            "bilan": bilan,
            "missing": missing,
            "figures": _figure_rows(bilan),
            "breadcrumb_data": breadcrumb(
                "Transmettre",
                my_bilans_link(),
                (f"Bilan {bilan.year}", reverse("campaigns:bilan_edit", kwargs={"pk": bilan.pk})),
            ),
        },
        status=status,
    )


@require_POST
@for_roles(Role.MEDIATOR)
def bilan_recompute(request, pk):
    bilan = _own_bilan(request, pk)
    if not bilan.is_editable:
        messages.error(request, "Ce bilan n'est plus modifiable : ses chiffres ne se recalculent plus.")
    else:
        campaigns.recompute([bilan])
        messages.success(
            request,
            "Chiffres recalculés à partir de vos saisies. Les valeurs que vous aviez corrigées sont gardées.",
        )
    return redirect(reverse("campaigns:bilan_edit", kwargs={"pk": bilan.pk}))
