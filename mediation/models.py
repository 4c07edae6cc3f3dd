"""The shared core: people and their roles, territories, structures, posts and vocabularies."""

import datetime

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from . import perms
from .enums import AccountEventKind, Funding, PostType, Role, StructureKind, Vocabulary

# ---------------------------------------------------------------- query sets

# Roles that see the people of the structures in their scope (`UserQuerySet.for_user`);
# who may invite whom is for perms.may_invite to say.
ACCOUNT_MANAGER_ROLES = frozenset({Role.ADMIN, Role.COORDINATOR, Role.STRUCTURE_MANAGER})


class DepartmentQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(pk__in=perms.department_ids(user))


class StructureQuerySet(models.QuerySet):
    def for_user(self, user):
        membership = perms.membership_of(user)
        if membership is None:
            return self.none()
        if membership.role in (Role.MEDIATOR, Role.STRUCTURE_MANAGER):
            return self.filter(pk=membership.structure_id)
        return self.filter(commune__department__in=perms.department_ids(user))


class PostQuerySet(models.QuerySet):
    def for_user(self, user):
        membership = perms.membership_of(user)
        if membership is None:
            return self.none()
        if membership.role in (Role.MEDIATOR, Role.STRUCTURE_MANAGER):
            return self.filter(structure_id=membership.structure_id)
        return self.filter(department__in=perms.department_ids(user))

    def active_on(self, day):
        return self.filter(Q(start_date__lte=day), Q(end_date__isnull=True) | Q(end_date__gte=day))


class PostHoldingQuerySet(models.QuerySet):
    def active_on(self, day):
        return self.filter(Q(start_date__lte=day), Q(end_date__isnull=True) | Q(end_date__gte=day))

    def overlapping(self, start, end):
        """Holdings that cover at least one day of [start, end]."""
        return self.filter(Q(start_date__lte=end), Q(end_date__isnull=True) | Q(end_date__gte=start))


class UserQuerySet(models.QuerySet):
    def for_user(self, user):
        """The people attached to a structure in the scope of `user`, for the roles that manage
        accounts (administrators, coordinators, structure managers); nobody for the others."""
        if perms.role_of(user) not in ACCOUNT_MANAGER_ROLES:
            return self.none()
        return self.filter(membership__structure__in=Structure.objects.for_user(user))

    def awaiting_invitation(self):
        """Accounts created for someone who has not had access yet (the posts-register import
        creates them for unknown holders): inactive, no usable password, never logged in.
        Same rule as `User.is_awaiting_invitation`."""
        return self.filter(is_active=False, last_login__isnull=True, password__startswith=UNUSABLE_PASSWORD_PREFIX)


class VocabularyItemQuerySet(models.QuerySet):
    def of(self, vocabulary):
        return self.filter(vocabulary=vocabulary)

    def active(self):
        return self.filter(is_active=True)


# ---------------------------------------------------------------- people


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("L'adresse e-mail est obligatoire.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField("adresse e-mail", unique=True)
    first_name = models.CharField("prénom", max_length=150, blank=True)
    last_name = models.CharField("nom", max_length=150, blank=True)
    is_active = models.BooleanField(
        "actif",
        default=True,
        help_text="Décocher pour fermer le compte : ses sessions cessent à la requête suivante.",
    )
    is_staff = models.BooleanField("accès à l'administration", default=False)
    date_joined = models.DateTimeField("inscrit le", default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        verbose_name = "utilisateur·rice"
        verbose_name_plural = "utilisateur·rices"
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="user_email_ci_unique",
                violation_error_message="Un compte existe déjà avec cette adresse e-mail.",
            )
        ]

    def __str__(self):
        return self.get_full_name() or self.email

    def get_full_name(self):
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self):
        return self.first_name or self.email

    @property
    def is_awaiting_invitation(self):
        """Inactive, without a usable password and never logged in: the account exists (an import
        made it for a post holder) but its owner has never had access. An invitation opens it.
        Same rule as `UserQuerySet.awaiting_invitation()`."""
        return not self.is_active and self.last_login is None and not self.has_usable_password()

    def activate(self, *, first_name, last_name, password):
        """Open an account awaiting its invitation: its owner names it and chooses the password."""
        self.first_name, self.last_name = first_name, last_name
        self.set_password(password)
        self.is_active = True
        self.save(update_fields=["first_name", "last_name", "password", "is_active"])


# ---------------------------------------------------------------- territories


class Region(models.Model):
    code = models.CharField("code INSEE", max_length=3, unique=True)
    name = models.CharField("nom", max_length=100)

    class Meta:
        verbose_name = "région"
        ordering = ["name"]

    def __str__(self):
        return self.name


class Territory(models.Model):
    """A grouping of departments used by the regional bilan (e.g. Picardie)."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="territories", verbose_name="région")
    code = models.SlugField("code", max_length=40)
    name = models.CharField("nom", max_length=100)
    order = models.PositiveSmallIntegerField("ordre", default=0)

    class Meta:
        verbose_name = "territoire"
        ordering = ["region", "order", "name"]
        constraints = [models.UniqueConstraint(fields=["region", "code"], name="territory_code_unique")]

    def __str__(self):
        return self.name


class Department(models.Model):
    code = models.CharField("code", max_length=3, unique=True)
    name = models.CharField("nom", max_length=100)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="departments", verbose_name="région")
    territory = models.ForeignKey(
        Territory, on_delete=models.PROTECT, related_name="departments", verbose_name="territoire"
    )

    objects = DepartmentQuerySet.as_manager()

    class Meta:
        verbose_name = "département"
        ordering = ["code"]

    def __str__(self):
        return self.name


class QpvPopulation(models.Model):
    """The population living in a department's QPV, as INSEE gives it for one year.

    A figure of a year, not of the department: the QPV geography changed on 1 January 2024,
    and the posts register of year N shows the population of year N.
    """

    department = models.ForeignKey(
        Department, on_delete=models.CASCADE, related_name="qpv_populations", verbose_name="département"
    )
    year = models.PositiveSmallIntegerField("année")
    population = models.PositiveIntegerField("population des QPV")

    class Meta:
        verbose_name = "population des QPV"
        verbose_name_plural = "populations des QPV"
        ordering = ["department", "-year"]
        constraints = [models.UniqueConstraint(fields=["department", "year"], name="qpv_population_year_unique")]

    def __str__(self):
        return f"{self.department} {self.year} : {self.population}"


class Commune(models.Model):
    """A current commune of the official geographic code (COG)."""

    insee_code = models.CharField("code INSEE", max_length=5, unique=True)
    name = models.CharField("nom", max_length=150)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="communes", verbose_name="département"
    )
    population = models.PositiveIntegerField("population municipale", null=True, blank=True)
    postal_codes = models.JSONField("codes postaux", default=list, blank=True)

    class Meta:
        verbose_name = "commune"
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.insee_code})"


class FormerCommuneCode(models.Model):
    """The INSEE code of a commune merged into a current one (commune déléguée or associée).

    A former code typed in a form or found in an imported file is mapped to its current commune.
    """

    code = models.CharField("ancien code INSEE", max_length=5, unique=True)
    name = models.CharField("ancien nom", max_length=150)
    commune = models.ForeignKey(
        Commune, on_delete=models.CASCADE, related_name="former_codes", verbose_name="commune actuelle"
    )

    class Meta:
        verbose_name = "ancien code de commune"
        verbose_name_plural = "anciens codes de communes"
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name} → {self.commune.insee_code}"


class Qpv(models.Model):
    code = models.CharField("code", max_length=12, unique=True)
    name = models.CharField("nom", max_length=200)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="qpvs", verbose_name="département"
    )
    communes = models.ManyToManyField(Commune, related_name="qpvs", verbose_name="communes")

    class Meta:
        verbose_name = "quartier prioritaire (QPV)"
        verbose_name_plural = "quartiers prioritaires (QPV)"
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.code})"


# ---------------------------------------------------------------- structures and posts


class Structure(models.Model):
    name = models.CharField("nom", max_length=200)
    kind = models.CharField("type", max_length=20, choices=StructureKind.choices)
    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, related_name="structures", verbose_name="commune")
    is_active = models.BooleanField("active", default=True)

    objects = StructureQuerySet.as_manager()

    class Meta:
        verbose_name = "structure"
        ordering = ["name"]

    def __str__(self):
        return self.name


class Post(models.Model):
    code = models.CharField("code du poste", max_length=30, unique=True)
    structure = models.ForeignKey(Structure, on_delete=models.PROTECT, related_name="posts", verbose_name="structure")
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="posts", verbose_name="département"
    )
    post_type = models.CharField("type de poste", max_length=10, choices=PostType.choices)
    funding = models.CharField(
        "financement", max_length=20, choices=Funding.choices, blank=True, help_text="Vide : non renseigné."
    )
    start_date = models.DateField("début")
    end_date = models.DateField("fin", null=True, blank=True)
    communes = models.ManyToManyField(Commune, blank=True, related_name="posts", verbose_name="communes couvertes")
    qpvs = models.ManyToManyField(Qpv, blank=True, related_name="posts", verbose_name="QPV couverts")

    objects = PostQuerySet.as_manager()

    class Meta:
        verbose_name = "poste"
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="post_end_after_start",
                violation_error_message="La fin du poste ne peut précéder son début.",
            )
        ]

    def __str__(self):
        return self.code

    def holder_on(self, day):
        holding = self.holdings.active_on(day).select_related("mediator").first()
        return holding.mediator if holding else None

    def hand_over(self, *, to, on):
        """Close the current holding the day before `on` and open one for `to`."""
        current = self.holdings.filter(end_date__isnull=True).first()
        if current is not None:
            if current.start_date >= on:
                raise ValueError("La passation doit suivre le début de la tenue en cours.")
            current.end_date = on - datetime.timedelta(days=1)
            current.save(update_fields=["end_date"])
        return PostHolding.objects.create(post=self, mediator=to, start_date=on)


class PostHolding(models.Model):
    """A mediator holding a post over a period; successive holdings make the post's history."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="holdings", verbose_name="poste")
    mediator = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="post_holdings", verbose_name="médiateur·rice"
    )
    start_date = models.DateField("début")
    end_date = models.DateField("fin", null=True, blank=True)

    objects = PostHoldingQuerySet.as_manager()

    class Meta:
        verbose_name = "tenue de poste"
        verbose_name_plural = "tenues de poste"
        ordering = ["post", "start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="holding_end_after_start",
                violation_error_message="La fin de la tenue du poste ne peut précéder son début.",
            ),
            models.UniqueConstraint(
                fields=["post"],
                condition=Q(end_date__isnull=True),
                name="one_open_holding_per_post",
                violation_error_message="Ce poste a déjà un·e titulaire en cours.",
            ),
        ]

    def __str__(self):
        return f"{self.post} — {self.mediator}"


# ---------------------------------------------------------------- roles


class Membership(models.Model):
    """What a person does here: one role and the scope it applies to."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="membership", verbose_name="personne")
    role = models.CharField("rôle", max_length=20, choices=Role.choices)
    structure = models.ForeignKey(
        Structure,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name="structure",
    )
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name="région entière",
    )
    departments = models.ManyToManyField(
        Department, blank=True, related_name="memberships", verbose_name="départements"
    )
    created_at = models.DateTimeField("créé le", auto_now_add=True)

    class Meta:
        verbose_name = "rôle"
        verbose_name_plural = "rôles"
        constraints = [
            models.CheckConstraint(
                condition=~Q(role__in=["mediator", "structure_manager"])
                | Q(structure__isnull=False, region__isnull=True),
                name="structure_roles_have_structure",
                violation_error_message="Un·e médiateur·rice ou un·e encadrant·e est rattaché·e à une structure.",
            ),
            models.CheckConstraint(
                condition=~Q(role__in=["coordinator", "reader", "admin"]) | Q(structure__isnull=True),
                name="territory_roles_have_no_structure",
                violation_error_message="Ce rôle porte sur un territoire, pas sur une structure.",
            ),
        ]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()}"

    @property
    def scope_label(self):
        if self.role in (Role.MEDIATOR, Role.STRUCTURE_MANAGER):
            return str(self.structure)
        if self.role == Role.ADMIN:
            return "Toutes les régions"
        if self.region_id:
            return str(self.region)
        return ", ".join(d.name for d in self.departments.all()) or "Aucun territoire"


# ---------------------------------------------------------------- vocabularies


class VocabularyItem(models.Model):
    """One value of a closed list. Retired values stay (inactive) so old records still read."""

    vocabulary = models.CharField("liste", max_length=30, choices=Vocabulary.choices)
    code = models.SlugField("code", max_length=60)
    label = models.CharField("libellé", max_length=200)
    order = models.PositiveSmallIntegerField("ordre", default=0)
    is_active = models.BooleanField(
        "proposé", default=True, help_text="Une valeur retirée n'est plus proposée mais reste lisible."
    )

    objects = VocabularyItemQuerySet.as_manager()

    class Meta:
        verbose_name = "valeur de liste"
        verbose_name_plural = "valeurs de listes"
        ordering = ["vocabulary", "order", "label"]
        constraints = [
            models.UniqueConstraint(
                fields=["vocabulary", "code"],
                name="vocabulary_code_unique",
                violation_error_message="Ce code existe déjà dans cette liste.",
            )
        ]

    def __str__(self):
        return self.label if self.is_active else f"{self.label} (retiré)"


# ---------------------------------------------------------------- invitations


class InvitationQuerySet(models.QuerySet):
    def for_user(self, user):
        if perms.role_of(user) == Role.ADMIN:
            return self
        if perms.role_of(user) != Role.COORDINATOR:
            return self.none()
        return self.filter(invited_by=user)

    def pending(self):
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())


class Invitation(models.Model):
    """A single-use, expiring link through which an invited person sets a password.
    Only a digest of the token is stored: the link itself exists only in the e-mail."""

    email = models.EmailField("adresse e-mail")
    first_name = models.CharField("prénom", max_length=150, blank=True)
    last_name = models.CharField("nom", max_length=150, blank=True)
    role = models.CharField("rôle", max_length=20, choices=Role.choices)
    structure = models.ForeignKey(
        Structure, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name="structure"
    )
    post = models.ForeignKey(
        Post,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="poste",
        help_text="Pour un·e médiateur·rice : le poste qu'il ou elle prend à l'acceptation.",
    )
    region = models.ForeignKey(
        Region, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name="région entière"
    )
    departments = models.ManyToManyField(Department, blank=True, related_name="+", verbose_name="départements")
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="invitations_sent", verbose_name="invité·e par"
    )
    created_at = models.DateTimeField("envoyée le", auto_now_add=True)
    expires_at = models.DateTimeField("expire le")
    accepted_at = models.DateTimeField("acceptée le", null=True, blank=True)
    revoked_at = models.DateTimeField("annulée le", null=True, blank=True)
    user = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="compte créé"
    )
    # Drawn when the form is shown: the same form sent twice records one invitation.
    submission_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = "invitation"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.email} ({self.get_role_display()})"

    @property
    def status_label(self):
        if self.accepted_at:
            return "Acceptée"
        if self.revoked_at:
            return "Annulée"
        if self.expires_at <= timezone.now():
            return "Expirée"
        return "En attente"

    def is_usable(self):
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > timezone.now()


# ---------------------------------------------------------------- accounts' audit trail


class AccountEvent(models.Model):
    """One entry of the accounts' audit trail (CNIL): a login, a logout, a failed login, a change
    of second factor, of privileges or of role. Accounts are named by id only (kept when the
    account is deleted); never a password nor an e-mail address that was typed. Written by
    `mediation.audit`, purged with the other logs, never edited."""

    kind = models.CharField("évènement", max_length=30, choices=AccountEventKind.choices)
    timestamp = models.DateTimeField("date et heure", default=timezone.now, db_index=True, editable=False)
    actor = models.ForeignKey(
        User,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="auteur",
    )
    account = models.ForeignKey(
        User,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="compte concerné",
    )
    remote_addr = models.GenericIPAddressField("adresse IP", null=True, blank=True)
    details = models.JSONField("détails (identifiants et noms de champs)", default=dict, blank=True)

    class Meta:
        verbose_name = "évènement de compte"
        verbose_name_plural = "journal des comptes"
        ordering = ["-timestamp", "-pk"]

    def __str__(self):
        return f"{self.get_kind_display()} n° {self.pk}"


# ---------------------------------------------------------------- operations (mediation.operations)


class Heartbeat(models.Model):
    """When a long-running process (the worker, the scheduler) last said it was alive; read by
    the health endpoint. One row per process name, overwritten at each beat."""

    name = models.CharField("processus", max_length=40, unique=True)
    beaten_at = models.DateTimeField("dernier signe de vie")

    class Meta:
        verbose_name = "signe de vie"
        verbose_name_plural = "signes de vie"
        ordering = ["name"]

    def __str__(self):
        return self.name


class JobRun(models.Model):
    """One run of a daily job: when, what it did (counts), whether it failed. The error is
    summarised by its kind and our own message only, never personal data."""

    job = models.CharField("tâche", max_length=60)
    started_at = models.DateTimeField("commencée le")
    finished_at = models.DateTimeField("terminée le", null=True, blank=True)
    succeeded = models.BooleanField("réussie", default=False)
    counts = models.JSONField("résultat (nombres)", default=dict, blank=True)
    error = models.CharField("erreur", max_length=500, blank=True)

    class Meta:
        verbose_name = "passage de tâche quotidienne"
        verbose_name_plural = "passages des tâches quotidiennes"
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["job", "-started_at"], name="job_run_latest")]

    def __str__(self):
        return f"{self.job} du {timezone.localtime(self.started_at):%d/%m/%Y %H:%M}"


class OutgoingEmailQuerySet(models.QuerySet):
    def failed(self):
        return self.filter(status=OutgoingEmail.Status.FAILED)


class OutgoingEmail(models.Model):
    """An e-mail queued by `mediation.mail.QueuedEmailBackend`, sent by the worker
    (`mediation.tasks.deliver_email`) with retries. Its content (`payload`) is kept only until it
    is sent, then erased; the admin shows recipients, kind, dates and the error, never the content."""

    class Status(models.TextChoices):
        PENDING = "pending", "À envoyer"
        SENT = "sent", "Envoyé"
        FAILED = "failed", "Échec définitif"

    recipients = models.TextField("destinataires")
    kind = models.CharField("type", max_length=200)
    status = models.CharField("état", max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    attempts = models.PositiveSmallIntegerField("tentatives", default=0)
    next_attempt_at = models.DateTimeField("prochaine tentative", null=True, blank=True)
    sent_at = models.DateTimeField("envoyé le", null=True, blank=True)
    last_error = models.CharField("dernière erreur", max_length=500, blank=True)
    payload = models.JSONField("contenu", null=True, blank=True, editable=False)

    objects = OutgoingEmailQuerySet.as_manager()

    class Meta:
        verbose_name = "e-mail sortant"
        verbose_name_plural = "e-mails sortants"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "-created_at"], name="outgoing_email_status")]

    def __str__(self):
        return f"{self.kind} → {self.recipients}"


# ---------------------------------------------------------------- imports run by the worker (imports.services)


class ImportRunQuerySet(models.QuerySet):
    def for_user(self, user):
        """The runs `user` started: nobody sees another person's import, administrators included."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(user=user)

    def finished_before(self, moment):
        return self.filter(finished_at__lt=moment)


class ImportRun(models.Model):
    """One dry run or confirmed import of an uploaded file, run by the worker
    (`mediation.tasks.run_import`): who asked, for which kind and scope, where it is, and once
    finished its report. The file itself waits in IMPORT_TEMP_DIR under `upload_token`, never here."""

    class State(models.TextChoices):
        QUEUED = "queued", "En attente"
        RUNNING = "running", "En cours"
        DONE = "done", "Terminé"
        FAILED = "failed", "Échec"

    kind = models.CharField("type d'import", max_length=60)
    dry_run = models.BooleanField("vérification seulement")
    user = models.ForeignKey("User", on_delete=models.CASCADE, related_name="import_runs", verbose_name="demandé par")
    remote_addr = models.GenericIPAddressField("adresse", null=True, blank=True)
    file_name = models.CharField("fichier", max_length=255)
    upload_token = models.CharField("jeton du fichier", max_length=64, editable=False)
    options = models.JSONField("options", default=dict, blank=True)
    department_ids = models.JSONField("départements du périmètre", null=True, blank=True)
    state = models.CharField("état", max_length=10, choices=State.choices, default=State.QUEUED)
    report = models.JSONField("compte rendu", null=True, blank=True, editable=False)
    error = models.CharField("erreur", max_length=500, blank=True)
    created_at = models.DateTimeField("demandé le", auto_now_add=True)
    started_at = models.DateTimeField("commencé le", null=True, blank=True)
    finished_at = models.DateTimeField("terminé le", null=True, blank=True)

    objects = ImportRunQuerySet.as_manager()

    class Meta:
        verbose_name = "exécution d'import"
        verbose_name_plural = "exécutions d'import"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "-created_at"], name="import_run_user_latest")]

    def __str__(self):
        return f"{self.kind} : {self.file_name}"

    @property
    def finished(self):
        return self.state in (self.State.DONE, self.State.FAILED)

    def finish(self, *, report, on):
        self.state, self.report, self.finished_at = self.State.DONE, report, on
        self.save(update_fields=["state", "report", "finished_at"])

    def fail(self, *, error, on):
        self.state, self.error, self.finished_at = self.State.FAILED, error[:500], on
        self.save(update_fields=["state", "error", "finished_at"])
