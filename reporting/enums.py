"""The words of the yearly campaign: the states of a mediator's annual bilan, the figures it
holds, which figure is part of which, and the rules that flag a figure or a bilan."""

from django.db import models


class BilanState(models.TextChoices):
    NOT_STARTED = "not_started", "Non commencé"
    DRAFT = "draft", "Brouillon"
    SUBMITTED = "submitted", "Transmis"
    SENT_BACK = "sent_back", "Renvoyé pour correction"
    VALIDATED = "validated", "Validé"


# The mediator may edit her bilan in these states; they are also the "late" ones a reminder targets.
EDITABLE_STATES = frozenset({BilanState.NOT_STARTED, BilanState.DRAFT, BilanState.SENT_BACK})
# Where a coordinator may send a validated bilan back when she reopens it.
REOPEN_STATES = (BilanState.SENT_BACK, BilanState.DRAFT)


class BilanAction(models.TextChoices):
    SUBMITTED = "submitted", "Transmis"
    SENT_BACK = "sent_back", "Renvoyé pour correction"
    VALIDATED = "validated", "Validé"
    REOPENED = "reopened", "Rouvert"
    USABLE_CHANGED = "usable_changed", "Exploitabilité modifiée"
    ANSWERS_REVIEWED = "answers_reviewed", "Réponses relues"


class FigureKey(models.TextChoices):
    PEOPLE_TOTAL = "people_total", "Personnes distinctes informées, orientées ou accompagnées"
    PEOPLE_QPV = "people_qpv", "dont habitant un quartier prioritaire (QPV)"
    PEOPLE_RIGHTS = "people_rights", "dont accompagnées pour l'accès aux droits"
    PEOPLE_CARE = "people_care", "dont accompagnées pour l'accès aux soins"
    PEOPLE_SOCIAL_PROTECTION = (
        "people_social_protection",
        "dont orientées vers un organisme de protection sociale (CAF, CPAM…)",
    )
    ACTIONS_PUBLIC = "actions_public", "Actions collectives co-animées auprès d'un public"
    ACTIONS_PROFESSIONALS = "actions_professionals", "Actions co-animées auprès de professionnels"
    ACTIONS_COCONSTRUCTED = "actions_coconstructed", "Actions co-construites"
    ACTIONS_ATTENDED = "actions_attended", "Actions auxquelles vous avez participé sans les co-animer"
    PARTNERS_HEALTH = "partners_health", "Partenaires sanitaires"
    PARTNERS_SOCIAL = "partners_social", "Partenaires sociaux"
    PARTNERS_MEDICOSOCIAL = "partners_medicosocial", "Partenaires médico-sociaux"
    OUTREACH_PEOPLE_MET = "outreach_people_met", "Personnes rencontrées en aller-vers"
    OUTREACH_DWELLINGS = "outreach_dwellings", "Logements visités en aller-vers"


# "Of which" figures and the total each one is part of: a part never exceeds its total.
OF_WHICH = {
    FigureKey.PEOPLE_QPV: FigureKey.PEOPLE_TOTAL,
    FigureKey.PEOPLE_RIGHTS: FigureKey.PEOPLE_TOTAL,
    FigureKey.PEOPLE_CARE: FigureKey.PEOPLE_TOTAL,
    FigureKey.PEOPLE_SOCIAL_PROTECTION: FigureKey.PEOPLE_TOTAL,
}

# The largest figure a bilan may hold: far above any real year, well within the database's integers.
MAX_FIGURE = 100_000

# A declared figure is flagged to the coordinator when it moves away from the computed one by
# more than this many units and more than this share of the computed value (tenths).
GAP_MIN_UNITS = 5
GAP_MIN_TENTHS = 3  # 30 %

# A bilan is usable (counted in the region's means) by default when its mediator held a post
# at least this many days of the year: six months.
USABLE_MIN_DAYS = 183


def has_gap(declared, computed):
    """Whether a declared figure departs from the computed one enough to be looked at."""
    if declared is None or computed is None:
        return False
    return abs(declared - computed) * 10 > max(GAP_MIN_UNITS * 10, computed * GAP_MIN_TENTHS)
