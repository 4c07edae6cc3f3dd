"""Workflows on the people a structure follows: duplicates, merging two records of one person,
handing a caseload over to another mediator, and reading a person's audit trail."""

from dataclasses import dataclass

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import F, Q

from mediation.versioning import StaleEdit

from .models import Beneficiary, Contact, Sheet, SheetRequest, search_key

# Fields of the kept record that a merge fills from the other record when they are empty.
MERGE_FILLED_FIELDS = [
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
    "external_id",
    "notes",
]
NOTES_SEPARATOR = "\n\n"
MERGED_FROM = "merged_from"


def find_duplicates(*, structure, last_name, first_name, birth_year=None, exclude_pk=None):
    """Probable duplicates in the structure: same name (accents, case, hyphens ignored) and,
    when both are known, the same birth year. Anonymised records are left out."""
    candidates = Beneficiary.objects.filter(
        structure=structure, name_key=search_key(last_name, first_name), anonymised_at__isnull=True
    )
    if birth_year:
        candidates = candidates.filter(Q(birth_year=birth_year) | Q(birth_year__isnull=True))
    if exclude_pk:
        candidates = candidates.exclude(pk=exclude_pk)
    return candidates


# ---------------------------------------------------------------- merge


def merge_plan(*, into, other):
    """{field name: value} that `into` takes from `other`: only its empty fields, and only values
    that agree with what `into` already says (a birth date of another year, a QPV for someone
    recorded as not living in one, are left out). Notes are put end to end."""
    plan = {}

    def current(name):
        return plan.get(name, getattr(into, name))

    if into.birth_date is None and other.birth_date and into.birth_year in (None, other.birth_date.year):
        plan["birth_date"] = other.birth_date
        plan["birth_year"] = other.birth_date.year
    if current("birth_year") is None and other.birth_year:
        plan["birth_year"] = other.birth_year
    for name in ("sex", "phone", "email", "address", "commune", "resources", "came_via", "external_id"):
        if getattr(into, name) in (None, "") and getattr(other, name) not in (None, ""):
            plan[name] = getattr(other, name)
    if into.lives_in_qpv is None and other.lives_in_qpv is not None:
        plan["lives_in_qpv"] = other.lives_in_qpv
    if into.qpv is None and other.qpv is not None and current("lives_in_qpv") is not False:
        plan["qpv"] = other.qpv
        plan["lives_in_qpv"] = True
    if into.consent_on is None and not into.consent_method and (other.consent_on or other.consent_method):
        plan["consent_on"] = other.consent_on
        plan["consent_method"] = other.consent_method
    if other.notes.strip():
        plan["notes"] = into.notes + NOTES_SEPARATOR + other.notes if into.notes.strip() else other.notes
    return plan


@dataclass(frozen=True)
class MergeResult:
    moved_sheets: int
    filled_fields: list


def _claim_version(beneficiary):
    """Bump the stored version if it is still the one the person looked at, else StaleEdit."""
    bumped = Beneficiary.objects.filter(pk=beneficiary.pk, version=beneficiary.version).update(version=F("version") + 1)
    if not bumped:
        raise StaleEdit
    beneficiary.version += 1


@transaction.atomic
def merge_beneficiaries(*, into, other):
    """Make `into` the only record of the person: it takes the sheets of `other` and fills its
    empty fields from it, then `other` is deleted. Both records must still be at the version
    that was compared (StaleEdit otherwise). Every step is written to the audit trail."""
    if into.pk == other.pk or into.structure_id != other.structure_id:
        raise ValueError("Seules deux fiches distinctes d'une même structure peuvent être fusionnées.")
    _claim_version(into)
    _claim_version(other)
    plan = merge_plan(into=into, other=other)
    moved = 0
    for sheet in Sheet.objects.filter(beneficiary=other):
        sheet.beneficiary = into
        sheet.version = F("version") + 1
        sheet.save(update_fields=["beneficiary", "version", "updated_at"])
        moved += 1
    other_pk = other.pk
    other.delete()
    for name, value in plan.items():
        setattr(into, name, value)
    into.save()
    # The kept record's own trail says which record was merged into it (ids only).
    LogEntry.objects.log_create(
        into, action=LogEntry.Action.UPDATE, changes={}, additional_data={MERGED_FROM: other_pk}
    )
    return MergeResult(moved_sheets=moved, filled_fields=[into._meta.get_field(n).verbose_name for n in plan])


# ---------------------------------------------------------------- caseload


@transaction.atomic
def transfer_caseload(*, beneficiaries, to):
    """Make `to` the referent of each of `beneficiaries` (one audited save each). Returns the count."""
    count = 0
    for beneficiary in beneficiaries.exclude(referent=to).order_by("pk"):
        beneficiary.referent = to
        beneficiary.version = F("version") + 1
        beneficiary.save(update_fields=["referent", "version", "updated_at"])
        count += 1
    return count


# ---------------------------------------------------------------- audit trail


def log_entries_for(beneficiary):
    """The audit trail of a person: her record, her sheets, their requests and contacts (as they
    are now: a request or contact deleted from a sheet is no longer linked to the person)."""
    types = ContentType.objects.get_for_models(Beneficiary, Sheet, SheetRequest, Contact)
    sheets = Sheet.objects.filter(beneficiary=beneficiary).values("pk")
    requests = SheetRequest.objects.filter(sheet__in=sheets).values("pk")
    contacts = Contact.objects.filter(sheet__in=sheets).values("pk")
    return (
        LogEntry.objects.filter(
            Q(content_type=types[Beneficiary], object_id=beneficiary.pk)
            | Q(content_type=types[Sheet], object_id__in=sheets)
            | Q(content_type=types[SheetRequest], object_id__in=requests)
            | Q(content_type=types[Contact], object_id__in=contacts)
        )
        .select_related("actor", "content_type")
        .order_by("-timestamp", "-pk")
    )
