"""The reference rows an import file names (departments, communes, structures, holders' accounts),
read before its first row in a few queries whatever the number of rows, and kept up to date with
what the import creates: the resources (resources.py) never look one up row by row."""

from django.db.models.functions import Lower

from mediation.models import Commune, Department, FormerCommuneCode, Membership, Structure, User

from . import values
from .values import CellError

UNKNOWN_CODE = (
    "Ce code n'est ni celui d'une commune actuelle du code officiel géographique, ni l'ancien code "
    "d'une commune fusionnée : vérifiez-le."
)

# Values in one `IN (…)` (SQLite accepts 32 766 parameters, PostgreSQL more).
CHUNK = 5000


def chunks(items):
    items = sorted(set(items))
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def column(dataset, name, reader, **options):
    """The values of the column `name` read by `reader`, those it cannot read left out (the row
    reports them)."""
    if name not in (dataset.headers or []):
        return []
    found = []
    for value in dataset[name]:
        try:
            found.append(reader(value, **options))
        except CellError:
            continue
    return [value for value in found if value]


def codes(value):
    """The INSEE codes of a list cell ("59350 ; 59512"), as CommuneListWidget reads them."""
    if values.is_empty(value):
        return []
    raw = str(value).replace(";", " ").replace(",", " ").split()
    return list(dict.fromkeys(values.insee_code(code) for code in raw))


class Lookups:
    def __init__(self):
        self.departments = {department.code: department for department in Department.objects.all()}
        self.communes = {}  # INSEE code (or former code) -> Commune, or None once known to be unknown
        self.former = {}  # former code of a merged commune -> its former name
        self.former_used = {}  # former code -> (former name, current Commune), as rows gave them
        self.structures = {}  # (lower-case name, commune pk) -> Structure
        self.structures_of = set()  # the communes whose structures are loaded
        self.users = {}  # lower-case e-mail -> User, or None once known to be unknown
        self.memberships = {}  # user pk -> Membership (the first one)

    # ------------------------------------------------------------ loading

    def load_communes(self, insee_codes):
        wanted = set(insee_codes) - set(self.communes)
        for chunk in chunks(wanted):
            for commune in Commune.objects.select_related("department").filter(insee_code__in=chunk):
                self.communes[commune.insee_code] = commune
        missing = [code for code in wanted if code not in self.communes]
        for chunk in chunks(missing):
            for former in FormerCommuneCode.objects.select_related("commune__department").filter(code__in=chunk):
                self.communes[former.code] = former.commune
                self.former[former.code] = former.name
        for code in wanted:
            self.communes.setdefault(code, None)

    def former_code_lines(self):
        """The former codes the rows gave, each with the current commune it was mapped to."""
        return [
            f"code {code} (ancienne commune {name}) → commune actuelle {commune.name} ({commune.insee_code})"
            for code, (name, commune) in sorted(self.former_used.items())
        ]

    def note_former(self, code):
        if code in self.former:
            self.former_used[code] = (self.former[code], self.communes[code])

    def load_structures(self, communes):
        wanted = {commune.pk for commune in communes if commune is not None} - self.structures_of
        for chunk in chunks(wanted):
            for structure in Structure.objects.filter(commune_id__in=chunk).select_related("commune").order_by("pk"):
                self.structures.setdefault((structure.name.lower(), structure.commune_id), structure)
        self.structures_of |= wanted

    def load_users(self, emails):
        wanted = {email.lower() for email in emails} - set(self.users)
        for chunk in chunks(wanted):
            for user in User.objects.annotate(key=Lower("email")).filter(key__in=chunk):
                self.users.setdefault(user.key, user)
        found = [user.pk for user in self.users.values() if user is not None]
        for chunk in chunks(found):
            for membership in Membership.objects.filter(user_id__in=chunk).select_related("structure").order_by("pk"):
                self.memberships.setdefault(membership.user_id, membership)
        for email in wanted:
            self.users.setdefault(email, None)

    # ------------------------------------------------------------ reading a cell

    def department(self, value):
        code = values.department_code(value)
        department = self.departments.get(code)
        if department is None:
            raise CellError(f"Département inconnu : « {value} ».")
        return department

    def commune(self, value, *, required=True):
        code = values.insee_code(value, required=required)
        if not code:
            return None
        if code not in self.communes:
            self.load_communes([code])
        commune = self.communes[code]
        if commune is None:
            raise CellError(f"Commune inconnue : {code}. {UNKNOWN_CODE}")
        self.note_former(code)
        return commune

    def commune_list(self, value):
        found = codes(value)
        self.load_communes(found)
        missing = sorted(code for code in found if self.communes[code] is None)
        if missing:
            raise CellError(f"Commune(s) inconnue(s) : {', '.join(missing)}. {UNKNOWN_CODE}")
        for code in found:
            self.note_former(code)
        return list({self.communes[code].pk: self.communes[code] for code in found}.values())

    def structure(self, name, commune):
        if commune is None:
            return None
        self.load_structures([commune])
        return self.structures.get((name.lower(), commune.pk))

    def add_structure(self, structure):
        self.structures.setdefault((structure.name.lower(), structure.commune_id), structure)

    # ------------------------------------------------------------ communes by name

    def load_commune_names(self, departments=None):
        """The communes of `departments` (None: every one) by name key (values.commune_name_key),
        for the files that name a commune instead of giving its code; added to the communes by
        code too, for the rows' widgets."""
        if not hasattr(self, "commune_names"):
            self.commune_names, self.named_departments = {}, set()  # (department pk, key) -> [Commune]
        everything = departments is None
        wanted = {"*"} if everything else {department.pk for department in departments}
        if "*" in self.named_departments or wanted <= self.named_departments:
            return
        communes = Commune.objects.select_related("department").order_by("insee_code")
        if not everything:
            communes = communes.filter(department_id__in=wanted - self.named_departments)
        for commune in communes:
            key = (commune.department_id, values.commune_name_key(commune.name))
            found = self.commune_names.setdefault(key, [])
            if commune not in found:
                found.append(commune)
            self.communes.setdefault(commune.insee_code, commune)
        self.named_departments |= wanted

    def commune_by_name(self, name, department=None):
        """The commune called `name` in `department` (a Department; None: in any department),
        whatever the case, accents, hyphens and « St »/« Saint »; a CellError when none or
        several have that name (the candidates listed with their INSEE codes)."""
        self.load_commune_names(None if department is None else [department])
        key = values.commune_name_key(name)
        if department is not None:
            found = self.commune_names.get((department.pk, key), [])
        else:
            found = [c for (_pk, k), communes in self.commune_names.items() if k == key for c in communes]
        where = f" dans le département {department.code}" if department is not None else ""
        if not found:
            raise CellError(
                f"Commune inconnue{where} : « {name} ». Vérifiez son nom ou donnez son code INSEE "
                "(importez d'abord la liste des communes)."
            )
        if len(found) > 1:
            candidates = " · ".join(f"{c.name} ({c.insee_code}, {c.department.code})" for c in found)
            hint = "donnez son code INSEE." if department is not None else "donnez le département ou le code INSEE."
            raise CellError(f"Plusieurs communes s'appellent « {name} »{where} : {candidates} ; {hint}")
        return found[0]
