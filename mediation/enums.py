from django.db import models


class Role(models.TextChoices):
    MEDIATOR = "mediator", "Médiateur·rice santé"
    STRUCTURE_MANAGER = "structure_manager", "Encadrant·e de structure"
    COORDINATOR = "coordinator", "Coordinateur·rice"
    READER = "reader", "Lecteur·rice institutionnel·le"
    ADMIN = "admin", "Administrateur·rice"


# Roles bound to one structure, and roles bound to a territory (departments or a region).
STRUCTURE_ROLES = frozenset({Role.MEDIATOR, Role.STRUCTURE_MANAGER})
TERRITORY_ROLES = frozenset({Role.COORDINATOR, Role.READER})
# Roles that must log in with a second factor.
MFA_REQUIRED_ROLES = frozenset({Role.COORDINATOR, Role.READER, Role.ADMIN})


class PostType(models.TextChoices):
    QPV = "qpv", "QPV"
    RURAL = "rural", "Rural"


class Funding(models.TextChoices):
    ARS_PREFECTURE = "ars_prefecture", "ARS et préfecture (adulte-relais)"
    ARS = "ars", "ARS"
    PREFECTURE = "prefecture", "Préfecture (adulte-relais)"
    OTHER = "other", "Autre"


class StructureKind(models.TextChoices):
    CCAS = "ccas", "CCAS"
    SOCIAL_CENTRE = "social_centre", "Centre social"
    ASSOCIATION = "association", "Association"
    CPTS = "cpts", "CPTS"
    HEALTH_CENTRE = "health_centre", "Centre ou maison de santé"
    OTHER = "other", "Autre"


class Vocabulary(models.TextChoices):
    """The closed lists of the regional bilan. Their values are data (VocabularyItem)."""

    SEX = "sex", "Sexe"
    RESOURCES = "resources", "Ressources"
    CAME_VIA = "came_via", "Comment la personne a connu le médiateur"
    RIGHTS_REQUEST = "rights_request", "Accès aux droits (type de demande)"
    CARE_REQUEST = "care_request", "Accès aux soins (type de demande)"
    PARTNER_CATEGORY = "partner_category", "Catégorie de partenaire"
    COANIMATING_PARTNER = "coanimating_partner", "Type de partenaire co-animateur"
    PREVENTION_THEME = "prevention_theme", "Thème de prévention"
    PUBLIC = "public", "Public"
    HEALTH_NEED = "health_need", "Besoin de santé de la population"
    CARE_BARRIER = "care_barrier", "Frein à l'accès aux soins"
    REFERRAL_REASON = "referral_reason", "Motif d'orientation"
    CONTACT_MODE = "contact_mode", "Mode de contact"
    PROFESSIONAL_PROJECT = "professional_project", "Projet professionnel"


class AccountEventKind(models.TextChoices):
    """What the accounts' audit trail records (CNIL): authentication and changes of rights."""

    LOGIN = "login", "Connexion"
    LOGOUT = "logout", "Déconnexion"
    LOGIN_FAILED = "login_failed", "Échec de connexion"
    SECOND_FACTOR_FAILED = "second_factor_failed", "Échec de la double authentification"
    SECOND_FACTOR_ADDED = "second_factor_added", "Double authentification activée"
    SECOND_FACTOR_REMOVED = "second_factor_removed", "Double authentification désactivée"
    SECOND_FACTOR_RESET = "second_factor_reset", "Codes de secours régénérés"
    ACCOUNT_CREATED = "account_created", "Compte créé"
    PRIVILEGES_CHANGED = "privileges_changed", "Accès modifiés (actif, équipe, superutilisateur)"
    PERMISSIONS_CHANGED = "permissions_changed", "Groupes ou permissions modifiés"
    MEMBERSHIP_CREATED = "membership_created", "Rôle attribué"
    MEMBERSHIP_CHANGED = "membership_changed", "Rôle modifié"
    MEMBERSHIP_DELETED = "membership_deleted", "Rôle retiré"
    INVITATION_CREATED = "invitation_created", "Invitation envoyée"
    INVITATION_REVOKED = "invitation_revoked", "Invitation annulée"
    INVITATION_ACCEPTED = "invitation_accepted", "Invitation acceptée"
