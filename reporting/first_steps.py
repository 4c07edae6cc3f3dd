"""A coordinator's first steps on a new region, from real data: structures, the posts register,
holders invited, history imported, the campaign opened (and, for an administrator, coordinators
invited). Shown at the top of her home until every step is done.

Each step is computed for the user's scope (her departments) in one or two counting queries,
so the checklist costs the same few queries whatever the region holds. The rules:

- structures: at least one structure in the scope;
- posts register: at least one post open during the current year;
- holders invited: every post open today that has a holder has one whose account is active or
  who has an invitation pending, and at least one open post is held or has an invitation pending
  for it. A vacant post is said, but does not keep the step open: regions always have some;
- history imported: accompaniment sheets opened before the current year, or annual bilans
  imported as history (their campaign is flagged `imported`). Nothing else records that an
  import was done: the runs of the imports page are forgotten after 30 days;
- campaign opened: a campaign (not an imported history) for the year the campaigns are about
  by default (the year before the current one) or later, touching the scope;
- coordinators invited (administrators only): an active coordinator, or an invitation pending
  for one."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse

from accompaniments.models import Sheet
from mediation import perms
from mediation.enums import Role
from mediation.imports.formats import thousands
from mediation.models import Invitation, Membership, Post, PostHolding, Structure

from .models import AnnualBilan, Campaign

DONE_BADGE = {"label": "Fait", "extra_classes": "fr-badge--success fr-badge--sm"}
TO_DO_BADGE = {"label": "À faire", "extra_classes": "fr-badge--warning fr-badge--sm"}


@dataclass(frozen=True)
class Step:
    number: int
    title: str
    done: bool
    description: str
    url: str
    action: str

    @property
    def card(self):
        """The step as django-dsfr's card tag takes it."""
        return {
            "title": f"{self.number}. {self.title}",
            "heading_tag": "h3",
            "description": self.description,
            "link": self.url,
            "top_detail": {"badges": [DONE_BADGE if self.done else TO_DO_BADGE]},
            "bottom_detail": {"text": self.action},
            "extra_classes": "fr-card--sm",
            "description_max_length": 400,
        }


@dataclass(frozen=True)
class FirstSteps:
    steps: tuple

    @property
    def done_count(self):
        return sum(step.done for step in self.steps)

    @property
    def all_done(self):
        return all(step.done for step in self.steps)

    @property
    def summary(self):
        done = self.done_count
        return f"{plural(done, 'étape', 'étapes')} sur {len(self.steps)} faite{'s' if done > 1 else ''}."


def plural(n, singular, plural_form):
    """ "0 poste", "1 poste", "2 postes": French takes the singular below two."""
    return f"{thousands(n)} {singular if n < 2 else plural_form}"


def campaign_year(today):
    """The year a campaign is about by default: the one just ended (as the campaign form says)."""
    return today.year - 1


def for_user(user, *, today):
    """The first steps of `user` (a coordinator or an administrator) on `today`."""
    departments = perms.department_ids(user)
    year_start, year_end = datetime.date(today.year, 1, 1), datetime.date(today.year, 12, 31)
    steps = [
        _structures(user),
        _posts(user, year_start, year_end, today),
        _holders(user, today),
        _history(departments, year_start),
        _campaign(user, campaign_year(today)),
    ]
    if perms.role_of(user) == Role.ADMIN:
        steps.insert(0, _coordinators())
    return FirstSteps(steps=tuple(Step(number, *step) for number, step in enumerate(steps, start=1)))


def _coordinators():
    active = Membership.objects.filter(role=Role.COORDINATOR, user__is_active=True).count()
    invited = Invitation.objects.pending().filter(role=Role.COORDINATOR).count()
    description = (
        f"{plural(active, 'coordinateur·rice actif·ve', 'coordinateur·rices actif·ves')}, "
        f"{plural(invited, 'invitation en attente', 'invitations en attente')}."
    )
    return (
        "Coordinateur·rices invité·es",
        bool(active or invited),
        description,
        reverse("mediation:invitation_create"),
        "Inviter un·e coordinateur·rice pour la région ou des départements",
    )


def _structures(user):
    n = Structure.objects.for_user(user).count()
    return (
        "Structures employeuses",
        n > 0,
        f"{plural(n, 'structure', 'structures')} dans votre périmètre.",
        reverse("imports:upload", kwargs={"kind": "structures"}),
        "Importer les structures",
    )


def _posts(user, year_start, year_end, today):
    n = (
        Post.objects.for_user(user)
        .filter(Q(start_date__lte=year_end), Q(end_date__isnull=True) | Q(end_date__gte=year_start))
        .count()
    )
    return (
        "Registre des postes",
        n > 0,
        f"{plural(n, 'poste ouvert', 'postes ouverts')} en {today.year}.",
        reverse("imports:upload", kwargs={"kind": "postes"}),
        "Importer le registre des postes",
    )


def _holders(user, today):
    pending = Invitation.objects.pending()
    current = PostHolding.objects.active_on(today).filter(post=OuterRef("pk"))
    ready = current.filter(
        Q(mediator__is_active=True) | Exists(pending.filter(email__iexact=OuterRef("mediator__email")))
    )
    counts = (
        Post.objects.for_user(user)
        .active_on(today)
        .annotate(
            is_held=Exists(current),
            has_ready_holder=Exists(ready),
            is_invited_for=Exists(pending.filter(post=OuterRef("pk"))),
        )
        .aggregate(
            open=Count("pk"),
            held=Count("pk", filter=Q(is_held=True)),
            ready=Count("pk", filter=Q(is_held=True, has_ready_holder=True)),
            vacant_invited=Count("pk", filter=Q(is_held=False, is_invited_for=True)),
        )
    )
    held, ready_count, vacant_invited = counts["held"], counts["ready"], counts["vacant_invited"]
    vacant = counts["open"] - held
    done = ready_count == held and (held + vacant_invited) > 0
    if not counts["open"]:
        description = "Aucun poste ouvert aujourd'hui."
    elif not held:
        description = f"Aucun titulaire : {plural(vacant, 'poste vacant', 'postes vacants')}"
        if vacant_invited:
            description += f", dont {thousands(vacant_invited)} avec une invitation en attente"
        description += "."
    else:
        description = (
            f"{thousands(ready_count)} titulaire{'s' if ready_count > 1 else ''} sur {thousands(held)} "
            f"{'a' if ready_count <= 1 else 'ont'} un compte actif ou une invitation en attente."
        )
        if vacant:
            description += f" {plural(vacant, 'poste vacant', 'postes vacants')} aujourd'hui."
    return (
        "Titulaires invité·es",
        done,
        description,
        reverse("mediation:invitation_list"),
        "Inviter les titulaires",
    )


def _history(departments, year_start):
    sheets = Sheet.objects.filter(post__department__in=departments, opened_on__lt=year_start)
    bilans = AnnualBilan.objects.filter(department__in=departments, campaign__imported=True)
    n_sheets = sheets.count()
    n_bilans = bilans.count()
    return (
        "Historique importé",
        bool(n_sheets or n_bilans),
        f"{plural(n_sheets, 'fiche', 'fiches')} d'avant {year_start.year}, "
        f"{plural(n_bilans, 'bilan annuel historique', 'bilans annuels historiques')}.",
        reverse("imports:list"),
        "Importer les fiches et les bilans des années passées",
    )


def _campaign(user, year):
    opened = (
        Campaign.objects.for_user(user)
        .filter(imported=False, year__gte=year)
        .order_by("year")
        .values_list("year", flat=True)
        .first()
    )
    if opened is not None:
        description = f"Campagne {opened} ouverte."
    else:
        description = f"Aucune campagne {year} ouverte."
    return (
        f"Campagne {year}",
        opened is not None,
        description,
        reverse("campaigns:campaign_create"),
        f"Ouvrir la campagne des bilans {year}",
    )
