"""Published editions of the bilan: the figures (JSON), the PDF and the workbook of a year and a
scope, made once from one computation and stored as they were, so that what the region cites
never moves. The dashboard shows the latest edition from its stored JSON (rebuilt into the same
Bilan the live computation returns, so the same templates and charts draw it); the live figures
stay one click away, with what differs from the edition listed and marked in place.

Every edition is the readers' edition (secrecy.py): whoever publishes it, what a reader opens
through an edition is what the reader would see live."""

import dataclasses
import datetime
import hashlib
import json
import logging
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from mediation.enums import Role
from mediation.models import Department
from mediation.perms import role_of

from . import exports, opendata, public_edition, secrecy
from .activity import Activity
from .annual import AnnexColumn, AnnexRow, AnnexTable, AnnualPart, OpenAnswers, RankedItem, RankedList
from .bilan import Bilan, Headline, compute_bilan
from .evolution import Evolution, EvolutionRow, EvolutionSeries
from .models import Edition, Publication
from .pdf import render_bilan_pdf
from .public_pdf import render_public_pdf
from .queries import PostsRegister, RegisterRow
from .scope import resolve_scope
from .tables import Cell, CountTable, MeanRow, MeanTable, RequestTable, Row, VolumeRow, VolumeTable
from .tasks import run_publication

# The dashboard's query parameter asking for the live figures when an edition exists.
LIVE_PARAM, LIVE_VALUE = "vue", "direct"
FILE_KINDS = ("json", "pdf", "xlsx")
# Every stored file of an edition, the public edition's included: deferred unless asked for.
STORED_FILES = (*FILE_KINDS, "public_json", "public_pdf", "public_csv")
# Who publishes: coordinators and administrators, each for the scopes of the dashboard they see.
PUBLISHERS = (Role.COORDINATOR, Role.ADMIN)

logger = logging.getLogger(__name__)


class PublishError(Exception):
    """A publication refused, with the French message to show."""


@dataclass(frozen=True)
class Stamp:
    """What an edition's PDF says of itself."""

    version: int
    published_at: datetime.datetime
    json_sha256: str


def fingerprint(content):
    return hashlib.sha256(content).hexdigest()


def readers_scope(scope):
    return dataclasses.replace(scope, protected=True)


def edition_document(bilan, *, version, published_at, reason):
    """The bilan's JSON document (docs/bilan-json.md) with the edition's metadata."""
    document = exports.bilan_document(bilan)
    document["edition"] = {"version": version, "published_at": published_at.isoformat(), "reason": reason}
    return document


def render_files(bilan, *, version, published_at, reason):
    """The three files of an edition from one Bilan: {kind: bytes}. The PDF carries the JSON's
    fingerprint (it cannot carry its own)."""
    document = edition_document(bilan, version=version, published_at=published_at, reason=reason)
    figures = json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
    stamp = Stamp(version=version, published_at=published_at, json_sha256=fingerprint(figures))
    return {
        "json": figures,
        "pdf": render_bilan_pdf(bilan, stamp),
        "xlsx": exports.export_bilan_book(bilan, "xlsx"),
    }


def has_public_edition(scope):
    """The public edition is published with the edition of a whole region, every post type: its
    departments and territoires are rows of its tables, all masked together (public_edition.py)."""
    return scope.kind == "region" and not scope.post_type


PUBLIC_KEYS = (
    "schema_version",
    "year",
    "scope",
    "computed_at",
    "summary",
    "register",
    "secrecy",
    "activity",
    "annual",
    "previous_year",
    "edition",
)
PUBLIC_ACTIVITY_KEYS = (
    "volume",
    "age",
    "sex",
    "qpv",
    "resources",
    "came_via",
    "rights_requests",
    "care_requests",
    "people",
)


def public_document(public, *, version, published_at, reason):
    """The public edition's JSON: the bilan's document (docs/bilan-json.md) of the masked figures,
    with the edition's metadata and, under "public", the rule and each territoire's total rows."""
    document = edition_document(public.bilan, version=version, published_at=published_at, reason=reason)
    # Only the keys the public edition masks or knows to be safe: a key added to the bilan's
    # document later stays out of the public one until its secrecy is decided here.
    document = {key: value for key, value in document.items() if key in PUBLIC_KEYS}
    if document["activity"] is not None:
        document["activity"] = {k: v for k, v in document["activity"].items() if k in PUBLIC_ACTIVITY_KEYS}
    document["public"] = {
        "min_persons": public.minimum,
        "min_mediators": secrecy.MIN_CONTRIBUTORS,
        "row_codes": list(public.row_codes),
        "territories": [
            {
                "code": territory.code,
                "label": territory.label,
                "tables": {key: dataclasses.asdict(rows[i]) for key, rows in public.territory_rows.items()},
            }
            for i, territory in enumerate(public.territories)
        ],
    }
    return document


def render_public_files(bilan, *, version, published_at, reason):
    """The public edition's files from the readers' Bilan of a region: {kind: bytes} for the
    public_json, public_pdf and public_csv fields."""
    departments = list(
        Department.objects.filter(pk__in=bilan.scope.department_ids).select_related("territory").order_by("code")
    )
    public = public_edition.public_bilan(bilan, departments)
    document = public_document(public, version=version, published_at=published_at, reason=reason)
    figures = json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
    stamp = Stamp(version=version, published_at=published_at, json_sha256=fingerprint(figures))
    return {
        "public_json": figures,
        "public_pdf": render_public_pdf(public, stamp),
        "public_csv": opendata.bilan_csv(public),
    }


def next_version(scope):
    latest = Edition.objects.for_scope(scope).latest_first().values_list("version", flat=True).first()
    return (latest or 0) + 1


def publish(scope, *, by, version, reason=""):
    """Publish `version` of the bilan of `scope` (the readers' edition), or refuse if it is not
    the next one: the same form sent twice, or by two people at once, makes one edition (the
    unique version settles a race on the database)."""
    reason = reason.strip()
    if version > 1 and not reason:
        raise PublishError("Indiquez le motif de cette nouvelle édition.")
    scope = readers_scope(scope)
    with transaction.atomic():
        if version != next_version(scope):
            raise PublishError(already_published_message(scope))
        bilan = compute_bilan(scope)
        published_at = timezone.now()
        files = render_files(bilan, version=version, published_at=published_at, reason=reason)
        if has_public_edition(scope):
            files |= render_public_files(bilan, version=version, published_at=published_at, reason=reason)
        try:
            with transaction.atomic():
                return Edition.objects.create(
                    year=scope.year,
                    scope_kind=scope.kind,
                    scope_code=scope.code,
                    scope_label=scope.label,
                    post_type=scope.post_type or "",
                    version=version,
                    published_by=by,
                    published_at=published_at,
                    reason=reason,
                    **{kind: content for kind, content in files.items()},
                    **{f"{kind}_sha256": fingerprint(content) for kind, content in files.items()},
                )
        except IntegrityError:
            raise PublishError(already_published_message(scope)) from None


def already_published_message(scope):
    return (
        f"Cette édition du bilan {scope.year} vient d'être publiée (formulaire envoyé deux fois, ou par une autre "
        "personne en même temps) : la liste des éditions la montre. Pour en publier une nouvelle, rouvrez le "
        "formulaire."
    )


# ---------------------------------------------------------------- publishing, by the worker

PUBLICATION_UNEXPECTED = (
    "La publication a rencontré une erreur inattendue : aucune édition n'a été créée. Réessayez ; si l'erreur "
    "se répète, prévenez l'administrateur·rice."
)
PUBLICATION_OUT_OF_SCOPE = "Ce bilan n'est plus dans le périmètre de la personne qui l'a demandé : rien n'a été publié."


def request_publication(scope, *, by, version, reason=""):
    """Record `by`'s request to publish `version` of the bilan of `scope` and queue it for the
    worker (`reporting.tasks.run_publication`), in one transaction: the worker sees both once
    committed, or neither. Refused (PublishError) when `version` is not the next one or is already
    asked for: the unique request of a version settles a double click or two coordinators at once."""
    reason = reason.strip()
    if version > 1 and not reason:
        raise PublishError("Indiquez le motif de cette nouvelle édition.")
    try:
        with transaction.atomic():
            if version != next_version(scope):
                raise PublishError(already_published_message(scope))
            publication = Publication.objects.create(
                year=scope.year,
                scope_kind=scope.kind,
                scope_code=scope.code,
                scope_label=scope.label,
                post_type=scope.post_type or "",
                version=version,
                reason=reason,
                requested_by=by,
            )
            run_publication.enqueue(publication.pk)
    except IntegrityError:
        raise PublishError(already_published_message(scope)) from None
    publication.refresh_from_db()  # the test settings' immediate queue has already run it
    return publication


def publication_scope(publication):
    """The scope of a request, as its author may see it now (None if they no longer may)."""
    departments = Department.objects.for_user(publication.requested_by)
    scope = resolve_scope(
        departments, year=publication.year, key=publication.scope_key, post_type=publication.post_type
    )
    if scope is None or (scope.key, scope.post_type or "") != (publication.scope_key, publication.post_type):
        return None
    return scope


def execute_publication(publication_id):
    """The worker's part: make the edition a request asks for, once (compute the bilan, render
    every file, store the Edition, all in one transaction), and record it on the request; or record
    why not, in French, with nothing made. Returns the request's state."""
    claimed = Publication.objects.filter(pk=publication_id, state=Publication.State.PENDING).update(
        state=Publication.State.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return "nothing to publish"
    publication = Publication.objects.select_related("requested_by").get(pk=publication_id)
    try:
        scope = publication_scope(publication)
        if scope is None:
            raise PublishError(PUBLICATION_OUT_OF_SCOPE)
        with transaction.atomic():
            edition = publish(
                scope, by=publication.requested_by, version=publication.version, reason=publication.reason
            )
            publication.finish(edition=edition, on=timezone.now())
    except PublishError as error:
        publication.fail(error=str(error), on=timezone.now())
    except Exception:  # a bug must end the request, visibly, never leave it running
        logger.exception("publication %s (by user %s) failed", publication.pk, publication.requested_by_id)
        publication.fail(error=PUBLICATION_UNEXPECTED, on=timezone.now())
    return publication.state


def last_failure(scope):
    """The scope's latest request if it failed after the latest edition (what the list says), or None."""
    latest = Publication.objects.for_scope(scope).order_by("-requested_at", "-pk").first()
    if latest is None or latest.state != Publication.State.FAILED or latest.version != next_version(scope):
        return None
    return latest


# ---------------------------------------------------------------- the stored JSON, read back


def _frozen(value):
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    return value


def _make(cls, **nested):
    """A builder of `cls` from its JSON dict: nested values through their own builders; keys the
    dataclass does not have are left out, missing ones take their default."""
    names = {field.name for field in dataclasses.fields(cls)}

    def build(data):
        return cls(**{k: nested[k](v) if k in nested else _frozen(v) for k, v in data.items() if k in names})

    return build


def _many(build):
    return lambda items: tuple(build(item) for item in items)


def _maybe(build):
    return lambda value: None if value is None else build(value)


_row = _make(Row, cells=_many(_make(Cell)))
_count_table = _make(CountTable, rows=_many(_row), total=_row, previous=_maybe(_row))
_request_table = _make(
    RequestTable,
    rows=_many(_row),
    total=_row,
    resolved=_row,
    previous=_maybe(_row),
    previous_resolved=_maybe(_row),
)
_volume_row = _make(VolumeRow)
_mean_row = _make(MeanRow)
_register_row = _make(RegisterRow)
_register = _make(
    PostsRegister,
    day=datetime.date.fromisoformat,
    rows=_many(_register_row),
    total=_register_row,
    previous=_maybe(_register_row),
)
ACTIVITY_BUILDERS = {
    "volume": _make(VolumeTable, rows=_many(_volume_row), total=_volume_row),
    "age": _make(MeanTable, rows=_many(_mean_row), total=_mean_row),
    "sex": _count_table,
    "qpv": _count_table,
    "resources": _count_table,
    "came_via": _count_table,
    "rights_requests": _request_table,
    "care_requests": _request_table,
}
_activity = _make(Activity, **ACTIVITY_BUILDERS)
_annex_column = _make(AnnexColumn)
_annex = _make(AnnexTable, columns=_many(_annex_column), rows=_many(_make(AnnexRow)), previous=_maybe(_annex_column))
_ranked = _make(RankedList, items=_many(_make(RankedItem)))
_evolution = _make(Evolution, series=_many(_make(EvolutionSeries, rows=_many(_make(EvolutionRow)))))
_answers = _make(OpenAnswers)


def _withheld_activity():
    """The sheet tables of a bilan that withholds them: empty (nothing of them is drawn)."""
    empty = Row(label="Total", cells=(), total=0)

    def count(key, cls=CountTable, **extra):
        return cls(key=key, title="", columns=(), rows=(), total=empty, **extra)

    return Activity(
        volume=VolumeTable(key="volume", title="", rows=(), total=VolumeRow("Total", 0, 0, None)),
        sex=count("sex"),
        age=MeanTable(key="age", title="", unit="ans", rows=(), total=MeanRow("Total", None, 0)),
        qpv=count("qpv"),
        resources=count("resources"),
        came_via=count("came_via"),
        rights_requests=count("rights_requests", RequestTable, resolved=empty),
        care_requests=count("care_requests", RequestTable, resolved=empty),
    )


def load_document(content):
    # Means are decimals in the Bilan: read them back as such, exactly as written.
    return json.loads(bytes(content), parse_float=Decimal)


def bilan_from_document(document, scope):
    """The Bilan an edition's JSON was written from (for `scope`, the readers' edition)."""
    annual = document["annual"]
    secrecy = document["secrecy"]
    activity = document["activity"]
    return Bilan(
        scope=readers_scope(scope),
        computed_at=datetime.datetime.fromisoformat(document["computed_at"]),
        register=_register(document["register"]),
        activity=_withheld_activity() if activity is None else _activity(activity),
        previous=_maybe(_activity)(document["previous_year"]),
        annual=AnnualPart(
            bilans=annual["bilans"],
            usable_by_department={},
            annex=_annex(annual["annex"]),
            ranked=tuple(_ranked(r) for r in annual["ranked"].values()),
            answers=tuple(
                _answers(a | {"by_department": tuple((name, tuple(texts)) for name, texts in a["by_department"])})
                for a in annual["open_answers"].values()
            ),
        ),
        summary=tuple(_make(Headline)(h) for h in document["summary"]),
        notices=tuple(secrecy["notices"]),
        activity_withheld=secrecy["activity_withheld"],
        # An edition published before the evolution was part of the document has none.
        evolution=_maybe(_evolution)(document.get("evolution")),
    )


def edition_bilan(edition, scope):
    return bilan_from_document(load_document(edition.json), scope)


# ---------------------------------------------------------------- edition against live figures


@dataclass(frozen=True)
class Difference:
    """A cell whose live value is not the edition's."""

    table: str
    row: str
    column: str
    edition: str
    live: str
    anchor: str = ""  # where the dashboard shows it
    # Where the cell is in the bilan: (table key, row label, its occurrence, column index in
    # exports.grid), or (SUMMARY, headline key, 1, None); the column None for a whole row or table.
    key: tuple = ()
    row_state: str = ""  # NEW_ROW, REMOVED_ROW (the row on one side only) or "" (on both)
    target: str = ""  # the id of its mark on the live page, once placed (marks())


SUMMARY = "en-resume"
NEW_ROW, REMOVED_ROW = "new", "removed"


def show(value, unit=""):
    if value is None or value == "":
        return "—"
    text = str(value).replace(".", ",") if isinstance(value, Decimal | float) else str(value)
    return f"{text} {unit}" if unit else text


def _same(a, b):
    numbers = (int, float, Decimal)
    if isinstance(a, numbers) and isinstance(b, numbers) and not isinstance(a, bool) and not isinstance(b, bool):
        return Decimal(str(a)) == Decimal(str(b))
    return a == b


def _keyed_rows(rows):
    """Rows by their label (the first text cell), a repeated label numbered."""
    keyed, seen = {}, {}
    for row in rows:
        label = next((cell for cell in row if isinstance(cell, str)), "")
        seen[label] = seen.get(label, 0) + 1
        keyed[(label, seen[label])] = row
    return keyed


def differences(edition, live):
    """Every figure of the edition's Bilan that the live Bilan (of the same scope, readers'
    edition) does not show the same: headlines, then each table cell by row label and column."""
    found = []
    live_headlines = {h.key: h for h in live.summary}
    for headline in edition.summary:
        other = live_headlines.get(headline.key)
        now = other.value if other else None
        if not _same(headline.value, now):
            found.append(
                Difference(
                    "En résumé",
                    headline.label,
                    "",
                    show(headline.value, headline.unit),
                    show(now, headline.unit),
                    SUMMARY,
                    key=(SUMMARY, headline.key, 1, None),
                )
            )
    live_tables = {table.key: table for table in live.tables}
    edition_tables = {table.key: table for table in edition.tables}
    for key in dict.fromkeys((*edition_tables, *live_tables)):
        found += _table_differences(edition_tables.get(key), live_tables.get(key))
    return tuple(found)


def table_anchor(key):
    return "postes" if key == "register" else f"tableau-{key}"


def _table_differences(edition, live):
    table = edition if edition is not None else live
    title, header, rows = exports.grid(table)
    anchor = table_anchor(table.key)
    if edition is None or live is None:
        state = ("non diffusé", "diffusé") if edition is None else ("diffusé", "non diffusé")
        return [Difference(title, "Tout le tableau", "", *state, anchor, key=(table.key, "", 1, None))]
    _title, live_header, live_rows = exports.grid(live)
    mine, theirs = _keyed_rows(rows), _keyed_rows(live_rows)
    found = []
    for key in dict.fromkeys((*mine, *theirs)):
        before, now = mine.get(key, ()), theirs.get(key, ())
        row_state = REMOVED_ROW if key not in theirs else NEW_ROW if key not in mine else ""
        for index in range(1, max(len(before), len(now))):
            old = before[index] if index < len(before) else None
            new = now[index] if index < len(now) else None
            if not _same(old, new):
                names = live_header if index < len(live_header) else header
                column = names[index] if index < len(names) else ""
                found.append(
                    Difference(
                        title,
                        key[0],
                        column,
                        show(old),
                        show(new),
                        anchor,
                        key=(table.key, *key, index),
                        row_state=row_state,
                    )
                )
    return found


def removed_rows_anchor(key):
    return f"lignes-retirees-{key}"


@dataclass(frozen=True)
class Marks:
    """The differences placed on the live page, for its templates (reporting/templatetags/
    edition_marks.py) to look up by cell: each cell or headline that differs carries the mark of
    its Difference, a row the edition did not have is marked as a whole, and the rows the live
    figures no longer have are named under their table."""

    cells: dict  # {(table key, row label, column index): Difference}
    new_rows: dict  # {(table key, row label): Difference} (the row's first)
    removed_rows: dict  # {table key: (row label, …)}

    def __bool__(self):
        return bool(self.cells or self.new_rows or self.removed_rows)


NO_MARKS = Marks(cells={}, new_rows={}, removed_rows={})


def _column_key(table, index):
    """How a table's template names a column: its index in exports.grid, but for Annexe 1 (whose
    page leaves out empty columns) its column's key, or "previous"."""
    if not isinstance(table, AnnexTable) or index is None:
        return index
    columns = (*(column.key for column in table.columns), *(("previous",) if table.previous else ()))
    return columns[index - 1] if index - 1 < len(columns) else index


def marks(found, shown):
    """The differences `found` with the id each one's mark takes on the page drawing `shown` (the
    Bilan drawn, which for a coordinator is not the readers' one it was compared with: a row only
    the readers' figures have, « Autres départements regroupés », has no mark there), and their
    Marks. A difference with no place on the page leads to its table."""
    tables = {table.key: table for table in shown.tables}
    drawn = {key: _keyed_rows(exports.grid(table)[2]) for key, table in tables.items()}
    headlines = {h.key for h in shown.summary}
    cells, new_rows, removed, placed = {}, {}, {}, []
    for number, difference in enumerate(found, start=1):
        table_key, row, occurrence, column = difference.key or ("", "", 1, None)
        own, place, target = f"ecart-{number}", None, difference.anchor
        if table_key == SUMMARY:
            if row in headlines:
                place, target = "cell", own
        elif column is None or occurrence != 1:
            pass  # a whole table, or a row whose label repeats: its table
        elif difference.row_state == REMOVED_ROW:
            if table_key in drawn:
                removed.setdefault(table_key, {})[row] = None
                target = removed_rows_anchor(table_key)
        elif (row, occurrence) in drawn.get(table_key, {}):
            if difference.row_state != NEW_ROW:
                place, target = "cell", own
            elif (table_key, row) in new_rows:
                target = new_rows[(table_key, row)].target
            else:
                place, target = "row", own
        difference = dataclasses.replace(difference, target=target)
        if place == "cell":
            cells[(table_key, row, _column_key(tables.get(table_key), column))] = difference
        elif place == "row":
            new_rows[(table_key, row)] = difference
        placed.append(difference)
    return tuple(placed), Marks(
        cells=cells, new_rows=new_rows, removed_rows={key: tuple(rows) for key, rows in removed.items()}
    )


# ---------------------------------------------------------------- what the dashboard shows


@dataclass(frozen=True)
class Shown:
    """The bilan a dashboard request shows: the latest edition, or the live figures."""

    bilan: Bilan
    edition: Edition | None  # the edition shown, if any
    latest: Edition | None  # the scope's latest edition
    query: str  # the scope's query string
    can_publish: bool = False
    differences: tuple = ()
    marks: Marks = NO_MARKS

    @property
    def live(self):
        return self.edition is None

    @property
    def query_suffix(self):
        """What the page's download links add to say "the live figures"."""
        return f"&{LIVE_PARAM}={LIVE_VALUE}" if self.latest is not None and self.live else ""

    @property
    def notice_title(self):
        return edition_title(self.latest)

    def _url(self, name, suffix=""):
        return f"{reverse(name)}?{self.query}{suffix}"

    @property
    def live_url(self):
        return self._url("reporting:dashboard", f"&{LIVE_PARAM}={LIVE_VALUE}")

    @property
    def edition_url(self):
        return self._url("reporting:dashboard")

    @property
    def list_url(self):
        return self._url("reporting:edition_list")

    @property
    def publish_url(self):
        return self._url("reporting:edition_publish")


def edition_title(edition):
    """ "Édition n° 2 publiée le 02/03/2026 à 10:15 par Jeanne Martin — empreinte 3f…"."""
    published = timezone.localtime(edition.published_at)
    return (
        f"Édition n° {edition.version} publiée le {published:%d/%m/%Y à %H:%M} par {edition.published_by} — "
        f"empreinte {edition.json_sha256}"
    )


def wants_live(request):
    return request.GET.get(LIVE_PARAM) == LIVE_VALUE


def latest_edition(scope, *, files=()):
    """The scope's latest edition, loading only the stored files named in `files`."""
    deferred = [kind for kind in STORED_FILES if kind not in files]
    return Edition.objects.for_scope(scope).latest_first().select_related("published_by").defer(*deferred).first()


def requested_edition(request, scope, *, files=("json",)):
    """The edition a download serves: the latest, unless the live figures are asked for."""
    return None if wants_live(request) else latest_edition(scope, files=files)


def shown(request, scope, query):
    """What the dashboard shows for `scope` (`query`: its query string)."""
    latest = latest_edition(scope, files=("json",))
    context = {"latest": latest, "query": query, "can_publish": role_of(request.user) in PUBLISHERS}
    if latest is not None and not wants_live(request):
        return Shown(bilan=edition_bilan(latest, scope), edition=latest, **context)
    bilan = compute_bilan(scope)
    if latest is None:
        return Shown(bilan=bilan, edition=None, **context)
    # Compared with the readers' edition of the live figures, as the edition holds.
    readers = bilan if scope.protected else compute_bilan(readers_scope(scope))
    found, placed = marks(differences(edition_bilan(latest, scope), readers), bilan)
    return Shown(bilan=bilan, edition=None, differences=found, marks=placed, **context)
