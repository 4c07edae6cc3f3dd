"""Partners and the activity around them: the departmental directory, each mediator's own
partners, orientations out of a sheet, referrals in from professionals, outreach (aller-vers)
sessions and collective actions.

Every activity record carries a mediator, a post (hence a department and a post type) and a
date, indexed together, so that the yearly bilans count them with database aggregates
(`for_year(y)`, `for_post(p)`, `for_mediator(u)`)."""

import datetime
import re
import unicodedata

from django.conf import settings
from django.db import models
from django.db.models import Case, CharField, DurationField, ExpressionWrapper, F, Q, Value, When
from django.db.models.functions import Concat
from django.utils import timezone

from mediation import perms
from mediation.enums import Role, Vocabulary

from .enums import (
    COANIMATING_PARTNER_CODE,
    SOCIAL_PROTECTION_TYPES,
    ActionAudience,
    ActionRole,
    DigestFrequency,
    OrientationOutcome,
    PartnerType,
    ReferralStatus,
)

# Words left out of a partner's name key: "CPAM de Roubaix-Tourcoing" and "CPAM Roubaix
# Tourcoing" are the same organisation.
NAME_KEY_STOP_WORDS = frozenset({"a", "au", "aux", "d", "de", "des", "du", "en", "et", "l", "la", "le", "les"})

# Roles that see the partner directory of their departments (organisations, not people).
DIRECTORY_ROLES = frozenset({Role.MEDIATOR, Role.STRUCTURE_MANAGER, Role.COORDINATOR, Role.ADMIN})


def partner_name_key(name):
    """Lower case, no accents, no punctuation, no articles, dotted acronyms joined: how partner
    names are compared ("C.C.A.S. de Lens" and "CCAS Lens" have the same key)."""
    text = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode().lower()
    text = text.replace(".", "")  # acronyms: "C.C.A.S." is "ccas"
    words = re.sub(r"[^a-z0-9]+", " ", text).split()
    kept = [w for w in words if w not in NAME_KEY_STOP_WORDS]
    return " ".join(kept or words)


def year_dates(year):
    """First and last day of a calendar year."""
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


def year_datetimes(year):
    """[start, end) of a calendar year as aware datetimes in the project's time zone (Europe/Paris)."""
    return (
        timezone.make_aware(datetime.datetime(year, 1, 1)),
        timezone.make_aware(datetime.datetime(year + 1, 1, 1)),
    )


def held_post_ids(user, day):
    """The ids of the posts `user` holds on `day` (a subquery)."""
    from mediation.models import PostHolding

    return PostHolding.objects.active_on(day).filter(mediator=user).values("post_id")


def vocabulary_fk(vocabulary, verbose_name, **kwargs):
    return models.ForeignKey(
        "mediation.VocabularyItem",
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"vocabulary": vocabulary},
        verbose_name=verbose_name,
        **kwargs,
    )


def vocabulary_m2m(vocabulary, verbose_name, **kwargs):
    return models.ManyToManyField(
        "mediation.VocabularyItem",
        related_name="+",
        limit_choices_to={"vocabulary": vocabulary},
        verbose_name=verbose_name,
        **kwargs,
    )


# ---------------------------------------------------------------- query sets


class ActivityQuerySet(models.QuerySet):
    """Predicates shared by records that carry a mediator, a post and a `date`."""

    def for_year(self, year):
        first, last = year_dates(year)
        return self.filter(date__gte=first, date__lte=last)

    def for_post(self, post):
        return self.filter(post=post)

    def for_mediator(self, user):
        return self.filter(mediator=user)

    def for_user(self, user):
        """A mediator sees her own records, a structure manager those of the structure's posts."""
        membership = perms.membership_of(user)
        if membership is None:
            return self.none()
        if membership.role == Role.MEDIATOR:
            return self.filter(mediator=user)
        if membership.role == Role.STRUCTURE_MANAGER:
            return self.filter(post__structure_id=membership.structure_id)
        return self.none()


class PartnerQuerySet(models.QuerySet):
    def for_user(self, user):
        """The directory of the user's departments; nothing for roles without directory access."""
        if perms.role_of(user) not in DIRECTORY_ROLES:
            return self.none()
        return self.filter(department__in=perms.department_ids(user))

    def search(self, text):
        key = partner_name_key(text)
        return self.filter(name_key__contains=key) if key else self

    def similar_to(self, name, *, department, exclude_pk=None):
        """Probable duplicates of `name` in `department`: the same key, or one key containing
        the other as whole words ("CAF" and "CAF du Nord", "CCAS Lens" and "C.C.A.S. de Lens")."""
        key = partner_name_key(name)
        if not key:
            return self.none()
        candidates = (
            self.filter(department=department)
            .annotate(
                padded_key=Concat(Value(" "), F("name_key"), Value(" "), output_field=CharField()),
                probe_key=Value(f" {key} ", output_field=CharField()),
            )
            .filter(Q(padded_key__contains=f" {key} ") | Q(probe_key__contains=F("padded_key")))
        )
        if exclude_pk:
            candidates = candidates.exclude(pk=exclude_pk)
        return candidates


class MediatorPartnerQuerySet(models.QuerySet):
    def for_user(self, user):
        if perms.role_of(user) != Role.MEDIATOR:
            return self.none()
        return self.filter(mediator=user)

    def current(self):
        return self.filter(ended_on__isnull=True)

    def active_during(self, year):
        """Partnerships that existed at some point of `year` (the bilan's partners of the year)."""
        first, last = year_dates(year)
        return self.filter(Q(since__lte=last), Q(ended_on__isnull=True) | Q(ended_on__gte=first))


class OrientationQuerySet(ActivityQuerySet):
    def for_user(self, user):
        """Orientations are part of a person's sheet: the sheet's scope applies."""
        from accompaniments.models import Sheet

        return self.filter(sheet__in=Sheet.objects.for_user(user))

    def to_social_protection(self):
        """Orientations to a social protection body (CPAM, CAF, MSA), as the bilan counts them."""
        return self.filter(partner_type__in=SOCIAL_PROTECTION_TYPES)


class ReferralQuerySet(models.QuerySet):
    def for_user(self, user):
        """Nominative: the mediator holding the referral's post today, or the post's structure
        manager. Nobody above the structure."""
        membership = perms.membership_of(user)
        if membership is None:
            return self.none()
        if membership.role == Role.MEDIATOR:
            return self.filter(post__in=held_post_ids(user, timezone.localdate()))
        if membership.role == Role.STRUCTURE_MANAGER:
            return self.filter(post__structure_id=membership.structure_id)
        return self.none()

    def awaiting_routing(self, user):
        """Pending referrals no post covers, in the departments of a coordinator (or admin).
        Views show them without any name: commune, date and number of reasons only."""
        if perms.role_of(user) not in (Role.COORDINATOR, Role.ADMIN):
            return self.none()
        return self.pending().filter(post__isnull=True, department__in=perms.department_ids(user))

    def pending(self):
        return self.filter(status=ReferralStatus.PENDING)

    def escalated(self, user):
        """Pending referrals of a post that waited past the escalation delay, in the departments
        of a coordinator (or admin): shown, without any name, beside the unrouted ones."""
        if perms.role_of(user) not in (Role.COORDINATOR, Role.ADMIN):
            return self.none()
        return self.pending().filter(
            post__isnull=False, escalated_at__isnull=False, department__in=perms.department_ids(user)
        )

    def for_year(self, year):
        start, end = year_datetimes(year)
        return self.filter(received_at__gte=start, received_at__lt=end)

    def for_post(self, post):
        return self.filter(post=post)

    def with_first_contact_delay(self):
        return self.annotate(
            first_contact_delay=ExpressionWrapper(F("first_contact_at") - F("received_at"), DurationField())
        )


class OutreachSessionQuerySet(ActivityQuerySet):
    pass


class CollectiveActionQuerySet(ActivityQuerySet):
    pass


class DigestSubscriptionQuerySet(models.QuerySet):
    def due_on(self, day):
        """Subscriptions of active mediators whose digest of `day` is not handled yet: a daily
        one every day, a weekly one once in each week (on Monday, or at the first run after)."""
        monday = day - datetime.timedelta(days=day.weekday())
        not_sent_since = Q(last_sent_on__isnull=True)
        return self.filter(
            Q(frequency=DigestFrequency.DAILY) & (not_sent_since | Q(last_sent_on__lt=day))
            | Q(frequency=DigestFrequency.WEEKLY) & (not_sent_since | Q(last_sent_on__lt=monday)),
            user__is_active=True,
            user__membership__role=Role.MEDIATOR,
        ).exclude(user__email="")


class ActionPartnerQuerySet(models.QuerySet):
    def with_coanimating_code(self):
        """The partner type as the bilan's co-animating partner code (COANIMATING_PARTNER)."""
        whens = [When(partner_type=t, then=Value(code)) for t, code in COANIMATING_PARTNER_CODE.items()]
        return self.annotate(coanimating_code=Case(*whens, default=Value("autre"), output_field=CharField()))


# ---------------------------------------------------------------- directory


class Partner(models.Model):
    """An organisation of the department the mediators work with. Its contact details are the
    organisation's (switchboard, front desk), never a person's."""

    department = models.ForeignKey(
        "mediation.Department", on_delete=models.PROTECT, related_name="partners", verbose_name="département"
    )
    name = models.CharField("nom", max_length=200)
    name_key = models.CharField(max_length=200, editable=False)
    category = vocabulary_fk(Vocabulary.PARTNER_CATEGORY, "catégorie")
    partner_type = models.CharField("type de partenaire", max_length=30, choices=PartnerType.choices)
    publics = vocabulary_m2m(Vocabulary.PUBLIC, "publics accompagnés", blank=True)
    commune = models.ForeignKey(
        "mediation.Commune", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="commune"
    )
    address = models.CharField("adresse", max_length=300, blank=True)
    phone = models.CharField("téléphone de l'organisation", max_length=30, blank=True)
    email = models.EmailField("adresse e-mail de l'organisation", blank=True)
    website = models.URLField("site internet", max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name="ajouté par",
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField("ajouté le", auto_now_add=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)
    # Drawn when the form is shown: the same form sent twice adds one partner.
    submission_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    objects = PartnerQuerySet.as_manager()

    class Meta:
        verbose_name = "partenaire"
        ordering = ["name"]
        indexes = [
            models.Index(fields=["department", "name_key"], name="partner_department_name"),
            models.Index(fields=["department", "partner_type"], name="partner_department_type"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.name_key = partner_name_key(self.name)
        super().save(*args, **kwargs)

    @property
    def coanimating_code(self):
        return COANIMATING_PARTNER_CODE[self.partner_type]


class MediatorPartner(models.Model):
    """A partner in a mediator's own network ("Mes partenaires"). Removing it ends the link
    (`ended_on`), so the bilan of a past year still counts it."""

    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="partnerships", verbose_name="médiateur·rice"
    )
    post = models.ForeignKey(
        "mediation.Post", on_delete=models.PROTECT, related_name="partnerships", verbose_name="poste"
    )
    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="partnerships", verbose_name="partenaire"
    )
    since = models.DateField("partenaire depuis le")
    ended_on = models.DateField("retiré le", null=True, blank=True, editable=False)
    attends_bodies = models.BooleanField(
        "je participe à ses instances partenariales",
        default=False,
        help_text="Comités, réunions de réseau, instances de coordination animés par ce partenaire.",
    )
    notes = models.TextField("notes", max_length=1000, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField("ajouté le", auto_now_add=True)

    # Drawn when the form is shown: the same form sent twice adds the partner once, and lands on the list.
    submission_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    objects = MediatorPartnerQuerySet.as_manager()

    class Meta:
        verbose_name = "partenaire du médiateur"
        verbose_name_plural = "partenaires des médiateurs"
        ordering = ["partner__name"]
        indexes = [
            models.Index(fields=["mediator", "since"], name="partnership_mediator_since"),
            models.Index(fields=["post", "since"], name="partnership_post_since"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["mediator", "partner"],
                condition=Q(ended_on__isnull=True),
                name="one_current_partnership",
                violation_error_message="Ce partenaire est déjà dans vos partenaires.",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("since")),
                name="partnership_end_after_start",
                violation_error_message="La fin du partenariat ne peut précéder son début.",
            ),
        ]

    def __str__(self):
        return f"{self.mediator} — {self.partner}"

    def end(self, *, on):
        self.ended_on = max(on, self.since)
        self.save(update_fields=["ended_on"])


# ---------------------------------------------------------------- orientations out


class Orientation(models.Model):
    """The mediator sends the person of a sheet to a partner (or a type of partner)."""

    sheet = models.ForeignKey(
        "accompaniments.Sheet", on_delete=models.CASCADE, related_name="orientations", verbose_name="fiche"
    )
    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orientations", verbose_name="médiateur·rice"
    )
    post = models.ForeignKey(
        "mediation.Post", on_delete=models.PROTECT, related_name="orientations", verbose_name="poste"
    )
    partner = models.ForeignKey(
        Partner,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orientations",
        verbose_name="partenaire",
    )
    partner_type = models.CharField(
        "type de partenaire",
        max_length=30,
        choices=PartnerType.choices,
        help_text="Repris du partenaire quand il est choisi dans le répertoire.",
    )
    date = models.DateField("date de l'orientation")
    reason = models.CharField("motif", max_length=300, help_text="En quelques mots, sans détail médical.")
    outcome = models.CharField(
        "suite donnée", max_length=20, choices=OrientationOutcome.choices, default=OrientationOutcome.PENDING
    )
    submission_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)

    objects = OrientationQuerySet.as_manager()

    class Meta:
        verbose_name = "orientation vers un partenaire"
        verbose_name_plural = "orientations vers des partenaires"
        ordering = ["-date", "-pk"]
        indexes = [
            models.Index(fields=["post", "date"], name="orientation_post_date"),
            models.Index(fields=["mediator", "date"], name="orientation_mediator_date"),
        ]

    def __str__(self):
        return f"Orientation du {self.date:%d/%m/%Y}"

    @property
    def destination(self):
        return self.partner.name if self.partner_id else self.get_partner_type_display()

    @property
    def is_to_social_protection(self):
        return self.partner_type in SOCIAL_PROTECTION_TYPES


# ---------------------------------------------------------------- referrals in


class Referral(models.Model):
    """A fiche d'orientation sent by a professional from the public page, routed to the post
    covering the patient's commune (or to the department's coordinators when none does)."""

    reference = models.CharField("référence", max_length=20, unique=True, null=True, editable=False)
    submission_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    received_at = models.DateTimeField("reçue le", default=timezone.now, editable=False)
    # The professional who refers.
    referrer_name = models.CharField("nom et prénom", max_length=150)
    referrer_profession = models.CharField("profession", max_length=100)
    referrer_structure = models.CharField("structure ou cabinet", max_length=200, blank=True)
    referrer_phone = models.CharField("téléphone", max_length=30, blank=True)
    referrer_email = models.EmailField("adresse e-mail", max_length=254)
    # The patient.
    patient_last_name = models.CharField("nom du patient", max_length=150)
    patient_first_name = models.CharField("prénom du patient", max_length=150)
    patient_phone = models.CharField("téléphone du patient", max_length=30)
    commune = models.ForeignKey(
        "mediation.Commune", on_delete=models.PROTECT, related_name="+", verbose_name="commune de résidence"
    )
    department = models.ForeignKey(
        "mediation.Department", on_delete=models.PROTECT, related_name="referrals", verbose_name="département"
    )
    reasons = vocabulary_m2m(Vocabulary.REFERRAL_REASON, "motifs d'orientation")
    message = models.TextField("message", max_length=2000, blank=True)
    patient_agreed = models.BooleanField("accord du patient", default=False)
    # Routing and handling.
    post = models.ForeignKey(
        "mediation.Post",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
        verbose_name="poste destinataire",
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="attribuée par",
    )
    assigned_at = models.DateTimeField("attribuée le", null=True, blank=True)
    status = models.CharField("état", max_length=10, choices=ReferralStatus.choices, default=ReferralStatus.PENDING)
    first_contact_at = models.DateTimeField("premier contact le", null=True, blank=True)
    decided_at = models.DateTimeField("traitée le", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="traitée par",
    )
    decline_reason = models.CharField("motif du refus", max_length=500, blank=True)
    reminded_at = models.DateTimeField("relance envoyée le", null=True, blank=True, editable=False)
    escalated_at = models.DateTimeField("signalée à la coordination le", null=True, blank=True, editable=False)
    sheet = models.OneToOneField(
        "accompaniments.Sheet",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="referral",
        verbose_name="fiche ouverte",
    )

    objects = ReferralQuerySet.as_manager()

    class Meta:
        verbose_name = "orientation reçue"
        verbose_name_plural = "orientations reçues"
        ordering = ["-received_at", "-pk"]
        indexes = [
            models.Index(fields=["post", "status"], name="referral_post_status"),
            models.Index(fields=["department", "status"], name="referral_department_status"),
            models.Index(fields=["received_at"], name="referral_received_at"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(patient_agreed=True),
                name="referral_patient_agreed",
                violation_error_message="L'accord du patient est nécessaire.",
            ),
            models.CheckConstraint(
                condition=Q(status="pending") | Q(decided_at__isnull=False),
                name="referral_decided_has_date",
                violation_error_message="Une orientation traitée a une date de traitement.",
            ),
        ]

    def __str__(self):
        return self.reference or f"Orientation n° {self.pk}"

    @property
    def time_to_first_contact(self):
        if self.first_contact_at is None:
            return None
        return self.first_contact_at - self.received_at

    @property
    def time_to_first_contact_label(self):
        """'2 h', '3 jours', or '' when there was no contact yet."""
        delay = self.time_to_first_contact
        if delay is None:
            return ""
        hours = int(delay.total_seconds() // 3600)
        if hours < 24:
            return f"{max(hours, 0)} h"
        days = delay.days
        return f"{days} jour{'s' if days > 1 else ''}"

    @property
    def waiting_days(self):
        return (timezone.now() - self.received_at).days

    def record_first_contact(self, *, at):
        if self.first_contact_at is None:
            self.first_contact_at = at
            self.save(update_fields=["first_contact_at"])


# ---------------------------------------------------------------- outreach and collective actions


class ReferralEvent(models.Model):
    """One step of a referral's routing, shown to the staff on its page: a coordinator assigned
    it, a mediator handed it to another post or back to the coordination. The professional who
    referred is never told of these steps, only of the outcome."""

    class Kind(models.TextChoices):
        ASSIGNED = "assigned", "Attribuée à un poste"
        HANDED_OVER = "handed_over", "Confiée à un autre poste"
        HANDED_BACK = "handed_back", "Rendue à la coordination"

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events", verbose_name="orientation")
    at = models.DateTimeField("le", default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="par"
    )
    kind = models.CharField("étape", max_length=20, choices=Kind.choices)
    from_post = models.ForeignKey(
        "mediation.Post", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="du poste"
    )
    to_post = models.ForeignKey(
        "mediation.Post",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="vers le poste",
    )
    reason = models.CharField("motif", max_length=500, blank=True)

    class Meta:
        verbose_name = "étape d'une orientation"
        verbose_name_plural = "étapes des orientations"
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()} le {timezone.localtime(self.at):%d/%m/%Y}"


class OutreachSession(models.Model):
    """A session of aller-vers: door to door in a street or a group of buildings."""

    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="outreach_sessions",
        verbose_name="médiateur·rice",
    )
    post = models.ForeignKey(
        "mediation.Post", on_delete=models.PROTECT, related_name="outreach_sessions", verbose_name="poste"
    )
    date = models.DateField("date")
    commune = models.ForeignKey("mediation.Commune", on_delete=models.PROTECT, related_name="+", verbose_name="commune")
    qpv = models.ForeignKey(
        "mediation.Qpv", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="QPV"
    )
    place = models.CharField("lieu", max_length=200, blank=True, help_text="Rue, résidence ou bâtiments parcourus.")
    dwellings_visited = models.PositiveIntegerField("logements visités", default=0)
    people_met = models.PositiveIntegerField("personnes rencontrées", default=0)
    people_accepted_presentation = models.PositiveIntegerField(
        "personnes ayant accepté la présentation",
        default=0,
        help_text="Parmi les personnes rencontrées, celles qui ont écouté la présentation de la médiation santé.",
    )
    notes = models.TextField(
        "notes", max_length=2000, blank=True, help_text="Sans nom ni information de santé sur une personne."
    )
    submission_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)

    objects = OutreachSessionQuerySet.as_manager()

    class Meta:
        verbose_name = "séance d'aller-vers"
        verbose_name_plural = "séances d'aller-vers"
        ordering = ["-date", "-pk"]
        indexes = [
            models.Index(fields=["post", "date"], name="outreach_post_date"),
            models.Index(fields=["mediator", "date"], name="outreach_mediator_date"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(people_accepted_presentation__lte=F("people_met")),
                name="outreach_accepted_within_met",
                violation_error_message=(
                    "Le nombre de personnes ayant accepté la présentation ne peut dépasser celui des personnes "
                    "rencontrées."
                ),
            ),
        ]

    def __str__(self):
        return f"Aller-vers du {self.date:%d/%m/%Y} — {self.commune.name}"


class CollectiveAction(models.Model):
    """A collective prevention action the mediator co-animated, co-built or attended."""

    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="collective_actions",
        verbose_name="médiateur·rice",
    )
    post = models.ForeignKey(
        "mediation.Post", on_delete=models.PROTECT, related_name="collective_actions", verbose_name="poste"
    )
    date = models.DateField("date")
    title = models.CharField("intitulé", max_length=200)
    themes = vocabulary_m2m(Vocabulary.PREVENTION_THEME, "thèmes de prévention")
    role = models.CharField("rôle du médiateur", max_length=20, choices=ActionRole.choices)
    audience = models.CharField("destinée à", max_length=20, choices=ActionAudience.choices)
    publics = vocabulary_m2m(Vocabulary.PUBLIC, "publics", blank=True)
    participants = models.PositiveIntegerField("participants", default=0)
    place = models.CharField("lieu", max_length=200, blank=True)
    notes = models.TextField("notes", max_length=2000, blank=True)
    submission_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)

    objects = CollectiveActionQuerySet.as_manager()

    class Meta:
        verbose_name = "action collective"
        verbose_name_plural = "actions collectives"
        ordering = ["-date", "-pk"]
        indexes = [
            models.Index(fields=["post", "date"], name="action_post_date"),
            models.Index(fields=["mediator", "date"], name="action_mediator_date"),
        ]

    def __str__(self):
        return self.title


class ActionPartner(models.Model):
    """A partner of a collective action: a partner of the directory, or only its type."""

    action = models.ForeignKey(
        CollectiveAction, on_delete=models.CASCADE, related_name="action_partners", verbose_name="action"
    )
    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, null=True, blank=True, related_name="action_links", verbose_name="partenaire"
    )
    partner_type = models.CharField("type de partenaire", max_length=30, choices=PartnerType.choices)

    objects = ActionPartnerQuerySet.as_manager()

    class Meta:
        verbose_name = "partenaire de l'action"
        verbose_name_plural = "partenaires de l'action"
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["action", "partner"],
                condition=Q(partner__isnull=False),
                name="action_partner_once",
                violation_error_message="Ce partenaire figure déjà dans l'action.",
            ),
        ]

    def __str__(self):
        return self.partner.name if self.partner_id else self.get_partner_type_display()


class ReferralRateBucket(models.Model):
    """How many referrals one client address sent from the public page in one window of the
    rate limit (partners.ratelimit). The address is only kept as a keyed hash."""

    client = models.CharField("client (empreinte)", max_length=64)
    window = models.PositiveBigIntegerField("fenêtre")
    hits = models.PositiveIntegerField("envois", default=0)

    class Meta:
        verbose_name = "compteur d'envois de fiches d'orientation"
        verbose_name_plural = "compteurs d'envois de fiches d'orientation"
        indexes = [models.Index(fields=["window"], name="referral_rate_window")]
        constraints = [
            models.UniqueConstraint(fields=["client", "window"], name="referral_rate_bucket_once"),
        ]

    def __str__(self):
        return f"{self.hits} envoi(s), fenêtre {self.window}"


class DigestSubscription(models.Model):
    """A mediator's choice of the digest e-mail (partners.digest): how many follow-ups are due,
    how many referrals wait. Without a row, or with NONE, nothing is sent."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="digest_subscription",
        verbose_name="personne",
    )
    frequency = models.CharField(
        "récapitulatif par courriel", max_length=10, choices=DigestFrequency.choices, default=DigestFrequency.NONE
    )
    last_sent_on = models.DateField(
        "dernier récapitulatif",
        null=True,
        blank=True,
        editable=False,
        help_text="Jour du dernier récapitulatif traité : envoyé, ou rien à signaler ce jour-là.",
    )

    objects = DigestSubscriptionQuerySet.as_manager()

    class Meta:
        verbose_name = "abonnement au récapitulatif"
        verbose_name_plural = "abonnements au récapitulatif"
        constraints = [
            models.CheckConstraint(
                condition=Q(frequency__in=DigestFrequency.values),
                name="digest_frequency_known",
                violation_error_message="Fréquence de récapitulatif inconnue.",
            ),
        ]

    def __str__(self):
        return f"{self.user} : {self.get_frequency_display()}"
