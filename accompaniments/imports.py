"""Historical accompaniment sheets: one row per request (or per sheet without request), in bulk.

Rows sharing (person identifier, post, sheet date) make one sheet; the person is found, or
created, by (structure of the post, identifier). Names may be missing from historical extracts:
the person is then recorded as "Personne <identifier>". An identifier "app-<n>", written by the
caseload export for people recorded without one, finds person n of the same structure.

Every row is read and checked before anything is written, against the reference data loaded in
a few queries; the writes are bulk inserts and updates (a row-by-row import-export resource
needs three to five minutes for 50 000 rows of a single model, this path 20 to 30 seconds for
people, sheets and requests together: see `benchmark_import`). Writes
are audited in bulk too (one audit entry per record created or updated, with the importer as
author). Importing the same file twice changes nothing: people, sheets and requests are found by
their keys, and a request by (domain, type, opening date) within its sheet.

The work is a generator of Progress events (`steps`): reading the rows, checking people and
sheets against what is stored, then writing by chunks of PROGRESS_EVERY rows, with an event every
PROGRESS_EVERY rows of each stage, so that a long import can show where it is. `run` goes through
it without showing anything."""

import datetime
import re
from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass, field

from auditlog.models import LogEntry
from django.db.models.functions import Lower
from django.utils import timezone

from mediation.enums import Vocabulary
from mediation.imports import bulk, values
from mediation.imports import report as progress
from mediation.imports.formats import thousands
from mediation.imports.report import Column, ImportReport, Progress, cell, finish, map_headers
from mediation.imports.services import ImportKind
from mediation.imports.values import CellError
from mediation.models import Membership, Post, PostHolding, User

from .audit import log_batch
from .enums import RequestDomain, RequestStatus
from .models import Beneficiary, Sheet, SheetRequest, search_key

BATCH_SIZE = 1000
READING_ROWS = "Lecture des lignes"
CHECKING = "Vérification des personnes et des fiches"
SAVING = "Enregistrement"
EARLIEST_DATE = datetime.date(1990, 1, 1)
PLACEHOLDER_LAST_NAME = "Personne"
UNKNOWN_CLOSING = (
    "demande(s) résolue(s) ou non résolue(s) sans date de clôture : enregistrée(s) close(s) le jour de leur "
    "ouverture (au bilan, closes dans l'année de la fiche), affichée(s) « date inconnue »"
)
APP_ID = re.compile(r"^app-(\d+)$", re.IGNORECASE)
# Cells that differ on nearly every row: not worth remembering (see SheetImport._parse).
UNIQUE_CELLS = frozenset({"identifiant_personne", "nom", "prenom"})

COLUMNS = (
    Column("email_mediateur", "E-mail du ou de la médiateur·rice", True, "Adresse de son compte dans l'application."),
    Column("code_poste", "Code du poste", True, "Le poste sur lequel la fiche a été ouverte."),
    Column("date_fiche", "Date de la fiche", True, "JJ/MM/AAAA : le jour où la fiche a été ouverte."),
    Column(
        "identifiant_personne",
        "Identifiant de la personne",
        True,
        "Identifiant stable de la personne dans vos fichiers (le même sur toutes ses lignes).",
        aliases=("identifiant", "id_personne"),
    ),
    Column("nom", "Nom de la personne", help="Facultatif : à défaut, « Personne <identifiant> »."),
    Column("prenom", "Prénom de la personne", help="Facultatif."),
    Column("sexe", "Sexe", help="Femme · Homme · Non binaire (ou F, H)."),
    Column("age", "Âge", help="Âge à la date de la fiche ; à défaut, calculé depuis l'année de naissance."),
    Column("annee_naissance", "Année de naissance", help="AAAA."),
    Column("qpv", "Habite en QPV", help="oui · non."),
    Column("ressources", "Ressources", help="Une valeur de la liste des ressources du bilan."),
    Column(
        "connu_par",
        "Comment la personne a connu le médiateur",
        help="Une valeur de la liste du bilan (Aller vers, Bouche-à-oreille…).",
        aliases=("comment_connu",),
    ),
    Column("mode_contact", "Mode de contact", help="Permanence · Domicile · Téléphone…"),
    Column("domaine", "Domaine de la demande", help="Accès aux droits · Accès aux soins ; vide si aucune demande."),
    Column("type_demande", "Type de demande", help="Une valeur de la liste du domaine."),
    Column("etat", "État de la demande", help="en cours · résolue · non résolue."),
    Column("date_ouverture", "Date d'ouverture de la demande", help="JJ/MM/AAAA ; à défaut, la date de la fiche."),
    Column(
        "date_cloture",
        "Date de clôture de la demande",
        help="Pour une demande résolue ou non résolue ; vide : date inconnue (close le jour de son ouverture).",
    ),
)
HEADERS = [c.key for c in COLUMNS]
# Sheet fields the file may set, and the column each comes from.
SHEET_FIELDS = {
    "mediator_id": "email_mediateur",
    "sex_id": "sexe",
    "age": "age",
    "lives_in_qpv": "qpv",
    "resources_id": "ressources",
    "came_via_id": "connu_par",
    "contact_mode_id": "mode_contact",
}
REQUEST_COLUMNS = ("domaine", "type_demande", "etat", "date_ouverture", "date_cloture")
# What a row may change in a stored request, and what is read of the stored ones.
REQUEST_CHANGES = ("status", "closed_on", "closed_on_unknown")
REQUEST_STORED = ("pk", "sheet_id", "domain", "kind_id", "opened_on", *REQUEST_CHANGES)

DOMAINS = values.enum_choices(
    RequestDomain,
    name="domaine",
    aliases={"droits": RequestDomain.RIGHTS, "soins": RequestDomain.CARE, "accès droits": RequestDomain.RIGHTS},
)
STATUSES = values.enum_choices(
    RequestStatus,
    name="état",
    aliases={
        "résolu": RequestStatus.RESOLVED,
        "non résolue": RequestStatus.UNRESOLVED,
        "non résolu": RequestStatus.UNRESOLVED,
        "abandon": RequestStatus.UNRESOLVED,
        "refus": RequestStatus.UNRESOLVED,
        "en cours de traitement": RequestStatus.IN_PROGRESS,
    },
)


@dataclass
class ParsedRow:
    line: int
    post: Post
    opened_on: datetime.date
    external_id: str
    last_name: str
    first_name: str
    birth_year: int | None
    sheet: dict  # the SHEET_FIELDS the file gives
    request: dict | None  # domain, kind_id, status, opened_on, closed_on, closed_on_unknown
    stored_request: dict | None = None  # the stored request this row matches
    request_changes: dict = field(default_factory=dict)

    @property
    def person_key(self):
        return (self.post.structure_id, self.external_id)

    @property
    def sheet_key(self):
        return (self.post.structure_id, self.external_id, self.post.pk, self.opened_on)


@dataclass
class PlannedSheet:
    rows: list = field(default_factory=list)
    existing: dict | None = None  # the stored sheet's values, or None for a new sheet
    changes: dict = field(default_factory=dict)
    instance: Sheet | None = None


class SheetImport:
    def __init__(self, table, *, user, allowed_department_ids=None, source=""):
        self.table = table
        self.user = user
        self.allowed = None if allowed_department_ids is None else set(allowed_department_ids)
        self.source = source
        self.report = ImportReport(total=len(table.rows), description=table.description)

    # ------------------------------------------------------------ entry point

    def run(self, *, dry_run):
        """Check every row, count what would change, and unless `dry_run` (or on any error)
        write it. The caller holds the transaction and rolls it back on errors."""
        return finish(self.steps(dry_run=dry_run))

    def steps(self, *, dry_run):
        """`run` as a generator of Progress events; returns the report. The caller holds the
        transaction: if the generator is closed before its end, the caller's transaction is
        rolled back by the GeneratorExit raised at the yield where it stopped."""
        index, ignored, header_errors = map_headers(self.table.headers, COLUMNS)
        self.report.ignored_columns = ignored
        if header_errors:
            self.report.errors.extend(header_errors)
            return self.report
        self.index = index
        self._load_references()
        rows = []
        yield self._start(READING_ROWS)
        for number, row in enumerate(self.table.rows, start=1):
            parsed = self._parse(row)
            if parsed is not None:
                rows.append(parsed)
            if event := self._tick(number):
                yield event
        sheets = self._group(rows)
        if self.report.errors:
            return self.report
        people = yield from self._plan(sheets, dry_run=dry_run)
        if not dry_run and not self.report.errors:
            yield from self._write(people, sheets)
            self.report.applied = True
        return self.report

    def _start(self, stage):
        self._stage, self._next_event = stage, progress.PROGRESS_EVERY
        return Progress(stage, 0, self.report.total)

    def _tick(self, done):
        """The stage's Progress once `done` rows reach the next multiple of PROGRESS_EVERY, and
        at the end of the rows; else None."""
        total = self.report.total
        if done < self._next_event and done < total:
            return None
        every = progress.PROGRESS_EVERY
        self._next_event = (done // every + 1) * every
        return Progress(self._stage, min(done, total), total)

    # ------------------------------------------------------------ reading

    def _load_references(self):
        posts_codes, emails = set(), set()
        for row in self.table.rows:
            posts_codes.add(str(cell(row, self.index["code_poste"])).strip())
            emails.add(str(cell(row, self.index["email_mediateur"])).strip().lower())
        self.posts = {
            p.code: p for p in Post.objects.filter(code__in=posts_codes).select_related("department", "structure")
        }
        self.users = {
            u.email_key: u for u in User.objects.annotate(email_key=Lower("email")).filter(email_key__in=emails)
        }
        post_ids = [p.pk for p in self.posts.values()]
        self.held = set(PostHolding.objects.filter(post__in=post_ids).values_list("post_id", "mediator_id"))
        self.members = set(
            Membership.objects.filter(user__in=self.users.values()).values_list("user_id", "structure_id")
        )
        self.sex = values.vocabulary_choices(
            Vocabulary.SEX, name="sexe", aliases={"F": "female", "H": "male", "Féminin": "female", "Masculin": "male"}
        )
        self.resources = values.vocabulary_choices(Vocabulary.RESOURCES, name="ressource")
        self.came_via = values.vocabulary_choices(Vocabulary.CAME_VIA, name="valeur")
        self.contact_modes = values.vocabulary_choices(Vocabulary.CONTACT_MODE, name="mode de contact")
        self.kinds = {
            RequestDomain.RIGHTS: values.vocabulary_choices(Vocabulary.RIGHTS_REQUEST, name="type de demande"),
            RequestDomain.CARE: values.vocabulary_choices(Vocabulary.CARE_REQUEST, name="type de demande"),
        }
        self.today = timezone.localdate()
        self._seen = {}  # (column, cell) -> (value, errors): see _parse

    def _get(self, row, key):
        position = self.index.get(key)
        return cell(row, position) if position is not None else ""

    def _has(self, key):
        return key in self.index

    @staticmethod
    def _read(column, reader, raw, options, errors):
        try:
            return reader(raw, **options)
        except CellError as error:
            errors.append((column, str(error)))
            return None

    def _date(self, raw, errors, column, *, required=False):
        if not isinstance(raw, Hashable):
            return self._read_date(raw, errors, column, required=required)
        key = (column, values.date, type(raw), raw)
        if key not in self._seen:
            found = []
            self._seen[key] = (self._read_date(raw, found, column, required=required), found)
        day, found = self._seen[key]
        errors.extend(found)
        return day

    def _read_date(self, raw, errors, column, *, required=False):
        try:
            day = values.date(raw, required=required)
        except CellError as error:
            errors.append((column, str(error)))
            return None
        if day is not None and not EARLIEST_DATE <= day <= self.today:
            errors.append((column, f"La date {day:%d/%m/%Y} est hors de la période possible."))
            return None
        return day

    def _parse(self, row):
        errors = []
        seen = self._seen

        def read(column, reader, **options):
            # A column is read by one reader with the same options on every row (the type of
            # request by its domain's list): a cell's value, or its error, is worked out once
            # per spelling (a file repeats a few emails, posts, dates and list values on every
            # row), but for the people's own cells. The type too: True == 1, but not as an age.
            raw = self._get(row, column)
            key = (column, reader, type(raw), raw)
            if column in UNIQUE_CELLS or not isinstance(raw, Hashable):
                return self._read(column, reader, raw, options, errors)
            if key not in seen:
                found = []
                seen[key] = (self._read(column, reader, raw, options, found), found)
            value, found = seen[key]
            errors.extend(found)
            return value

        email = read("email_mediateur", values.email, required=True)
        mediator = self.users.get(email) if email else None
        if email and mediator is None:
            errors.append(
                ("email_mediateur", f"Aucun compte n'a l'adresse {email} : importez d'abord le registre des postes.")
            )
        code = read("code_poste", values.text, required=True)
        post = self.posts.get(code) if code else None
        if code and post is None:
            errors.append(("code_poste", f"Poste inconnu : « {code} »."))
        elif post is not None and self.allowed is not None and post.department_id not in self.allowed:
            errors.append(("code_poste", f"Le poste {code} est dans un département hors de votre périmètre."))
        elif post is not None and mediator is not None:
            if (post.pk, mediator.pk) not in self.held and (mediator.pk, post.structure_id) not in self.members:
                errors.append(
                    (
                        "email_mediateur",
                        f"{email} n'a jamais tenu le poste {code} et n'appartient pas à sa structure.",
                    )
                )
        opened_on = self._date(self._get(row, "date_fiche"), errors, "date_fiche", required=True)
        external_id = read("identifiant_personne", values.text, required=True, max_length=100)
        last_name = read("nom", values.name, max_length=150) or ""
        first_name = read("prenom", values.name, max_length=150) or ""
        birth_year = read("annee_naissance", values.integer, minimum=1900, maximum=self.today.year)
        sheet = {}
        if mediator is not None:
            sheet["mediator_id"] = mediator.pk
        if self._has("sexe"):
            sheet["sex_id"] = getattr(read("sexe", self.sex), "pk", None)
        if self._has("age") or self._has("annee_naissance"):
            age = read("age", values.integer, minimum=0, maximum=130)
            if age is None and birth_year and opened_on:
                age = opened_on.year - birth_year
                if not 0 <= age <= 130:
                    errors.append(("annee_naissance", "L'année de naissance ne va pas avec la date de la fiche."))
            sheet["age"] = age
        if self._has("qpv"):
            sheet["lives_in_qpv"] = read("qpv", values.yes_no)
        if self._has("ressources"):
            sheet["resources_id"] = getattr(read("ressources", self.resources), "pk", None)
        if self._has("connu_par"):
            sheet["came_via_id"] = getattr(read("connu_par", self.came_via), "pk", None)
        if self._has("mode_contact"):
            sheet["contact_mode_id"] = getattr(read("mode_contact", self.contact_modes), "pk", None)
        request = self._parse_request(row, opened_on, read, errors)
        for column, message in errors:
            self.report.error(row.line, column, message)
        if errors:
            return None
        return ParsedRow(
            line=row.line,
            post=post,
            opened_on=opened_on,
            external_id=external_id,
            last_name=last_name,
            first_name=first_name,
            birth_year=birth_year,
            sheet=sheet,
            request=request,
        )

    def _parse_request(self, row, sheet_date, read, errors):
        if all(values.is_empty(self._get(row, c)) for c in REQUEST_COLUMNS):
            return None
        domain = read("domaine", DOMAINS, required=True)
        kind = read("type_demande", self.kinds[domain], required=True) if domain else None
        status = read("etat", STATUSES, required=True)
        opened_on = self._date(self._get(row, "date_ouverture"), errors, "date_ouverture") or sheet_date
        closed_on = self._date(self._get(row, "date_cloture"), errors, "date_cloture")
        closed_on_unknown = False
        if status == RequestStatus.IN_PROGRESS and closed_on:
            errors.append(("date_cloture", "Une demande en cours n'a pas de date de clôture."))
        elif status in (RequestStatus.RESOLVED, RequestStatus.UNRESOLVED) and closed_on is None:
            if "date_cloture" not in {c for c, _ in errors}:
                # The old tools kept the outcome, not its day: closed on its opening day, so
                # that the bilan counts it closed within its year, and shown « date inconnue ».
                closed_on, closed_on_unknown = opened_on, True
        elif closed_on and opened_on and closed_on < opened_on:
            errors.append(("date_cloture", "La date de clôture précède l'ouverture de la demande."))
        if kind is None or status is None:
            return None
        return {
            "domain": domain,
            "kind_id": kind.pk,
            "status": status,
            "opened_on": opened_on,
            "closed_on": closed_on,
            "closed_on_unknown": closed_on_unknown,
        }

    def _group(self, rows):
        """Rows by sheet; the rows of one sheet must agree on the sheet's fields."""
        sheets = {}
        for row in rows:
            planned = sheets.setdefault(row.sheet_key, PlannedSheet())
            if planned.rows:
                first = planned.rows[0]
                for name, value in row.sheet.items():
                    if first.sheet.get(name) != value:
                        self.report.error(
                            row.line,
                            SHEET_FIELDS[name],
                            f"Différent de la ligne {first.line}, qui décrit la même fiche "
                            "(même personne, même poste, même date).",
                        )
            planned.rows.append(row)
        return sheets

    # ------------------------------------------------------------ planning

    def _plan(self, sheets, *, dry_run):
        """Match people, sheets and requests with what is stored; count rows to create, update
        or leave. Yields its progress; returns {person key: Beneficiary (new, unsaved) or pk
        (stored)}."""
        yield self._start(CHECKING)
        structure_ids = {key[0] for key in sheets}
        people = {}
        if structure_ids:
            stored = Beneficiary.objects.filter(structure_id__in=structure_ids).exclude(external_id="")
            for pk, structure_id, external_id in stored.values_list("pk", "structure_id", "external_id"):
                people[(structure_id, external_id)] = pk
            app_ids = {
                int(match.group(1)): key
                for key in {(k[0], k[1]) for k in sheets}
                if key not in people and (match := APP_ID.match(key[1]))
            }
            if app_ids:
                without_id = Beneficiary.objects.filter(structure_id__in=structure_ids, external_id="")
                for pk, structure_id in without_id.values_list("pk", "structure_id"):
                    key = app_ids.get(pk)
                    if key is not None and key[0] == structure_id:
                        people[key] = pk
        # The stored sheets and requests of the file's posts, in two queries that follow the
        # indexes (post, then sheet), with no list of thousands of ids sent to the database and
        # no join a planner could get wrong on tables just filled: what is not about the file's
        # people is left out here.
        post_ids = {key[2] for key in sheets}
        known = set(people.values())
        stored_sheets = {}
        sheet_fields = ["pk", "beneficiary_id", "post_id", "opened_on", *SHEET_FIELDS]
        for stored_sheet in Sheet.objects.filter(post_id__in=post_ids).order_by("pk").values(*sheet_fields).iterator():
            if stored_sheet["beneficiary_id"] in known:
                key = (stored_sheet["beneficiary_id"], stored_sheet["post_id"], stored_sheet["opened_on"])
                stored_sheets.setdefault(key, stored_sheet)
        stored_requests = defaultdict(list)
        if stored_sheets:
            kept = {s["pk"] for s in stored_sheets.values()}
            requests = SheetRequest.objects.filter(sheet__post_id__in=post_ids).order_by("pk")
            for request in requests.values(*REQUEST_STORED):
                if request["sheet_id"] in kept:
                    stored_requests[request["sheet_id"]].append(request)

        new_people = {}
        done = 0
        for key, planned in sheets.items():
            done += len(planned.rows)
            person_key = key[:2]
            first = planned.rows[0]
            person_pk = people.get(person_key)
            if person_pk is None and person_key not in new_people:
                new_people[person_key] = self._new_person(planned.rows)
            existing = stored_sheets.get((person_pk, first.post.pk, first.opened_on)) if person_pk else None
            planned.existing = existing
            if existing is not None:
                planned.changes = {n: v for n, v in first.sheet.items() if existing[n] != v}
            self._plan_requests(planned, stored_requests.get(existing["pk"], []) if existing else [])
            if event := self._tick(done):
                yield event
        people.update(new_people)
        counts = (
            (len(new_people), "personne(s) à créer", "personne(s) créée(s)"),
            (sum(1 for p in sheets.values() if p.existing is None), "fiche(s) à créer", "fiche(s) créée(s)"),
            (sum(1 for p in sheets.values() if p.changes), "fiche(s) à mettre à jour", "fiche(s) mise(s) à jour"),
        )
        self.report.notes = [f"{thousands(n)} {planned if dry_run else done}" for n, planned, done in counts if n]
        unknown = sum(1 for p in sheets.values() for r in p.rows if r.request and r.request["closed_on_unknown"])
        if unknown:
            self.report.notes.append(f"{thousands(unknown)} {UNKNOWN_CLOSING}")
        return people

    def _new_person(self, rows):
        first = rows[0]
        last_name = next((r.last_name for r in rows if r.last_name), "")
        first_name = next((r.first_name for r in rows if r.first_name), "")
        if not last_name and not first_name:
            last_name, first_name = PLACEHOLDER_LAST_NAME, first.external_id[:150]
        return Beneficiary(
            structure_id=first.post.structure_id,
            referent_id=first.sheet.get("mediator_id"),
            last_name=last_name,
            first_name=first_name,
            name_key=search_key(last_name, first_name),
            birth_year=next((r.birth_year for r in rows if r.birth_year), None),
            sex_id=first.sheet.get("sex_id"),
            lives_in_qpv=first.sheet.get("lives_in_qpv"),
            resources_id=first.sheet.get("resources_id"),
            came_via_id=first.sheet.get("came_via_id"),
            external_id=first.external_id,
        )

    def _plan_requests(self, planned, stored):
        """Pair the file's requests with the stored ones of the same (domain, type, opening date),
        in order; mark each row created, updated or unchanged."""
        available = defaultdict(list)
        for request in stored:
            available[(request["domain"], request["kind_id"], request["opened_on"])].append(request)
        report = self.report
        for position, row in enumerate(planned.rows):
            sheet_changed = position == 0 and bool(planned.changes)
            if planned.existing is None:
                report.created += 1
                continue
            if row.request is None:
                report.updated += sheet_changed
                report.unchanged += not sheet_changed
                continue
            match = available[(row.request["domain"], row.request["kind_id"], row.request["opened_on"])]
            if not match:
                report.created += 1
                continue
            stored_request = match.pop(0)
            row.stored_request = stored_request
            row.request_changes = {n: row.request[n] for n in REQUEST_CHANGES if stored_request[n] != row.request[n]}
            if row.request_changes or sheet_changed:
                report.updated += 1
            else:
                report.unchanged += 1

    # ------------------------------------------------------------ writing

    def _write(self, people, sheets):
        """Write by chunks of about PROGRESS_EVERY rows (the sheets of a chunk with their people,
        requests and audit entries), yielding the progress after each."""
        yield self._start(SAVING)
        self._audited = {}
        chunk, done = [], 0
        for key, planned in sheets.items():
            chunk.append((key, planned))
            done += len(planned.rows)
            if event := self._tick(done):
                self._write_chunk(people, chunk)
                chunk = []
                yield event
        if chunk:
            self._write_chunk(people, chunk)
        self._log_import()

    def _write_chunk(self, people, chunk):
        # The chunk's people not yet stored (one person may have sheets in several chunks).
        created_people = {}
        for key, _planned in chunk:
            person = people[key[:2]]
            if isinstance(person, Beneficiary) and person.pk is None:
                created_people[key[:2]] = person
        created_people = list(created_people.values())
        for person in created_people:
            person.fill_duplicate_keys()  # save() would, bulk_create does not
        bulk.insert(created_people, batch_size=BATCH_SIZE)
        new_sheets, changed_sheets = [], []
        for key, planned in chunk:
            first = planned.rows[0]
            if planned.existing is None:
                person = people[key[:2]]
                planned.instance = Sheet(
                    beneficiary_id=person.pk if isinstance(person, Beneficiary) else person,
                    post_id=first.post.pk,
                    opened_on=first.opened_on,
                    **first.sheet,
                )
                new_sheets.append(planned.instance)
            elif planned.changes:
                sheet = Sheet(pk=planned.existing["pk"], **{n: planned.existing[n] for n in SHEET_FIELDS})
                for name, value in planned.changes.items():
                    setattr(sheet, name, value)
                changed_sheets.append(sheet)
        bulk.insert(new_sheets, batch_size=BATCH_SIZE)
        if changed_sheets:
            fields = sorted({n for _key, planned in chunk for n in planned.changes})
            Sheet.objects.bulk_update(changed_sheets, [f.removesuffix("_id") for f in fields], batch_size=BATCH_SIZE)
        new_requests, changed_requests = [], []
        for _key, planned in chunk:
            sheet_pk = planned.instance.pk if planned.instance is not None else planned.existing["pk"]
            post_id = planned.rows[0].post.pk
            for row in planned.rows:
                if row.request is None:
                    continue
                if row.stored_request is None:
                    # The sheet's post given here: bulk_create would read it back from the sheets.
                    new_requests.append(SheetRequest(sheet_id=sheet_pk, post_id=post_id, **row.request))
                elif row.request_changes:
                    request = SheetRequest(pk=row.stored_request["pk"], **row.request, sheet_id=sheet_pk)
                    request.follow_up_on = None
                    changed_requests.append(request)
        SheetRequest.objects.bulk_create(new_requests, batch_size=BATCH_SIZE)
        if changed_requests:
            SheetRequest.objects.bulk_update(
                changed_requests, [*REQUEST_CHANGES, "follow_up_on"], batch_size=BATCH_SIZE
            )
        # Audited once for the whole import, at its end (_write): one entry per model and action.
        for model, action, records in (
            (Beneficiary, LogEntry.Action.CREATE, created_people),
            (Sheet, LogEntry.Action.CREATE, new_sheets),
            (Sheet, LogEntry.Action.UPDATE, changed_sheets),
            (SheetRequest, LogEntry.Action.CREATE, new_requests),
            (SheetRequest, LogEntry.Action.UPDATE, changed_requests),
        ):
            self._audited.setdefault((model, action), []).extend(r.pk for r in records)

    def _log_import(self):
        """The audit trail of the import: one entry per model and action naming its records."""
        for (model, action), pks in self._audited.items():
            log_batch(model, pks, action=action, actor=self.user, extra={"import": self.source})


HISTORICAL_SHEETS = ImportKind(
    "fiches",
    "Fiches d'accompagnement historiques",
    "Les personnes, leurs fiches et leurs demandes tenues avant l'application : une ligne par demande.",
    COLUMNS,
    "fiches-historiques.md",
    "modele-fiches-historiques.csv",
    runner=SheetImport,
)
