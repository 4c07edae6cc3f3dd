"""Running an import: the dry run, then the confirmed import, both all or nothing, both run by
the worker.

Both run the whole file inside one explicit `transaction.atomic()`: the dry run always rolls it
back (`set_rollback(True)`), the confirmed import rolls it back as soon as one row is in error,
so either every row is imported or none. Between the two, the uploaded file waits on the server
(IMPORT_TEMP_DIR, readable by the app only) under a random token kept in the person's session:
the confirmation never trusts a second upload, it reads that file again, checks it again and
runs every check again.

Each dry run and each confirmation is an ImportRun (`start_run`), enqueued in the transaction
that records it: the worker sees both once committed, or neither. The worker (`execute_run`,
through `mediation.tasks.run_import`) runs `run_steps`, the same work as a generator of Progress
events, writes the latest event beside the file (`progress-<run>` in IMPORT_TEMP_DIR: the run's row
cannot take it, the import's own transaction would hide it until the end and the dry run's
rollback undo it), then the report into the row. A reference kind goes through its resource by
chunks of PROGRESS_EVERY rows, an event after each."""

import datetime
import json
import logging
import os
import re
import secrets
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import tablib
from auditlog.context import auditlog_value
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS
from django.db import DatabaseError, transaction
from django.utils import timezone

from mediation import perms
from mediation.audit import acting_as
from mediation.enums import Role
from mediation.models import Heartbeat, ImportRun
from mediation.operations import WORKER
from mediation.tasks import run_import

from . import formats, qpv_population, resources
from . import report as progress
from .formats import ImportFileError
from .report import ImportReport, Progress, RowError, cell, finish, map_headers

logger = logging.getLogger(__name__)

SESSION_KEY = "pending_imports"
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{32,64}$")
PROGRESS_PATTERN = re.compile(r"^progress-[0-9]+(\.tmp)?$")
STALE_AFTER = datetime.timedelta(hours=12)
# The runs' records (their reports may quote a file's cells) are forgotten this long after they end.
RUNS_KEPT = datetime.timedelta(days=30)
UNEXPECTED = "L'import a rencontré une erreur inattendue : rien n'a été importé. Réessayez ou contactez l'assistance."
FILE_GONE = "Le fichier déposé n'est plus sur le serveur : rien n'a été importé. Déposez-le à nouveau."
READING_FILE = "Lecture du fichier"
FROM_ROLE = object()  # the departments a kind's rows may touch: those of the user's role
CHECKING_ROWS = "Vérification des lignes"
SAVING_ROWS = "Enregistrement des lignes"


@dataclass(frozen=True)
class ImportKind:
    """One kind of import, declared next to the data it fills and registered with `register`.

    A kind writes its rows either through a django-import-export `resource`, or through a
    `runner`: a class built as `runner(table, user=, allowed_department_ids=, source=, **options)`
    whose `steps(dry_run=)` is a generator of Progress events returning the ImportReport (the
    caller holds the transaction). `upload_form` is the upload page's form: UploadForm, or a
    subclass asking what the file does not say (its `options()`, kept in the session with the
    file's token, are given to the runner)."""

    slug: str  # in the URL
    title: str
    summary: str
    columns: tuple
    doc: str  # docs/imports/<doc>
    template: str  # static/imports/<template>
    resource: type | None = None
    runner: type | None = None
    upload_form: type | None = None

    def run(self, table, *, user, dry_run, source, options=None):
        return finish(self.steps(table, user=user, dry_run=dry_run, source=source, options=options))

    def steps(self, table, *, user, dry_run, source, options=None, allowed=FROM_ROLE):
        """The import of `table` as a generator of Progress events, returning the report. The
        rows are those of `allowed` departments (None: all), by default the user's."""
        if allowed is FROM_ROLE:
            allowed = allowed_department_ids(user)
        if self.runner is not None:
            work = self.runner(table, user=user, allowed_department_ids=allowed, source=source, **(options or {}))
            return (yield from work.steps(dry_run=dry_run))
        return (yield from run_resource(self, table, user=user, allowed=allowed, dry_run=dry_run))


# The core's kinds; every app registers its own (accompaniments, partners, reporting: imports.py).
KINDS = {
    kind.slug: kind
    for kind in (
        ImportKind(
            "postes",
            "Registre des postes",
            "Les postes, leur structure et leur titulaire. Une structure inconnue est créée ; un·e titulaire "
            "sans compte reçoit un compte inactif, sans invitation, rattaché à la structure.",
            resources.PostResource.columns,
            "postes.md",
            "modele-postes.csv",
            resources.PostResource,
        ),
        ImportKind(
            "structures",
            "Structures",
            "Les structures employeuses, reconnues par leur nom et leur commune.",
            resources.StructureResource.columns,
            "structures.md",
            "modele-structures.csv",
            resources.StructureResource,
        ),
        ImportKind(
            "communes",
            "Communes",
            "La liste de référence des communes (code INSEE, nom, département).",
            resources.CommuneResource.columns,
            "communes.md",
            "modele-communes.csv",
            resources.CommuneResource,
        ),
        ImportKind(
            "qpv",
            "Quartiers prioritaires (QPV)",
            "La liste de référence des QPV et de leurs communes.",
            resources.QpvResource.columns,
            "qpv.md",
            "modele-qpv.csv",
            resources.QpvResource,
        ),
        ImportKind(
            "population-qpv",
            "Population des QPV",
            "La population des quartiers prioritaires de chaque département, pour une année (INSEE).",
            qpv_population.QpvPopulationResource.columns,
            "population-qpv.md",
            "modele-population-qpv.csv",
            qpv_population.QpvPopulationResource,
        ),
    )
}


def register(kind):
    """Add `kind` to the imports (the apps' kinds, from their AppConfig.ready)."""
    if kind.slug in KINDS and KINDS[kind.slug] != kind:
        raise ValueError(f"Import kind {kind.slug!r} is registered twice.")
    KINDS[kind.slug] = kind


def allowed_department_ids(user):
    """None for an administrator (every department), else the ids of the user's departments."""
    if perms.role_of(user) == Role.ADMIN:
        return None
    return set(perms.department_ids(user).values_list("pk", flat=True))


# ---------------------------------------------------------------- running


def run(kind, upload, *, user, dry_run, options=None, allowed=FROM_ROLE):
    """Read `upload` and import it (or only simulate it). Nothing is written unless every row
    is valid and `dry_run` is False. Never raises for a bad file: the report says what is wrong."""
    return finish(run_steps(kind, upload, user=user, dry_run=dry_run, options=options, allowed=allowed))


def run_steps(kind, upload, *, user, dry_run, options=None, allowed=FROM_ROLE):
    """`run` as a generator of Progress events, returning the report. The transaction spans the
    whole generator: closed before its end (GeneratorExit at a yield), it rolls back."""
    started = time.monotonic()
    yield Progress(READING_FILE)
    try:
        table = formats.read_upload(upload)
    except ImportFileError as error:
        return ImportReport(errors=[RowError(None, "", str(error))])
    try:
        with transaction.atomic():
            report = yield from kind.steps(
                table, user=user, dry_run=dry_run, source=upload.name, options=options, allowed=allowed
            )
            if dry_run or not report.ok:
                transaction.set_rollback(True)
            report.applied = not dry_run and report.ok
    except DatabaseError:
        logger.exception("Import %s refused by the database", kind.slug)
        report = ImportReport(total=len(table.rows), errors=[RowError(None, "", UNEXPECTED)])
    except GeneratorExit:
        logger.warning(
            "import %s by user %s: %s interrupted after %.1f s (the page was closed), nothing written",
            kind.slug,
            user.pk,
            "dry run" if dry_run else "import",
            time.monotonic() - started,
        )
        raise
    logger.info(
        "import %s by user %s: %s, %s rows, %s created, %s updated, %s unchanged, %s errors, %.1f s",
        kind.slug,
        user.pk,
        "dry run" if dry_run else ("applied" if report.applied else "refused"),
        report.total,
        report.created,
        report.updated,
        report.unchanged,
        len(report.errors),
        time.monotonic() - started,
    )
    return report


# What a resource did besides its rows: (said by the dry run, said once imported).
NOTES = {
    "structures": ("structure(s) à créer", "structure(s) créée(s)"),
    "accounts": (
        "compte(s) de titulaire à créer, inactif(s) et non invité(s)",
        "compte(s) de titulaire créé(s), inactif(s) et non invité(s)",
    ),
    "holdings": ("titulaire(s) à rattacher à leur poste", "titulaire(s) rattaché(s) à leur poste"),
}


def run_resource(kind, table, *, user, allowed, dry_run):
    """A reference import through its django-import-export resource, as a generator of Progress
    events, returning the report. The caller holds the transaction and rolls it back after a dry
    run or an error; the resource writes in it (no transaction of its own), by chunks of
    PROGRESS_EVERY rows. Every chunk is checked, so that every wrong row is named,
    unless the database refused one (what follows would only repeat it)."""
    report = ImportReport(total=len(table.rows), description=table.description)
    index, ignored, header_errors = map_headers(table.headers, kind.columns)
    report.ignored_columns = ignored
    if header_errors:
        report.errors.extend(header_errors)
        return report
    keys = [column.key for column in kind.columns if column.key in index]
    dataset = tablib.Dataset(headers=keys)
    for row in table.rows:
        dataset.append([cell(row, index[key]) for key in keys])
    resource = kind.resource(user=user, allowed_department_ids=allowed, dry_run=dry_run)
    resource.prepare(dataset)
    stage = CHECKING_ROWS if dry_run else SAVING_ROWS
    every = progress.PROGRESS_EVERY
    yield Progress(stage, 0, report.total)
    for start in range(0, len(dataset), every):
        lines = [row.line for row in table.rows[start : start + every]]
        chunk = tablib.Dataset(*dataset[start : start + every], headers=keys)
        resource.lines = lines
        result = resource.import_data(
            chunk, dry_run=False, use_transactions=False, raise_errors=False, collect_failed_rows=False
        )
        add_result(report, result, kind=kind, index=index, resource=resource, lines=lines)
        yield Progress(stage, start + len(chunk), report.total)
        if result.has_errors():
            break
    report.notes = [
        f"{count} {NOTES[name][0 if dry_run else 1]}"
        for name, count in resource.notes.items()
        if count and name in NOTES
    ]
    report.notes += resource.warning_lines(dry_run=dry_run)
    return report


def add_result(report, result, *, kind, index, resource, lines):
    """What import-export says of a chunk, in `report`: its counts and its errors by row."""
    for error in result.base_errors:
        logger.error("Import %s: %r", kind.slug, error.error)
        report.error(None, "", UNEXPECTED)
    for invalid in result.invalid_rows:
        for key, messages in invalid.error_dict.items():
            column = "" if key == NON_FIELD_ERRORS else (key if key in index else resource.column_of(key))
            for message in messages:
                report.error(lines[invalid.number - 1], column, message)
    for number, errors in result.row_errors():
        for error in errors:
            if isinstance(error.error, ValueError):
                report.error(lines[number - 1], "", str(error.error))
            else:
                logger.error("Import %s, row %s: %r", kind.slug, number, error.error)
                report.error(lines[number - 1], "", "Cette ligne n'a pas pu être enregistrée.")
    report.created += result.totals["new"]
    report.updated += result.totals["update"]
    report.unchanged += result.totals["skip"]


# ---------------------------------------------------------------- runs, by the worker


def start_run(request, kind, *, token, name, options, dry_run):
    """Record the dry run or the confirmed import of the stored file `token` by the request's
    user, in the scope of their role, and queue it for the worker."""
    allowed = allowed_department_ids(request.user)
    with transaction.atomic():
        run = ImportRun.objects.create(
            kind=kind.slug,
            dry_run=dry_run,
            user=request.user,
            remote_addr=auditlog_value.get({}).get("remote_addr"),
            file_name=name,
            upload_token=token,
            options=dict(options or {}),
            department_ids=None if allowed is None else sorted(allowed),
        )
        run_import.enqueue(run.pk)
    return run


def execute_run(run_id):
    """The worker's part: run the import of `run_id` once, all or nothing, and record its report
    (or, on an unexpected error, its failure: nothing imported). A confirmed import's file is
    deleted once done, whatever the outcome. Returns the run's state."""
    claimed = ImportRun.objects.filter(pk=run_id, state=ImportRun.State.QUEUED).update(
        state=ImportRun.State.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return "nothing to run"
    run = ImportRun.objects.select_related("user").get(pk=run_id)
    try:
        kind = KINDS.get(run.kind)
        path = _path(run.upload_token)
        if kind is None or path is None or not path.is_file():
            run.fail(error=FILE_GONE, on=timezone.now())
            return run.state
        try:
            upload = formats.check_upload(run.file_name, path.read_bytes())
        except ImportFileError as error:
            report = ImportReport(errors=[RowError(None, "", str(error))])
        else:
            allowed = None if run.department_ids is None else set(run.department_ids)
            steps = run_steps(kind, upload, user=run.user, dry_run=run.dry_run, options=run.options, allowed=allowed)
            with acting_as(run.user, remote_addr=run.remote_addr):
                report = _follow(steps, run)
        run.finish(report=report.as_json(), on=timezone.now())
    except Exception:  # a bug must end the run, visibly, never leave it running
        logger.exception("import run %s (%s by user %s) failed", run.pk, run.kind, run.user_id)
        run.fail(error=UNEXPECTED, on=timezone.now())
    finally:
        _progress_path(run.pk).unlink(missing_ok=True)
        if not run.dry_run:
            delete_upload(run.upload_token)
    return run.state


def _follow(steps, run):
    """Run `steps` to its end, writing each Progress event for the run's page; returns the report."""
    while True:
        try:
            event = next(steps)
        except StopIteration as end:
            return end.value
        _write_progress(run.pk, event)


def _progress_path(run_id):
    return storage_dir() / f"progress-{int(run_id)}"


def _write_progress(run_id, event):
    target = _progress_path(run_id)
    temporary = target.with_name(target.name + ".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as stored:
        json.dump({"stage": event.stage, "done": event.done, "total": event.total}, stored)
    os.replace(temporary, target)  # the page never reads half a line


def progress_of(run):
    """The latest Progress event of a running import, or None (not started, finished, unreadable)."""
    try:
        data = json.loads(_progress_path(run.pk).read_text())
        return Progress(str(data["stage"]), int(data["done"]), None if data["total"] is None else int(data["total"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def worker_silent(now=None):
    """True when the worker has not beaten for HEALTH_MAX_SILENCE seconds: queued runs wait for it."""
    limit = (now or timezone.now()) - datetime.timedelta(seconds=settings.HEALTH_MAX_SILENCE)
    return not Heartbeat.objects.filter(name=WORKER, beaten_at__gte=limit).exists()


def purge_finished_runs(now=None):
    """The runs' records go RUNS_KEPT after they end; returns how many."""
    deleted, _ = ImportRun.objects.finished_before((now or timezone.now()) - RUNS_KEPT).delete()
    return deleted


# ---------------------------------------------------------------- the file between dry run and confirmation


def storage_dir():
    directory = Path(settings.IMPORT_TEMP_DIR or Path(tempfile.gettempdir()) / "mediation-imports")
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    return directory


def _path(token):
    if not isinstance(token, str) or not TOKEN_PATTERN.match(token):
        return None
    return storage_dir() / token


def purge_stale_uploads(now=None):
    """Files left by imports never confirmed nor cancelled (a closed tab), and progress left by a
    stopped worker, go after STALE_AFTER."""
    limit = (now or time.time()) - STALE_AFTER.total_seconds()
    for path in storage_dir().iterdir():
        ours = TOKEN_PATTERN.match(path.name) or PROGRESS_PATTERN.match(path.name)
        if path.is_file() and ours and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)


def keep_upload(request, kind, upload, options=None):
    """Store the checked file for the dry run and the confirmation; returns its token. The
    session holds only its token, name and the kind's `options` (a year), never its content."""
    purge_stale_uploads()
    forget_upload(request, kind)
    token = secrets.token_urlsafe(32)
    descriptor = os.open(_path(token), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as stored:
        stored.write(upload.content)
    pending = request.session.get(SESSION_KEY, {})
    pending[kind.slug] = {
        "token": token,
        "name": upload.name,
        "user": request.user.pk,
        "at": timezone.now().isoformat(),
        "options": dict(options or {}),
    }
    request.session[SESSION_KEY] = pending
    return token


def pending_entry(request, kind):
    entry = request.session.get(SESSION_KEY, {}).get(kind.slug)
    if not entry or entry.get("user") != request.user.pk:
        return None
    return entry


def pending_options(request, kind):
    """What the upload form asked besides the file (see ImportKind.upload_form)."""
    entry = pending_entry(request, kind)
    return dict(entry.get("options") or {}) if entry else {}


def pending_upload(request, kind):
    """The file waiting for confirmation as (token, Upload), checked again; None without one
    (or once it is gone). ImportFileError if it no longer passes the checks."""
    entry = pending_entry(request, kind)
    path = _path(entry["token"]) if entry else None
    if path is None or not path.is_file():
        return None
    return entry["token"], formats.check_upload(entry["name"], path.read_bytes())


def forget_upload(request, kind):
    delete_upload(take_upload(request, kind))


def take_upload(request, kind):
    """Remove the pending entry from the session and return its token; the file stays until
    `delete_upload` (the worker reads it for a confirmed import, then deletes it)."""
    pending = request.session.get(SESSION_KEY, {})
    entry = pending.pop(kind.slug, None)
    if not entry:
        return None
    request.session[SESSION_KEY] = pending
    return entry.get("token")


def delete_upload(token):
    path = _path(token)
    if path is not None:
        path.unlink(missing_ok=True)
