"""Imports: choose a file, read the dry run (what would be created, updated, left, and every
error), then confirm or cancel. For coordinators (rows of their departments only) and
administrators. A long import runs while the confirmation request waits: the dry run tells how
many rows there are and the page says it may take a minute (docs/imports/README.md)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.http import require_POST

from .access import for_roles
from .enums import Role
from .imports import services
from .imports.formats import ImportFileError
from .imports.forms import ConfirmForm, UploadForm

ERRORS_SHOWN = 200
DONE_KEY = "finished_imports"
IMPORT_ROLES = (Role.COORDINATOR, Role.ADMIN)


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
    return render(
        request,
        "imports/import_list.html",
        {"kinds": kinds, "breadcrumb_data": {"links": [], "current": "Imports", "root_dir": reverse("home")}},
    )


@for_roles(*IMPORT_ROLES)
def import_upload(request, kind):
    kind = kind_or_404(kind)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        services.keep_upload(request, kind, form.upload)
        return redirect("imports:review", kind=kind.slug)
    pending = services.pending_entry(request, kind)
    return render(request, "imports/upload.html", context_for(kind, form=form, pending=pending))


@for_roles(*IMPORT_ROLES)
def import_review(request, kind):
    """GET: the dry run of the pending file. POST: its confirmed import."""
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
    form = ConfirmForm(request.POST or None, expected_token=token, initial={"token": token})
    confirming = request.method == "POST"
    if confirming and not form.is_valid():
        messages.warning(request, " ".join(form.errors.get("token", ["Confirmation invalide."])))
        return redirect("imports:review", kind=kind.slug)
    report = services.run(kind, upload, user=request.user, dry_run=not confirming)
    if confirming and report.applied:
        services.forget_upload(request, kind)
        request.session[DONE_KEY] = {**request.session.get(DONE_KEY, {}), kind.slug: report.as_session()}
        return redirect("imports:done", kind=kind.slug)
    if confirming:
        messages.error(request, "Rien n'a été importé : le fichier contient des erreurs, corrigez-les puis déposez-le.")
    errors = report.sorted_errors()
    return render(
        request,
        "imports/review.html",
        context_for(
            kind,
            current="Vérification",
            report=report,
            errors=errors[:ERRORS_SHOWN],
            hidden_errors=max(0, len(errors) - ERRORS_SHOWN),
            file_name=upload.name,
            form=form,
            column_labels={c.key: c.label for c in kind.columns},
        ),
    )


@require_POST
@for_roles(*IMPORT_ROLES)
def import_cancel(request, kind):
    kind = kind_or_404(kind)
    services.forget_upload(request, kind)
    messages.info(request, "Import annulé : le fichier déposé a été supprimé.")
    return redirect("imports:upload", kind=kind.slug)


@for_roles(*IMPORT_ROLES)
def import_done(request, kind):
    kind = kind_or_404(kind)
    finished = request.session.get(DONE_KEY, {})
    summary = finished.get(kind.slug)
    if summary is None:
        return redirect("imports:upload", kind=kind.slug)
    return render(request, "imports/done.html", context_for(kind, current="Import terminé", summary=summary))
