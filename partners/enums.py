from django.db import models


class PartnerType(models.TextChoices):
    """What kind of organisation a partner is. Finer than the bilan's list of co-animating
    partner types (Vocabulary.COANIMATING_PARTNER): see COANIMATING_PARTNER_CODE."""

    CPAM = "cpam", "CPAM"
    CAF = "caf", "CAF"
    MSA = "msa", "MSA"
    CCAS = "ccas", "CCAS"
    SOCIAL_CENTRE = "social_centre", "Centre social"
    HEALTH_PROFESSIONAL = "health_professional", "Professionnel de santé"
    LOCAL_ASSOCIATION = "local_association", "Association locale"
    SPECIALISED = "specialised", "Acteurs spécialisés"
    PREVENTION_SERVICE = "prevention_service", "Service de prévention"
    LOCAL_AUTHORITY = "local_authority", "Ville / collectivité"
    LANDLORD = "landlord", "Bailleur"
    OTHER = "other", "Autre"


# How each partner type is counted among the co-animating partner types of the regional bilan
# (codes of Vocabulary.COANIMATING_PARTNER, see mediation/migrations/0003_vocabularies.py).
# - A CCAS is the commune's own social action body (a public establishment chaired by the
#   mayor): counted as "Ville / collectivité".
# - CAF and MSA are social protection bodies that the bilan's list does not name; the bailleur
#   (social landlord) neither: all three are counted as "Autre".
COANIMATING_PARTNER_CODE = {
    PartnerType.CPAM: "cpam",
    PartnerType.CAF: "autre",
    PartnerType.MSA: "autre",
    PartnerType.CCAS: "ville_collectivite",
    PartnerType.SOCIAL_CENTRE: "centre_social",
    PartnerType.HEALTH_PROFESSIONAL: "professionnel_de_sante",
    PartnerType.LOCAL_ASSOCIATION: "association_locale",
    PartnerType.SPECIALISED: "acteurs_specialises",
    PartnerType.PREVENTION_SERVICE: "service_de_prevention",
    PartnerType.LOCAL_AUTHORITY: "ville_collectivite",
    PartnerType.LANDLORD: "autre",
    PartnerType.OTHER: "autre",
}

# "Oriented to social-protection bodies (CAF, CPAM…)" in the bilan.
SOCIAL_PROTECTION_TYPES = frozenset({PartnerType.CPAM, PartnerType.CAF, PartnerType.MSA})


class OrientationOutcome(models.TextChoices):
    PENDING = "pending", "En attente"
    TAKEN_IN_CHARGE = "taken_in_charge", "Prise en charge"
    NO_FOLLOW_UP = "no_follow_up", "Sans suite"
    REFUSED_BY_PERSON = "refused_by_person", "Refusée par la personne"


class ReferralStatus(models.TextChoices):
    PENDING = "pending", "À traiter"
    ACCEPTED = "accepted", "Acceptée"
    DECLINED = "declined", "Déclinée"


class ActionRole(models.TextChoices):
    """The mediator's part in a collective action, as the bilan counts it."""

    CO_ANIMATED = "co_animated", "Co-animée"
    CO_CONSTRUCTED = "co_constructed", "Co-construite"
    ATTENDED = "attended", "Participation sans co-animation"


class ActionAudience(models.TextChoices):
    PUBLIC = "public", "Public (habitants, usagers)"
    PROFESSIONALS = "professionals", "Professionnels"


class DigestFrequency(models.TextChoices):
    """How often a mediator receives the digest e-mail (opt-in: none by default)."""

    NONE = "none", "Jamais"
    DAILY = "daily", "Chaque jour"
    WEEKLY = "weekly", "Chaque lundi"
