"""« À relancer » for the week as a spreadsheet: the open requests of the user's caseload (a
mediator's own sheets, a structure manager's structure: the queryset of the « À relancer » page)
whose follow-up day comes by the end of the current week (Monday to Sunday), late ones included,
with what is needed to call people back. It carries names and phones, like the caseload export,
and follows its rules: CSV, XLSX or ODS, cells that a spreadsheet would run as a formula behind a
quote, every person in the file logged as read, a file name without any name."""

import datetime

import tablib
from auditlog.models import LogEntry
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from mediation.access import for_roles
from mediation.enums import Role
from mediation.perms import role_of
from mediation.spreadsheets import csv_bytes, safe_cell

from .audit import log_bulk
from .exports import FORMATS
from .models import Beneficiary, SheetRequest
from .personal_data_views import attachment

HEADERS = [
    "Nom",
    "Prénom",
    "Téléphone",
    "Domaine",
    "Type de demande",
    "Fiche du",
    "À relancer le",
    "Jours de retard",
    "Lien de la fiche",
]
MANAGER_HEADERS = [*HEADERS[:-1], "Médiateur·rice", HEADERS[-1]]


def week_bounds(day):
    """Monday and Sunday of the week of `day`."""
    monday = day - datetime.timedelta(days=day.weekday())
    return monday, monday + datetime.timedelta(days=6)


def requests_of_the_week(user, day):
    """The open requests of the user's caseload to follow up by the Sunday of `day`'s week."""
    _, sunday = week_bounds(day)
    return (
        SheetRequest.objects.for_user(user)
        .in_caseload_of(user)
        .follow_up_due(sunday)
        .select_related("sheet__beneficiary", "sheet__mediator", "kind")
        .order_by("follow_up_on", "sheet__beneficiary__name_key", "pk")
    )


def _row(request, *, day, base_url, with_mediator):
    person = request.sheet.beneficiary
    late = (day - request.follow_up_on).days
    cells = [
        person.last_name,
        person.first_name,
        person.phone,
        request.get_domain_display(),
        request.kind.label,
        request.sheet.opened_on,
        request.follow_up_on,
        late if late >= 0 else None,  # not late yet: due later this week
    ]
    if with_mediator:
        cells.append(request.sheet.mediator.get_full_name())
    cells.append(base_url + reverse("accompaniments:sheet_detail", args=[request.sheet_id]) + "#demandes")
    return cells


def _cell(value, *, text_dates):
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y") if text_dates else value
    return safe_cell(value)


def export_follow_ups(user, fmt, *, day, base_url=""):
    """(bytes, content type, extension) of the user's follow-ups of the week; every person in it
    is logged as read (one access entry each)."""
    content_type, extension = FORMATS[fmt]
    with_mediator = role_of(user) != Role.MEDIATOR
    headers = MANAGER_HEADERS if with_mediator else HEADERS
    requests = list(requests_of_the_week(user, day))
    table = [
        [_cell(v, text_dates=fmt == "csv") for v in _row(r, day=day, base_url=base_url, with_mediator=with_mediator)]
        for r in requests
    ]
    if fmt == "csv":
        content = csv_bytes(headers, table)
    else:
        content = tablib.Dataset(*table, headers=headers, title="À relancer").export(fmt)
    people = sorted({r.sheet.beneficiary_id for r in requests})
    log_bulk(
        Beneficiary,
        people,
        action=LogEntry.Action.ACCESS,
        actor=user,
        extra={"page": "follow_up_export", "export": fmt},
    )
    return content, content_type, extension


@require_GET
@for_roles(Role.MEDIATOR, Role.STRUCTURE_MANAGER)
def follow_up_download(request, fmt):
    if fmt not in FORMATS:
        raise Http404
    today = timezone.localdate()
    content, content_type, extension = export_follow_ups(
        request.user, fmt, day=today, base_url=request.build_absolute_uri("/").rstrip("/")
    )
    monday, _ = week_bounds(today)
    return attachment(content, content_type, f"a-relancer-semaine-du-{monday:%Y-%m-%d}.{extension}")
