"""django-import-export resources of the core's reference imports: communes, QPV, structures,
posts register (with their holders, holders.py); the base of every resource (ScopedResource) and
its widgets, which the apps' resources use too (partners/imports.py). The historical sheets use a
bulk path of their own (accompaniments/imports.py), which reads several models from each row.

Every resource states its options rather than relying on the library's defaults (ScopedResource):
no transaction of its own (the caller's, around the whole file, keeps it all or nothing),
unchanged rows skipped and reported, model validation (the French messages of the fields; the
posts' date constraint is checked on the row), no diff, writes in bulk. Rows are found by a
natural key (INSEE code, QPV code, structure name + commune, post code, partner name +
department), so that importing the same file twice changes nothing. A coordinator may only touch
rows of her departments: a row elsewhere is an error on the column that places it."""

import datetime
from collections import Counter

from django.core.exceptions import ValidationError
from django.db.models import Max
from import_export import fields, resources, widgets

from mediation.enums import Funding, PostType, Role, StructureKind
from mediation.models import Commune, FormerCommuneCode, Post, PostHolding, Qpv, Structure, User

from . import values
from .holders import write_holders
from .lookups import Lookups, chunks, codes, column
from .report import Column
from .values import CellError

BATCH_SIZE = 1000
YEAR_MIN, YEAR_MAX = 1990, 2100  # the years a posts register may be of

OUT_OF_SCOPE = "Ce département n'est pas dans votre périmètre."

# What a row was accepted with, and the rule that decided it: (said by the dry run, once imported).
WARNINGS = {
    "no_funding": (
        "poste(s) sans financement : importé(s) avec le financement « non renseigné »",
        "poste(s) importé(s) sans financement (« non renseigné »)",
    ),
    "start_from_year": (
        "poste(s) nouveau(x) sans date de début : ouvert(s) au 1er janvier de l'année du registre (colonne annee)",
        "poste(s) nouveau(x) sans date de début ouvert(s) au 1er janvier de l'année du registre",
    ),
    "start_kept": (
        "poste(s) déjà connu(s) sans date de début : leur début enregistré est gardé",
        "poste(s) déjà connu(s) sans date de début : début enregistré gardé",
    ),
    "commune_by_name": (
        "structure(s) dont la commune est donnée par son nom : reconnue(s) par nom et département",
        "structure(s) dont la commune était donnée par son nom, reconnue(s) par nom et département",
    ),
}

POST_TYPES = values.enum_choices(PostType, name="type de poste", aliases={"quartier prioritaire": PostType.QPV})
FUNDINGS = values.enum_choices(
    Funding,
    name="financement",
    aliases={
        "ARS et préfecture": Funding.ARS_PREFECTURE,
        "ARS / préfecture": Funding.ARS_PREFECTURE,
        "ARS + préfecture": Funding.ARS_PREFECTURE,
        "ARS-préfecture": Funding.ARS_PREFECTURE,
        "Préfecture": Funding.PREFECTURE,
        "Adulte-relais": Funding.PREFECTURE,
    },
)
STRUCTURE_KINDS = values.enum_choices(
    StructureKind,
    name="type de structure",
    aliases={
        "Centre communal d'action sociale": StructureKind.CCAS,
        "Maison de santé": StructureKind.HEALTH_CENTRE,
        "Centre de santé": StructureKind.HEALTH_CENTRE,
        "MSP": StructureKind.HEALTH_CENTRE,
    },
)


# ---------------------------------------------------------------- widgets


class CellWidget(widgets.Widget):
    """A widget reading one cell with a reader of values.py (French errors)."""

    def __init__(self, reader, **options):
        super().__init__()
        self.reader = reader
        self.options = options

    def clean(self, value, row=None, **kwargs):
        return self.reader(value, **self.options)

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class LookupWidget(widgets.Widget):
    """A widget reading a reference (a department, a commune) from the import's Lookups, which
    the resource hands it before the first row (Resource copies its fields for each instance)."""

    lookups = None


class DepartmentWidget(LookupWidget):
    def clean(self, value, row=None, **kwargs):
        return self.lookups.department(value)


class CommuneWidget(LookupWidget):
    def __init__(self, *, required=True):
        super().__init__()
        self.required = required

    def clean(self, value, row=None, **kwargs):
        return self.lookups.commune(value, required=self.required)


class VocabularyWidget(widgets.Widget):
    """One value of a closed list (VocabularyItem), by code or label."""

    def __init__(self, vocabulary, *, name, required=False):
        super().__init__()
        self.vocabulary, self.name, self.required = vocabulary, name, required
        self._choices = None

    @property
    def choices(self):
        if self._choices is None:
            self._choices = values.vocabulary_choices(self.vocabulary, name=self.name)
        return self._choices

    def clean(self, value, row=None, **kwargs):
        return self.choices(value, required=self.required)


class VocabularyListWidget(widgets.ManyToManyWidget):
    """Several values of a closed list, separated by semicolons."""

    def __init__(self, vocabulary, *, name):
        from mediation.models import VocabularyItem

        super().__init__(VocabularyItem)
        self.single = VocabularyWidget(vocabulary, name=name)

    def clean(self, value, row=None, **kwargs):
        return self.single.choices.many(value)

    def render(self, value, obj=None, **kwargs):
        return " ; ".join(item.label for item in value.all()) if value is not None else ""


class CommuneListWidget(widgets.ManyToManyWidget):
    """INSEE codes separated by commas, semicolons or spaces; every one must be known."""

    lookups = None

    def __init__(self):
        super().__init__(Commune, field="insee_code")

    def clean(self, value, row=None, **kwargs):
        return self.lookups.commune_list(value)


# ---------------------------------------------------------------- base


class ScopedResource(resources.ModelResource):
    """A resource run by `user` over `allowed_department_ids` (None: every department).
    `key_columns` name the columns of the natural key: a key seen twice in a file is an error.

    No query runs row by row: `preload` reads what the file names (its references, its existing
    records by natural key) before the first row, and the rows are written in bulk by batches of
    BATCH_SIZE, their many-to-many values too (`use_bulk`; the caller's transaction, not a
    savepoint per row, keeps the import all or nothing), and import-export's diffs are not
    computed (the reports never show them). Model validation runs on each row without the
    queries it would make for what the lookups already checked: the relations (found by the
    lookups), the unique fields (the natural key, found by `find_existing`, and never twice in a
    file)."""

    key_columns = ()
    trusted_relations = ()  # foreign keys set from the lookups: existing rows
    bulk_update_fields = ()  # the model fields written when a row changes

    class Meta:
        use_transactions = False  # the caller's transaction spans the whole file
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        skip_diff = True  # skip_row below compares with what get_instance noted, without a deep copy
        skip_html_diff = True
        use_bulk = True
        batch_size = BATCH_SIZE
        store_instance = False
        force_init_instance = False

    def __init__(self, *, user, allowed_department_ids=None, dry_run=False):
        super().__init__()
        self.user = user
        self.dry_run = dry_run  # the caller rolls the transaction back: see PostResource
        self.allowed = None if allowed_department_ids is None else set(allowed_department_ids)
        self.notes = Counter()
        self.warnings = Counter()  # rules that accepted a row as it was, said by warning_lines
        self.seen_keys = {}
        self.lines = []  # the spreadsheet's row number of each dataset row (set by the caller)
        self.lookups = None
        self.existing = {}  # natural key -> stored instance

    def warning_lines(self, *, dry_run):
        """The warnings of the rows read so far, in French: each rule that accepted a row as
        the region wrote it, with its number of rows (WARNINGS: said by the dry run, said once
        imported)."""
        lines = [
            f"{self.warnings[name]} {said[0 if dry_run else 1]}"
            for name, said in WARNINGS.items()
            if self.warnings[name]
        ]
        # A former code of a merged commune is read as its current commune (Lookups.commune).
        return lines + (self.lookups.former_code_lines() if self.lookups is not None else [])

    def prepare(self, dataset):
        """Read what the rows of the whole file look up, before its first chunk."""
        self.lookups = Lookups()
        for field in self.fields.values():
            if isinstance(field.widget, LookupWidget | CommuneListWidget):
                field.widget.lookups = self.lookups
        self.preload(dataset)

    def before_import(self, dataset, **kwargs):
        if self.lookups is None:
            self.prepare(dataset)

    def after_import(self, dataset, result, **kwargs):
        """Nothing: import-export would reset the tables' sequences after each chunk, which
        PostgreSQL does outside the transaction (the rows never bring their own ids)."""

    def preload(self, dataset):
        """Read what the rows of `dataset` will look up (see Lookups)."""

    def line_of(self, row_number):
        """The spreadsheet row number of the dataset's row `row_number` (1-based)."""
        if row_number and row_number <= len(self.lines):
            return self.lines[row_number - 1]
        return row_number

    def column_of(self, attribute):
        for field in self.fields.values():
            if field.attribute == attribute:
                return field.column_name
        return attribute

    def in_scope(self, department):
        return self.allowed is None or (department is not None and department.pk in self.allowed)

    def read(self, errors, column, reader, row, **options):
        """A cell read with `reader`; a CellError is kept in `errors` under the column."""
        try:
            return reader(row.get(column), **options)
        except CellError as error:
            errors[column] = str(error)
            return None

    def check_duplicate(self, row, errors, **kwargs):
        if not self.key_columns or errors:
            return
        key = tuple(values.normalise(row.get(c) or "") for c in self.key_columns)
        line = self.line_of(kwargs.get("row_number"))
        if key in self.seen_keys:
            errors[self.key_columns[0]] = f"Cette ligne répète la ligne {self.seen_keys[key]}."
        else:
            self.seen_keys[key] = line

    def get_instance(self, instance_loader, row):
        """The stored record of the row, whose values are noted for skip_row."""
        instance = self.find_existing(row)
        self.stored = None
        if instance is not None:
            self.stored = {
                field.attribute: field.get_value(instance)
                for field in self.get_import_fields()
                if not isinstance(field.widget, widgets.ManyToManyWidget)
            }
        return instance

    def skip_row(self, instance, original, row, import_validation_errors=None):
        """True for a stored record the row leaves as it is (import-export's own comparison
        needs a deep copy of every record and a query for each of its many-to-many fields; the
        stored many-to-many values are those prefetched, not yet changed at this point)."""
        if instance.pk is None or self.stored is None or import_validation_errors:
            return False
        for field in self.get_import_fields():
            if not isinstance(field.widget, widgets.ManyToManyWidget):
                if field.get_value(instance) != self.stored[field.attribute]:
                    return False
            elif field.column_name in row:
                stored = sorted(item.pk for item in field.get_value(instance).all())
                if sorted(item.pk for item in field.clean(row)) != stored:
                    return False
        return True

    def find_existing(self, row):
        raise NotImplementedError

    # ------------------------------------------------------------ validation and bulk writes

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        trusted = [name for name in self.trusted_relations if getattr(instance, f"{name}_id", None) is not None]
        try:
            instance.full_clean(exclude=[*errors, *trusted], validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def save_m2m(self, instance, row, **kwargs):
        """Keep the row's many-to-many values on the instance, written after it in bulk."""
        instance.import_m2m = {
            field.attribute: list(field.clean(row))
            for field in self.get_import_fields()
            if isinstance(field.widget, widgets.ManyToManyWidget) and field.column_name in row
        }

    def get_bulk_update_fields(self):
        return list(self.bulk_update_fields)

    def bulk_create(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        instances = list(self.create_instances)
        super().bulk_create(using_transactions, dry_run, raise_errors, batch_size=batch_size, result=result)
        self.after_bulk_save(instances, created=True)

    def bulk_update(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        instances = list(self.update_instances)
        super().bulk_update(using_transactions, dry_run, raise_errors, batch_size=batch_size, result=result)
        self.after_bulk_save(instances, created=False)

    def after_bulk_save(self, instances, *, created):
        """Write the many-to-many values of `instances` once they are saved: the links of the
        updated ones replaced, in one delete and one insert per relation."""
        instances = [instance for instance in instances if instance.pk is not None]
        for field in self._meta.model._meta.many_to_many:
            changed = [instance for instance in instances if field.name in getattr(instance, "import_m2m", {})]
            if not changed:
                continue
            through = field.remote_field.through
            source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
            if not created:
                for chunk in chunks(instance.pk for instance in changed):
                    through.objects.filter(**{f"{source}__in": chunk}).delete()
            through.objects.bulk_create(
                [
                    through(**{f"{source}_id": instance.pk, f"{target}_id": item.pk})
                    for instance in changed
                    for item in instance.import_m2m[field.name]
                ],
                batch_size=BATCH_SIZE,
            )


# ---------------------------------------------------------------- communes and QPV


def _by(queryset, field, keys):
    """The rows of `queryset` whose `field` is one of `keys`, by that field, in a few queries."""
    found = {}
    for chunk in chunks(keys):
        for instance in queryset.filter(**{f"{field}__in": chunk}):
            found[getattr(instance, field)] = instance
    return found


class CommuneResource(ScopedResource):
    insee_code = fields.Field("insee_code", "code_insee", CellWidget(values.insee_code))
    name = fields.Field("name", "nom", CellWidget(values.text, required=True, max_length=150))
    department = fields.Field("department", "departement", DepartmentWidget())
    key_columns = ("code_insee",)
    trusted_relations = ("department",)
    bulk_update_fields = ("name", "department")
    columns = (
        Column("code_insee", "Code INSEE", True, "5 caractères, par exemple 59350.", ("code_commune", "insee")),
        Column("nom", "Nom de la commune", True, aliases=("commune",)),
        Column("departement", "Département", True, "Code du département, par exemple 59."),
    )

    class Meta:
        model = Commune
        fields = ("insee_code", "name", "department")
        import_id_fields = ("insee_code",)

    def preload(self, dataset):
        codes_ = column(dataset, "code_insee", values.insee_code)
        self.existing = _by(Commune.objects.select_related("department"), "insee_code", codes_)
        self.former = _by(FormerCommuneCode.objects.select_related("commune"), "code", set(codes_) - set(self.existing))

    def skip_row(self, instance, original, row, import_validation_errors=None):
        """A former code of a merged commune is not a commune of its own: the row is left out and
        the dry run says which current commune the code now belongs to."""
        try:
            code = values.insee_code(row.get("code_insee"))
        except CellError:
            code = None
        if instance.pk is None and code in self.former:
            former = self.former[code]
            self.lookups.former_used[code] = (former.name, former.commune)
            return True
        return super().skip_row(instance, original, row, import_validation_errors)

    def before_import_row(self, row, **kwargs):
        errors = {}
        department = self.read(errors, "departement", self.lookups.department, row)
        if department is not None and not self.in_scope(department):
            errors["departement"] = OUT_OF_SCOPE
        code = self.read(errors, "code_insee", values.insee_code, row)
        existing = self.existing.get(code) if code else None
        if existing and not self.in_scope(existing.department):
            errors["code_insee"] = "Cette commune appartient à un département hors de votre périmètre."
        self.check_duplicate(row, errors, **kwargs)
        if errors:
            raise ValidationError(errors)

    def find_existing(self, row):
        return self.existing.get(values.insee_code(row.get("code_insee")))


class QpvResource(ScopedResource):
    code = fields.Field("code", "code_qpv", CellWidget(values.text, required=True, max_length=12))
    name = fields.Field("name", "nom", CellWidget(values.text, required=True, max_length=200))
    department = fields.Field("department", "departement", DepartmentWidget())
    communes = fields.Field("communes", "communes", CommuneListWidget())
    key_columns = ("code_qpv",)
    trusted_relations = ("department",)
    bulk_update_fields = ("name", "department")
    columns = (
        Column("code_qpv", "Code du QPV", True, "Code national, par exemple QN05901M.", ("code",)),
        Column("nom", "Nom du quartier", True, aliases=("quartier",)),
        Column("departement", "Département", True, "Code du département, par exemple 59."),
        Column(
            "communes",
            "Communes du quartier",
            help="Codes INSEE séparés par des points-virgules ; les communes doivent être connues.",
            aliases=("codes_insee",),
        ),
    )

    class Meta:
        model = Qpv
        fields = ("code", "name", "department", "communes")
        import_id_fields = ("code",)

    def preload(self, dataset):
        stored = Qpv.objects.select_related("department").prefetch_related("communes")
        self.existing = _by(stored, "code", column(dataset, "code_qpv", values.text))
        if "communes" in (dataset.headers or []):
            listed = []
            for value in dataset["communes"]:
                try:
                    listed.extend(codes(value))
                except CellError:
                    continue
            self.lookups.load_communes(listed)

    def before_import_row(self, row, **kwargs):
        errors = {}
        department = self.read(errors, "departement", self.lookups.department, row)
        if department is not None and not self.in_scope(department):
            errors["departement"] = OUT_OF_SCOPE
        code = self.read(errors, "code_qpv", values.text, row, required=True)
        existing = self.existing.get(code) if code else None
        if existing and not self.in_scope(existing.department):
            errors["code_qpv"] = "Ce QPV appartient à un département hors de votre périmètre."
        if "communes" in row:
            self.read(errors, "communes", self.fields["communes"].widget.clean, row)
        self.check_duplicate(row, errors, **kwargs)
        if errors:
            raise ValidationError(errors)

    def find_existing(self, row):
        return self.existing.get(values.text(row.get("code_qpv")))


# ---------------------------------------------------------------- structures


class StructureResource(ScopedResource):
    name = fields.Field("name", "nom", CellWidget(values.name, required=True, max_length=200))
    commune = fields.Field("commune", "commune", CommuneWidget())
    kind = fields.Field("kind", "type", CellWidget(STRUCTURE_KINDS, required=True))
    is_active = fields.Field("is_active", "active", CellWidget(values.yes_no, required=True))
    key_columns = ("nom", "commune")
    trusted_relations = ("commune",)
    bulk_update_fields = ("name", "kind", "is_active")
    columns = (
        Column("nom", "Nom de la structure", True, aliases=("structure",)),
        Column(
            "commune",
            "Commune",
            True,
            "Code INSEE de la commune du siège, ou son nom (avec le département).",
            ("code_insee", "commune_insee", "nom_commune"),
        ),
        Column("type", "Type de structure", True, " · ".join(StructureKind.labels), ("type_structure",)),
        Column("active", "Active", help="oui · non ; oui par défaut."),
        Column(
            "departement",
            "Département de la commune",
            help="Code du département, pour une commune donnée par son nom.",
            aliases=("dept",),
        ),
    )

    class Meta:
        model = Structure
        fields = ("name", "commune", "kind", "is_active")
        import_id_fields = ("name", "commune")

    def preload(self, dataset):
        self.lookups.load_communes(column(dataset, "commune", values.insee_code))
        named = [
            index
            for index, value in enumerate(dataset["commune"] if "commune" in (dataset.headers or []) else [])
            if not values.is_empty(value) and not values.looks_like_insee_code(value)
        ]
        if named:
            departments = (
                column(dataset, "departement", self.lookups.department) if "departement" in dataset.headers else []
            )
            unplaced = len(departments) < len(named)
            self.lookups.load_commune_names(None if unplaced else set(departments))
        self.lookups.load_structures(self.lookups.communes.values())

    def commune_of(self, row, errors):
        """The row's commune, by INSEE code or by name (and department), written back into the
        row as its code for the field, the key and the stored structures."""
        value = row.get("commune")
        if values.is_empty(value) or values.looks_like_insee_code(value):
            return self.read(errors, "commune", self.lookups.commune, row)
        department = None
        if not values.is_empty(row.get("departement")):
            department = self.read(errors, "departement", self.lookups.department, row)
            if department is None:
                return None
        commune = self.read(errors, "commune", self.lookups.commune_by_name, row, department=department)
        if commune is not None:
            row["commune"] = commune.insee_code
            self.warnings["commune_by_name"] += 1
        return commune

    def before_import_row(self, row, **kwargs):
        errors = {}
        commune = self.commune_of(row, errors)
        if commune is not None and not self.in_scope(commune.department):
            errors["commune"] = "Cette commune est dans un département hors de votre périmètre."
        if "active" in row and values.is_empty(row.get("active")):
            row["active"] = "oui"
        self.check_duplicate(row, errors, **kwargs)
        if errors:
            raise ValidationError(errors)

    def find_existing(self, row):
        return self.lookups.structure(values.text(row.get("nom")), self.lookups.commune(row.get("commune")))


# ---------------------------------------------------------------- posts register


class RowStructureWidget(LookupWidget):
    """The structure a posts register row names (created beforehand when unknown)."""

    def clean(self, value, row=None, **kwargs):
        commune = self.lookups.commune(row.get("commune_structure"))
        return self.lookups.structure(values.text(value, required=True), commune)


POST_DATES = next(c for c in Post._meta.constraints if c.name == "post_end_after_start")


class PostResource(ScopedResource):
    """One post per row. An unknown structure is created; an unknown holder gets an account that
    is inactive and not invited (no password: an invitation or a reset gives one), a mediator
    role in the post's structure, and a holding of the post from its start. Posts are written in
    bulk; accounts, roles and holdings in bulk too once their batch of posts is saved, with the
    account events (creation, role granted) recorded as for any other account (holders.py). The
    dry run, rolled back anyway, only counts them: what could refuse them (an e-mail already
    taken, another role, a post already held) is checked on the rows against the lookups."""

    code = fields.Field("code", "code_poste", CellWidget(values.text, required=True, max_length=30))
    structure = fields.Field("structure", "structure", RowStructureWidget())
    department = fields.Field("department", "departement", DepartmentWidget())
    post_type = fields.Field("post_type", "type_poste", CellWidget(POST_TYPES, required=True))
    funding = fields.Field("funding", "financement", CellWidget(values.optional(FUNDINGS)))
    start_date = fields.Field("start_date", "date_debut", CellWidget(values.date, required=True))
    end_date = fields.Field("end_date", "date_fin", CellWidget(values.date))
    key_columns = ("code_poste",)
    trusted_relations = ("structure", "department")
    bulk_update_fields = ("structure", "department", "post_type", "funding", "start_date", "end_date")
    columns = (
        Column("code_poste", "Code du poste", True, "Identifiant unique du poste.", ("code", "poste")),
        Column("structure", "Nom de la structure", True, "Créée si elle n'existe pas encore dans cette commune."),
        Column("commune_structure", "Commune de la structure", True, "Code INSEE.", ("code_insee_structure",)),
        Column(
            "type_structure", "Type de structure", help="Pour une structure créée : " + " · ".join(StructureKind.labels)
        ),
        Column("departement", "Département du poste", True, "Code du département, par exemple 59."),
        Column("type_poste", "Type de poste", True, "QPV · Rural."),
        Column("financement", "Financement", help=" · ".join(Funding.labels) + " ; vide : non renseigné."),
        Column("date_debut", "Début du poste", help="JJ/MM/AAAA ; vide : le 1er janvier de l'année du registre."),
        Column("date_fin", "Fin du poste", help="JJ/MM/AAAA ; vide si le poste est ouvert."),
        Column("email_titulaire", "E-mail du ou de la titulaire", help="Vide si le poste est vacant."),
        Column("prenom_titulaire", "Prénom du ou de la titulaire"),
        Column("nom_titulaire", "Nom du ou de la titulaire"),
        Column(
            "annee",
            "Année du registre",
            help="AAAA : ouvre au 1er janvier de cette année un poste nouveau sans date de début.",
            aliases=("annee_registre",),
        ),
    )

    class Meta:
        model = Post
        fields = ("code", "structure", "department", "post_type", "funding", "start_date", "end_date")
        import_id_fields = ("code",)

    def preload(self, dataset):
        self.existing = _by(
            Post.objects.select_related("department", "structure"), "code", column(dataset, "code_poste", values.text)
        )
        self.lookups.load_communes(column(dataset, "commune_structure", values.insee_code))
        self.lookups.load_structures(self.lookups.communes.values())
        self.lookups.load_users(column(dataset, "email_titulaire", values.email))
        posts = [post.pk for post in self.existing.values()]
        self.open_holdings, self.last_ends = {}, {}
        for chunk in chunks(posts):
            holdings = PostHolding.objects.filter(post_id__in=chunk)
            for holding in holdings.filter(end_date__isnull=True).select_related("mediator"):
                self.open_holdings[holding.post_id] = holding
            self.last_ends.update(holdings.values("post_id").annotate(last=Max("end_date")).values_list("post", "last"))
        self.planned_roles = {}  # e-mail -> structure pk of a holder this file gives an account
        self.holders = []  # (post, holder) to write once the posts are saved

    def before_import_row(self, row, **kwargs):
        self.holder = None
        errors = {}
        self.read(errors, "code_poste", values.text, row, required=True, max_length=30)
        department = self.read(errors, "departement", self.lookups.department, row)
        if department is not None and not self.in_scope(department):
            errors["departement"] = OUT_OF_SCOPE
        commune = self.read(errors, "commune_structure", self.lookups.commune, row)
        if commune is not None and not self.in_scope(commune.department):
            errors["commune_structure"] = "Cette commune est dans un département hors de votre périmètre."
        name = self.read(errors, "structure", values.name, row, required=True, max_length=200)
        kind = self.read(errors, "type_structure", STRUCTURE_KINDS, row) if "type_structure" in row else None
        start = self.read(errors, "date_debut", values.date, row)
        if start is None and "date_debut" not in errors:
            start = self.start_without_date(row, errors)
        if values.is_empty(row.get("financement")) and (
            "financement" in row or values.text(row.get("code_poste")) not in self.existing
        ):  # an empty cell, or no column for a new post (a known one keeps its funding)
            self.warnings["no_funding"] += 1
        end = self.read(errors, "date_fin", values.date, row)
        if start and end and end < start:
            errors["date_fin"] = POST_DATES.violation_error_message
        holder_email = self.read(errors, "email_titulaire", values.email, row)
        first = self.read(errors, "prenom_titulaire", values.name, row, max_length=150) or ""
        last = self.read(errors, "nom_titulaire", values.name, row, max_length=150) or ""
        if not holder_email and (first or last) and "email_titulaire" not in errors:
            errors["email_titulaire"] = "Donnez l'adresse e-mail du ou de la titulaire nommé·e."
        self.check_duplicate(row, errors, **kwargs)
        if errors:
            raise ValidationError(errors)
        if self.lookups.structure(name, commune) is None:
            structure = Structure.objects.create(name=name, commune=commune, kind=kind or StructureKind.OTHER)
            self.lookups.add_structure(structure)
            self.notes["structures"] += 1
        if holder_email:
            self.holder = {"email": holder_email, "first_name": first, "last_name": last}

    def start_without_date(self, row, errors):
        """The start of a post the row gives no date: the stored one for a known post (the
        first register it appeared in), else 1 January of the register's year; written into the
        row for the field to read."""
        existing = self.existing.get(values.text(row.get("code_poste")))
        if existing is not None:
            start = existing.start_date
            self.warnings["start_kept"] += 1
        else:
            year = self.read(errors, "annee", values.integer, row, minimum=YEAR_MIN, maximum=YEAR_MAX)
            if year is None:
                if "annee" not in errors:
                    errors["date_debut"] = (
                        "Date de début absente : donnez-la, ou l'année du registre (colonne annee) "
                        "pour ouvrir le poste au 1er janvier de cette année."
                    )
                return None
            start = datetime.date(year, 1, 1)
            self.warnings["start_from_year"] += 1
        row["date_debut"] = start
        return start

    def find_existing(self, row):
        return self.existing.get(values.text(row.get("code_poste")))

    def after_init_instance(self, instance, new, row, **kwargs):
        self.holder_action = None
        if not new and not self.in_scope(instance.department):
            raise ValidationError({"code_poste": "Ce poste existe dans un département hors de votre périmètre."})
        if self.holder is None:
            return
        email = self.holder["email"]
        user = self.lookups.users.get(email)
        membership = self.lookups.memberships.get(user.pk) if user else None
        role = (membership.role, membership.structure_id) if membership else None
        if email in self.planned_roles:
            role = (Role.MEDIATOR, self.planned_roles[email])
        commune = self.lookups.commune(row.get("commune_structure"))
        structure = self.lookups.structure(values.text(row.get("structure")), commune)
        if role is not None and role != (Role.MEDIATOR, structure.pk):
            raise ValidationError(
                {"email_titulaire": f"Le compte {email} a déjà un autre rôle ou une autre structure."}
            )
        if not new:
            current = self.open_holdings.get(instance.pk)
            if current is not None:
                if current.mediator.email.lower() == email:
                    return
                raise ValidationError(
                    {
                        "email_titulaire": f"Le poste est tenu par {current.mediator.email} : la passation se fait "
                        "dans l'application, pas par l'import."
                    }
                )
        self.planned_roles.setdefault(email, structure.pk)
        self.holder_action = dict(self.holder)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if self.holder_action is not None:
            return False
        return super().skip_row(instance, original, row, import_validation_errors)

    def after_save_instance(self, instance, row, **kwargs):
        if self.holder_action is not None:
            self.holders.append((instance, self.holder_action))

    def after_bulk_save(self, instances, *, created):
        super().after_bulk_save(instances, created=created)
        saved = {id(instance) for instance in instances if instance.pk is not None}
        waiting, self.holders = self.holders, []
        ready = []
        for post, holder in waiting:
            (ready if id(post) in saved else self.holders).append((post, holder))
        if ready:
            self.give_holdings(ready)

    def give_holdings(self, pairs):
        if self.dry_run:
            for _post, holder in pairs:
                if self.lookups.users.get(holder["email"]) is None:
                    self.lookups.users[holder["email"]] = User(email=holder["email"])  # planned, not saved
                    self.notes["accounts"] += 1
            self.notes["holdings"] += len(pairs)
            return
        self.notes["accounts"] += write_holders(pairs, lookups=self.lookups, last_ends=self.last_ends)
        self.notes["holdings"] += len(pairs)
