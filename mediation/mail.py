"""The e-mail backend of the application: every message is queued, never sent in the request.

`EMAIL_BACKEND = "mediation.mail.QueuedEmailBackend"`: `send_messages` records each message as an
`OutgoingEmail` and enqueues `mediation.tasks.deliver_email` in the current transaction, so a
rolled-back request sends nothing and a committed one always sends. The worker delivers it
through the backend named by `EMAIL_DELIVERY_BACKEND` (SMTP in production, console in
development, locmem in tests), with retries (mediation/tasks.py). Callers keep calling
`send_mail`, allauth and `mail_admins` included."""

import base64
import logging

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.db import DatabaseError, transaction

logger = logging.getLogger(__name__)

ERROR_REPORT_KIND = "Rapport d'erreur aux administrateurs"
KIND_MAX_LENGTH = 200


def kind_of(message):
    """What the admin shows of a message: its subject, which our e-mails keep free of personal
    data (a reference, a count, a year), except the error reports, whose subject carries the
    exception's text."""
    if message.subject.startswith(settings.EMAIL_SUBJECT_PREFIX):
        return ERROR_REPORT_KIND
    return message.subject[:KIND_MAX_LENGTH]


def to_payload(message):
    """The message as JSON, enough to build it again in the worker."""
    return {
        "subject": message.subject,
        "body": message.body,
        "from_email": message.from_email,
        "to": list(message.to),
        "cc": list(message.cc),
        "bcc": list(message.bcc),
        "reply_to": list(message.reply_to),
        "headers": dict(message.extra_headers),
        "alternatives": [[content, mimetype] for content, mimetype in getattr(message, "alternatives", [])],
        "attachments": [
            [filename, base64.b64encode(content.encode() if isinstance(content, str) else content).decode(), mimetype]
            for filename, content, mimetype in message.attachments
        ],
    }


def from_payload(payload):
    message = EmailMultiAlternatives(
        subject=payload["subject"],
        body=payload["body"],
        from_email=payload["from_email"],
        to=payload["to"],
        cc=payload["cc"],
        bcc=payload["bcc"],
        reply_to=payload["reply_to"],
        headers=payload["headers"],
        alternatives=[tuple(alternative) for alternative in payload["alternatives"]],
    )
    for filename, content, mimetype in payload["attachments"]:
        message.attach(filename, base64.b64decode(content), mimetype)
    return message


class QueuedEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        from .models import OutgoingEmail
        from .tasks import deliver_email

        queued = 0
        for message in email_messages:
            if not isinstance(message, EmailMessage) or not message.recipients():
                continue
            try:
                with transaction.atomic():
                    email = OutgoingEmail.objects.create(
                        recipients=", ".join(message.recipients()),
                        kind=kind_of(message),
                        payload=to_payload(message),
                    )
                    deliver_email.enqueue(email.pk)
            except DatabaseError:
                # The error reports of AdminEmailHandler (fail_silently) must not fail in their turn.
                if not self.fail_silently:
                    raise
                logger.exception("e-mail not queued: %s", kind_of(message))
                continue
            queued += 1
        return queued
