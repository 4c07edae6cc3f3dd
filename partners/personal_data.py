"""What partners holds about a person, for the life of her data (accompaniments.personal_data):
the orientations of her sheets and the referral a sheet came from, shown by the right of access,
wiped by an anonymisation, and referrals that never became a sheet wiped by the retention.
Registered from PartnersConfig.ready()."""

import datetime

from auditlog.models import LogEntry
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from accompaniments.audit import log_bulk
from accompaniments.personal_data import ANONYMISED_LAST_NAME, PersonalDataPart, record
from mediation.management.commands.purge_audit_logs import months_before

from .models import Orientation, Referral

ANONYMISED_REASON = "(anonymisé)"
# What a referral received from a professional says of the patient (her identity, her phone,
# the professional's message, the mediator's reason for declining it).
REFERRAL_WIPED_FIELDS = {
    "patient_last_name": ANONYMISED_LAST_NAME,
    "patient_first_name": "",
    "patient_phone": "",
    "message": "",
    "decline_reason": "",
}
ORIENTATION_FIELDS = ["date", "partner", "partner_type", "reason", "outcome"]
REFERRAL_FIELDS = [
    "reference",
    "received_at",
    "referrer_name",
    "referrer_profession",
    "referrer_structure",
    "patient_last_name",
    "patient_first_name",
    "patient_phone",
    "commune",
    "message",
    "status",
]


def collect(beneficiary, sheets):
    """Each sheet's orientations and the referral it came from."""
    orientations, referrals = {}, {}
    for orientation in (
        Orientation.objects.filter(sheet__beneficiary=beneficiary).select_related("partner").order_by("date", "pk")
    ):
        orientations.setdefault(orientation.sheet_id, []).append(record(orientation, ORIENTATION_FIELDS))
    for referral in Referral.objects.filter(sheet__beneficiary=beneficiary).select_related("commune"):
        referrals[referral.sheet_id] = record(referral, REFERRAL_FIELDS) + [
            {"field": "reasons", "label": "Motifs", "value": ", ".join(r.label for r in referral.reasons.all()) or None}
        ]
    return {
        sheet.pk: {"orientations": orientations.get(sheet.pk, []), "referral": referrals.get(sheet.pk)}
        for sheet in sheets
    }


def anonymise(beneficiary):
    """The orientations' reasons and what the referral says of the patient."""
    for orientation in Orientation.objects.filter(sheet__beneficiary=beneficiary).exclude(reason=ANONYMISED_REASON):
        orientation.reason = ANONYMISED_REASON
        orientation.save(update_fields=["reason"])
    for referral in Referral.objects.filter(sheet__beneficiary=beneficiary):
        for name, value in REFERRAL_WIPED_FIELDS.items():
            setattr(referral, name, value)
        referral.save(update_fields=list(REFERRAL_WIPED_FIELDS))


def referrals_to_wipe(today):
    """Referrals that never became a sheet (declined, or left pending) whose last step, the
    decision or else their arrival, is REFERRAL_RETENTION_MONTHS old: the patient is not
    accompanied, nothing justifies keeping her name. An accepted referral follows its person."""
    cutoff = timezone.make_aware(
        datetime.datetime.combine(months_before(today, settings.REFERRAL_RETENTION_MONTHS), datetime.time.min)
    )
    return (
        Referral.objects.filter(sheet__isnull=True)
        .exclude(patient_last_name=ANONYMISED_LAST_NAME)
        .filter(Q(decided_at__lt=cutoff) | Q(decided_at__isnull=True, received_at__lt=cutoff))
    )


def wipe_referrals(referrals):
    """Wipe the patient from these referrals, in one update, audited."""
    pks = list(referrals.values_list("pk", flat=True))
    Referral.objects.filter(pk__in=pks).update(**REFERRAL_WIPED_FIELDS)
    log_bulk(Referral, pks, action=LogEntry.Action.UPDATE, actor=None, extra={"operation": "conservation"})
    return len(pks)


def expire(today, *, dry_run):
    referrals = referrals_to_wipe(today)
    return referrals.count() if dry_run else wipe_referrals(referrals)


PARTNERS_PART = PersonalDataPart(name="partners", collect=collect, anonymise=anonymise, expire=expire)
