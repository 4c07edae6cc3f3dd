"""The yearly campaign's workflows: opening a campaign (one bilan per expected mediator,
pre-filled), re-computing figures, reminding the late, and the review steps that e-mail the
mediator."""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from mediation.models import Department, PostHolding

from . import prefill
from .enums import USABLE_MIN_DAYS, BilanState, FigureKey
from .models import AnnualBilan, BilanFigure, Campaign


class CampaignError(Exception):
    """A campaign cannot be opened as asked; the message says why, in French."""


# ---------------------------------------------------------------- scope and overlap


def scope_department_ids(*, region=None, departments=()):
    if region is not None:
        return set(Department.objects.filter(region=region).values_list("pk", flat=True))
    return {d.pk for d in departments}


def overlap_message(year, department_ids, *, exclude=None):
    """Why a campaign of `year` over these departments would overlap an existing one, or ''."""
    existing = Campaign.objects.for_year(year).covering(department_ids)
    if exclude is not None:
        existing = existing.exclude(pk=exclude.pk)
    taken = set()
    for campaign in existing.prefetch_related("departments"):
        taken |= campaign.department_ids() & set(department_ids)
    if not taken:
        return ""
    names = ", ".join(Department.objects.filter(pk__in=taken).order_by("code").values_list("name", flat=True))
    return f"Une campagne {year} couvre déjà : {names}. Un département n'a qu'une campagne par année."


# ---------------------------------------------------------------- who is expected


def days_in_year(intervals, first, last):
    """Days of [first, last] covered by at least one (start, end-or-None) interval."""
    clipped = sorted(
        (max(start, first), min(end or last, last))
        for start, end in intervals
        if start <= last and (end is None or end >= first)
    )
    total, current_start, current_end = 0, None, None
    for start, end in clipped:
        if current_end is not None and start <= current_end + datetime.timedelta(days=1):
            current_end = max(current_end, end)
            continue
        if current_end is not None:
            total += (current_end - current_start).days + 1
        current_start, current_end = start, end
    if current_end is not None:
        total += (current_end - current_start).days + 1
    return total


@dataclass(frozen=True)
class Expected:
    mediator_id: int
    post: object
    days_held: int


def expected_mediators(year, department_ids):
    """The mediators (active accounts) who held a post during `year` and whose longest-held
    post of the year is in these departments, with that post and their days on a post."""
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    holdings = (
        PostHolding.objects.overlapping(first, last)
        .filter(mediator__is_active=True)
        .select_related("post")
        .order_by("start_date", "pk")
    )
    by_mediator = defaultdict(list)
    for holding in holdings:
        by_mediator[holding.mediator_id].append(holding)
    expected = []
    for mediator_id, held in by_mediator.items():
        per_post = defaultdict(list)
        for holding in held:
            per_post[holding.post_id].append(holding)

        def weight(post_holdings):
            days = days_in_year([(h.start_date, h.end_date) for h in post_holdings], first, last)
            return days, max(h.start_date for h in post_holdings)

        longest = max(per_post.values(), key=weight)
        post = longest[0].post
        if post.department_id in department_ids:
            days = days_in_year([(h.start_date, h.end_date) for h in held], first, last)
            expected.append(Expected(mediator_id, post, days))
    return expected


def usable_by_rule(days_held, year):
    """The default usable flag and its reason: a post held six months of the year or more."""
    if days_held >= USABLE_MIN_DAYS:
        return True, f"Poste tenu {days_held} jours en {year} (six mois au moins)."
    return False, f"Poste tenu {days_held} jours en {year} : moins de six mois, hors des moyennes."


# ---------------------------------------------------------------- opening and pre-filling


@transaction.atomic
def open_campaign(*, by, year, deadline, region=None, departments=(), submission_key=None):
    """Open the campaign of `year` and create, pre-filled, the bilan of every expected mediator.
    The `submission_key` of the form is unique: the same form cannot open a second campaign."""
    department_ids = scope_department_ids(region=region, departments=departments)
    if not department_ids:
        raise CampaignError("Choisissez la région ou au moins un département.")
    # Lock the departments' rows so two coordinators cannot open overlapping campaigns at once.
    list(Department.objects.select_for_update().filter(pk__in=department_ids).values_list("pk", flat=True))
    message = overlap_message(year, department_ids)
    if message:
        raise CampaignError(message)
    campaign = Campaign.objects.create(
        year=year, region=region, deadline=deadline, opened_by=by, submission_key=submission_key
    )
    if region is None:
        campaign.departments.set(departments)
    add_missing_bilans(campaign)
    return campaign


@transaction.atomic
def add_missing_bilans(campaign):
    """Create the bilans of expected mediators who have none for the year yet. Returns how many."""
    already = set(
        AnnualBilan.objects.for_year(campaign.year).filter(mediator__isnull=False).values_list("mediator", flat=True)
    )
    new = []
    for expected in expected_mediators(campaign.year, campaign.department_ids()):
        if expected.mediator_id in already:
            continue
        usable, reason = usable_by_rule(expected.days_held, campaign.year)
        new.append(
            AnnualBilan(
                campaign=campaign,
                mediator_id=expected.mediator_id,
                post=expected.post,
                year=campaign.year,
                department_id=expected.post.department_id,
                post_type=expected.post.post_type,
                days_held=expected.days_held,
                usable=usable,
                usable_reason=reason,
            )
        )
    AnnualBilan.objects.bulk_create(new)
    created = list(AnnualBilan.objects.filter(campaign=campaign, mediator_id__in=[b.mediator_id for b in new]))
    apply_prefill(created, preselect=True)
    return len(created)


M2M_PRESELECTIONS = ("themes", "coanimating_partner_types", "publics")


@transaction.atomic
def apply_prefill(bilans, *, preselect):
    """Store the computed figures (and their method) of these bilans, never touching the declared
    ones. With `preselect`, bilans not started yet also get the answers their records suggest."""
    bilans = [b for b in bilans if b.mediator_id]
    if not bilans:
        return
    years = defaultdict(set)
    for bilan in bilans:
        years[bilan.year].add(bilan.mediator_id)
    computed = {year: prefill.compute(year, ids) for year, ids in years.items()}
    existing = {(f.bilan_id, f.key): f for f in BilanFigure.objects.filter(bilan__in=bilans)}
    to_create, to_update = [], []
    for bilan in bilans:
        figures = computed[bilan.year][bilan.mediator_id].figures
        for key in FigureKey.values:
            method = prefill.method_of(key, bilan.year)
            figure = existing.get((bilan.pk, key))
            if figure is None:
                to_create.append(BilanFigure(bilan=bilan, key=key, computed=figures[key], method=method))
            elif figure.computed != figures[key] or figure.method != method:
                figure.computed, figure.method = figures[key], method
                to_update.append(figure)
    BilanFigure.objects.bulk_create(to_create)
    BilanFigure.objects.bulk_update(to_update, ["computed", "method"])
    # Any form opened before now shows stale computed values: its next save is refused.
    AnnualBilan.objects.filter(pk__in=[b.pk for b in bilans]).update(
        computed_at=timezone.now(), version=F("version") + 1
    )
    if preselect:
        _preselect([b for b in bilans if b.state == BilanState.NOT_STARTED], computed)


def _preselect(bilans, computed):
    if not bilans:
        return
    ids = [b.pk for b in bilans]
    for name in M2M_PRESELECTIONS:
        through = getattr(AnnualBilan, name).through
        through.objects.filter(annualbilan_id__in=ids).delete()
        through.objects.bulk_create(
            through(annualbilan_id=bilan.pk, vocabularyitem_id=item)
            for bilan in bilans
            for item in sorted(getattr(computed[bilan.year][bilan.mediator_id], name))
        )
    for flag in ("cpam_partnership", "partner_bodies"):
        suggested = [b.pk for b in bilans if getattr(computed[b.year][b.mediator_id], flag)]
        AnnualBilan.objects.filter(pk__in=suggested, **{f"{flag}__isnull": True}).update(**{flag: True})


def recompute(bilans):
    """Refresh the computed figures of the bilans not validated yet (declared values untouched).
    Returns how many were refreshed."""
    targets = [b for b in bilans if b.state != BilanState.VALIDATED]
    apply_prefill(targets, preselect=True)
    return len(targets)


# ---------------------------------------------------------------- reminders


def start_of_day(now):
    local = timezone.localtime(now)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def send_reminders(campaign, *, base_url, now=None):
    """E-mail every mediator whose bilan is not submitted yet. At most one round a day per
    campaign: returns None when one was already sent today, else the number of e-mails."""
    now = now or timezone.now()
    late = list(campaign.bilans.late().filter(mediator__is_active=True).select_related("mediator"))
    if not late:
        return 0
    with transaction.atomic():
        claimed = (
            Campaign.objects.filter(pk=campaign.pk)
            .exclude(reminder_sent_at__gte=start_of_day(now))
            .update(reminder_sent_at=now)
        )
        if not claimed:
            return None
        link = base_url.rstrip("/") + reverse("campaigns:my_bilans")
        subject = f"Votre bilan annuel {campaign.year} est attendu"
        messages = [
            (
                subject,
                render_to_string(
                    "reporting/campaign_reminder_email.txt", {"bilan": bilan, "campaign": campaign, "link": link}
                ),
                bilan.mediator.email,
            )
            for bilan in late
        ]

        def send():
            for subject_line, body, email in messages:
                send_mail(subject_line, body, None, [email])

        transaction.on_commit(send)
    campaign.reminder_sent_at = now
    return len(messages)


# ---------------------------------------------------------------- review steps with an e-mail


def _notify(bilan, template, subject, base_url):
    if bilan.mediator is None or not bilan.mediator.is_active:
        return
    link = base_url.rstrip("/") + reverse("campaigns:bilan_edit", kwargs={"pk": bilan.pk})
    body = render_to_string(template, {"bilan": bilan, "link": link})
    email = bilan.mediator.email
    transaction.on_commit(lambda: send_mail(subject, body, None, [email]))


@transaction.atomic
def send_back(bilan, *, by, comment, base_url):
    moved = bilan.send_back(by=by, comment=comment)
    if moved:
        _notify(bilan, "reporting/campaign_sent_back_email.txt", f"Votre bilan {bilan.year} à corriger", base_url)
    return moved


@transaction.atomic
def reopen(bilan, *, by, reason, to_state, base_url):
    moved = bilan.reopen(by=by, reason=reason, to_state=to_state)
    if moved:
        _notify(bilan, "reporting/campaign_sent_back_email.txt", f"Votre bilan {bilan.year} est rouvert", base_url)
    return moved
