"""Beneficiaries and their accompaniment sheets. A sheet keeps the person's situation as it
was when it was opened (sex, age, QPV, resources, how the person came), so that the yearly
bilan reads only sheets and never changes when a person's record is edited or anonymised."""

import unicodedata

from django.conf import settings
from django.db import models, transaction
from django.db.models import Count, Min, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, TruncDate
from django.db.models.lookups import IsNull

from mediation import perms
from mediation.enums import Role, Vocabulary

from .enums import ConsentMethod, RequestDomain, RequestStatus

MIN_BIRTH_YEAR = 1900
MAX_BIRTH_YEAR = 2100
# Ids per statement when requests follow their sheets' post (SQLite allows 32 766 parameters).
BATCH = 10_000
# The stored count of a sheet's requests in each status (Sheet.refresh_follow_up).
STATUS_COUNT_FIELDS = {
    RequestStatus.IN_PROGRESS: "open_request_count",
    RequestStatus.RESOLVED: "resolved_request_count",
    RequestStatus.UNRESOLVED: "unresolved_request_count",
}


def search_key(*parts):
    """Lower case, no accents, single spaces: how names are compared and searched."""
    text = " ".join(p for p in parts if p)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(text.lower().replace("-", " ").replace("'", " ").split())


def vocabulary_fk(vocabulary, verbose_name, **kwargs):
    return models.ForeignKey(
        "mediation.VocabularyItem",
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"vocabulary": vocabulary},
        verbose_name=verbose_name,
        null=True,
        blank=True,
        **kwargs,
    )


# ---------------------------------------------------------------- query sets


class BeneficiaryQuerySet(models.QuerySet):
    def for_user(self, user):
        """Only the staff of the person's structure see a person."""
        membership = perms.membership_of(user)
        if membership is None or membership.role not in (Role.MEDIATOR, Role.STRUCTURE_MANAGER):
            return self.none()
        return self.filter(structure_id=membership.structure_id)

    def search(self, text):
        """People whose name holds every word typed, in any order ("eleonore dupont" finds DUPONT Éléonore)."""
        queryset = self
        for word in search_key(text).split():
            queryset = queryset.filter(name_key__contains=word)
        return queryset

    def with_last_activity(self):
        """Annotate `last_activity_on` only: the latest sheet, or the day the record was created.
        Cheap enough to sort a whole structure by; the other counts are for a page of rows."""
        latest = Sheet.objects.filter(beneficiary=OuterRef("pk")).order_by("-opened_on").values("opened_on")[:1]
        return self.annotate(
            last_activity_on=Coalesce(Subquery(latest), TruncDate("created_at"), output_field=models.DateField())
        )

    def with_activity(self):
        """Annotate `sheet_count`, `open_request_count`, `last_sheet_on` (None without a sheet) and
        `last_activity_on` (the latest sheet, or the day the record was created), one subquery each."""
        sheets = Sheet.objects.filter(beneficiary=OuterRef("pk")).order_by()
        open_requests = SheetRequest.objects.open().filter(sheet__beneficiary=OuterRef("pk")).order_by()
        last_sheet_on = Subquery(sheets.order_by("-opened_on").values("opened_on")[:1])
        return self.annotate(
            sheet_count=Coalesce(Subquery(sheets.values("beneficiary").annotate(n=Count("pk")).values("n")), 0),
            open_request_count=Coalesce(
                Subquery(open_requests.values("sheet__beneficiary").annotate(n=Count("pk")).values("n")), 0
            ),
            last_sheet_on=last_sheet_on,
            last_activity_on=Coalesce(last_sheet_on, TruncDate("created_at"), output_field=models.DateField()),
        )


class SheetQuerySet(models.QuerySet):
    def update(self, **kwargs):
        """A bulk change of post carries the sheets' requests along (SheetRequest.post)."""
        if "post" not in kwargs and "post_id" not in kwargs:
            return super().update(**kwargs)
        post = kwargs.get("post", kwargs.get("post_id"))
        post_id = getattr(post, "pk", post)
        with transaction.atomic(using=self.db):
            ids = list(self.values_list("pk", flat=True))
            count = super().update(**kwargs)
            for start in range(0, len(ids), BATCH):
                SheetRequest.objects.filter(sheet_id__in=ids[start : start + BATCH]).exclude(post_id=post_id).update(
                    post_id=post_id
                )
        return count

    def bulk_update(self, objs, fields, batch_size=None):
        """Sheets moved to another post in bulk carry their requests along."""
        with transaction.atomic(using=self.db):
            count = super().bulk_update(objs, fields, batch_size=batch_size)
            if "post" in fields or "post_id" in fields:
                SheetRequest.objects.sync_post(sheet_ids=[o.pk for o in objs])
        return count

    def for_user(self, user):
        membership = perms.membership_of(user)
        if membership is None or membership.role not in (Role.MEDIATOR, Role.STRUCTURE_MANAGER):
            return self.none()
        return self.filter(beneficiary__structure_id=membership.structure_id)

    def for_year(self, year):
        return self.filter(opened_on__year=year)

    def in_caseload_of(self, user):
        """A mediator's own sheets; a structure manager's whole structure (apply after for_user)."""
        if perms.role_of(user) == Role.MEDIATOR:
            return self.filter(mediator=user)
        return self

    def by_next_follow_up(self):
        """The caseload's order: the next follow-up first (sheets without one last), then the
        latest opened. Follows the index sheet_mediator_follow_up, on both databases."""
        return self.order_by("-has_follow_up", "next_follow_up_on", "-opened_on", "-pk")

    def with_request_status(self, status):
        """Sheets holding at least one request in this status (the stored counts)."""
        return self.filter(**{f"{STATUS_COUNT_FIELDS[status]}__gt": 0})

    def refresh_follow_up(self, sheet_ids):
        """Store again on these sheets what the caseload sorts and filters on (the next follow-up
        of their requests in progress, their number of requests per status): one UPDATE with
        correlated subqueries per batch of ids, whatever wrote the requests."""
        ids = sorted({pk for pk in sheet_ids if pk is not None})
        requests = SheetRequest.objects.filter(sheet_id=OuterRef("pk")).order_by().values("sheet_id")
        in_progress = requests.filter(status=RequestStatus.IN_PROGRESS)
        # The flag repeats the minimum's subquery, which follows the index by sheet: an EXISTS
        # there made SQLite walk every request in progress once per sheet.
        next_follow_up = Subquery(in_progress.annotate(day=Min("follow_up_on")).values("day"))
        values = {"next_follow_up_on": next_follow_up, "has_follow_up": IsNull(next_follow_up, False)}
        for status, field in STATUS_COUNT_FIELDS.items():
            counted = requests.filter(status=status).annotate(n=Count("pk")).values("n")
            values[field] = Coalesce(Subquery(counted), 0)
        for start in range(0, len(ids), BATCH):
            Sheet.objects.filter(pk__in=ids[start : start + BATCH]).update(**values)


# The request fields the sheet's stored follow-up and counts are computed from.
FOLLOW_UP_SOURCES = {"status", "follow_up_on", "sheet", "sheet_id"}


class SheetRequestQuerySet(models.QuerySet):
    """Every bulk write of requests (create, update, delete) stores their sheets' follow-up and
    counts again; a path writing requests without the ORM (COPY, raw SQL) calls
    Sheet.objects.refresh_follow_up itself."""

    def bulk_create(self, objs, *args, **kwargs):
        """Requests created in bulk (imports, demo) take their sheet's post, as save() does."""
        objs = list(objs)
        missing = {o.sheet_id for o in objs if o.post_id is None and o.sheet_id is not None}
        cached = {o.sheet_id: o.sheet.post_id for o in objs if o.post_id is None and SheetRequest.sheet.is_cached(o)}
        missing -= set(cached)
        if missing:
            cached.update(Sheet.objects.filter(pk__in=missing).values_list("pk", "post_id"))
        for obj in objs:
            if obj.post_id is None:
                obj.post_id = cached.get(obj.sheet_id)
        with transaction.atomic(using=self.db):
            created = super().bulk_create(objs, *args, **kwargs)
            Sheet.objects.refresh_follow_up(o.sheet_id for o in objs)
        return created

    def bulk_update(self, objs, fields, batch_size=None):
        """Their sheets' stored follow-up and counts follow (Sheet.refresh_follow_up)."""
        objs = list(objs)
        with transaction.atomic(using=self.db):
            count = super().bulk_update(objs, fields, batch_size=batch_size)
            if set(fields) & FOLLOW_UP_SOURCES:
                Sheet.objects.refresh_follow_up(o.sheet_id for o in objs)
        return count

    def update(self, **kwargs):
        """Requests changed in bulk: their sheets' stored follow-up and counts follow."""
        if not set(kwargs) & FOLLOW_UP_SOURCES:
            return super().update(**kwargs)
        with transaction.atomic(using=self.db):
            sheet_ids = set(self.values_list("sheet_id", flat=True))
            count = super().update(**kwargs)
            moved_to = kwargs.get("sheet_id", kwargs.get("sheet"))
            if moved_to is not None:
                sheet_ids.add(getattr(moved_to, "pk", moved_to))
            Sheet.objects.refresh_follow_up(sheet_ids)
        return count

    def delete(self):
        with transaction.atomic(using=self.db):
            sheet_ids = set(self.values_list("sheet_id", flat=True))
            deleted = super().delete()
            Sheet.objects.refresh_follow_up(sheet_ids)
        return deleted

    delete.alters_data = True

    def sync_post(self, *, sheet_ids):
        """Give the requests of these sheets their sheet's current post, in one statement per batch."""
        ids = list(sheet_ids)
        for start in range(0, len(ids), BATCH):
            post = Sheet.objects.filter(pk=OuterRef("sheet_id")).values("post_id")[:1]
            self.filter(sheet_id__in=ids[start : start + BATCH]).update(post_id=Subquery(post))

    def for_user(self, user):
        membership = perms.membership_of(user)
        if membership is None or membership.role not in (Role.MEDIATOR, Role.STRUCTURE_MANAGER):
            return self.none()
        return self.filter(sheet__beneficiary__structure_id=membership.structure_id)

    def open(self):
        return self.filter(status=RequestStatus.IN_PROGRESS)

    def follow_up_due(self, day):
        return self.open().filter(follow_up_on__lte=day)

    def in_caseload_of(self, user):
        """Requests of a mediator's own sheets; a structure manager's whole structure."""
        if perms.role_of(user) == Role.MEDIATOR:
            return self.filter(sheet__mediator=user)
        return self


# ---------------------------------------------------------------- models


class Beneficiary(models.Model):
    structure = models.ForeignKey(
        "mediation.Structure", on_delete=models.PROTECT, related_name="beneficiaries", verbose_name="structure"
    )
    referent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="caseload",
        verbose_name="médiateur·rice référent·e",
    )
    last_name = models.CharField("nom", max_length=150)
    first_name = models.CharField("prénom", max_length=150)
    name_key = models.CharField(max_length=310, editable=False, db_index=True)
    # Keys that bring probable duplicates in as candidates (accompaniments.duplicates).
    last_name_sound = models.CharField(max_length=20, editable=False, blank=True)
    first_name_sound = models.CharField(max_length=20, editable=False, blank=True)
    phone_key = models.CharField(max_length=15, editable=False, blank=True)
    birth_date = models.DateField("date de naissance", null=True, blank=True)
    birth_year = models.PositiveSmallIntegerField(
        "année de naissance", null=True, blank=True, help_text="À défaut de date de naissance."
    )
    sex = vocabulary_fk(Vocabulary.SEX, "sexe")
    phone = models.CharField("téléphone", max_length=30, blank=True)
    email = models.EmailField("adresse e-mail", blank=True)
    address = models.CharField("adresse", max_length=300, blank=True)
    commune = models.ForeignKey(
        "mediation.Commune", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="commune"
    )
    lives_in_qpv = models.BooleanField("habite en QPV", null=True, blank=True)
    qpv = models.ForeignKey(
        "mediation.Qpv", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="QPV"
    )
    resources = vocabulary_fk(Vocabulary.RESOURCES, "ressources principales")
    came_via = vocabulary_fk(Vocabulary.CAME_VIA, "comment la personne a connu le médiateur")
    consent_on = models.DateField("consentement recueilli le", null=True, blank=True)
    consent_method = models.CharField(
        "consentement recueilli", max_length=20, choices=ConsentMethod.choices, blank=True
    )
    notes = models.TextField("notes", blank=True)
    external_id = models.CharField("identifiant externe", max_length=100, blank=True, db_index=True)
    anonymised_at = models.DateTimeField("anonymisé le", null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    # Drawn when the creation form is shown: the same form sent twice creates one person.
    submission_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    objects = BeneficiaryQuerySet.as_manager()

    class Meta:
        verbose_name = "personne accompagnée"
        verbose_name_plural = "personnes accompagnées"
        ordering = ["last_name", "first_name"]
        indexes = [
            models.Index(fields=["structure", "name_key"], name="beneficiary_structure_name"),
            models.Index(fields=["structure", "last_name_sound"], name="beneficiary_last_name_sound"),
            models.Index(fields=["structure", "first_name_sound"], name="beneficiary_first_name_sound"),
            models.Index(fields=["structure", "phone_key"], name="beneficiary_phone_key"),
            models.Index(fields=["structure", "birth_date"], name="beneficiary_birth_date"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(birth_year__isnull=True)
                | Q(birth_year__gte=MIN_BIRTH_YEAR, birth_year__lte=MAX_BIRTH_YEAR),
                name="beneficiary_birth_year_range",
                violation_error_message="L'année de naissance n'est pas plausible.",
            ),
            models.UniqueConstraint(
                fields=["structure", "external_id"],
                condition=~Q(external_id=""),
                name="beneficiary_external_id_unique",
                violation_error_message="Cet identifiant externe est déjà utilisé dans la structure.",
            ),
        ]

    def __str__(self):
        return f"{self.last_name.upper()} {self.first_name}"

    def save(self, *args, **kwargs):
        self.name_key = search_key(self.last_name, self.first_name)
        self.fill_duplicate_keys()
        if self.birth_date:
            self.birth_year = self.birth_date.year
        super().save(*args, **kwargs)

    def fill_duplicate_keys(self):
        from .duplicates import name_sound, phone_key

        self.last_name_sound = name_sound(self.last_name)
        self.first_name_sound = name_sound(self.first_name)
        self.phone_key = phone_key(self.phone)

    def age_on(self, day):
        if self.birth_date:
            return (
                day.year - self.birth_date.year - ((day.month, day.day) < (self.birth_date.month, self.birth_date.day))
            )
        if self.birth_year:
            return day.year - self.birth_year
        return None


class DistinctPair(models.Model):
    """Two records a structure manager checked: two different people, not offered again as
    probable duplicates. `first` is the record with the smaller id."""

    first = models.ForeignKey(Beneficiary, on_delete=models.CASCADE, related_name="+", verbose_name="première personne")
    second = models.ForeignKey(Beneficiary, on_delete=models.CASCADE, related_name="+", verbose_name="seconde personne")
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="vérifié par"
    )
    marked_at = models.DateTimeField("vérifié le", auto_now_add=True)

    class Meta:
        verbose_name = "paire de personnes distinctes"
        verbose_name_plural = "paires de personnes distinctes"
        constraints = [
            models.UniqueConstraint(
                fields=["first", "second"],
                name="distinct_pair_unique",
                violation_error_message="Ces deux personnes sont déjà marquées comme différentes.",
            ),
            models.CheckConstraint(
                condition=Q(first__lt=models.F("second")),
                name="distinct_pair_ordered",
                violation_error_message="Une paire associe deux fiches différentes, la plus ancienne en premier.",
            ),
        ]

    def __str__(self):
        return f"Fiches n° {self.first_id} et {self.second_id}"


class Sheet(models.Model):
    """One accompaniment of one person by one mediator on one post."""

    beneficiary = models.ForeignKey(
        Beneficiary, on_delete=models.PROTECT, related_name="sheets", verbose_name="personne accompagnée"
    )
    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sheets", verbose_name="médiateur·rice"
    )
    post = models.ForeignKey(
        "mediation.Post",
        on_delete=models.PROTECT,
        related_name="sheets",
        verbose_name="poste",
        help_text="Le département de la fiche est celui de ce poste.",
    )
    opened_on = models.DateField("ouverte le")
    contact_mode = vocabulary_fk(Vocabulary.CONTACT_MODE, "mode de contact")
    # The person's situation when the sheet was opened, kept as it was.
    sex = vocabulary_fk(Vocabulary.SEX, "sexe")
    age = models.PositiveSmallIntegerField("âge à l'ouverture", null=True, blank=True)
    lives_in_qpv = models.BooleanField("habite en QPV", null=True, blank=True)
    qpv = models.ForeignKey(
        "mediation.Qpv", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="QPV"
    )
    resources = vocabulary_fk(Vocabulary.RESOURCES, "ressources")
    came_via = vocabulary_fk(Vocabulary.CAME_VIA, "comment la personne a connu le médiateur")
    barriers = models.ManyToManyField(
        "mediation.VocabularyItem",
        blank=True,
        related_name="+",
        limit_choices_to={"vocabulary": Vocabulary.CARE_BARRIER},
        verbose_name="freins rencontrés",
    )
    notes = models.TextField("notes", blank=True)
    submission_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)
    # What the caseload sorts and filters on, stored from the sheet's requests so that its pages
    # read one index instead of every request of the caseload: kept in step by every write of
    # requests (SheetRequest.save and delete, SheetRequestQuerySet's bulk writes), through
    # SheetQuerySet.refresh_follow_up.
    next_follow_up_on = models.DateField(
        "prochaine relance", null=True, blank=True, editable=False, help_text="La plus proche des demandes en cours."
    )
    has_follow_up = models.BooleanField("relance prévue", default=False, editable=False)
    open_request_count = models.PositiveIntegerField("demandes en cours", default=0, editable=False)
    resolved_request_count = models.PositiveIntegerField("demandes résolues", default=0, editable=False)
    unresolved_request_count = models.PositiveIntegerField("demandes non résolues", default=0, editable=False)

    objects = SheetQuerySet.as_manager()

    class Meta:
        verbose_name = "fiche d'accompagnement"
        verbose_name_plural = "fiches d'accompagnement"
        ordering = ["-opened_on", "-pk"]
        indexes = [
            models.Index(fields=["opened_on"], name="sheet_opened_on"),
            models.Index(fields=["post", "opened_on"], name="sheet_post_opened_on"),
            # « Mes accompagnements » in its order (SheetQuerySet.by_next_follow_up), and its
            # « relance due » filter as a range of it.
            models.Index(
                fields=["mediator", "-has_follow_up", "next_follow_up_on", "-opened_on", "-id"],
                name="sheet_mediator_follow_up",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(age__isnull=True) | Q(age__lte=130),
                name="sheet_age_plausible",
                violation_error_message="L'âge n'est pas plausible.",
            ),
        ]

    def __str__(self):
        return f"Fiche du {self.opened_on:%d/%m/%Y}"

    def save(self, *args, **kwargs):
        """Saved with another post, the sheet's requests follow it (SheetRequest.post)."""
        update_fields = kwargs.get("update_fields")
        moved = (
            self.pk is not None
            and getattr(self, "_stored_post_id", None) != self.post_id
            and (update_fields is None or "post" in update_fields or "post_id" in update_fields)
        )
        with transaction.atomic(using=kwargs.get("using")):
            super().save(*args, **kwargs)
            if moved:
                self.requests.exclude(post_id=self.post_id).update(post_id=self.post_id)
        self._stored_post_id = self.post_id

    @classmethod
    def from_db(cls, db, field_names, values):
        sheet = super().from_db(db, field_names, values)
        sheet._stored_post_id = sheet.__dict__.get("post_id")
        return sheet


class SheetRequest(models.Model):
    """A request for rights or care within a sheet, and its outcome."""

    sheet = models.ForeignKey(Sheet, on_delete=models.CASCADE, related_name="requests", verbose_name="fiche")
    domain = models.CharField("domaine", max_length=10, choices=RequestDomain.choices)
    kind = models.ForeignKey(
        "mediation.VocabularyItem",
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"vocabulary__in": [Vocabulary.RIGHTS_REQUEST, Vocabulary.CARE_REQUEST]},
        verbose_name="type de demande",
    )
    status = models.CharField("état", max_length=12, choices=RequestStatus.choices, default=RequestStatus.IN_PROGRESS)
    opened_on = models.DateField("ouverte le")
    closed_on = models.DateField("close le", null=True, blank=True)
    # Imported from an old tool that kept the outcome of a request, not the day of it: closed_on
    # is then its opening day, so that the bilan counts it closed within its year.
    closed_on_unknown = models.BooleanField("date de clôture inconnue", default=False, editable=False)
    follow_up_on = models.DateField("à relancer le", null=True, blank=True)
    note = models.CharField("note", max_length=500, blank=True)
    # The sheet's post, copied so that the bilan reads a year's requests from one index without
    # joining every sheet of every year; kept in step by Sheet.save, SheetQuerySet.update and
    # bulk_update, and filled by save() and bulk_create from the sheet.
    post = models.ForeignKey(
        "mediation.Post", on_delete=models.PROTECT, related_name="+", verbose_name="poste", editable=False
    )

    objects = SheetRequestQuerySet.as_manager()

    class Meta:
        verbose_name = "demande"
        ordering = ["opened_on", "pk"]
        indexes = [
            models.Index(fields=["status", "follow_up_on"], name="request_status_follow_up"),
            # Covering on PostgreSQL (an index-only scan serves the bilan's requests query); a
            # plain composite index on SQLite, which has no INCLUDE.
            models.Index(
                fields=["post", "opened_on"],
                include=["kind", "status", "closed_on"],
                name="request_post_opened_on",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=models.F("opened_on")),
                name="request_closed_after_opened",
                violation_error_message="La date de clôture ne peut précéder l'ouverture.",
            ),
            models.CheckConstraint(
                condition=Q(status="in_progress", closed_on__isnull=True)
                | (~Q(status="in_progress") & Q(closed_on__isnull=False)),
                name="request_closed_iff_done",
                violation_error_message=(
                    "Une demande résolue ou non résolue a une date de clôture ; une demande en cours n'en a pas."
                ),
            ),
            models.CheckConstraint(
                condition=Q(closed_on_unknown=False) | (~Q(status="in_progress") & Q(closed_on=models.F("opened_on"))),
                name="request_unknown_closing_on_opening",
                violation_error_message=(
                    "Une demande close à une date inconnue est résolue ou non résolue, close le jour de son ouverture."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.get_domain_display()} — {self.kind}"

    def save(self, *args, **kwargs):
        """Saved, the request's sheet stores again its next follow-up and counts (and the sheet
        it left, if it moved)."""
        if self.post_id is None and self.sheet_id is not None:
            self.post_id = self.sheet.post_id
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = [*kwargs["update_fields"], "post"]
        with transaction.atomic(using=kwargs.get("using")):
            super().save(*args, **kwargs)
            Sheet.objects.refresh_follow_up([self.sheet_id, getattr(self, "_stored_sheet_id", None)])
        self._stored_sheet_id = self.sheet_id

    def delete(self, *args, **kwargs):
        sheet_id = self.sheet_id
        with transaction.atomic(using=kwargs.get("using")):
            deleted = super().delete(*args, **kwargs)
            Sheet.objects.refresh_follow_up([sheet_id])
        return deleted

    @classmethod
    def from_db(cls, db, field_names, values):
        request = super().from_db(db, field_names, values)
        request._stored_sheet_id = request.__dict__.get("sheet_id")
        return request

    def resolve(self, *, on, resolved=True):
        self.status = RequestStatus.RESOLVED if resolved else RequestStatus.UNRESOLVED
        self.closed_on = on
        self.closed_on_unknown = False
        self.follow_up_on = None
        self.save(update_fields=["status", "closed_on", "closed_on_unknown", "follow_up_on"])


class Contact(models.Model):
    """One meeting, call or visit within an accompaniment."""

    sheet = models.ForeignKey(Sheet, on_delete=models.CASCADE, related_name="contacts", verbose_name="fiche")
    date = models.DateField("date")
    mode = vocabulary_fk(Vocabulary.CONTACT_MODE, "mode")
    minutes = models.PositiveSmallIntegerField("durée (minutes)", null=True, blank=True)
    note = models.CharField("note", max_length=500, blank=True)
    # Drawn when the form is shown: the same form sent twice adds one contact.
    submission_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = "contact"
        ordering = ["date", "pk"]

    def __str__(self):
        return f"Contact du {self.date:%d/%m/%Y}"


class RetentionNotice(models.Model):
    """The structure's managers were told on `warned_on` that this person, without activity,
    would be anonymised RETENTION_WARNING_DAYS later (accompaniments.personal_data)."""

    beneficiary = models.ForeignKey(
        Beneficiary, on_delete=models.CASCADE, related_name="retention_notices", verbose_name="personne accompagnée"
    )
    warned_on = models.DateField("prévenu le")
    last_activity_on = models.DateField("dernière activité le")

    class Meta:
        verbose_name = "avertissement avant anonymisation"
        verbose_name_plural = "avertissements avant anonymisation"
        ordering = ["-warned_on", "pk"]
        indexes = [models.Index(fields=["beneficiary", "warned_on"], name="retention_notice_person_day")]

    def __str__(self):
        return f"Avertissement du {self.warned_on:%d/%m/%Y}"


class AuditedRecord(models.Model):
    """A record named by an audit entry written for a whole import at once (one entry per model
    and action, accompaniments.audit.log_batch): the person's journal finds the entry by it."""

    entry = models.ForeignKey("auditlog.LogEntry", on_delete=models.CASCADE, related_name="+", verbose_name="entrée")
    object_id = models.BigIntegerField("identifiant")

    class Meta:
        verbose_name = "enregistrement d'un import journalisé"
        verbose_name_plural = "enregistrements d'imports journalisés"
        indexes = [models.Index(fields=["object_id"], name="audited_record_object")]

    def __str__(self):
        return f"n° {self.object_id}"
