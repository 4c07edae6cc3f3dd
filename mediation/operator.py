"""The operator of the service and what the public pages say it does with personal data.

The operator's identity (the body that publishes the service, its publication director, its host,
its data-protection officer, its accessibility contact) comes from settings read from the
environment, set once (docs/exploitation.md): the legal notice, the personal-data page, the
accessibility statement, the referral form and its receipt e-mail read it from here, never from
a template. Until a setting is given it reads OPERATOR_UNSET, which production refuses
(mediation.checks, E004).

The durations shown to the public are the settings the daily jobs apply: change a setting and
the pages say the new duration."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse

# Each part of the identity, by the setting (and environment variable) that gives it.
OPERATOR_SETTINGS = {
    "name": "OPERATOR_NAME",
    "address": "OPERATOR_ADDRESS",
    "email": "OPERATOR_EMAIL",
    "phone": "OPERATOR_PHONE",
    "publication_director": "OPERATOR_PUBLICATION_DIRECTOR",
    "host_name": "OPERATOR_HOST_NAME",
    "host_address": "OPERATOR_HOST_ADDRESS",
    "host_phone": "OPERATOR_HOST_PHONE",
    "dpo_contact": "OPERATOR_DPO_CONTACT",
    "accessibility_contact": "OPERATOR_ACCESSIBILITY_CONTACT",
}

# No accessibility audit yet: the statement and the footer say so until one is published.
ACCESSIBILITY_STATUS = "non conforme"
# The day the accessibility statement's text was last revised.
ACCESSIBILITY_STATEMENT_ON = datetime.date(2026, 12, 2)


def is_unset(value):
    return not str(value or "").strip() or str(value).startswith(settings.OPERATOR_UNSET)


def unset_settings():
    """The names of the identity's settings still empty or at their default."""
    return [name for name in OPERATOR_SETTINGS.values() if is_unset(getattr(settings, name, ""))]


def identity():
    return {key: getattr(settings, name) for key, name in OPERATOR_SETTINGS.items()}


def _seconds_label(seconds):
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return f"{hours} heure{'s' if hours > 1 else ''}"
    minutes = max(1, round(seconds / 60))
    return f"{minutes} minute{'s' if minutes > 1 else ''}"


def _days_label(days):
    return f"{days} jour{'s' if days > 1 else ''}"


@dataclass(frozen=True)
class Retention:
    """How long each kind of record is kept, as labels for the public pages."""

    people: str
    warning: str
    referrals: str
    audit_logs: str
    session_idle: str
    session_absolute: str
    sent_emails: str
    invitations: str
    import_files: str
    import_runs: str
    backups: str


def retention():
    from .imports.services import RUNS_KEPT, STALE_AFTER

    return Retention(
        people=f"{settings.RETENTION_MONTHS} mois",
        warning=_days_label(settings.RETENTION_WARNING_DAYS),
        referrals=f"{settings.REFERRAL_RETENTION_MONTHS} mois",
        audit_logs=f"{settings.AUDIT_LOG_RETENTION_MONTHS} mois",
        session_idle=_seconds_label(settings.SESSION_COOKIE_AGE),
        session_absolute=_seconds_label(settings.SESSION_ABSOLUTE_AGE),
        sent_emails=_days_label(settings.EMAIL_SENT_RETENTION_DAYS),
        invitations=_days_label(settings.INVITATION_VALIDITY_DAYS),
        import_files=_seconds_label(int(STALE_AFTER.total_seconds())),
        import_runs=_days_label(RUNS_KEPT.days),
        backups=_days_label(settings.BACKUP_KEEP),
    )


def personal_data_url():
    """The personal-data page's address, absolute when SITE_URL is known (for e-mails)."""
    return settings.SITE_URL.rstrip("/") + reverse("pages:personal_data")
