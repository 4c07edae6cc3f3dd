"""A caseload as a spreadsheet, in the format of the historical sheets import (one row per request,
or one row for a sheet without request), so that an export imports back: a mediator exports her
own sheets, a structure manager the structure's. A person recorded without an external identifier
is written "app-<number>", which the import of the same structure recognises.

Text cells that a spreadsheet would run as a formula (starting with = + - @, tab or carriage
return) are written behind a quote; the import removes that quote."""

import datetime

import tablib
from auditlog.models import LogEntry
from django.db.models import Prefetch

from mediation.spreadsheets import csv_bytes, safe_cell

from .audit import log_bulk
from .imports import HEADERS
from .models import Beneficiary, Sheet, SheetRequest

FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", "ods"),
}


def caseload_sheets(user):
    """The sheets a user exports: her own for a mediator, the structure's for a manager."""
    requests = SheetRequest.objects.select_related("kind").order_by("opened_on", "pk")
    return (
        Sheet.objects.for_user(user)
        .in_caseload_of(user)
        .select_related("beneficiary", "mediator", "post", "sex", "resources", "came_via", "contact_mode")
        .prefetch_related(Prefetch("requests", queryset=requests))
        .order_by("beneficiary__name_key", "beneficiary_id", "opened_on", "pk")
    )


def person_id(beneficiary):
    return beneficiary.external_id or f"app-{beneficiary.pk}"


def _label(item):
    return item.label if item is not None else ""


def _yes_no(value):
    return "" if value is None else ("oui" if value else "non")


def rows(sheets):
    """Dicts keyed by the import's columns, dates as dates."""
    for sheet in sheets:
        person = sheet.beneficiary
        base = {
            "email_mediateur": sheet.mediator.email,
            "code_poste": sheet.post.code,
            "date_fiche": sheet.opened_on,
            "identifiant_personne": person_id(person),
            "nom": person.last_name,
            "prenom": person.first_name,
            "sexe": _label(sheet.sex),
            "age": sheet.age,
            "annee_naissance": person.birth_year,
            "qpv": _yes_no(sheet.lives_in_qpv),
            "ressources": _label(sheet.resources),
            "connu_par": _label(sheet.came_via),
            "mode_contact": _label(sheet.contact_mode),
        }
        requests = list(sheet.requests.all())
        if not requests:
            yield base
        for request in requests:
            yield base | {
                "domaine": request.get_domain_display(),
                "type_demande": request.kind.label,
                "etat": request.get_status_display(),
                "date_ouverture": request.opened_on,
                "date_cloture": None if request.closed_on_unknown else request.closed_on,
            }


def _cell(value, *, text_dates):
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y") if text_dates else value
    return safe_cell(value)


def export_caseload(user, fmt):
    """(bytes, content type, extension) of the user's caseload; every person in it is logged as
    read (audit trail, one entry each)."""
    content_type, extension = FORMATS[fmt]
    sheets = list(caseload_sheets(user))
    table = [[_cell(row.get(h), text_dates=fmt == "csv") for h in HEADERS] for row in rows(sheets)]
    if fmt == "csv":
        content = csv_bytes(HEADERS, table)
    else:
        dataset = tablib.Dataset(*table, headers=HEADERS, title="Fiches")
        content = dataset.export(fmt)
    people = sorted({sheet.beneficiary_id for sheet in sheets})
    log_bulk(Beneficiary, people, action=LogEntry.Action.ACCESS, actor=user, extra={"page": "export", "export": fmt})
    return content, content_type, extension
