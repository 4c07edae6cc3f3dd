"""The import of the QPV population: one figure per department and year (docs/qpv.md).

A row gives a department (its code), a year and INSEE's population of the department's QPV that
year. The figure is found by its natural key (department, year): the same file twice changes
nothing, a new population for a year already given replaces it. A coordinator gives the figures
of her departments only."""

from django.core.exceptions import ValidationError
from django.utils import timezone
from import_export import fields

from mediation.models import QpvPopulation

from . import values
from .lookups import column
from .report import Column
from .resources import OUT_OF_SCOPE, CellWidget, DepartmentWidget, ScopedResource
from .values import CellError

FIRST_YEAR = 2015  # the QPV exist since 1 January 2015 (loi du 21 février 2014)


def last_year():
    """The latest year a figure may be given for: next year (INSEE publishes ahead of a campaign)."""
    return timezone.localdate().year + 1


def year(value, *, required=True):
    """A year of the QPV, from FIRST_YEAR to next year."""
    if values.is_empty(value):
        if required:
            raise CellError("Année obligatoire (AAAA, par exemple 2024).")
        return None
    try:
        found = values.integer(value)
    except CellError:
        raise CellError(f"« {value} » n'est pas une année (AAAA, par exemple 2024).") from None
    if not FIRST_YEAR <= found <= last_year():
        raise CellError(
            f"L'année {found} est hors des années possibles : de {FIRST_YEAR} (premiers QPV) à {last_year()}."
        )
    return found


def population(value, *, required=True):
    """A number of inhabitants: a whole number, 0 or more."""
    if values.is_empty(value):
        if required:
            raise CellError("Population obligatoire : un nombre d'habitants (0 ou plus).")
        return None
    if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
        raise CellError(f"La population ne peut pas être négative ({value:g}).")
    if isinstance(value, str) and value.strip().startswith("-"):
        raise CellError(f"La population ne peut pas être négative (« {value.strip()} »).")
    try:
        return values.integer(value)
    except CellError:
        raise CellError(f"« {value} » n'est pas un nombre d'habitants : un nombre entier, sans décimale.") from None


class QpvPopulationResource(ScopedResource):
    department = fields.Field("department", "departement", DepartmentWidget())
    year = fields.Field("year", "annee", CellWidget(year))
    population = fields.Field("population", "population", CellWidget(population))
    trusted_relations = ("department",)
    bulk_update_fields = ("population",)
    columns = (
        Column("departement", "Département", True, "Code du département, par exemple 59.", ("code_departement",)),
        Column(
            "annee",
            "Année",
            True,
            f"AAAA, de {FIRST_YEAR} à l'an prochain : l'année que le chiffre décrit.",
            ("annee_population",),
        ),
        Column(
            "population",
            "Population des QPV",
            True,
            "Nombre d'habitants des quartiers prioritaires du département (INSEE), entier, 0 ou plus.",
            ("population_qpv",),
        ),
    )

    class Meta:
        model = QpvPopulation
        fields = ("department", "year", "population")
        import_id_fields = ("department", "year")

    def preload(self, dataset):
        codes = {department.pk for department in column(dataset, "departement", self.lookups.department)}
        stored = QpvPopulation.objects.filter(department_id__in=codes).select_related("department")
        self.existing = {(figure.department_id, figure.year): figure for figure in stored}

    def key_of(self, row):
        """(department pk, year) of a row whose cells were read without error, else None."""
        try:
            return self.lookups.department(row.get("departement")).pk, year(row.get("annee"))
        except CellError:
            return None

    def before_import_row(self, row, **kwargs):
        errors = {}
        department = self.read(errors, "departement", self.lookups.department, row)
        if department is not None and not self.in_scope(department):
            errors["departement"] = OUT_OF_SCOPE
        found_year = self.read(errors, "annee", year, row)
        self.read(errors, "population", population, row)
        if not errors:
            key = (department.pk, found_year)
            line = self.line_of(kwargs.get("row_number"))
            if key in self.seen_keys:
                errors["annee"] = f"Cette ligne répète la ligne {self.seen_keys[key]} (même département, même année)."
            else:
                self.seen_keys[key] = line
        if errors:
            raise ValidationError(errors)

    def find_existing(self, row):
        key = self.key_of(row)
        return self.existing.get(key) if key else None
