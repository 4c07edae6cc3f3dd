"""A campaign as a file, for the coordination: the status of every expected bilan (who, post,
state, dates, late) and every bilan itself, one row each, in the format of the history import
(history_import.COLUMNS, the same value spellings), so that an export imports back.

XLSX and ODS: one workbook, the bilans first (the import reads the first sheet), then the
status. CSV cannot hold two sheets: the bilans and the status are two files. A user sees the
bilans of her departments only (AnnualBilan.objects.for_user). The figures, answers and lists of
all the bilans are read by a fixed number of queries, whatever their number.

Text cells a spreadsheet would run as a formula are written behind a quote, which the import
removes (mediation.imports.values.unquote)."""

import datetime

import tablib
from auditlog.models import LogEntry
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.text import slugify

from accompaniments.audit import log_bulk
from mediation.spreadsheets import csv_bytes, safe_cell

from . import history_import as history
from .enums import BilanAction
from .exports import FORMATS
from .models import AnnualBilan, BilanEvent

__all__ = ["BILANS_TITLE", "FORMATS", "STATUS_HEADERS", "STATUS_TITLE", "export_campaign", "filename", "is_late"]

BILANS_TITLE = "Bilans"
STATUS_TITLE = "État de la campagne"
PARTS = {"bilans": BILANS_TITLE, "etat": STATUS_TITLE}
STATUS_HEADERS = [
    "Médiateur·rice",
    "E-mail",
    "Code du poste",
    "Structure",
    "Département",
    "Code du département",
    "Type de poste",
    "État",
    "Exploitable",
    "Ouvert le",
    "Transmis le",
    "Validé le",
    "Renvoyé pour correction le",
    "Date limite",
    "En retard",
    "Jours de retard",
]
LISTS = tuple(name for name, _vocabulary in history.LIST_COLUMNS.values())
PROFESSIONALS_COLUMN, PROFESSIONALS_ANSWER = next(iter(history.YES_NO_FIGURES.items()))


def campaign_bilans(user, campaign):
    """The campaign's bilans `user` may see, with all they are exported with (a fixed number of
    queries: the bilans, their figures, each list of answers)."""
    last_sent_back = (
        BilanEvent.objects.filter(bilan=OuterRef("pk"), action=BilanAction.SENT_BACK).order_by("-at").values("at")[:1]
    )
    return (
        AnnualBilan.objects.for_user(user)
        .filter(campaign=campaign)
        .select_related("mediator", "post__structure", "department", "professional_project")
        .prefetch_related("figures", *LISTS)
        .annotate(sent_back_at=Subquery(last_sent_back))
        .order_by("department__code", "post__code", "mediator__last_name", "pk")
    )


# ---------------------------------------------------------------- the status sheet


def is_late(bilan, campaign, today):
    """Late as the campaign page says it: a mediator's bilan not yet sent to the coordination
    (the reminders' « retardataires ») once the deadline has passed; then the days since it."""
    return bool(bilan.is_editable and bilan.mediator_id and campaign.is_past_deadline(today))


def _day(moment):
    return timezone.localdate(moment) if moment is not None else None


def _yes_no(value):
    return "" if value is None else ("oui" if value else "non")


def status_rows(bilans, campaign, today):
    for bilan in bilans:
        late = is_late(bilan, campaign, today)
        mediator = bilan.mediator
        who = (mediator.get_full_name() or mediator.email) if mediator else f"Bilan importé ({bilan.import_reference})"
        yield [
            who,
            mediator.email if mediator else "",
            bilan.post.code if bilan.post else "",
            bilan.post.structure.name if bilan.post else "",
            bilan.department.name,
            bilan.department.code,
            bilan.get_post_type_display(),
            bilan.get_state_display(),
            _yes_no(bilan.usable),
            _day(bilan.created_at),
            _day(bilan.submitted_at),
            _day(bilan.validated_at),
            _day(bilan.sent_back_at),
            campaign.deadline,
            "oui" if late else "non",
            (today - campaign.deadline).days if late else None,
        ]


# ---------------------------------------------------------------- the bilans sheet


def _reference(bilan):
    """(e-mail, row identifier) an imported bilan's key holds: "…:email:<e-mail>",
    "…:ligne:<identifier>", or "…:poste:<code>" followed by ":email:<e-mail>" when two
    mediators held the post that year (history_import._tell_shared_posts_apart)."""
    parts = bilan.import_key.split(":", 3)
    if len(parts) < 4:
        return "", ""
    kind, reference = parts[2], parts[3]
    if kind == "ligne":
        return "", reference
    if kind == "poste":
        return reference.partition(":email:")[2], ""
    return reference, ""


def _list(items):
    """Labels as the import reads them, « ; » between them; the code for a label holding a « ; »."""
    return "; ".join(item.code if ";" in item.label else item.label for item in sorted(items, key=lambda i: i.pk))


def bilan_row(bilan):
    """{import column: value} of one bilan, spelt as the history import reads it."""
    key_email, identifier = _reference(bilan)
    email = key_email or (bilan.mediator.email if bilan.mediator else "")
    row = {
        "annee": bilan.year,
        "departement": bilan.department.code,
        "code_poste": bilan.post.code if bilan.post else "",
        "type_poste": bilan.get_post_type_display(),
        "email_mediateur": email,
        "identifiant": identifier,
        "exploitable": _yes_no(bilan.usable),
    }
    figures = {figure.key: figure.value for figure in bilan.figures.all()}
    for column, key in history.FIGURE_COLUMNS.items():
        row[column] = figures.get(key)
    answer = getattr(bilan, PROFESSIONALS_ANSWER)
    if answer is not None and row[PROFESSIONALS_COLUMN] in (None, 0):
        row[PROFESSIONALS_COLUMN] = _yes_no(answer)  # the questionnaire said yes or no, not how many
    for column, name in history.BOOLEAN_COLUMNS.items():
        row[column] = _yes_no(getattr(bilan, name))
    row["projet_professionnel"] = bilan.professional_project.label if bilan.professional_project else ""
    for column, name in history.TEXT_COLUMNS.items():
        row[column] = getattr(bilan, name)
    for column, (name, _vocabulary) in history.LIST_COLUMNS.items():
        row[column] = _list(getattr(bilan, name).all())
    return row


def bilan_rows(bilans):
    for bilan in bilans:
        row = bilan_row(bilan)
        yield [row[column] for column in history.COLUMNS]


# ---------------------------------------------------------------- files


def _cell(value, *, text_dates):
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y") if text_dates else value
    return safe_cell(value)


def _sheets(bilans, campaign, today, *, text_dates):
    """{part: (title, headers, rows)}."""
    return {
        "bilans": (
            BILANS_TITLE,
            list(history.COLUMNS),
            [[_cell(v, text_dates=text_dates) for v in row] for row in bilan_rows(bilans)],
        ),
        "etat": (
            STATUS_TITLE,
            STATUS_HEADERS,
            [[_cell(v, text_dates=text_dates) for v in row] for row in status_rows(bilans, campaign, today)],
        ),
    }


def export_campaign(user, campaign, fmt, *, part=None, today=None):
    """(bytes, content type, extension) of the campaign as `user` may see it. XLSX or ODS: the
    workbook (bilans, then status); CSV: one `part`, "bilans" or "etat". Each bilan exported is
    logged as read by the user (audit trail, by id)."""
    content_type, extension = FORMATS[fmt]
    today = today or timezone.localdate()
    bilans = list(campaign_bilans(user, campaign))
    sheets = _sheets(bilans, campaign, today, text_dates=fmt == "csv")
    if fmt == "csv":
        _title, headers, rows = sheets[part]
        content = csv_bytes(headers, rows)
    else:
        book = tablib.Databook(
            [tablib.Dataset(*rows, headers=headers, title=title) for title, headers, rows in sheets.values()]
        )
        content = book.export(fmt)
    log_bulk(
        AnnualBilan,
        sorted(b.pk for b in bilans),
        action=LogEntry.Action.ACCESS,
        actor=user,
        extra={"page": "export de campagne", "export": f"{part or 'classeur'}.{fmt}"},
    )
    return content, content_type, extension


def scope_slug(campaign):
    """The campaign's territory in a file name: the region, or its departments' codes."""
    if campaign.region_id:
        return slugify(campaign.region.name)
    return "-".join(sorted(d.code.lower() for d in campaign.departments.all())) or "aucun-departement"


def filename(campaign, extension, part=None):
    """« campagne-2024-hauts-de-france.xlsx », « campagne-2024-59-62-bilans.csv »: no one's name."""
    suffix = f"-{part}" if part else ""
    return f"campagne-{campaign.year}-{scope_slug(campaign)}{suffix}.{extension}"
