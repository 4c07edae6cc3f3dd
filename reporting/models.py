"""The yearly campaign: each mediator's annual bilan for year N, pre-filled from her records of
N, completed and submitted by her, reviewed and validated (then locked) by a coordinator.

The regional bilan reads the figures of usable bilans as they are: the declared value when the
mediator gave one, the computed value otherwise (`Coalesce("declared", "computed")`)."""

from django.conf import settings
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone

from mediation import perms
from mediation.enums import PostType, Role, Vocabulary

from .enums import EDITABLE_STATES, REOPEN_STATES, BilanAction, BilanState, FigureKey, has_gap

# ---------------------------------------------------------------- query sets


class CampaignQuerySet(models.QuerySet):
    def for_user(self, user):
        """Coordinators and administrators see the campaigns touching their departments."""
        if perms.role_of(user) not in (Role.COORDINATOR, Role.ADMIN):
            return self.none()
        departments = perms.department_ids(user)
        touching = self.filter(Q(region__departments__in=departments) | Q(departments__in=departments))
        return self.filter(pk__in=touching.values("pk"))

    def for_year(self, year):
        return self.filter(year=year)

    def covering(self, department_ids):
        """Campaigns whose scope holds at least one of these departments."""
        ids = list(department_ids)
        touching = self.filter(Q(region__departments__in=ids) | Q(departments__in=ids))
        return self.filter(pk__in=touching.values("pk"))


class AnnualBilanQuerySet(models.QuerySet):
    def for_user(self, user):
        """A mediator sees her own bilans; a coordinator those of her departments; nobody else any."""
        role = perms.role_of(user)
        if role == Role.MEDIATOR:
            return self.filter(mediator=user)
        if role in (Role.COORDINATOR, Role.ADMIN):
            return self.filter(department__in=perms.department_ids(user))
        return self.none()

    def for_year(self, year):
        return self.filter(year=year)

    def editable(self):
        return self.filter(state__in=EDITABLE_STATES)

    def late(self):
        """Not yet submitted: the ones a reminder is for."""
        return self.filter(state__in=EDITABLE_STATES)

    def retained(self):
        """The bilans the regional bilan counts: validated and usable."""
        return self.filter(state=BilanState.VALIDATED, usable=True)


class BilanFigureQuerySet(models.QuerySet):
    def retained(self):
        """Figures of validated, usable bilans; their value is Coalesce("declared", "computed")."""
        return self.filter(bilan__state=BilanState.VALIDATED, bilan__usable=True)


# ---------------------------------------------------------------- models


class Campaign(models.Model):
    """One year's collection of annual bilans over a region or a list of departments.
    At most one campaign per year covers a department (checked when opening or importing)."""

    year = models.PositiveSmallIntegerField("année du bilan")
    region = models.ForeignKey(
        "mediation.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="campaigns",
        verbose_name="région entière",
    )
    departments = models.ManyToManyField(
        "mediation.Department", blank=True, related_name="campaigns", verbose_name="départements"
    )
    deadline = models.DateField("date limite de transmission", null=True, blank=True)
    imported = models.BooleanField(
        "historique importé",
        default=False,
        help_text="Bilans d'une année antérieure à l'application, importés d'un tableur.",
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="campaigns_opened",
        verbose_name="ouverte par",
    )
    opened_at = models.DateTimeField("ouverte le", default=timezone.now)
    reminder_sent_at = models.DateTimeField("dernière relance le", null=True, blank=True)
    # Drawn when the form is shown: the same form sent twice opens one campaign.
    submission_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = "campagne de bilans"
        verbose_name_plural = "campagnes de bilans"
        ordering = ["-year", "-opened_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(year__gte=2000, year__lte=2100),
                name="campaign_year_plausible",
                violation_error_message="L'année de la campagne n'est pas plausible.",
            ),
            models.CheckConstraint(
                condition=Q(imported=True) | Q(deadline__isnull=False),
                name="campaign_has_deadline",
                violation_error_message="Une campagne a une date limite de transmission.",
            ),
        ]

    def __str__(self):
        kind = "Historique" if self.imported else "Campagne"
        return f"{kind} {self.year} — {self.scope_label}"

    @property
    def scope_label(self):
        if self.region_id:
            return str(self.region)
        return ", ".join(d.name for d in self.departments.all()) or "aucun département"

    def department_ids(self):
        """The ids of the departments this campaign covers."""
        from mediation.models import Department

        if self.region_id:
            return set(Department.objects.filter(region=self.region_id).values_list("pk", flat=True))
        return set(self.departments.values_list("pk", flat=True))

    def is_past_deadline(self, today):
        return self.deadline is not None and today > self.deadline


class AnnualBilan(models.Model):
    """One mediator's bilan of year N, on the post she held longest during N."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="bilans", verbose_name="campagne")
    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="annual_bilans",
        verbose_name="médiateur·rice",
        help_text="Vide pour un bilan importé d'une année où la personne n'avait pas de compte.",
    )
    post = models.ForeignKey(
        "mediation.Post",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="annual_bilans",
        verbose_name="poste",
        help_text="Le poste tenu le plus longtemps dans l'année.",
    )
    year = models.PositiveSmallIntegerField("année")
    department = models.ForeignKey(
        "mediation.Department", on_delete=models.PROTECT, related_name="annual_bilans", verbose_name="département"
    )
    post_type = models.CharField("type de poste", max_length=10, choices=PostType.choices)
    state = models.CharField("état", max_length=12, choices=BilanState.choices, default=BilanState.NOT_STARTED)

    days_held = models.PositiveSmallIntegerField(
        "jours de poste dans l'année", null=True, blank=True, help_text="Vide pour un bilan importé."
    )
    usable = models.BooleanField(
        "exploitable", default=True, help_text="Un bilan exploitable entre dans les moyennes du bilan régional."
    )
    usable_reason = models.TextField("motif (exploitable ou non)", blank=True)
    usable_set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="exploitabilité fixée par",
        help_text="Vide quand la règle des six mois s'applique.",
    )

    submitted_at = models.DateTimeField("transmis le", null=True, blank=True)
    validated_at = models.DateTimeField("validé le", null=True, blank=True)
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="validé par",
    )
    sent_back_comment = models.TextField("motif du renvoi", blank=True)
    computed_at = models.DateTimeField("chiffres calculés le", null=True, blank=True)
    import_key = models.CharField(
        "clé d'import",
        max_length=200,
        blank=True,
        editable=False,
        help_text="Pour un bilan importé : année, département et poste, e-mail ou identifiant de la ligne.",
    )
    # The regional questionnaire asked whether, not how many: a historical bilan's answer without
    # a number of actions (Annexe 1 counts a « oui » with the bilans whose number is above zero).
    coanimated_for_professionals = models.BooleanField(
        "Avez-vous co-animé des actions auprès de professionnels ?",
        null=True,
        blank=True,
        editable=False,
        help_text="Réponse oui/non d'un bilan importé de l'historique, quand le nombre d'actions n'est pas connu.",
    )

    # Recognition and partnership
    cpam_partnership = models.BooleanField("Avez-vous un partenariat avec la CPAM ?", null=True, blank=True)
    identified_on_ground = models.BooleanField(
        "Êtes-vous identifié·e comme médiateur·rice santé par les acteurs du territoire ?", null=True, blank=True
    )
    missions_known = models.BooleanField("Vos partenaires connaissent-ils vos missions ?", null=True, blank=True)
    partner_bodies = models.BooleanField(
        "Participez-vous à des instances partenariales (contrat local de santé, ateliers santé ville…) ?",
        null=True,
        blank=True,
    )
    # After the mediator post
    trained = models.BooleanField("Avez-vous suivi une formation cette année ?", null=True, blank=True)
    training_details = models.TextField("Formations suivies", blank=True)
    professional_project = models.ForeignKey(
        "mediation.VocabularyItem",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"vocabulary": Vocabulary.PROFESSIONAL_PROJECT},
        verbose_name="Avez-vous un projet professionnel ?",
    )
    # The three open questions
    what_helped = models.TextField("Qu'est-ce qui a facilité votre action cette année ?", blank=True)
    what_hindered = models.TextField("Qu'est-ce qui l'a freinée ?", blank=True)
    what_to_improve = models.TextField("Que faudrait-il améliorer ?", blank=True)
    # The coordinator's review of the open answers: readers and editions only ever get the texts
    # below, set when reviewing (the mediator's original texts above are never changed); an empty
    # text is an answer withheld from readers.
    answers_reviewed_at = models.DateTimeField("réponses relues le", null=True, blank=True, editable=False)
    answers_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name="réponses relues par",
    )
    what_helped_for_readers = models.TextField("Ce qui a facilité l'action (texte publié)", blank=True, editable=False)
    what_hindered_for_readers = models.TextField("Ce qui l'a freinée (texte publié)", blank=True, editable=False)
    what_to_improve_for_readers = models.TextField(
        "Ce qu'il faudrait améliorer (texte publié)", blank=True, editable=False
    )
    # Closed lists
    themes = models.ManyToManyField(
        "mediation.VocabularyItem",
        blank=True,
        related_name="+",
        limit_choices_to={"vocabulary": Vocabulary.PREVENTION_THEME},
        verbose_name="Thèmes des actions collectives",
    )
    coanimating_partner_types = models.ManyToManyField(
        "mediation.VocabularyItem",
        blank=True,
        related_name="+",
        limit_choices_to={"vocabulary": Vocabulary.COANIMATING_PARTNER},
        verbose_name="Partenaires ayant co-animé les actions",
    )
    publics = models.ManyToManyField(
        "mediation.VocabularyItem",
        blank=True,
        related_name="+",
        limit_choices_to={"vocabulary": Vocabulary.PUBLIC},
        verbose_name="Publics et types de partenaires avec qui vous travaillez",
    )
    health_needs = models.ManyToManyField(
        "mediation.VocabularyItem",
        blank=True,
        related_name="+",
        limit_choices_to={"vocabulary": Vocabulary.HEALTH_NEED},
        verbose_name="Besoins de santé de la population",
    )
    barriers = models.ManyToManyField(
        "mediation.VocabularyItem",
        blank=True,
        related_name="+",
        limit_choices_to={"vocabulary": Vocabulary.CARE_BARRIER},
        verbose_name="Freins à l'accès aux soins",
    )

    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    objects = AnnualBilanQuerySet.as_manager()

    class Meta:
        verbose_name = "bilan annuel"
        verbose_name_plural = "bilans annuels"
        ordering = ["-year", "department__code", "post__code", "pk"]
        indexes = [models.Index(fields=["year", "department", "usable"], name="bilan_year_department_usable")]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "mediator"],
                condition=Q(mediator__isnull=False),
                name="bilan_one_per_mediator_and_campaign",
                violation_error_message="Ce·tte médiateur·rice a déjà un bilan dans cette campagne.",
            ),
            models.UniqueConstraint(
                fields=["import_key"],
                condition=~Q(import_key=""),
                name="bilan_import_key_unique",
                violation_error_message="Cette ligne d'historique a déjà été importée.",
            ),
            models.CheckConstraint(
                condition=~Q(state="validated") | Q(validated_at__isnull=False),
                name="bilan_validated_has_date",
                violation_error_message="Un bilan validé porte sa date de validation.",
            ),
            models.CheckConstraint(
                condition=Q(days_held__isnull=True) | Q(days_held__lte=366),
                name="bilan_days_held_in_year",
                violation_error_message="Une année compte au plus 366 jours.",
            ),
        ]

    def __str__(self):
        who = self.mediator or "bilan importé"
        return f"Bilan {self.year} — {who}"

    @property
    def import_reference(self):
        """How an imported row was identified: "poste HDF-59-01", "email …" or "ligne 12"."""
        parts = self.import_key.split(":", 2)
        return parts[2].replace(":", " ", 1) if len(parts) == 3 else ""

    @property
    def is_editable(self):
        return self.state in EDITABLE_STATES

    @property
    def is_locked(self):
        return self.state == BilanState.VALIDATED

    def figures_by_key(self):
        """{key: figure}, every key present (an unsaved figure for the missing ones)."""
        existing = {f.key: f for f in self.figures.all()}
        return {key: existing.get(key) or BilanFigure(bilan=self, key=key) for key in FigureKey.values}

    def gap_keys(self):
        """The keys of the figures whose declared value departs from the computed one."""
        return [f.key for f in self.figures.all() if f.has_gap]

    def missing_for_submission(self):
        """The labels of what must be answered before the bilan can be submitted."""
        missing = [FigureKey(f.key).label for f in self.figures_by_key().values() if f.value is None]
        for name in ("cpam_partnership", "identified_on_ground", "missions_known", "partner_bodies", "trained"):
            if getattr(self, name) is None:
                missing.append(self._meta.get_field(name).verbose_name)
        if self.professional_project_id is None:
            missing.append(self._meta.get_field("professional_project").verbose_name)
        return missing

    # ------------------------------------------------------------ workflow

    def _move(self, *, from_states, to_state, by, action, comment="", **fields):
        """Change the state if (and only if) it is still one of `from_states`, bump the version
        so any form opened before is refused, and log the event. Returns False if it had moved."""
        with transaction.atomic():
            moved = AnnualBilan.objects.filter(pk=self.pk, state__in=list(from_states)).update(
                state=to_state, version=F("version") + 1, updated_at=timezone.now(), **fields
            )
            if not moved:
                self.refresh_from_db()
                return False
            BilanEvent.objects.create(bilan=self, by=by, action=action, comment=comment)
        self.refresh_from_db()
        return True

    def submit(self, *, by):
        """Send the bilan to the coordination. The figures she left at their computed value are
        fixed as declared: a later re-computation may flag a gap, never change what she sent."""
        with transaction.atomic():
            moved = self._move(
                from_states=EDITABLE_STATES,
                to_state=BilanState.SUBMITTED,
                by=by,
                action=BilanAction.SUBMITTED,
                submitted_at=timezone.now(),
            )
            if moved:
                self.figures.filter(declared__isnull=True).update(declared=F("computed"))
        return moved

    def send_back(self, *, by, comment):
        if not comment.strip():
            raise ValueError("Un renvoi pour correction porte un commentaire.")
        return self._move(
            from_states=[BilanState.SUBMITTED],
            to_state=BilanState.SENT_BACK,
            by=by,
            action=BilanAction.SENT_BACK,
            comment=comment,
            sent_back_comment=comment,
        )

    def validate(self, *, by):
        return self._move(
            from_states=[BilanState.SUBMITTED],
            to_state=BilanState.VALIDATED,
            by=by,
            action=BilanAction.VALIDATED,
            validated_at=timezone.now(),
            validated_by=by,
        )

    def reopen(self, *, by, reason, to_state=BilanState.SENT_BACK):
        """A validated bilan goes back to the mediator; the reason is kept in the log."""
        if not reason.strip():
            raise ValueError("La réouverture d'un bilan validé porte un motif.")
        if to_state not in REOPEN_STATES:
            raise ValueError("Un bilan rouvert revient en brouillon ou en correction.")
        extra = {"sent_back_comment": reason} if to_state == BilanState.SENT_BACK else {}
        return self._move(
            from_states=[BilanState.VALIDATED],
            to_state=to_state,
            by=by,
            action=BilanAction.REOPENED,
            comment=reason,
            validated_at=None,
            validated_by=None,
            **extra,
        )

    def set_usable(self, *, by, usable, reason):
        """The coordinator's decision on whether the bilan enters the means, with its reason."""
        if not reason.strip():
            raise ValueError("Indiquez le motif du changement.")
        with transaction.atomic():
            AnnualBilan.objects.filter(pk=self.pk).update(
                usable=usable,
                usable_reason=reason,
                usable_set_by=by,
                version=F("version") + 1,
                updated_at=timezone.now(),
            )
            label = "exploitable" if usable else "non exploitable"
            BilanEvent.objects.create(
                bilan=self, by=by, action=BilanAction.USABLE_CHANGED, comment=f"{label} : {reason}"
            )
        self.refresh_from_db()


class BilanFigure(models.Model):
    """One figure of a bilan: the value computed from the mediator's records and the one she declared."""

    bilan = models.ForeignKey(AnnualBilan, on_delete=models.CASCADE, related_name="figures", verbose_name="bilan")
    key = models.CharField("chiffre", max_length=30, choices=FigureKey.choices)
    computed = models.PositiveIntegerField("valeur calculée", null=True, blank=True)
    declared = models.PositiveIntegerField(
        "valeur déclarée", null=True, blank=True, help_text="Vide : la valeur calculée est retenue."
    )
    method = models.TextField("comment c'est compté", blank=True)

    objects = BilanFigureQuerySet.as_manager()

    class Meta:
        verbose_name = "chiffre du bilan"
        verbose_name_plural = "chiffres du bilan"
        ordering = ["bilan", "key"]
        constraints = [
            models.UniqueConstraint(
                fields=["bilan", "key"],
                name="bilan_figure_unique",
                violation_error_message="Ce chiffre existe déjà dans ce bilan.",
            )
        ]

    def __str__(self):
        return f"{self.get_key_display()} : {self.value if self.value is not None else '—'}"

    @property
    def value(self):
        """What the bilan retains: the declared value, or the computed one when none was declared."""
        return self.declared if self.declared is not None else self.computed

    @property
    def has_gap(self):
        return has_gap(self.declared, self.computed)


class BilanEvent(models.Model):
    """The workflow's log: who submitted, sent back, validated, reopened, changed the usable flag."""

    bilan = models.ForeignKey(AnnualBilan, on_delete=models.CASCADE, related_name="events", verbose_name="bilan")
    at = models.DateTimeField("le", default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name="par"
    )
    action = models.CharField("action", max_length=20, choices=BilanAction.choices)
    comment = models.TextField("commentaire", blank=True)

    class Meta:
        verbose_name = "événement de bilan"
        verbose_name_plural = "événements de bilan"
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.get_action_display()} le {timezone.localtime(self.at):%d/%m/%Y %H:%M}"


# ---------------------------------------------------------------- published editions of the bilan


class EditionQuerySet(models.QuerySet):
    def for_user(self, user):
        """The editions of the scopes the user may open on the dashboard (readers, coordinators,
        administrators); nobody else any. Every edition holds the readers' edition figures."""
        from mediation.models import Department

        from .scope import scope_choices

        if perms.role_of(user) not in (Role.READER, Role.COORDINATOR, Role.ADMIN):
            return self.none()
        keys = [choice.key.split(":", 1) for choice in scope_choices(Department.objects.for_user(user))]
        if not keys:
            return self.none()
        allowed = Q()
        for kind, code in keys:
            allowed |= Q(scope_kind=kind, scope_code=code)
        return self.filter(allowed)

    def for_scope(self, scope):
        """The editions of one year, territory and post type (or all post types)."""
        return self.filter(
            year=scope.year, scope_kind=scope.kind, scope_code=scope.code, post_type=scope.post_type or ""
        )

    def latest_first(self):
        return self.order_by("-version")


class Edition(models.Model):
    """A published bilan of a year for a scope: its figures (JSON), PDF and workbook as they were
    when a coordinator published them, never changed afterwards. Publishing again makes the next
    version, with a reason. The figures are those of the readers' edition (secrecy.py)."""

    year = models.PositiveSmallIntegerField("année du bilan")
    scope_kind = models.CharField("niveau du territoire", max_length=20)
    scope_code = models.CharField("code du territoire", max_length=20)
    scope_label = models.CharField("territoire", max_length=200)
    post_type = models.CharField("type de poste", max_length=10, choices=PostType.choices, blank=True)
    version = models.PositiveSmallIntegerField("n° d'édition")
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="publiée par"
    )
    published_at = models.DateTimeField("publiée le", default=timezone.now)
    reason = models.TextField(
        "motif de la nouvelle édition", blank=True, help_text="Obligatoire à partir de la deuxième édition."
    )
    # The files live in the database: no disk shared between the web containers.
    json = models.BinaryField("chiffres (JSON)", editable=False)
    json_sha256 = models.CharField("empreinte SHA-256 du JSON", max_length=64, editable=False)
    pdf = models.BinaryField("bilan en PDF", editable=False)
    pdf_sha256 = models.CharField("empreinte SHA-256 du PDF", max_length=64, editable=False)
    xlsx = models.BinaryField("classeur XLSX", editable=False)
    xlsx_sha256 = models.CharField("empreinte SHA-256 du classeur", max_length=64, editable=False)
    # The public edition (public_edition.py), published with the region's edition of all post
    # types only: its JSON, PDF and open-data CSV, small counts masked. Empty for other editions.
    public_json = models.BinaryField("chiffres publics (JSON)", null=True, editable=False)
    public_json_sha256 = models.CharField("empreinte SHA-256 du JSON public", max_length=64, blank=True, editable=False)
    public_pdf = models.BinaryField("bilan public en PDF", null=True, editable=False)
    public_pdf_sha256 = models.CharField("empreinte SHA-256 du PDF public", max_length=64, blank=True, editable=False)
    public_csv = models.BinaryField("données ouvertes (CSV)", null=True, editable=False)
    public_csv_sha256 = models.CharField("empreinte SHA-256 du CSV", max_length=64, blank=True, editable=False)

    objects = EditionQuerySet.as_manager()

    class Meta:
        verbose_name = "édition publiée du bilan"
        verbose_name_plural = "éditions publiées du bilan"
        ordering = ["-year", "scope_kind", "scope_code", "post_type", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "scope_kind", "scope_code", "post_type", "version"],
                name="edition_one_version_per_scope",
                violation_error_message="Cette édition du bilan a déjà été publiée.",
            ),
            models.CheckConstraint(
                condition=Q(version__gte=1),
                name="edition_version_positive",
                violation_error_message="Le numéro d'édition commence à 1.",
            ),
            models.CheckConstraint(
                condition=Q(version=1) | ~Q(reason=""),
                name="edition_reason_from_version_2",
                violation_error_message="Une nouvelle édition du bilan a un motif.",
            ),
        ]

    def __str__(self):
        kind = f" — {PostType(self.post_type).label}" if self.post_type else ""
        return f"Bilan {self.year} — {self.scope_label}{kind} — édition n° {self.version}"

    @property
    def scope_key(self):
        return f"{self.scope_kind}:{self.scope_code}"

    @property
    def has_public(self):
        return bool(self.public_json_sha256)


class PublicationQuerySet(models.QuerySet):
    def for_scope(self, scope):
        """The publication requests of one year, territory and post type (or all post types)."""
        return self.filter(
            year=scope.year, scope_kind=scope.kind, scope_code=scope.code, post_type=scope.post_type or ""
        )

    def unfinished(self):
        return self.filter(state__in=(Publication.State.PENDING, Publication.State.RUNNING))


class Publication(models.Model):
    """A coordinator's request to publish an edition (the publish form sent), made by the worker
    (`reporting.tasks.run_publication`): the scope, the version and the reason asked for, where it
    is, and once made its Edition, or why it failed (nothing is made then). One request per
    version of a scope until it fails: the same form sent twice, or by two people at once, asks
    once."""

    class State(models.TextChoices):
        PENDING = "pending", "En attente"
        RUNNING = "running", "En cours"
        DONE = "done", "Publiée"
        FAILED = "failed", "Échec"

    year = models.PositiveSmallIntegerField("année du bilan")
    scope_kind = models.CharField("niveau du territoire", max_length=20)
    scope_code = models.CharField("code du territoire", max_length=20)
    scope_label = models.CharField("territoire", max_length=200)
    post_type = models.CharField("type de poste", max_length=10, choices=PostType.choices, blank=True)
    version = models.PositiveSmallIntegerField("n° d'édition")
    reason = models.TextField("motif de la nouvelle édition", blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="demandée par"
    )
    requested_at = models.DateTimeField("demandée le", default=timezone.now)
    state = models.CharField("état", max_length=10, choices=State.choices, default=State.PENDING)
    error = models.CharField("erreur", max_length=500, blank=True)
    started_at = models.DateTimeField("commencée le", null=True, blank=True)
    finished_at = models.DateTimeField("terminée le", null=True, blank=True)
    edition = models.OneToOneField(
        Edition, on_delete=models.PROTECT, null=True, blank=True, related_name="publication", verbose_name="édition"
    )

    objects = PublicationQuerySet.as_manager()

    class Meta:
        verbose_name = "publication d'une édition"
        verbose_name_plural = "publications d'éditions"
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "scope_kind", "scope_code", "post_type", "version"],
                condition=~Q(state="failed"),
                name="publication_one_request_per_version",
                violation_error_message="La publication de cette édition est déjà demandée.",
            ),
        ]

    def __str__(self):
        return f"Bilan {self.year} — {self.scope_label} — édition n° {self.version} ({self.get_state_display()})"

    @property
    def scope_key(self):
        return f"{self.scope_kind}:{self.scope_code}"

    @property
    def finished(self):
        return self.state in (self.State.DONE, self.State.FAILED)

    def finish(self, *, edition, on):
        self.state, self.edition, self.finished_at = self.State.DONE, edition, on
        self.save(update_fields=["state", "edition", "finished_at"])

    def fail(self, *, error, on):
        self.state, self.error, self.finished_at = self.State.FAILED, error[:500], on
        self.save(update_fields=["state", "error", "finished_at"])


# ---------------------------------------------------------------- read-only API tokens


class ApiTokenQuerySet(models.QuerySet):
    def by_secret(self, secret):
        """The token whose secret this is, or None: looked up by its SHA-256, then the digests
        compared in constant time."""
        import hashlib
        import hmac

        digest = hashlib.sha256(secret.encode("utf-8")).hexdigest()
        token = self.filter(token_hash=digest).first()
        if token is None or not hmac.compare_digest(token.token_hash, digest):
            return None
        return token


class ApiToken(models.Model):
    """A read-only access to the bilan JSON of one scope, for a data team reading it without a
    browser (reporting/api.py). Its secret is shown once, when an administrator creates it; only
    its SHA-256 is kept. It expires (at most a year after its creation) and can be revoked."""

    MAX_DAYS = 366

    name = models.CharField("nom", max_length=200, help_text="Qui l'utilise et pourquoi (ex. : service des études).")
    scope_kind = models.CharField("niveau du territoire", max_length=20, editable=False)
    scope_code = models.CharField("code du territoire", max_length=40, editable=False)
    scope_label = models.CharField("territoire", max_length=200, editable=False)
    token_hash = models.CharField("empreinte SHA-256 du jeton", max_length=64, unique=True, editable=False)
    prefix = models.CharField("début du jeton", max_length=8, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="créé par", editable=False
    )
    created_at = models.DateTimeField("créé le", default=timezone.now, editable=False)
    expires_on = models.DateField(
        "expire le", help_text="Au plus un an après la création. Le jeton ne vaut plus ce jour-là."
    )
    revoked_at = models.DateTimeField("révoqué le", null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="révoqué par",
        editable=False,
    )

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = "jeton d'accès à l'API"
        verbose_name_plural = "jetons d'accès à l'API"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} — {self.scope_label} ({self.prefix}…)"

    @property
    def scope_key(self):
        return f"{self.scope_kind}:{self.scope_code}"

    def refusal(self, today=None):
        """Why the token may not be used today (French), or ""."""
        today = today or timezone.localdate()
        if self.revoked_at is not None:
            return "Ce jeton a été révoqué : demandez-en un nouveau à un administrateur."
        if today >= self.expires_on:
            return f"Ce jeton a expiré le {self.expires_on:%d/%m/%Y} : demandez-en un nouveau à un administrateur."
        return ""


class ApiTokenUse(models.Model):
    """One request made with a token: when, what was asked, the answer's status, and a keyed hash
    of the client address (never the address itself)."""

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="uses", verbose_name="jeton")
    at = models.DateTimeField("le", default=timezone.now, db_index=True)
    path = models.CharField("adresse demandée", max_length=500)
    status = models.PositiveSmallIntegerField("réponse (code HTTP)")
    client = models.CharField("client (empreinte de l'adresse)", max_length=32)

    class Meta:
        verbose_name = "utilisation d'un jeton d'API"
        verbose_name_plural = "utilisations des jetons d'API"
        ordering = ["-at"]
        indexes = [models.Index(fields=["token", "at"], name="apitokenuse_token_at")]

    def __str__(self):
        return f"{self.token} — {self.at:%d/%m/%Y %H:%M}"
