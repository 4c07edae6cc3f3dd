"""Pre-filling the annual bilans: every figure that year N's records of a mediator can give,
computed by the database, for all the bilans of a campaign at once (a fixed number of grouped
queries, whatever the number of mediators).

What is counted, for mediator M and year N (the text of METHODS is shown to her as
"comment c'est compté"):
- people: distinct people of M's sheets who, during N, had a sheet opened, a request opened or
  an orientation made; of which living in a QPV (as noted on a sheet), with a rights request
  opened in N, with a care request opened in N, oriented in N to a social protection body
  (CPAM, CAF, MSA). People of referrals count once a sheet is opened for them;
- collective actions dated in N, by M's role (co-animated with a public or for professionals,
  co-built, attended); their themes, publics and partner types are pre-selected;
- M's partners (her own network) at some point of N, by category; a CPAM among them pre-sets
  "partnership with the CPAM", taking part in a partner's bodies pre-sets "partner bodies";
- outreach sessions dated in N: people met and dwellings visited, summed.
"""

from dataclasses import dataclass, field

from django.db.models import Count, Q, Sum

from accompaniments.enums import RequestDomain
from accompaniments.models import Sheet
from mediation.enums import Vocabulary
from mediation.models import VocabularyItem
from partners.enums import SOCIAL_PROTECTION_TYPES, ActionAudience, ActionRole, PartnerType
from partners.models import ActionPartner, CollectiveAction, MediatorPartner, OutreachSession, year_dates

from .enums import FigureKey

# Partner categories (codes of Vocabulary.PARTNER_CATEGORY) and the figure counting each.
PARTNER_CATEGORY_FIGURES = {
    "health": FigureKey.PARTNERS_HEALTH,
    "social": FigureKey.PARTNERS_SOCIAL,
    "medico_social": FigureKey.PARTNERS_MEDICOSOCIAL,
}
# Actions in which the mediator took an active part: their themes and partners are pre-selected.
ACTIVE_ROLES = (ActionRole.CO_ANIMATED, ActionRole.CO_CONSTRUCTED)

METHODS = {
    FigureKey.PEOPLE_TOTAL: (
        "Personnes distinctes de vos fiches pour qui, en {year}, une fiche a été ouverte, une demande ouverte "
        "ou une orientation faite. Une personne revenue plusieurs fois compte une fois."
    ),
    FigureKey.PEOPLE_QPV: "Parmi elles, celles notées « habite en QPV » sur une fiche.",
    FigureKey.PEOPLE_RIGHTS: "Parmi elles, celles ayant au moins une demande d'accès aux droits ouverte en {year}.",
    FigureKey.PEOPLE_CARE: "Parmi elles, celles ayant au moins une demande d'accès aux soins ouverte en {year}.",
    FigureKey.PEOPLE_SOCIAL_PROTECTION: (
        "Parmi elles, celles que vous avez orientées en {year} vers la CPAM, la CAF ou la MSA."
    ),
    FigureKey.ACTIONS_PUBLIC: "Vos actions collectives de {year} « co-animées » et destinées à un public.",
    FigureKey.ACTIONS_PROFESSIONALS: (
        "Vos actions collectives de {year} « co-animées » et destinées à des professionnels."
    ),
    FigureKey.ACTIONS_COCONSTRUCTED: "Vos actions collectives de {year} « co-construites ».",
    FigureKey.ACTIONS_ATTENDED: "Vos actions collectives de {year} où vous avez participé sans co-animer.",
    FigureKey.PARTNERS_HEALTH: "Partenaires sanitaires de « Mes partenaires » à un moment de {year}.",
    FigureKey.PARTNERS_SOCIAL: "Partenaires sociaux de « Mes partenaires » à un moment de {year}.",
    FigureKey.PARTNERS_MEDICOSOCIAL: "Partenaires médico-sociaux de « Mes partenaires » à un moment de {year}.",
    FigureKey.OUTREACH_PEOPLE_MET: "Somme des personnes rencontrées de vos séances d'aller-vers de {year}.",
    FigureKey.OUTREACH_DWELLINGS: "Somme des logements visités de vos séances d'aller-vers de {year}.",
}


def method_of(key, year):
    return METHODS[key].format(year=year)


@dataclass
class Prefill:
    """What a mediator's records of the year give: figures, and the answers they suggest."""

    figures: dict = field(default_factory=lambda: dict.fromkeys(FigureKey.values, 0))
    themes: set = field(default_factory=set)
    coanimating_partner_types: set = field(default_factory=set)
    publics: set = field(default_factory=set)
    cpam_partnership: bool = False
    partner_bodies: bool = False


def compute(year, mediator_ids):
    """{mediator id: Prefill} for these mediators' records of `year`: nine queries, however many."""
    mediator_ids = list(mediator_ids)
    results = {pk: Prefill() for pk in mediator_ids}
    if not mediator_ids:
        return results
    first, last = year_dates(year)
    _people(results, mediator_ids, first, last)
    _actions(results, mediator_ids, year)
    _partners(results, mediator_ids, year)
    _outreach(results, mediator_ids, year)
    return results


def _people(results, mediator_ids, first, last):
    span = (first, last)
    request_in_year = Q(requests__opened_on__range=span)
    rights, care = Q(requests__domain=RequestDomain.RIGHTS), Q(requests__domain=RequestDomain.CARE)
    orientation_in_year = Q(orientations__date__range=span)
    rows = (
        Sheet.objects.filter(mediator__in=mediator_ids)
        .filter(Q(opened_on__range=span) | request_in_year | orientation_in_year)
        .values("mediator")
        .order_by("mediator")
        .annotate(
            total=Count("beneficiary", distinct=True),
            qpv=Count("beneficiary", distinct=True, filter=Q(lives_in_qpv=True)),
            rights=Count("beneficiary", distinct=True, filter=request_in_year & rights),
            care=Count("beneficiary", distinct=True, filter=request_in_year & care),
            social=Count(
                "beneficiary",
                distinct=True,
                filter=orientation_in_year & Q(orientations__partner_type__in=list(SOCIAL_PROTECTION_TYPES)),
            ),
        )
    )
    for row in rows:
        figures = results[row["mediator"]].figures
        figures[FigureKey.PEOPLE_TOTAL] = row["total"]
        figures[FigureKey.PEOPLE_QPV] = row["qpv"]
        figures[FigureKey.PEOPLE_RIGHTS] = row["rights"]
        figures[FigureKey.PEOPLE_CARE] = row["care"]
        figures[FigureKey.PEOPLE_SOCIAL_PROTECTION] = row["social"]


def _actions(results, mediator_ids, year):
    actions = CollectiveAction.objects.for_year(year).filter(mediator__in=mediator_ids)
    co_animated = Q(role=ActionRole.CO_ANIMATED)
    for row in (
        actions.values("mediator")
        .order_by("mediator")
        .annotate(
            public=Count("pk", filter=co_animated & Q(audience=ActionAudience.PUBLIC)),
            professionals=Count("pk", filter=co_animated & Q(audience=ActionAudience.PROFESSIONALS)),
            coconstructed=Count("pk", filter=Q(role=ActionRole.CO_CONSTRUCTED)),
            attended=Count("pk", filter=Q(role=ActionRole.ATTENDED)),
        )
    ):
        figures = results[row["mediator"]].figures
        figures[FigureKey.ACTIONS_PUBLIC] = row["public"]
        figures[FigureKey.ACTIONS_PROFESSIONALS] = row["professionals"]
        figures[FigureKey.ACTIONS_COCONSTRUCTED] = row["coconstructed"]
        figures[FigureKey.ACTIONS_ATTENDED] = row["attended"]

    active = actions.filter(role__in=ACTIVE_ROLES)
    for mediator, theme in active.filter(themes__isnull=False).values_list("mediator", "themes").distinct():
        results[mediator].themes.add(theme)
    for mediator, public in actions.filter(publics__isnull=False).values_list("mediator", "publics").distinct():
        results[mediator].publics.add(public)

    codes = (
        ActionPartner.objects.filter(action__in=active)
        .with_coanimating_code()
        .values_list("action__mediator", "coanimating_code")
        .distinct()
    )
    by_code = dict(VocabularyItem.objects.of(Vocabulary.COANIMATING_PARTNER).values_list("code", "pk"))
    for mediator, code in codes:
        if code in by_code:
            results[mediator].coanimating_partner_types.add(by_code[code])


def _partners(results, mediator_ids, year):
    partnerships = MediatorPartner.objects.active_during(year).filter(mediator__in=mediator_ids)
    aggregates = {
        str(key): Count("partner", distinct=True, filter=Q(partner__category__code=code))
        for code, key in PARTNER_CATEGORY_FIGURES.items()
    }
    for row in (
        partnerships.values("mediator")
        .order_by("mediator")
        .annotate(
            cpam=Count("pk", filter=Q(partner__partner_type=PartnerType.CPAM)),
            bodies=Count("pk", filter=Q(attends_bodies=True)),
            **aggregates,
        )
    ):
        prefill = results[row["mediator"]]
        for key in PARTNER_CATEGORY_FIGURES.values():
            prefill.figures[key] = row[str(key)]
        prefill.cpam_partnership = row["cpam"] > 0
        prefill.partner_bodies = row["bodies"] > 0
    for mediator, public in (
        partnerships.filter(partner__publics__isnull=False).values_list("mediator", "partner__publics").distinct()
    ):
        results[mediator].publics.add(public)


def _outreach(results, mediator_ids, year):
    for row in (
        OutreachSession.objects.for_year(year)
        .filter(mediator__in=mediator_ids)
        .values("mediator")
        .order_by("mediator")
        .annotate(people=Sum("people_met"), dwellings=Sum("dwellings_visited"))
    ):
        figures = results[row["mediator"]].figures
        figures[FigureKey.OUTREACH_PEOPLE_MET] = row["people"] or 0
        figures[FigureKey.OUTREACH_DWELLINGS] = row["dwellings"] or 0
