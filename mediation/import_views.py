"""Imports: choose a file, read the dry run (what would be created, updated, left, and every
error), then confirm or cancel. For coordinators (rows of their departments only) and
administrators.

The dry run and the confirmed import are runs (ImportRun) done by the worker, whatever the size
of the file: the upload and the confirmation redirect at once to the run's page, which shows
where the work is (waiting for the worker, the stage and rows gone through) and asks again
every few seconds (htmx; without JavaScript, a link reloads the page), then the result: the
review of the dry run with its confirmation, or the summary of the import. The person may leave
the page and come back from the imports page, which lists their runs; nobody sees another
person's run (docs/imports/README.md)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh

from .access import for_roles
from .enums import Role
from .imports import services
from .imports.formats import ImportFileError
from .imports.forms import ConfirmForm, UploadForm
from .imports.report import ImportReport
from .models import ImportRun

ERRORS_SHOWN = 200
RUNS_LISTED = 20
IMPORT_ROLES = (Role.COORDINATOR, Role.ADMIN)
# How often a run's page asks where the work is.
POLL_SECONDS = 2
REFUSED = "Rien n'a été importé : le fichier contient des erreurs, corrigez-les puis déposez-le à nouveau."


def kind_or_404(slug):
    kind = services.KINDS.get(slug)
    if kind is None:
        raise Http404
    return kind


def breadcrumb(current, kind=None):
    links = [{"url": reverse("imports:list"), "title": "Imports"}]
    if kind is not None and current != kind.title:
        links.append({"url": reverse("imports:upload", kwargs={"kind": kind.slug}), "title": kind.title})
    return {"links": links, "current": current, "root_dir": reverse("home")}


def context_for(kind, **extra):
    return {
        "kind": kind,
        "template_url": static(f"imports/{kind.template}"),
        "breadcrumb_data": breadcrumb(extra.pop("current", kind.title), kind),
        **extra,
    }


@for_roles(*IMPORT_ROLES)
def import_list(request):
    kinds = [{"kind": kind, "template_url": static(f"imports/{kind.template}")} for kind in services.KINDS.values()]
    runs = [
        {"run": run, "kind": services.KINDS.get(run.kind)}
        for run in ImportRun.objects.for_user(request.user)[:RUNS_LISTED]
    ]
    return render(
        request,
        "imports/import_list.html",
        {
            "kinds": kinds,
            "runs": runs,
            "breadcrumb_data": {"links": [], "current": "Imports", "root_dir": reverse("home")},
        },
    )


@for_roles(*IMPORT_ROLES)
def import_upload(request, kind):
    kind = kind_or_404(kind)
    form = (kind.upload_form or UploadForm)(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        options = form.options()
        token = services.keep_upload(request, kind, form.upload, options=options)
        run = services.start_run(request, kind, token=token, name=form.upload.name, options=options, dry_run=True)
        return redirect("imports:run", pk=run.pk)
    pending = services.pending_entry(request, kind)
    pending_run = (
        ImportRun.objects.for_user(request.user)
        .filter(kind=kind.slug, upload_token=pending["token"], dry_run=True)
        .first()
        if pending
        else None
    )
    return render(
        request, "imports/upload.html", context_for(kind, form=form, pending=pending, pending_run=pending_run)
    )


@for_roles(*IMPORT_ROLES)
def import_review(request, kind):
    """GET: a new dry run of the pending file (its data may have changed), queued. POST: its
    confirmed import, queued."""
    kind = kind_or_404(kind)
    try:
        pending = services.pending_upload(request, kind)
    except ImportFileError as error:
        services.forget_upload(request, kind)
        messages.error(request, str(error))
        return redirect("imports:upload", kind=kind.slug)
    if pending is None:
        messages.info(request, "Aucun fichier en attente : déposez le fichier à importer.")
        return redirect("imports:upload", kind=kind.slug)
    token, upload = pending
    options = services.pending_options(request, kind)
    if request.method != "POST":
        run = services.start_run(request, kind, token=token, name=upload.name, options=options, dry_run=True)
        return redirect("imports:run", pk=run.pk)
    form = ConfirmForm(request.POST, expected_token=token)
    if not form.is_valid():
        messages.warning(request, " ".join(form.errors.get("token", ["Confirmation invalide."])))
        return redirect("imports:review", kind=kind.slug)
    # The file leaves the session: a second click, a reload, finds nothing to confirm.
    services.take_upload(request, kind)
    run = services.start_run(request, kind, token=token, name=upload.name, options=options, dry_run=False)
    return redirect("imports:run", pk=run.pk)


@for_roles(*IMPORT_ROLES)
def import_run(request, pk):
    """A run's page: its progress until it ends, then its result. Asked by htmx while the run
    goes on, it answers with the progress alone, then makes the page reload for the result."""
    run = get_object_or_404(ImportRun.objects.for_user(request.user), pk=pk)
    kind = kind_or_404(run.kind)
    if request.htmx and run.finished:
        return HttpResponseClientRefresh()
    status = status_context(run)
    if request.htmx:
        return render(request, "imports/includes/run_status.html", status)
    label = "Vérification" if run.dry_run else "Import"
    applied = run.state == ImportRun.State.DONE and not run.dry_run and run.report["applied"]
    context = context_for(
        kind,
        current=label,
        heading="Import terminé" if applied else f"{label} de « {run.file_name} »",
        page_title=f"{'Import terminé' if applied else label} : {kind.title}",
        **status,
    )
    if run.state == ImportRun.State.DONE:
        context.update(result_context(request, kind, run))
    return render(request, "imports/run.html", context)


def status_context(run):
    return {
        "run": run,
        "progress": services.progress_of(run) if run.state == ImportRun.State.RUNNING else None,
        "worker_silent": not run.finished and services.worker_silent(),
        "poll_url": reverse("imports:run", kwargs={"pk": run.pk}),
        "poll_every": f"every {POLL_SECONDS}s",
    }


def result_context(request, kind, run):
    """What the result of a finished run needs: the done summary of an applied import, else the
    review of the file (with its confirmation while the file still waits for it)."""
    report = ImportReport.from_json(run.report)
    if report.applied:
        return {"summary": report.summary()}
    entry = services.pending_entry(request, kind)
    pending = run.dry_run and entry is not None and entry["token"] == run.upload_token
    form = ConfirmForm(expected_token=run.upload_token, initial={"token": run.upload_token}) if pending else None
    return review_context(report, form, upload_gone=not run.dry_run) | {"refused": "" if run.dry_run else REFUSED}


def review_context(report, form, *, upload_gone=False):
    """What imports/includes/review_result.html needs."""
    errors = report.sorted_errors()
    return {
        "report": report,
        "errors": errors[:ERRORS_SHOWN],
        "hidden_errors": max(0, len(errors) - ERRORS_SHOWN),
        "form": form,
        "upload_gone": upload_gone,
    }


@require_POST
@for_roles(*IMPORT_ROLES)
def import_cancel(request, kind):
    kind = kind_or_404(kind)
    services.forget_upload(request, kind)
    messages.info(request, "Import annulé : le fichier déposé a été supprimé.")
    return redirect("imports:upload", kind=kind.slug)
