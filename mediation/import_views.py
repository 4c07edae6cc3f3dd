"""Imports: choose a file, read the dry run (what would be created, updated, left, and every
error), then confirm or cancel. For coordinators (rows of their departments only) and
administrators.

A long import (a file of IMPORT_PROGRESS_FROM_ROWS rows or more, of any kind) shows its
progress: its dry run and its confirmed import answer with a streamed page, whose layout
(header, breadcrumb, title) leaves at once, then a progress line every thousand rows while the
work runs, then the result (the same fragments as the review and done pages), then the rest of
the layout. The work runs while the response streams, in one transaction: if the page is closed,
it is rolled back and nothing is imported. The session is saved when the view returns, before
the stream runs: a streamed import takes its file out of the session first, deletes it once done
and shows its result in the page instead of redirecting
(docs/imports/README.md)."""

import logging
import secrets
import time
from contextlib import closing

from auditlog.context import auditlog_value, set_actor
from django.contrib import messages
from django.http import Http404, StreamingHttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from .access import for_roles
from .enums import Role
from .imports import services
from .imports.formats import ImportFileError
from .imports.forms import ConfirmForm, UploadForm
from .imports.report import ImportReport, RowError

logger = logging.getLogger(__name__)

ERRORS_SHOWN = 200
DONE_KEY = "finished_imports"
IMPORT_ROLES = (Role.COORDINATOR, Role.ADMIN)
# Screen readers hear a streamed import's first line of each stage, then a line at most this often.
ANNOUNCE_EVERY_SECONDS = 5


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
    form = (kind.upload_form or UploadForm)(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        services.keep_upload(request, kind, form.upload, options=form.options())
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
    options = services.pending_options(request, kind)
    form = ConfirmForm(request.POST or None, expected_token=token, initial={"token": token})
    confirming = request.method == "POST"
    if confirming and not form.is_valid():
        messages.warning(request, " ".join(form.errors.get("token", ["Confirmation invalide."])))
        return redirect("imports:review", kind=kind.slug)
    if services.shows_progress(kind, upload):
        return streamed_import(request, kind, upload, form=form, confirming=confirming, options=options)
    report = services.run(kind, upload, user=request.user, dry_run=not confirming, options=options)
    if confirming and report.applied:
        services.forget_upload(request, kind)
        request.session[DONE_KEY] = {**request.session.get(DONE_KEY, {}), kind.slug: report.as_session()}
        return redirect("imports:done", kind=kind.slug)
    if confirming:
        messages.error(request, "Rien n'a été importé : le fichier contient des erreurs, corrigez-les puis déposez-le.")
    return render(
        request,
        "imports/review.html",
        context_for(
            kind, current="Vérification", file_name=upload.name, **review_context(report, form, shows_progress=False)
        ),
    )


def review_context(report, form, *, shows_progress, upload_gone=False):
    """What imports/includes/review_result.html needs."""
    errors = report.sorted_errors()
    return {
        "report": report,
        "errors": errors[:ERRORS_SHOWN],
        "hidden_errors": max(0, len(errors) - ERRORS_SHOWN),
        "form": form,
        "shows_progress": shows_progress,
        "upload_gone": upload_gone,
    }


def streamed_import(request, kind, upload, *, form, confirming, options):
    """The dry run or the confirmed import of a long file, as a page streamed while it runs.

    Everything that must reach the session or the headers happens here, before the stream:
    the pending file leaves the session (a confirmation cannot be sent twice), the CSRF cookie
    is set (the result's forms carry a token). Audit entries keep the request's author and
    address: the auditlog middleware's context ends with the view, so the stream sets it again."""
    get_token(request)
    token = services.take_upload(request, kind) if confirming else None
    audit = auditlog_value.get({})
    user = request.user
    marker = f"stream-{secrets.token_hex(16)}"
    page = render_to_string(
        "imports/progress.html",
        context_for(
            kind,
            current="Import" if confirming else "Vérification",
            page_title=f"{'Import' if confirming else 'Vérification'} : {kind.title}",
            heading=f"{'Import' if confirming else 'Vérification'} de « {upload.name} »",
            marker=marker,
        ),
        request=request,
    )
    head, between, tail = page.split(marker)
    steps = services.run_steps(kind, upload, user=user, dry_run=not confirming, options=options)

    def stream():
        yield head
        try:
            with set_actor(user, remote_addr=audit.get("remote_addr"), remote_port=audit.get("remote_port")):
                report = yield from progress_lines(steps)
        except Exception:
            # The page is under way: an error becomes its result, never a broken page.
            logger.exception("Import %s by user %s failed", kind.slug, user.pk)
            report = ImportReport(errors=[RowError(None, "", services.UNEXPECTED)])
        finally:
            if token:
                services.delete_upload(token)
        last_line, result = result_html(request, kind, report, form=form, confirming=confirming)
        yield last_line + between + result
        yield tail

    response = StreamingHttpResponse(stream(), content_type="text/html; charset=utf-8")
    response["X-Accel-Buffering"] = "no"  # a proxy (nginx) must pass each line at once
    return response


def progress_lines(steps):
    """A line of HTML for each Progress event of `steps`; returns the report. Closed early (the
    browser went away), it closes `steps`, whose transaction rolls back."""
    heard = None
    with closing(steps):
        while True:
            try:
                progress = next(steps)
            except StopIteration as end:
                return end.value
            now = time.monotonic()
            announce = heard is None or progress.stage != heard[0] or now - heard[1] >= ANNOUNCE_EVERY_SECONDS
            if announce:
                heard = (progress.stage, now)
            yield render_to_string("imports/includes/progress_line.html", {"progress": progress, "announce": announce})


def result_html(request, kind, report, *, form, confirming):
    """The status region's last line, which hides the progress lines (and tells screen readers
    the work is over), and the result: the done summary, or the dry run's review."""
    if confirming and report.applied:
        final = "Import terminé."
        fragment = render_to_string(
            "imports/includes/done_result.html", {"kind": kind, "summary": report.as_session()}, request=request
        )
    else:
        final = "Rien n'a été importé." if confirming else "Vérification terminée."
        fragment = render_to_string(
            "imports/includes/review_result.html",
            {"kind": kind, **review_context(report, form, shows_progress=True, upload_gone=confirming)},
            request=request,
        )
    return format_html('<p class="fr-sr-only">{}</p>', final), fragment


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
