"""Importing the annual bilans of the years before the application, from a spreadsheet (one row
per bilan; format in docs/imports/bilans-historiques.md), so that the regional bilan compares
years from the first campaign on.

An import kind of the core's framework (reporting/imports.py declares it): the same upload
checks, limits, dry run, confirmation, progress and storage of the file between the two as every
other import. Every row is checked before anything is written: a single error and nothing is
imported (each error names its row, column and reason). A row already imported (same key: year,
department, then post code, mediator e-mail or row identifier) is left as it is, so importing
the same file twice changes nothing. Imported bilans are validated, in a campaign of the year
flagged `imported`."""

import re
from collections import defaultdict
from dataclasses import dataclass, field

import tablib
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from mediation.enums import PostType, Vocabulary
from mediation.imports import formats
from mediation.imports.formats import ImportFileError, header_key, normalise
from mediation.imports.report import ImportReport, Progress, RowError
from mediation.imports.values import unquote
from mediation.models import Department, Post, User, VocabularyItem

from .enums import MAX_FIGURE, OF_WHICH, BilanAction, BilanState, FigureKey
from .models import AnnualBilan, BilanEvent, BilanFigure, Campaign

__all__ = ["COLUMNS", "HistoryImport", "ImportFileError", "check", "read_rows", "run", "template_dataset"]

MAX_TEXT = 5_000
KEY_LENGTH = AnnualBilan._meta.get_field("import_key").max_length
FIRST_DATA_LINE = 2  # the spreadsheet's row number of the first bilan (row 1 holds the headers)
IMPORTED_METHOD = "Importé de l'historique."
CHECKING = "Vérification des bilans"
SAVING = "Enregistrement des bilans"

WHOLE_NUMBER = re.compile(r"-?[0-9]+")
YES = frozenset({"oui", "o", "yes", "y", "vrai", "true", "1", "x", "coche", "v"})
NO = frozenset({"non", "n", "no", "faux", "false", "0", "aucun", "aucune", "neant"})
# The questionnaire's yes/no where the bilan has a number: « oui » keeps no number, « non » is 0.
YES_NO_FIGURES = {"actions_professionnels": "coanimated_for_professionals"}
# The professional project as the questionnaires write it, besides the list's labels and codes.
PROJECT_ALIASES = {
    "defined": ("projet defini", "oui defini", "defini e", "definie", "precis", "oui"),
    "emerging": (
        "reflexion",
        "en cours de reflexion",
        "projet en reflexion",
        "en cours",
        "a definir",
        "a l etude",
        "en construction",
        "en projet",
    ),
    "none": ("non", "pas de projet", "aucun projet", "neant", "sans"),
}
# How a figure the questionnaire answered yes or no is said on the bilan's page (its method).
ANSWERED = {
    True: "Importé de l'historique : le questionnaire régional répond « oui », sans nombre d'actions.",
    False: "Importé de l'historique : le questionnaire régional répond « non » (0 action).",
}
YES_NO_ANSWERS = (
    "bilan(s) répondant oui ou non aux actions co-animées auprès de professionnels (actions_professionnels) "
    "sans en donner le nombre : « non » compte 0 action, « oui » est gardé comme réponse, sans nombre, et "
    "la part de l'annexe 1 compte ces « oui » avec les bilans dont le nombre dépasse 0"
)

# Column name -> figure. The French names are those of the template; the English keys work too.
FIGURE_COLUMNS = {
    "personnes": FigureKey.PEOPLE_TOTAL,
    "personnes_qpv": FigureKey.PEOPLE_QPV,
    "personnes_droits": FigureKey.PEOPLE_RIGHTS,
    "personnes_soins": FigureKey.PEOPLE_CARE,
    "personnes_protection_sociale": FigureKey.PEOPLE_SOCIAL_PROTECTION,
    "actions_public": FigureKey.ACTIONS_PUBLIC,
    "actions_professionnels": FigureKey.ACTIONS_PROFESSIONALS,
    "actions_coconstruites": FigureKey.ACTIONS_COCONSTRUCTED,
    "actions_participation": FigureKey.ACTIONS_ATTENDED,
    "partenaires_sanitaires": FigureKey.PARTNERS_HEALTH,
    "partenaires_sociaux": FigureKey.PARTNERS_SOCIAL,
    "partenaires_medico_sociaux": FigureKey.PARTNERS_MEDICOSOCIAL,
    "aller_vers_personnes": FigureKey.OUTREACH_PEOPLE_MET,
    "aller_vers_logements": FigureKey.OUTREACH_DWELLINGS,
}
BOOLEAN_COLUMNS = {
    "partenariat_cpam": "cpam_partnership",
    "identifie_terrain": "identified_on_ground",
    "missions_connues": "missions_known",
    "instances_partenariales": "partner_bodies",
    "forme": "trained",
}
LIST_COLUMNS = {
    "themes": ("themes", Vocabulary.PREVENTION_THEME),
    "partenaires_coanimation": ("coanimating_partner_types", Vocabulary.COANIMATING_PARTNER),
    "publics": ("publics", Vocabulary.PUBLIC),
    "besoins_sante": ("health_needs", Vocabulary.HEALTH_NEED),
    "freins": ("barriers", Vocabulary.CARE_BARRIER),
}
TEXT_COLUMNS = {
    "formations": "training_details",
    "ce_qui_a_aide": "what_helped",
    "ce_qui_a_freine": "what_hindered",
    "a_ameliorer": "what_to_improve",
}
IDENTITY_COLUMNS = [
    "annee",
    "departement",
    "code_poste",
    "type_poste",
    "email_mediateur",
    "identifiant",
    "exploitable",
]
REQUIRED_COLUMNS = ["annee", "departement", "exploitable"]
# The template's columns, in order.
COLUMNS = (
    IDENTITY_COLUMNS
    + list(FIGURE_COLUMNS)
    + list(BOOLEAN_COLUMNS)
    + ["projet_professionnel", "formations"]
    + list(LIST_COLUMNS)
    + ["ce_qui_a_aide", "ce_qui_a_freine", "a_ameliorer"]
)
ALIASES = {str(key): name for name, key in FIGURE_COLUMNS.items()}


@dataclass
class PlannedBilan:
    line: int
    key: str
    department: Department
    post: Post | None
    post_type: str
    mediator: User | None
    usable: bool
    figures: dict
    fields: dict
    lists: dict
    reference: str  # what the preview shows: the post code, e-mail or identifier
    email: str = ""  # the mediator's, lower case: tells apart two rows of one post

    @property
    def people_total(self):
        return self.figures.get(FigureKey.PEOPLE_TOTAL)


@dataclass
class HistoryReport(ImportReport):
    """The framework's report (bilans to create, rows already imported counted unchanged),
    with the bilans planned and the rows already imported (line, key)."""

    year: int | None = None
    planned: list = field(default_factory=list)
    already_imported: list = field(default_factory=list)


# ---------------------------------------------------------------- reading the file


def read_rows(name, content):
    """(header keys, rows as lists of text) of a file, through the framework's checks."""
    table = formats.read_file(name, content)
    _check_widths(table)
    return [header_key(h) for h in table.headers], [[_cell(v) for v in row.cells] for row in table.rows]


def _check_widths(table):
    """A CSV row with more cells than there are columns: an unquoted list split by its « ; »."""
    width = len(table.headers)
    for row in table.rows:
        if len(row.cells) > width and any(_cell(c) for c in row.cells[width:]):
            raise ImportFileError(
                f"Ligne {row.line} : {len(row.cells)} cellules pour {width} colonnes. Une liste séparée par « ; » "
                "doit être entre guillemets dans un fichier CSV (le tableur le fait en enregistrant au format CSV)."
            )


def _cell(value):
    return str(value).strip() if value is not None else ""


class HistoryImport:
    """The runner of the kind (see mediation.imports.services.ImportKind): `year` is the one the
    upload form asked, else the year of the file's first row."""

    def __init__(self, table, *, user, allowed_department_ids=None, source="", year=None):
        self.table, self.user, self.source, self.year = table, user, source, year
        self.allowed = allowed_department_ids

    def steps(self, *, dry_run):
        total = len(self.table.rows)
        yield Progress(CHECKING, 0, total)
        try:
            _check_widths(self.table)
        except ImportFileError as error:
            return HistoryReport(total=total, errors=[RowError(None, "", str(error))])
        headers = [header_key(h) for h in self.table.headers]
        rows = [[_cell(v) for v in row.cells] for row in self.table.rows]
        lines = [row.line for row in self.table.rows]
        report = check(
            headers,
            rows,
            year=self.year,
            allowed_department_ids=self.allowed,
            lines=lines,
            description=self.table.description,
        )
        yield Progress(CHECKING, total, total)
        if report.ok and not dry_run and report.planned:
            yield Progress(SAVING, 0, total)
            _write(report, by=self.user, source=self.source)
            yield Progress(SAVING, total, total)
        if report.ok:
            done = "importé(s), validé(s)" if not dry_run else "à importer, validé(s)"
            report.notes = [f"{len(report.planned)} bilan(s) {report.year} {done}"]
            answered = sum(1 for p in report.planned if p.fields.get("coanimated_for_professionals") is not None)
            if answered:
                report.notes.append(f"{answered} {YES_NO_ANSWERS}")
            if report.already_imported:
                report.notes.append(
                    f"{len(report.already_imported)} ligne(s) déjà importée(s), laissée(s) telle(s) quelle(s)"
                )
        return report


def run(name, content, *, year, by, allowed_department_ids, dry_run):
    """Check and (unless `dry_run` or on any error) import a file, all or nothing, for the
    command and the demo. ImportFileError when it is not a readable spreadsheet."""
    from mediation.imports import services

    from .imports import HISTORY

    upload = formats.check_upload(name, content)
    _check_widths(formats.read_upload(upload))  # a file that cannot be read raises, not reported
    return services.run(
        HISTORY, upload, user=by, dry_run=dry_run, options={"year": year}, allowed=allowed_department_ids
    )


# ---------------------------------------------------------------- checking the rows


class _References:
    """Everything rows are matched against, read once."""

    def __init__(self, allowed_department_ids):
        self.departments = {d.code: d for d in Department.objects.all()}
        self.allowed = None if allowed_department_ids is None else set(allowed_department_ids)
        self.items = defaultdict(dict)
        for item in VocabularyItem.objects.all():
            self.items[item.vocabulary][normalise(item.label)] = item
            self.items[item.vocabulary][normalise(item.code)] = item
        self.posts = {}
        self.users = {}
        projects = self.items[Vocabulary.PROFESSIONAL_PROJECT]
        self.projects = dict(projects)
        for code, aliases in PROJECT_ALIASES.items():
            if code in projects:
                for alias in aliases:
                    self.projects.setdefault(alias, projects[code])

    def project(self, raw):
        """The professional project answer: « Défini », « En réflexion », « Aucun » (their codes),
        and the usual ways a questionnaire writes them (« en cours de réflexion », « projet défini »…)."""
        return self.projects.get(normalise(raw))

    def load(self, rows, index):
        codes = {_at(row, index, "code_poste") for row in rows} - {""}
        self.posts = {p.code.lower(): p for p in Post.objects.filter(code__in=codes)}
        # Codes typed in another case still match (one extra query only when needed).
        if len(self.posts) < len(codes):
            for post in Post.objects.all():
                self.posts.setdefault(post.code.lower(), post)
        emails = {_at(row, index, "email_mediateur").lower() for row in rows} - {""}
        self.users = {u.email.lower(): u for u in User.objects.filter(email__in=emails)}


def check(headers, rows, *, year, allowed_department_ids, lines=None, description=""):
    """Plan the import of `rows` (their spreadsheet `lines`) for `year` (None: the first row's);
    nothing is written."""
    lines = lines or range(FIRST_DATA_LINE, FIRST_DATA_LINE + len(rows))
    report = HistoryReport(total=len(rows), description=description, year=year)
    index = {}
    for position, header in enumerate(headers):
        name = ALIASES.get(header, header)
        if not name:
            continue
        if name not in COLUMNS:
            report.errors.append(RowError(1, header, "Colonne inconnue : voyez le modèle de fichier."))
        elif name in index:
            report.errors.append(RowError(1, header, "Cette colonne figure deux fois."))
        else:
            index[name] = position
    for name in REQUIRED_COLUMNS:
        if name not in index:
            report.errors.append(RowError(1, name, "Colonne obligatoire absente."))
    if report.errors:
        return report
    if not rows:
        report.errors.append(RowError(FIRST_DATA_LINE, "", "Le fichier ne contient aucun bilan."))
        return report

    if year is None:
        year = report.year = _integer(_at(rows[0], index, "annee"))
    refs = _References(allowed_department_ids)
    refs.load(rows, index)
    candidates = []
    for line, row in zip(lines, rows, strict=True):
        values = {name: _at(row, index, name) for name in index}
        planned = _check_row(line, values, year, refs, report.errors)
        if planned is not None:
            candidates.append(planned)
    _tell_shared_posts_apart(candidates)
    seen = {}
    for planned in candidates:
        line = planned.line
        if planned.key in seen:
            report.errors.append(
                RowError(line, "identifiant", f"Même bilan que la ligne {seen[planned.key]} (même clé).")
            )
            continue
        seen[planned.key] = line
        report.planned.append(planned)

    existing = set(
        AnnualBilan.objects.filter(import_key__in=[p.key for p in report.planned]).values_list("import_key", flat=True)
    )
    report.already_imported = [(p.line, p.key) for p in report.planned if p.key in existing]
    report.planned = [p for p in report.planned if p.key not in existing]
    _check_campaigns(report, year)
    if report.ok:  # what the dry run says would be created; nothing when refused
        report.created, report.unchanged = len(report.planned), len(report.already_imported)
    return report


def _tell_shared_posts_apart(planned):
    """Mediators who held the same post one after the other in the year: their rows name the
    same post, and their e-mails, all different, tell them apart (then the key carries both)."""
    by_key = defaultdict(list)
    for bilan in planned:
        if bilan.post is not None:
            by_key[bilan.key].append(bilan)
    for group in by_key.values():
        emails = {bilan.email for bilan in group}
        if len(group) > 1 and "" not in emails and len(emails) == len(group):
            for bilan in group:
                bilan.key = f"{bilan.key}:email:{bilan.email}"[:KEY_LENGTH]


def _check_row(line, values, year, refs, errors):
    before = len(errors)

    def error(column, message):
        errors.append(RowError(line, column, message))

    row_year = _integer(values.get("annee", ""))
    if row_year is None:
        error("annee", "Année attendue (par exemple 2023).")
    elif row_year != year:
        error("annee", f"L'année {row_year} ne correspond pas à l'année importée ({year}).")

    code = values.get("departement", "")
    code = code.zfill(2) if WHOLE_NUMBER.fullmatch(code) else code.upper()
    department = refs.departments.get(code)
    if department is None:
        error("departement", f"Département inconnu : « {values.get('departement', '')} ».")
    elif refs.allowed is not None and department.pk not in refs.allowed:
        error("departement", f"Le département {department.name} n'est pas dans votre périmètre.")

    post = None
    post_code = values.get("code_poste", "")
    if post_code:
        post = refs.posts.get(post_code.lower())
        if post is None:
            error("code_poste", f"Poste inconnu : « {post_code} ».")
        elif department is not None and post.department_id != department.pk:
            error("code_poste", f"Le poste {post.code} n'est pas dans ce département.")

    post_type = _choice(values.get("type_poste", ""), PostType)
    if values.get("type_poste") and post_type is None:
        error("type_poste", "Type de poste attendu : QPV ou Rural.")
    elif post_type is None:
        if post is not None:
            post_type = post.post_type
        else:
            error("type_poste", "Indiquez le type de poste (QPV ou Rural) quand le code du poste est vide.")

    mediator = None
    email = values.get("email_mediateur", "").lower()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            error("email_mediateur", f"Adresse e-mail invalide : « {email} ».")
        mediator = refs.users.get(email)

    identifier = values.get("identifiant", "")
    if len(identifier) > 100:
        error("identifiant", "Identifiant trop long (100 caractères au plus).")

    usable = _yes_no(values.get("exploitable", ""))
    if usable is None:
        error("exploitable", "Réponse attendue : oui ou non.")

    figures = {}
    answers = {}
    for column, key in FIGURE_COLUMNS.items():
        raw = values.get(column, "")
        if raw == "":
            figures[key] = None
            continue
        number = _integer(raw)
        if number is None and column in YES_NO_FIGURES and _yes_no(raw) is not None:
            answers[YES_NO_FIGURES[column]] = _yes_no(raw)
            figures[key] = None if answers[YES_NO_FIGURES[column]] else 0
            continue
        if number is None or number < 0:
            expected = "Nombre entier positif ou nul, ou oui / non," if column in YES_NO_FIGURES else "Nombre entier"
            if column not in YES_NO_FIGURES:
                expected += " positif ou nul"
            error(column, f"{expected} attendu, pas « {raw[:40]} ».")
        elif number > MAX_FIGURE:
            error(column, f"Nombre trop grand (au plus {MAX_FIGURE:,}).".replace(",", " "))
        else:
            figures[key] = number
    for part, whole in OF_WHICH.items():
        if figures.get(part) is not None and figures.get(whole) is not None and figures[part] > figures[whole]:
            part_column = next(c for c, k in FIGURE_COLUMNS.items() if k == part)
            whole_column = next(c for c, k in FIGURE_COLUMNS.items() if k == whole)
            error(part_column, f"{figures[part]} dépasse le total « {whole_column} » ({figures[whole]}).")

    fields = {name: answers.get(name) for name in YES_NO_FIGURES.values()}
    for column, name in BOOLEAN_COLUMNS.items():
        raw = values.get(column, "")
        fields[name] = _yes_no(raw) if raw else None
        if raw and fields[name] is None:
            error(column, f"Réponse attendue : oui ou non, pas « {raw[:40]} ».")
    raw_project = values.get("projet_professionnel", "")
    fields["professional_project"] = None
    if raw_project:
        fields["professional_project"] = refs.project(raw_project)
        if fields["professional_project"] is None:
            error("projet_professionnel", f"Valeur inconnue : « {raw_project[:60]} » (Défini, En réflexion, Aucun).")
    for column, name in TEXT_COLUMNS.items():
        fields[name] = values.get(column, "")
        if len(fields[name]) > MAX_TEXT:
            error(column, f"Texte trop long ({MAX_TEXT} caractères au plus).")

    lists = {}
    for column, (name, vocabulary) in LIST_COLUMNS.items():
        lists[name] = []
        for label in (part.strip() for part in values.get(column, "").split(";")):
            if not label:
                continue
            item = refs.items[vocabulary].get(normalise(label))
            if item is None:
                error(column, f"Valeur inconnue dans la liste : « {label[:60]} ».")
            elif item.pk not in lists[name]:
                lists[name].append(item.pk)

    reference = ""
    if post is not None:
        reference = f"poste:{post.code}"
    elif email:
        reference = f"email:{email}"
    elif identifier:
        reference = f"ligne:{identifier}"
    elif not post_code:
        error("identifiant", "Indiquez un code de poste, un e-mail de médiateur·rice ou un identifiant de ligne.")
    if len(errors) > before:
        return None
    return PlannedBilan(
        line=line,
        key=f"{year}:{department.code}:{reference}",
        department=department,
        post=post,
        post_type=post_type,
        mediator=mediator,
        usable=usable,
        figures=figures,
        fields=fields,
        lists=lists,
        reference=reference.split(":", 1)[1],
        email=email,
    )


def _check_campaigns(report, year):
    """A department whose year N already has a campaign of the application cannot get history."""
    department_ids = {p.department.pk for p in report.planned}
    live = Campaign.objects.for_year(year).filter(imported=False).covering(department_ids)
    taken = set()
    for campaign in live.prefetch_related("departments"):
        taken |= campaign.department_ids()
    for planned in report.planned:
        if planned.department.pk in taken:
            report.errors.append(
                RowError(
                    planned.line,
                    "departement",
                    f"Une campagne {year} de l'application couvre déjà {planned.department.name} : "
                    "ses bilans ne s'importent pas.",
                )
            )


def _at(row, index, name):
    """The cell of column `name`, stripped, without NUL characters (no database stores them),
    and without the quote our exports put before a text a spreadsheet would run as a formula."""
    position = index.get(name)
    if position is None or position >= len(row):
        return ""
    return unquote(str(row[position]).replace("\x00", "").strip())


def _integer(raw):
    text = str(raw).replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    if text.endswith(".0"):
        text = text[:-2]
    if not WHOLE_NUMBER.fullmatch(text):
        return None
    return int(text)


def _yes_no(raw):
    value = normalise(raw)
    if value in YES:
        return True
    if value in NO:
        return False
    return None


def _choice(raw, choices):
    value = normalise(raw)
    for choice in choices:
        if value in (normalise(choice.value), normalise(choice.label)):
            return choice.value
    return None


# ---------------------------------------------------------------- writing


def _method(planned, key):
    """What the bilan's page says of an imported figure: imported, or the questionnaire's answer."""
    for column, field_name in YES_NO_FIGURES.items():
        answer = planned.fields.get(field_name)
        if FIGURE_COLUMNS[column] == key and answer is not None:
            return ANSWERED[answer]
    return IMPORTED_METHOD


@transaction.atomic
def _write(report, *, by, source):
    now = timezone.now()
    campaigns = _imported_campaigns(report.year, {p.department.pk for p in report.planned}, by=by)
    bilans = [
        AnnualBilan(
            campaign=campaigns[p.department.pk],
            mediator=p.mediator,
            post=p.post,
            year=report.year,
            department=p.department,
            post_type=p.post_type,
            state=BilanState.VALIDATED,
            usable=p.usable,
            usable_reason="Importé de l'historique.",
            usable_set_by=by,
            validated_at=now,
            validated_by=by,
            import_key=p.key,
            **p.fields,
        )
        for p in report.planned
    ]
    AnnualBilan.objects.bulk_create(bilans)
    by_key = {b.import_key: b for b in AnnualBilan.objects.filter(import_key__in=[p.key for p in report.planned])}
    BilanFigure.objects.bulk_create(
        BilanFigure(bilan=by_key[p.key], key=key, declared=value, method=_method(p, key))
        for p in report.planned
        for key, value in p.figures.items()
    )
    for name, _vocabulary in LIST_COLUMNS.values():
        through = getattr(AnnualBilan, name).through
        through.objects.bulk_create(
            through(annualbilan_id=by_key[p.key].pk, vocabularyitem_id=item)
            for p in report.planned
            for item in p.lists[name]
        )
    BilanEvent.objects.bulk_create(
        BilanEvent(
            bilan=by_key[p.key],
            at=now,
            by=by,
            action=BilanAction.VALIDATED,
            comment=f"Importé de l'historique (fichier « {source[:100]} », ligne {p.line}).",
        )
        for p in report.planned
    )
    report.created = len(bilans)


def _imported_campaigns(year, department_ids, *, by):
    """{department id: imported campaign of `year`}: an existing one when it covers the
    department, else one new campaign for all the departments left."""
    found = {}
    for campaign in Campaign.objects.for_year(year).filter(imported=True).prefetch_related("departments"):
        for pk in campaign.department_ids() & department_ids:
            found[pk] = campaign
    missing = department_ids - set(found)
    if missing:
        campaign = Campaign.objects.create(year=year, imported=True, opened_by=by)
        campaign.departments.set(missing)
        found.update(dict.fromkeys(missing, campaign))
    return found


def template_dataset():
    """The template offered for download: the headers and one example row."""
    dataset = tablib.Dataset(headers=COLUMNS)
    example = {
        "annee": "2023",
        "departement": "59",
        "code_poste": "HDF-59-01",
        "type_poste": "QPV",
        "exploitable": "oui",
        "personnes": "180",
        "personnes_qpv": "120",
        "personnes_droits": "95",
        "personnes_soins": "110",
        "personnes_protection_sociale": "40",
        "actions_public": "6",
        "actions_professionnels": "2",
        "actions_coconstruites": "3",
        "actions_participation": "4",
        "partenaires_sanitaires": "8",
        "partenaires_sociaux": "6",
        "partenaires_medico_sociaux": "2",
        "aller_vers_personnes": "150",
        "aller_vers_logements": "320",
        "partenariat_cpam": "oui",
        "identifie_terrain": "oui",
        "missions_connues": "oui",
        "instances_partenariales": "non",
        "forme": "oui",
        "projet_professionnel": "En réflexion",
        "formations": "Formation médiation en santé (IREPS)",
        "themes": "Nutrition (alimentation, activité physique); Cancer / dépistages",
        "partenaires_coanimation": "CPAM; Centre social",
        "publics": "Habitants; Parents",
        "besoins_sante": "Santé mentale; Accès aux soins",
        "freins": "Mobilité; Complexité des démarches administratives",
        "ce_qui_a_aide": "Le soutien de la structure",
        "ce_qui_a_freine": "Peu de médecins acceptant de nouveaux patients",
        "a_ameliorer": "Des temps d'échange entre médiateurs",
    }
    dataset.append([example.get(column, "") for column in COLUMNS])
    return dataset
