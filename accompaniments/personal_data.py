"""The life of a person's data: what is held (right of access, as a PDF and as JSON), erasure
(anonymisation by a structure manager) and retention (anonymisation after RETENTION_MONTHS
without activity, once the structure's managers were warned). See docs/donnees-personnelles.md.

Anonymising keeps the sheets' statistical fields (sex, age, QPV, resources, how the person came,
requests and their outcome): they were copied onto each sheet when it was opened, so the bilans
are the same before and after. Everything else that could name or reach the person, and every
free-text note, is wiped."""

import datetime
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass

from auditlog.models import LogEntry
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Exists, F, Max, OuterRef, Subquery
from django.db.models.functions import Coalesce, Greatest, TruncDate
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from mediation.enums import Role
from mediation.management.commands.purge_audit_logs import months_before
from mediation.models import Membership

from .audit import log_bulk
from .models import Beneficiary, Contact, RetentionNotice, Sheet, SheetRequest

logger = logging.getLogger(__name__)

ANONYMISED_LAST_NAME = "Personne anonymisée"
# The fields of a person's record an anonymisation empties (the sheets keep their own copy of
# what the bilan counts). Names are replaced, the rest emptied.
WIPED_FIELDS = {
    "first_name": "",
    "birth_date": None,
    "birth_year": None,
    "sex": None,
    "phone": "",
    "email": "",
    "address": "",
    "commune": None,
    "lives_in_qpv": None,
    "qpv": None,
    "resources": None,
    "came_via": None,
    "consent_on": None,
    "consent_method": "",
    "notes": "",
    "external_id": "",
}
PERSON_FIELDS = [
    "last_name",
    "first_name",
    "birth_date",
    "birth_year",
    "sex",
    "phone",
    "email",
    "address",
    "commune",
    "lives_in_qpv",
    "qpv",
    "resources",
    "came_via",
    "consent_on",
    "consent_method",
    "notes",
    "external_id",
    "referent",
    "created_at",
    "updated_at",
    "anonymised_at",
]
SHEET_FIELDS = [
    "opened_on",
    "post",
    "mediator",
    "contact_mode",
    "sex",
    "age",
    "lives_in_qpv",
    "qpv",
    "resources",
    "came_via",
    "notes",
    "created_at",
    "updated_at",
]
REQUEST_FIELDS = ["domain", "kind", "status", "opened_on", "closed_on", "follow_up_on", "note"]
CONTACT_FIELDS = ["date", "mode", "minutes", "note"]


@dataclass(frozen=True)
class PersonalDataPart:
    """What an app above this one holds about a person through her sheets (partners: the
    orientations and the referral a sheet came from). It registers it from its AppConfig.ready()
    and this module calls it, so the right of access, the anonymisation and the retention cover
    it without importing that app.

    - collect(beneficiary, sheets) -> {sheet pk: {key: value}}: keys added to each sheet of the
      right of access (every sheet of `sheets` has them);
    - anonymise(beneficiary): wipes its part, inside the anonymisation's transaction;
    - expire(today, *, dry_run) -> int: wipes (or with dry_run counts) the records that the
      retention expires on `today` (RetentionRun.referrals_wiped)."""

    name: str
    collect: Callable
    anonymise: Callable
    expire: Callable


_PARTS = {}


def register_part(part):
    """Called from an AppConfig.ready(); registering the same name again replaces it."""
    _PARTS[part.name] = part


def registered_parts():
    return list(_PARTS.values())


# ---------------------------------------------------------------- right of access


def _shown(instance, name):
    """A field as a person reads it: labels of choices, "Oui"/"Non", dates, names of records."""
    field = instance._meta.get_field(name)
    value = getattr(instance, name)
    if value is None or value == "":
        return None
    if field.choices:
        return getattr(instance, f"get_{name}_display")()
    if isinstance(value, bool):
        return "Oui" if value else "Non"
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    if hasattr(value, "get_full_name"):
        return value.get_full_name() or value.email
    if hasattr(value, "label"):
        return value.label
    return str(value)


# Labels where the model's verbose name reads ambiguously out of its form.
LABELS = {("beneficiary", "consent_method"): "Consentement recueilli par"}


def _label(instance, name):
    label = LABELS.get((instance._meta.model_name, name)) or str(instance._meta.get_field(name).verbose_name)
    return label[:1].upper() + label[1:]


def record(instance, names):
    return [{"field": name, "label": _label(instance, name), "value": _shown(instance, name)} for name in names]


def personal_data(beneficiary):
    """Everything held about `beneficiary`, as plain data: the record, each sheet with its
    requests, contacts, orientations to partners and the referral it came from."""
    sheets = list(
        Sheet.objects.filter(beneficiary=beneficiary)
        .select_related("post", "mediator", "contact_mode", "sex", "qpv", "resources", "came_via")
        .prefetch_related("barriers")
        .order_by("opened_on", "pk")
    )
    requests, contacts = {}, {}
    for request in (
        SheetRequest.objects.filter(sheet__beneficiary=beneficiary).select_related("kind").order_by("opened_on", "pk")
    ):
        requests.setdefault(request.sheet_id, []).append(record(request, REQUEST_FIELDS))
    for contact in Contact.objects.filter(sheet__beneficiary=beneficiary).select_related("mode").order_by("date", "pk"):
        contacts.setdefault(contact.sheet_id, []).append(record(contact, CONTACT_FIELDS))
    parts = [part.collect(beneficiary, sheets) for part in registered_parts()]
    return {
        "schema_version": 1,
        "generated_at": timezone.localtime().strftime("%d/%m/%Y %H:%M"),
        "structure": beneficiary.structure.name,
        "person": record(beneficiary, PERSON_FIELDS),
        "sheets": [
            {
                "id": sheet.pk,
                "title": f"Fiche du {sheet.opened_on:%d/%m/%Y}",
                "fields": record(sheet, SHEET_FIELDS)
                + [
                    {
                        "field": "barriers",
                        "label": "Freins rencontrés",
                        "value": ", ".join(b.label for b in sheet.barriers.all()) or None,
                    }
                ],
                "requests": requests.get(sheet.pk, []),
                "contacts": contacts.get(sheet.pk, []),
            }
            | {key: value for part in parts for key, value in part[sheet.pk].items()}
            for sheet in sheets
        ],
    }


def access_json(data):
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")


def access_pdf(data):
    """The same data as an A4 PDF; WeasyPrint may fetch nothing but the app's static files."""
    from mediation.pdf import render_pdf

    return render_pdf(render_to_string("accompaniments/personal_data_pdf.html", {"data": data}))


# ---------------------------------------------------------------- erasure


@transaction.atomic
def anonymise(beneficiary, *, by=None, reason="anonymisation"):
    """Wipe what names or reaches the person and every note about her; keep the sheets'
    statistical fields. Audited (each record saved, plus one entry naming the operation)."""
    beneficiary = Beneficiary.objects.select_for_update().get(pk=beneficiary.pk)
    if beneficiary.anonymised_at is not None:
        return beneficiary
    for name, value in WIPED_FIELDS.items():
        setattr(beneficiary, name, value)
    beneficiary.last_name = ANONYMISED_LAST_NAME
    beneficiary.anonymised_at = timezone.now()
    beneficiary.version = F("version") + 1
    beneficiary.save()
    beneficiary.refresh_from_db(fields=["version"])
    for sheet in Sheet.objects.filter(beneficiary=beneficiary).exclude(notes=""):
        sheet.notes = ""
        sheet.version = F("version") + 1
        sheet.save(update_fields=["notes", "version", "updated_at"])
    for request in SheetRequest.objects.filter(sheet__beneficiary=beneficiary).exclude(note=""):
        request.note = ""
        request.save(update_fields=["note"])
    for contact in Contact.objects.filter(sheet__beneficiary=beneficiary).exclude(note=""):
        contact.note = ""
        contact.save(update_fields=["note"])
    for part in registered_parts():
        part.anonymise(beneficiary)
    RetentionNotice.objects.filter(beneficiary=beneficiary).delete()
    log_bulk(Beneficiary, [beneficiary.pk], action=LogEntry.Action.UPDATE, actor=by, extra={"operation": reason})
    return beneficiary


# ---------------------------------------------------------------- retention


def with_last_activity(queryset):
    """Annotate `last_activity_on`: the latest of the day the record was created, a sheet
    opened, a contact, a request opened or closed."""
    created = TruncDate("created_at")

    def latest(model, path, field):
        rows = model.objects.filter(**{path: OuterRef("pk")}).order_by().values(path)
        return Coalesce(Subquery(rows.annotate(day=Max(field)).values("day")[:1]), created)

    return queryset.annotate(
        last_activity_on=Greatest(
            latest(Sheet, "beneficiary", "opened_on"),
            latest(Contact, "sheet__beneficiary", "date"),
            latest(SheetRequest, "sheet__beneficiary", "opened_on"),
            latest(SheetRequest, "sheet__beneficiary", "closed_on"),
        )
    )


def inactivity_cutoff(today):
    """People whose last activity is before this day have been inactive RETENTION_MONTHS."""
    return months_before(today, settings.RETENTION_MONTHS)


def anonymisation_day(warned_on):
    return warned_on + datetime.timedelta(days=settings.RETENTION_WARNING_DAYS)


def to_warn(today):
    """People who will have been inactive RETENTION_MONTHS within RETENTION_WARNING_DAYS and
    were not warned since their last activity."""
    horizon = inactivity_cutoff(today + datetime.timedelta(days=settings.RETENTION_WARNING_DAYS))
    people = with_last_activity(Beneficiary.objects.filter(anonymised_at__isnull=True)).filter(
        last_activity_on__lt=horizon
    )
    warned = RetentionNotice.objects.filter(beneficiary=OuterRef("pk"), last_activity_on=OuterRef("last_activity_on"))
    return people.filter(~Exists(warned))


def to_anonymise(today):
    """People inactive RETENTION_MONTHS, warned at least RETENTION_WARNING_DAYS ago with no
    activity since the warning."""
    warned_before = today - datetime.timedelta(days=settings.RETENTION_WARNING_DAYS)
    notices = RetentionNotice.objects.filter(
        beneficiary=OuterRef("pk"), last_activity_on=OuterRef("last_activity_on"), warned_on__lte=warned_before
    )
    return (
        with_last_activity(Beneficiary.objects.filter(anonymised_at__isnull=True))
        .filter(last_activity_on__lt=inactivity_cutoff(today))
        .filter(Exists(notices))
    )


def pending_for_structure(structure):
    """The structure's people warned and not yet anonymised, with the day they will be."""
    notices = RetentionNotice.objects.filter(
        beneficiary=OuterRef("pk"), last_activity_on=OuterRef("last_activity_on")
    ).order_by("-warned_on")
    return (
        with_last_activity(Beneficiary.objects.filter(structure=structure, anonymised_at__isnull=True))
        .annotate(warned_on=Subquery(notices.values("warned_on")[:1]))
        .filter(warned_on__isnull=False)
        .select_related("referent")
        .order_by("warned_on", "name_key", "pk")
    )


@dataclass(frozen=True)
class RetentionRun:
    day: datetime.date
    warned: int
    anonymised: int
    structures_notified: int
    referrals_wiped: int = 0


def recipients_for(structure_id):
    """The structure's active managers, or failing any, its active mediators."""
    members = Membership.objects.filter(structure_id=structure_id, user__is_active=True).select_related("user")
    managers = [m.user.email for m in members if m.role == Role.STRUCTURE_MANAGER]
    return managers or [m.user.email for m in members if m.role == Role.MEDIATOR]


def apply_retention(*, today=None, base_url="", dry_run=False):
    """Warn about the people who will be anonymised in RETENTION_WARNING_DAYS, and anonymise
    those warned long enough ago. Returns what was done (or, with dry_run, would be)."""
    today = today or timezone.localdate()
    with transaction.atomic():
        newly_warned = list(to_warn(today).values("pk", "structure_id", "last_activity_on"))
        due = list(to_anonymise(today).exclude(pk__in=[p["pk"] for p in newly_warned]))
        by_structure = {}
        for person in newly_warned:
            by_structure.setdefault(person["structure_id"], []).append(person)
        if not dry_run:
            RetentionNotice.objects.bulk_create(
                [
                    RetentionNotice(beneficiary_id=p["pk"], warned_on=today, last_activity_on=p["last_activity_on"])
                    for p in newly_warned
                ]
            )
            for structure_id, people in by_structure.items():
                _notify(structure_id, people, today=today, base_url=base_url)
            for beneficiary in due:
                anonymise(beneficiary, by=None, reason="conservation")
        wiped = sum(part.expire(today, dry_run=dry_run) for part in registered_parts())
    run = RetentionRun(today, len(newly_warned), len(due), len(by_structure), wiped)
    logger.info(
        "retention %s%s: %s warned (%s structures), %s anonymised, %s referrals wiped",
        today,
        " (dry run)" if dry_run else "",
        run.warned,
        run.structures_notified,
        run.anonymised,
        run.referrals_wiped,
    )
    return run


def _notify(structure_id, people, *, today, base_url):
    recipients = recipients_for(structure_id)
    if not recipients:
        logger.warning("retention: structure %s has nobody to warn", structure_id)
        return
    path = reverse("accompaniments:retention_list")
    context = {
        "count": len(people),
        "day": date_format(anonymisation_day(today), "j F Y"),
        "months": settings.RETENTION_MONTHS,
        "link": base_url.rstrip("/") + path if base_url else "",
    }
    subject = f"{len(people)} personne(s) seront anonymisées le {context['day']}"
    body = render_to_string("accompaniments/emails/retention_warning.txt", context)
    transaction.on_commit(lambda: send_mail(subject, body, None, recipients))
