"""Workflows on the people a structure follows: probable duplicates and pairs marked distinct,
merging two records of one person, handing a caseload over to another mediator, and reading a person's audit trail."""

from collections import defaultdict
from dataclasses import dataclass

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import F, Q

from mediation.versioning import StaleEdit

from .duplicates import PREFIX_LENGTH, Identity, blocking_keys, name_sound, phone_key, probable_reason, spelled
from .models import AuditedRecord, Beneficiary, Contact, DistinctPair, Sheet, SheetRequest

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
MARKED_DISTINCT_FROM = "marked_distinct_from"


def _distinct_from(pk):
    """The records a manager marked as another person than record `pk`."""
    pairs = DistinctPair.objects.filter(Q(first_id=pk) | Q(second_id=pk)).values_list("first_id", "second_id")
    return {other for pair in pairs for other in pair if other != pk}


def find_duplicates(*, structure, last_name, first_name, birth_year=None, birth_date=None, phone="", exclude_pk=None):
    """Probable duplicates in the structure (accompaniments.duplicates.probable_reason), as a
    queryset of records: candidates picked in the database by their stored keys, at most
    MAX_CANDIDATES, then decided in Python. Anonymised records, and those a manager marked as
    another person than `exclude_pk`, are left out."""
    identity = Identity(
        last_name=last_name, first_name=first_name, birth_date=birth_date, birth_year=birth_year, phone=phone or ""
    )
    sounds = {name_sound(last_name), name_sound(first_name)} - {""}
    prefixes = {spelled(last_name)[:PREFIX_LENGTH], spelled(first_name)[:PREFIX_LENGTH]} - {""}
    wanted = Q(last_name_sound__in=sounds) | Q(first_name_sound__in=sounds)
    for prefix in prefixes:
        wanted |= Q(name_key__startswith=prefix)
    if birth_date:
        wanted |= Q(birth_date=birth_date)
    if key := phone_key(phone):
        wanted |= Q(phone_key=key)
    candidates = Beneficiary.objects.filter(wanted, structure=structure, anonymised_at__isnull=True)
    if exclude_pk:
        candidates = candidates.exclude(pk=exclude_pk).exclude(pk__in=_distinct_from(exclude_pk))
    rows = candidates.order_by("pk").values_list(*IDENTITY_FIELDS)[:MAX_CANDIDATES]
    found = [row[0] for row in rows if probable_reason(identity, _identity(row))]
    return Beneficiary.objects.filter(pk__in=found)


IDENTITY_FIELDS = ("pk", "last_name", "first_name", "birth_date", "birth_year", "phone")
# Records scored in Python for one person: far more than any name shares in one structure.
MAX_CANDIDATES = 500
# Pairs listed on one page for review; the next ones show once these are dealt with.
MAX_PAIRS_SHOWN = 100


def _identity(row):
    _pk, last_name, first_name, birth_date, birth_year, phone = row
    return Identity(
        last_name=last_name,
        first_name=first_name,
        birth_date=birth_date,
        birth_year=birth_year or (birth_date.year if birth_date else None),
        phone=phone,
    )


@dataclass(frozen=True)
class ProbablePair:
    first: Beneficiary
    second: Beneficiary
    reason: str

    @property
    def people(self):
        return (self.first, self.second)


@dataclass(frozen=True)
class ProbablePairs:
    pairs: list
    total: int


def probable_pairs(structure, *, limit=MAX_PAIRS_SHOWN):
    """The probable duplicates of a structure to review, oldest records first, without the pairs
    a manager marked as two people: their identities read in one query, grouped by the keys two
    records of one person share (accompaniments.duplicates.blocking_keys) and compared within each
    group; the records shown fetched in one more query, with their activity. Four queries."""
    rows = list(
        Beneficiary.objects.filter(structure=structure, anonymised_at__isnull=True)
        .order_by("pk")
        .values_list(*IDENTITY_FIELDS)
    )
    identities = {row[0]: _identity(row) for row in rows}
    groups = defaultdict(list)
    for pk, identity in identities.items():
        for key in blocking_keys(identity):
            groups[key].append(pk)
    distinct = set(DistinctPair.objects.filter(first__structure=structure).values_list("first_id", "second_id"))
    found = {}
    for members in groups.values():
        for i, first in enumerate(members):
            for second in members[i + 1 :]:
                pair = (first, second)
                if pair in found or pair in distinct:
                    continue
                if reason := probable_reason(identities[first], identities[second]):
                    found[pair] = reason
    listed = sorted(found)[:limit]
    shown = {pk for pair in listed for pk in pair}
    records = Beneficiary.objects.filter(pk__in=shown).select_related("commune", "referent", "sex").with_activity()
    by_pk = {record.pk: record for record in records}
    return ProbablePairs(
        pairs=[ProbablePair(first=by_pk[a], second=by_pk[b], reason=found[(a, b)]) for a, b in listed],
        total=len(found),
    )


@transaction.atomic
def mark_distinct(*, one, other, by):
    """Record that `one` and `other` are two people: the pair is not offered again. Written to
    both persons' audit trails (ids only). Returns False if the pair was already recorded."""
    if one.pk == other.pk or one.structure_id != other.structure_id:
        raise ValueError("Seules deux fiches distinctes d'une même structure peuvent être marquées.")
    first, second = sorted((one, other), key=lambda b: b.pk)
    try:
        with transaction.atomic():
            DistinctPair.objects.create(first=first, second=second, marked_by=by)
    except IntegrityError:
        return False
    for person, counterpart in ((first, second), (second, first)):
        LogEntry.objects.log_create(
            person, action=LogEntry.Action.UPDATE, changes={}, additional_data={MARKED_DISTINCT_FROM: counterpart.pk}
        )
    return True


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
            # An import's entries name their records beside them (accompaniments.audit.log_batch).
            | Q(
                content_type=types[Beneficiary],
                pk__in=AuditedRecord.objects.filter(object_id=beneficiary.pk).values("entry"),
            )
            | Q(content_type=types[Sheet], pk__in=AuditedRecord.objects.filter(object_id__in=sheets).values("entry"))
            | Q(
                content_type=types[SheetRequest],
                pk__in=AuditedRecord.objects.filter(object_id__in=requests).values("entry"),
            )
        )
        .select_related("actor", "content_type")
        .order_by("-timestamp", "-pk")
    )
