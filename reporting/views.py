"""The regional bilan for readers and coordinators: aggregates only. No page here shows or
links to a person, a sheet or one mediator's figures."""

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode

from mediation.access import for_roles
from mediation.enums import PostType, Role
from mediation.models import Department
from mediation.pages import summary_items
from mediation.perms import role_of

from . import editions, exports
from .bilan import compute_bilan
from .pdf import render_bilan_pdf
from .presentation import bilan_context
from .scope import resolve_scope, scope_choices

READERS = (Role.READER, Role.COORDINATOR, Role.ADMIN)
FIRST_YEAR = 2018


def default_year():
    """The year of the bilan being prepared: last year."""
    return timezone.localdate().year - 1


def selectable_years():
    return list(range(timezone.localdate().year, FIRST_YEAR - 1, -1))


def requested_scope(request):
    """The scope asked for in the query string, narrowed to the user's; bad values fall back
    to the defaults rather than fail."""
    departments = Department.objects.for_user(request.user)
    try:
        year = int(request.GET.get("annee", ""))
    except ValueError:
        year = default_year()
    if year not in selectable_years():
        year = default_year()
    scope = resolve_scope(
        departments,
        year=year,
        key=request.GET.get("perimetre", ""),
        post_type=request.GET.get("type", ""),
        # Readers get the published edition; coordinators, who produce the bilan, every cell.
        protected=role_of(request.user) == Role.READER,
    )
    if scope is None:
        raise Http404("Aucun territoire dans votre périmètre.")
    return scope, departments


def scope_query(scope):
    params = {"annee": scope.year, "perimetre": scope.key}
    if scope.post_type:
        params["type"] = scope.post_type
    return urlencode(params)


DASHBOARD_SECTIONS = summary_items(
    ("en-resume", "En résumé"),
    ("postes", "Les postes"),
    ("fiches", "Les fiches d'accompagnement"),
    ("bilans-annuels", "Les bilans annuels des médiateurs"),
    ("sur-plusieurs-annees", "Sur plusieurs années"),
)


@for_roles(*READERS)
def dashboard(request):
    scope, departments = requested_scope(request)
    # The latest published edition when there is one, else (or when asked) the live figures.
    shown = editions.shown(request, scope, scope_query(scope))
    return render(
        request,
        "reporting/dashboard.html",
        bilan_context(shown.bilan)
        | {
            "shown": shown,
            "marks": shown.marks,  # the figures differing from the edition, marked in place
            "query": scope_query(scope) + shown.query_suffix,
            "choices": scope_choices(departments),
            "years": selectable_years(),
            "post_types": PostType.choices,
            "formats": exports.FORMATS,
            "sections": DASHBOARD_SECTIONS,
        },
    )


def _attachment(content, content_type, filename):
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def file_stem(scope, edition=None):
    stem = f"bilan-{scope.year}-{scope.kind}-{scope.code}"
    stem += f"-{scope.post_type}" if scope.post_type else ""
    return stem + (f"-edition-{edition.version}" if edition else "")


def shown_bilan(request, scope):
    """The bilan the downloads serve: the latest edition's (from its stored JSON), or live."""
    edition = editions.requested_edition(request, scope)
    return (editions.edition_bilan(edition, scope) if edition else compute_bilan(scope)), edition


@for_roles(*READERS)
def table_download(request, key, fmt):
    if fmt not in exports.FORMATS:
        raise Http404
    scope, _departments = requested_scope(request)
    bilan, edition = shown_bilan(request, scope)
    table = bilan.table(key)
    if table is None:
        raise Http404
    content_type, extension = exports.FORMATS[fmt]
    stem = file_stem(scope, edition)
    return _attachment(exports.export_table(table, bilan.scope, fmt), content_type, f"{stem}-{key}.{extension}")


@for_roles(*READERS)
def bilan_workbook(request, fmt):
    if fmt not in ("xlsx", "ods"):
        raise Http404
    scope, _departments = requested_scope(request)
    content_type, extension = exports.FORMATS[fmt]
    edition = editions.requested_edition(request, scope, files=("json", "xlsx"))
    if edition and fmt == "xlsx":  # the stored workbook
        return _attachment(bytes(edition.xlsx), content_type, f"{file_stem(scope, edition)}.{extension}")
    bilan = editions.edition_bilan(edition, scope) if edition else compute_bilan(scope)
    return _attachment(exports.export_bilan_book(bilan, fmt), content_type, f"{file_stem(scope, edition)}.{extension}")


@for_roles(*READERS)
def bilan_json(request):
    scope, _departments = requested_scope(request)
    edition = editions.requested_edition(request, scope)
    content = bytes(edition.json) if edition else exports.bilan_json(compute_bilan(scope))
    response = HttpResponse(content, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{file_stem(scope, edition)}.json"'
    return response


@for_roles(*READERS)
def bilan_pdf(request):
    scope, _departments = requested_scope(request)
    edition = editions.requested_edition(request, scope, files=("pdf",))
    content = bytes(edition.pdf) if edition else render_bilan_pdf(compute_bilan(scope))
    return _attachment(content, "application/pdf", f"{file_stem(scope, edition)}.pdf")
