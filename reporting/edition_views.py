"""Published editions of the bilan: coordinators and administrators publish one for their scope;
readers, coordinators and administrators list a scope's editions and download their stored files.
An edition outside the user's scope is a 404."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from mediation.access import for_roles, public
from mediation.breadcrumbs import breadcrumb as dsfr_breadcrumb
from mediation.perms import role_of

from . import editions, secrecy
from .edition_forms import PublishForm
from .models import Edition, Publication
from .views import READERS, requested_scope, scope_query

PUBLISHERS = editions.PUBLISHERS
# How often the list asks again while a publication is under way (htmx trigger).
POLL_EVERY = "every 2s"
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json; charset=utf-8",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def breadcrumb(scope, current):
    dashboard = reverse("reporting:dashboard") + "?" + scope_query(scope)
    return dsfr_breadcrumb(current, (f"Bilan {scope.year} — {scope.label}", dashboard))


def exact_scope(request):
    """The scope asked for, exactly: publishing never falls back to another territory or year."""
    scope, _departments = requested_scope(request)
    asked = (request.GET.get("annee", ""), request.GET.get("perimetre", ""), request.GET.get("type", ""))
    if asked != (str(scope.year), scope.key, scope.post_type):
        raise Http404("Ce bilan n'est pas dans votre périmètre.")
    return scope


def file_name(edition):
    stem = f"bilan-{edition.year}-{edition.scope_kind}-{edition.scope_code}"
    stem += f"-{edition.post_type}" if edition.post_type else ""
    return f"{stem}-edition-{edition.version}"


@for_roles(*PUBLISHERS)
def edition_publish(request):
    """The publish form: sending it asks the worker for the edition (a Publication) and leads to
    the list of editions, which says the publication is under way until the edition is in it."""
    scope = exact_scope(request)
    next_version = editions.next_version(scope)
    form = PublishForm(request.POST or None, next_version=next_version)
    if request.method == "POST" and form.is_valid():
        try:
            publication = editions.request_publication(
                scope,
                by=request.user,
                version=form.cleaned_data["version"],
                reason=form.cleaned_data.get("reason", ""),
            )
        except editions.PublishError as error:
            messages.warning(request, str(error))
        else:
            if publication.state == Publication.State.DONE:
                messages.success(
                    request,
                    f"Édition n° {publication.version} du bilan {scope.year} publiée : les lecteurs l'ouvrent "
                    "désormais.",
                )
        return redirect(reverse("reporting:edition_list") + "?" + scope_query(scope))
    return render(
        request,
        "reporting/editions/publish.html",
        {
            "form": form,
            "scope": scope,
            "query": scope_query(scope),
            "next_version": next_version,
            "under_way": Publication.objects.for_scope(scope).unfinished().first(),
            "breadcrumb_data": breadcrumb(scope, "Publier une édition"),
        },
    )


@for_roles(*READERS)
def edition_list(request):
    scope, _departments = requested_scope(request)
    rows = (
        Edition.objects.for_user(request.user)
        .for_scope(scope)
        .latest_first()
        .select_related("published_by")
        .defer(*editions.STORED_FILES)
    )
    can_publish = role_of(request.user) in PUBLISHERS
    under_way = Publication.objects.for_scope(scope).unfinished().select_related("requested_by").first()
    return render(
        request,
        "reporting/editions/list.html",
        {
            "scope": scope,
            "editions": rows,
            "query": scope_query(scope),
            "can_publish": can_publish,
            # Where a publication is: under way (the page asks again every few seconds), or failed
            # (publishers only: readers see the editions that exist).
            "under_way": under_way,
            "failed": editions.last_failure(scope) if can_publish and under_way is None else None,
            "poll_every": POLL_EVERY,
            "public_min_persons": secrecy.public_min_persons(),
            "breadcrumb_data": breadcrumb(scope, "Éditions publiées"),
        },
    )


@for_roles(*READERS)
def edition_file(request, pk, fmt):
    if fmt not in editions.FILE_KINDS:
        raise Http404
    deferred = [kind for kind in editions.STORED_FILES if kind != fmt]
    edition = get_object_or_404(Edition.objects.for_user(request.user).defer(*deferred), pk=pk)
    response = HttpResponse(bytes(getattr(edition, fmt)), content_type=CONTENT_TYPES[fmt])
    disposition = "inline" if fmt == "json" else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{file_name(edition)}.{fmt}"'
    return response


# ---------------------------------------------------------------- the public edition's files

PUBLIC_KINDS = ("json", "pdf", "csv")


def public_file_name(edition, fmt):
    return f"bilan-{edition.year}-{edition.scope_kind}-{edition.scope_code}-public-edition-{edition.version}.{fmt}"


@public
def public_file(request, year, kind, code, fmt, version=None):
    """A public edition's file, for anyone without an account (open data): aggregates of a whole
    region only, small counts masked (public_edition.py). Without a version, the latest public
    edition of the year; with one, that edition, whose bytes never change (its SHA-256 is the
    ETag and is sent in a header)."""
    if fmt not in PUBLIC_KINDS:
        raise Http404
    field = f"public_{fmt}"
    editions_of = Edition.objects.filter(year=year, scope_kind=kind, scope_code=code, post_type="").exclude(
        public_json_sha256=""
    )
    if version is not None:
        editions_of = editions_of.filter(version=version)
    deferred = [kind for kind in editions.STORED_FILES if kind != field]
    edition = editions_of.latest_first().defer(*deferred).first()
    if edition is None:
        raise Http404("Aucune édition publique de ce bilan.")
    response = HttpResponse(bytes(getattr(edition, field)), content_type=CONTENT_TYPES[fmt])
    disposition = "attachment" if fmt == "csv" else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{public_file_name(edition, fmt)}"'
    digest = getattr(edition, f"{field}_sha256")
    response["ETag"] = f'"{digest}"'
    response["X-Content-SHA256"] = digest
    if version is not None:  # an edition's file never changes
        response["Cache-Control"] = "public, max-age=31536000, immutable"
    else:  # the latest one may be followed by a new edition
        response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"
    return response
