"""The import kind of this app: the departmental directory of partners, through its
django-import-export resource (the core's ScopedResource), registered with the core's imports by
PartnersConfig."""

from django.core.exceptions import ValidationError
from django.utils import timezone
from import_export import fields

from mediation.enums import Vocabulary
from mediation.imports import values
from mediation.imports.lookups import chunks, column
from mediation.imports.report import Column
from mediation.imports.resources import (
    OUT_OF_SCOPE,
    CellWidget,
    CommuneWidget,
    DepartmentWidget,
    ScopedResource,
    VocabularyListWidget,
    VocabularyWidget,
)
from mediation.imports.services import ImportKind

from .enums import PartnerType
from .models import Partner, partner_name_key


class PartnerResource(ScopedResource):
    """The departmental directory of partners (organisations, never people)."""

    name = fields.Field("name", "nom", CellWidget(values.name, required=True, max_length=200))
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
    trusted_relations = ("department", "category", "commune")
    bulk_update_fields = (
        "name",
        "name_key",
        "partner_type",
        "category",
        "commune",
        "address",
        "phone",
        "email",
        "website",
        "version",
        "updated_at",
    )
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

    def preload(self, dataset):
        self.lookups.load_communes(column(dataset, "commune", values.insee_code, required=False))
        keys = {partner_name_key(name) for name in column(dataset, "nom", values.text)}
        stored = Partner.objects.select_related("department", "category", "commune").prefetch_related("publics")
        for chunk in chunks(keys):
            for partner in stored.filter(name_key__in=chunk).order_by("pk"):
                self.existing.setdefault((partner.department_id, partner.name_key), partner)

    def before_import_row(self, row, **kwargs):
        errors = {}
        department = self.read(errors, "departement", self.lookups.department, row)
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
        department = self.lookups.department(row.get("departement"))
        return self.existing.get((department.pk, partner_name_key(values.text(row.get("nom")))))

    def before_save_instance(self, instance, row, **kwargs):
        # Written in bulk: what Partner.save() and auto_now would do is done here.
        instance.name_key = partner_name_key(instance.name)
        if instance.pk is None:
            instance.created_by = self.user
        else:
            instance.version += 1
            instance.updated_at = timezone.now()


PARTNERS = ImportKind(
    "partenaires",
    "Répertoire des partenaires",
    "Les organisations partenaires de chaque département, reconnues par leur nom et leur département.",
    PartnerResource.columns,
    "partenaires.md",
    "modele-partenaires.csv",
    PartnerResource,
)
