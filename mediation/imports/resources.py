"""django-import-export resources of the reference imports: communes, QPV, structures, posts
register (with their holders) and partners. The historical sheets use a bulk path of their own
(sheets.py): row by row, a resource would take several minutes for 50 000 rows.

Every resource states its options rather than relying on the library's defaults: one database
transaction for the whole file, unchanged rows skipped and reported, model validation (so the
constraints' French messages reach the report), no HTML diff. Rows are found by a natural key
(INSEE code, QPV code, structure name + commune, post code, partner name + department), so that
importing the same file twice changes nothing. A coordinator may only touch rows of her
departments: a row elsewhere is an error on the column that places it."""

import datetime
from collections import Counter

from django.core.exceptions import ValidationError
from import_export import fields, resources, widgets

from mediation.enums import Funding, PostType, Role, StructureKind, Vocabulary
from mediation.models import Commune, Department, Membership, Post, PostHolding, Qpv, Structure, User
from partners.enums import PartnerType
from partners.models import Partner, partner_name_key

from . import values
from .report import Column
from .values import CellError

OUT_OF_SCOPE = "Ce département n'est pas dans votre périmètre."

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


class DepartmentWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        return find_department(value)


class CommuneWidget(widgets.Widget):
    def __init__(self, *, required=True):
        super().__init__()
        self.required = required

    def clean(self, value, row=None, **kwargs):
        return find_commune(value, required=self.required)


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
        items = self.single.choices.many(value)
        return self.model.objects.filter(pk__in=[item.pk for item in items])

    def render(self, value, obj=None, **kwargs):
        return " ; ".join(item.label for item in value.all()) if value is not None else ""


class CommuneListWidget(widgets.ManyToManyWidget):
    """INSEE codes separated by commas, semicolons or spaces; every one must be known."""

    def __init__(self):
        super().__init__(Commune, field="insee_code")

    def codes(self, value):
        if values.is_empty(value):
            return []
        raw = str(value).replace(";", " ").replace(",", " ").split()
        return list(dict.fromkeys(values.insee_code(code) for code in raw))

    def clean(self, value, row=None, **kwargs):
        codes = self.codes(value)
        found = Commune.objects.filter(insee_code__in=codes)
        missing = sorted(set(codes) - set(found.values_list("insee_code", flat=True)))
        if missing:
            raise CellError(f"Commune(s) inconnue(s) : {', '.join(missing)} (importez d'abord les communes).")
        return found


# ---------------------------------------------------------------- lookups


def find_department(value):
    code = values.department_code(value)
    department = Department.objects.filter(code=code).first()
    if department is None:
        raise CellError(f"Département inconnu : « {value} ».")
    return department


def find_commune(value, *, required=True):
    code = values.insee_code(value, required=required)
    if not code:
        return None
    commune = Commune.objects.select_related("department").filter(insee_code=code).first()
    if commune is None:
        raise CellError(f"Commune inconnue : {code} (importez d'abord la liste des communes).")
    return commune


# ---------------------------------------------------------------- base


class ScopedResource(resources.ModelResource):
    """A resource run by `user` over `allowed_department_ids` (None: every department).
    `key_columns` name the columns of the natural key: a key seen twice in a file is an error."""

    key_columns = ()

    class Meta:
        use_transactions = True
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        skip_diff = False
        skip_html_diff = True
        use_bulk = False
        store_instance = False
        force_init_instance = False

    def __init__(self, *, user, allowed_department_ids=None):
        super().__init__()
        self.user = user
        self.allowed = None if allowed_department_ids is None else set(allowed_department_ids)
        self.notes = Counter()
        self.seen_keys = {}
        self.lines = []  # the spreadsheet's row number of each dataset row (set by the caller)

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
        return self.find_existing(row)

    def find_existing(self, row):
        raise NotImplementedError


# ---------------------------------------------------------------- communes and QPV


class CommuneResource(ScopedResource):
    insee_code = fields.Field("insee_code", "code_insee", CellWidget(values.insee_code))
    name = fields.Field("name", "nom", CellWidget(values.text, required=True, max_length=150))
    department = fields.Field("department", "departement", DepartmentWidget())
    key_columns = ("code_insee",)
    columns = (
        Column("code_insee", "Code INSEE", True, "5 caractères, par exemple 59350.", ("code_commune", "insee")),
        Column("nom", "Nom de la commune", True, aliases=("commune",)),
        Column("departement", "Département", True, "Code du département, par exemple 59."),
    )

    class Meta:
        model = Commune
        fields = ("insee_code", "name", "department")
        import_id_fields = ("insee_code",)

    def before_import_row(self, row, **kwargs):
        errors = {}
        department = self.read(errors, "departement", find_department, row)
        if department is not None and not self.in_scope(department):
            errors["departement"] = OUT_OF_SCOPE
        code = self.read(errors, "code_insee", values.insee_code, row)
        existing = Commune.objects.filter(insee_code=code).select_related("department").first() if code else None
        if existing and not self.in_scope(existing.department):
            errors["code_insee"] = "Cette commune appartient à un département hors de votre périmètre."
        self.check_duplicate(row, errors, **kwargs)
        if errors:
            raise ValidationError(errors)

    def find_existing(self, row):
        return Commune.objects.filter(insee_code=values.insee_code(row.get("code_insee"))).first()


class QpvResource(ScopedResource):
    code = fields.Field("code", "code_qpv", CellWidget(values.text, required=True, max_length=12))
    name = fields.Field("name", "nom", CellWidget(values.text, required=True, max_length=200))
    department = fields.Field("department", "departement", DepartmentWidget())
    communes = fields.Field("communes", "communes", CommuneListWidget())
    key_columns = ("code_qpv",)
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

    def before_import_row(self, row, **kwargs):
        errors = {}
        department = self.read(errors, "departement", find_department, row)
        if department is not None and not self.in_scope(department):
            errors["departement"] = OUT_OF_SCOPE
        code = self.read(errors, "code_qpv", values.text, row, required=True)
        existing = Qpv.objects.filter(code=code).select_related("department").first() if code else None
        if existing and not self.in_scope(existing.department):
            errors["code_qpv"] = "Ce QPV appartient à un département hors de votre périmètre."
        if "communes" in row:
            self.read(errors, "communes", self.fields["communes"].widget.clean, row)
        self.check_duplicate(row, errors, **kwargs)
        if errors:
            raise ValidationError(errors)

    def find_existing(self, row):
        return Qpv.objects.filter(code=values.text(row.get("code_qpv"))).first()


# ---------------------------------------------------------------- structures


def find_structure(name, commune):
    return Structure.objects.filter(name__iexact=name, commune=commune).order_by("pk").first()


class StructureResource(ScopedResource):
    name = fields.Field("name", "nom", CellWidget(values.text, required=True, max_length=200))
    commune = fields.Field("commune", "commune", CommuneWidget())
    kind = fields.Field("kind", "type", CellWidget(STRUCTURE_KINDS, required=True))
    is_active = fields.Field("is_active", "active", CellWidget(values.yes_no, required=True))
    key_columns = ("nom", "commune")
    columns = (
        Column("nom", "Nom de la structure", True, aliases=("structure",)),
        Column("commune", "Commune", True, "Code INSEE de la commune du siège.", ("code_insee", "commune_insee")),
        Column("type", "Type de structure", True, " · ".join(StructureKind.labels), ("type_structure",)),
        Column("active", "Active", help="oui · non ; oui par défaut."),
    )

    class Meta:
        model = Structure
        fields = ("name", "commune", "kind", "is_active")
        import_id_fields = ("name", "commune")

    def before_import_row(self, row, **kwargs):
        errors = {}
        commune = self.read(errors, "commune", find_commune, row)
        if commune is not None and not self.in_scope(commune.department):
            errors["commune"] = "Cette commune est dans un département hors de votre périmètre."
        if "active" in row and values.is_empty(row.get("active")):
            row["active"] = "oui"
        self.check_duplicate(row, errors, **kwargs)
        if errors:
            raise ValidationError(errors)

    def find_existing(self, row):
        return find_structure(values.text(row.get("nom")), find_commune(row.get("commune")))


# ---------------------------------------------------------------- posts register


class RowStructureWidget(widgets.Widget):
    """The structure a posts register row names (created beforehand when unknown)."""

    def clean(self, value, row=None, **kwargs):
        return find_structure(values.text(value, required=True), find_commune(row.get("commune_structure")))


class PostResource(ScopedResource):
    """One post per row. An unknown structure is created; an unknown holder gets an account that
    is inactive and not invited (no password: an invitation or a reset gives one), a mediator
    role in the post's structure, and a holding of the post from its start."""

    code = fields.Field("code", "code_poste", CellWidget(values.text, required=True, max_length=30))
    structure = fields.Field("structure", "structure", RowStructureWidget())
    department = fields.Field("department", "departement", DepartmentWidget())
    post_type = fields.Field("post_type", "type_poste", CellWidget(POST_TYPES, required=True))
    funding = fields.Field("funding", "financement", CellWidget(FUNDINGS, required=True))
    start_date = fields.Field("start_date", "date_debut", CellWidget(values.date, required=True))
    end_date = fields.Field("end_date", "date_fin", CellWidget(values.date))
    key_columns = ("code_poste",)
    columns = (
        Column("code_poste", "Code du poste", True, "Identifiant unique du poste.", ("code", "poste")),
        Column("structure", "Nom de la structure", True, "Créée si elle n'existe pas encore dans cette commune."),
        Column("commune_structure", "Commune de la structure", True, "Code INSEE.", ("code_insee_structure",)),
        Column(
            "type_structure", "Type de structure", help="Pour une structure créée : " + " · ".join(StructureKind.labels)
        ),
        Column("departement", "Département du poste", True, "Code du département, par exemple 59."),
        Column("type_poste", "Type de poste", True, "QPV · Rural."),
        Column("financement", "Financement", True, " · ".join(Funding.labels)),
        Column("date_debut", "Début du poste", True, "JJ/MM/AAAA."),
        Column("date_fin", "Fin du poste", help="JJ/MM/AAAA ; vide si le poste est ouvert."),
        Column("email_titulaire", "E-mail du ou de la titulaire", help="Vide si le poste est vacant."),
        Column("prenom_titulaire", "Prénom du ou de la titulaire"),
        Column("nom_titulaire", "Nom du ou de la titulaire"),
    )

    class Meta:
        model = Post
        fields = ("code", "structure", "department", "post_type", "funding", "start_date", "end_date")
        import_id_fields = ("code",)

    def before_import_row(self, row, **kwargs):
        self.holder = None
        errors = {}
        self.read(errors, "code_poste", values.text, row, required=True, max_length=30)
        department = self.read(errors, "departement", find_department, row)
        if department is not None and not self.in_scope(department):
            errors["departement"] = OUT_OF_SCOPE
        commune = self.read(errors, "commune_structure", find_commune, row)
        if commune is not None and not self.in_scope(commune.department):
            errors["commune_structure"] = "Cette commune est dans un département hors de votre périmètre."
        name = self.read(errors, "structure", values.text, row, required=True, max_length=200)
        kind = self.read(errors, "type_structure", STRUCTURE_KINDS, row) if "type_structure" in row else None
        holder_email = self.read(errors, "email_titulaire", values.email, row)
        first = self.read(errors, "prenom_titulaire", values.text, row, max_length=150) or ""
        last = self.read(errors, "nom_titulaire", values.text, row, max_length=150) or ""
        if not holder_email and (first or last) and "email_titulaire" not in errors:
            errors["email_titulaire"] = "Donnez l'adresse e-mail du ou de la titulaire nommé·e."
        self.check_duplicate(row, errors, **kwargs)
        if errors:
            raise ValidationError(errors)
        if find_structure(name, commune) is None:
            Structure.objects.create(name=name, commune=commune, kind=kind or StructureKind.OTHER)
            self.notes["structures"] += 1
        if holder_email:
            self.holder = {"email": holder_email, "first_name": first, "last_name": last}

    def find_existing(self, row):
        return Post.objects.select_related("department").filter(code=values.text(row.get("code_poste"))).first()

    def after_init_instance(self, instance, new, row, **kwargs):
        self.holder_action = None
        if not new and not self.in_scope(instance.department):
            raise ValidationError({"code_poste": "Ce poste existe dans un département hors de votre périmètre."})
        if self.holder is None:
            return
        email = self.holder["email"]
        user = User.objects.filter(email__iexact=email).first()
        membership = Membership.objects.filter(user=user).select_related("structure").first() if user else None
        structure = find_structure(values.text(row.get("structure")), find_commune(row.get("commune_structure")))
        if membership is not None and (membership.role != Role.MEDIATOR or membership.structure_id != structure.pk):
            raise ValidationError(
                {"email_titulaire": f"Le compte {email} a déjà un autre rôle ou une autre structure."}
            )
        if not new:
            current = instance.holdings.filter(end_date__isnull=True).select_related("mediator").first()
            if current is not None:
                if current.mediator.email.lower() == email:
                    return
                raise ValidationError(
                    {
                        "email_titulaire": f"Le poste est tenu par {current.mediator.email} : la passation se fait "
                        "dans l'application, pas par l'import."
                    }
                )
        self.holder_action = {"user": user, "membership": membership}

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if self.holder_action is not None:
            return False
        return super().skip_row(instance, original, row, import_validation_errors)

    def after_save_instance(self, instance, row, **kwargs):
        if self.holder_action is None:
            return
        user = self.holder_action["user"]
        if user is None:
            user = User.objects.create_user(
                self.holder["email"],
                None,
                first_name=self.holder["first_name"],
                last_name=self.holder["last_name"],
                is_active=False,
            )
            self.notes["accounts"] += 1
        if self.holder_action["membership"] is None:
            Membership.objects.create(user=user, role=Role.MEDIATOR, structure=instance.structure)
        previous = instance.holdings.order_by("-end_date").first()
        start = instance.start_date
        if previous is not None and previous.end_date and previous.end_date >= start:
            start = previous.end_date + datetime.timedelta(days=1)
        holding = PostHolding(post=instance, mediator=user, start_date=start)
        holding.full_clean()
        holding.save()
        self.notes["holdings"] += 1


# ---------------------------------------------------------------- partners


class PartnerResource(ScopedResource):
    """The departmental directory of partners (organisations, never people)."""

    name = fields.Field("name", "nom", CellWidget(values.text, required=True, max_length=200))
    department = fields.Field("department", "departement", DepartmentWidget())
    partner_type = fields.Field(
        "partner_type", "type", CellWidget(values.enum_choices(PartnerType, name="type de partenaire"), required=True)
    )
    category = fields.Field(
        "category", "categorie", VocabularyWidget(Vocabulary.PARTNER_CATEGORY, name="catégorie", required=True)
    )
    publics = fields.Field("publics", "publics", VocabularyListWidget(Vocabulary.PUBLIC, name="public"))
    commune = fields.Field("commune", "commune", CommuneWidget(required=False))
    address = fields.Field("address", "adresse", CellWidget(values.text, max_length=300))
    phone = fields.Field("phone", "telephone", CellWidget(values.text, max_length=30))
    email = fields.Field("email", "email", CellWidget(values.email))
    website = fields.Field("website", "site", CellWidget(values.text, max_length=300))
    key_columns = ("nom", "departement")
    columns = (
        Column("nom", "Nom de l'organisation", True, "Une organisation, jamais une personne.", ("partenaire",)),
        Column("departement", "Département", True, "Code du département, par exemple 59."),
        Column("type", "Type de partenaire", True, " · ".join(PartnerType.labels), ("type_partenaire",)),
        Column("categorie", "Catégorie", True, "Sanitaire · Social · Médico-social."),
        Column(
            "publics", "Publics accompagnés", help="Valeurs de la liste des publics, séparées par des points-virgules."
        ),
        Column("commune", "Commune", help="Code INSEE.", aliases=("code_insee",)),
        Column("adresse", "Adresse"),
        Column("telephone", "Téléphone de l'organisation", aliases=("tel",)),
        Column("email", "E-mail de l'organisation", aliases=("courriel", "mail")),
        Column("site", "Site internet", aliases=("site_internet", "site_web")),
    )

    class Meta:
        model = Partner
        fields = (
            "name",
            "department",
            "partner_type",
            "category",
            "publics",
            "commune",
            "address",
            "phone",
            "email",
            "website",
        )
        import_id_fields = ("name", "department")

    def before_import_row(self, row, **kwargs):
        errors = {}
        department = self.read(errors, "departement", find_department, row)
        if department is not None and not self.in_scope(department):
            errors["departement"] = OUT_OF_SCOPE
        if "publics" in row:
            self.read(errors, "publics", self.fields["publics"].widget.clean, row)
        if not errors:
            row_key = (partner_name_key(values.text(row.get("nom"))), department.code)
            if row_key in self.seen_keys:
                errors["nom"] = f"Cette ligne répète la ligne {self.seen_keys[row_key]}."
            self.seen_keys.setdefault(row_key, self.line_of(kwargs.get("row_number")))
        if errors:
            raise ValidationError(errors)

    def find_existing(self, row):
        key = partner_name_key(values.text(row.get("nom")))
        return Partner.objects.filter(department=find_department(row.get("departement")), name_key=key).first()

    def before_save_instance(self, instance, row, **kwargs):
        if instance.pk is None:
            instance.created_by = self.user
        else:
            instance.version += 1
