"""The daily job of the partners app, registered with the core's daily jobs from
PartnersConfig.ready(): pending referrals that nobody handled remind their post's holder once
after REFERRAL_REMINDER_DAYS, then go to the department's coordinators after
REFERRAL_ESCALATION_DAYS. The e-mails say how many referrals wait and where to see them: no
name, no reference, no health detail. Each referral is marked when reminded or escalated, so a
second run (the same day or later) sends nothing again."""

import datetime
from collections import defaultdict

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from mediation.operations import DailyJob, site_url

from .models import Referral
from .services import coordinators_of


def send_on_commit(subject, template, context, recipients):
    body = render_to_string(template, context)
    transaction.on_commit(lambda: send_mail(subject, body, None, recipients))


@transaction.atomic
def send_referral_reminders(*, now=None) -> dict:
    now = now or timezone.now()
    today = timezone.localdate(now)
    pending = Referral.objects.pending().select_for_update(of=("self",))

    # First delay: the holder(s) of the post, once.
    due = list(
        pending.filter(
            post__isnull=False,
            reminded_at__isnull=True,
            received_at__lte=now - datetime.timedelta(days=settings.REFERRAL_REMINDER_DAYS),
        ).select_related("post")
    )
    by_recipients = defaultdict(int)
    for referral in due:
        holder = referral.post.holder_on(today)
        if holder and holder.is_active and holder.email:
            by_recipients[holder.email] += 1
    link = site_url() + reverse("partners:referral_inbox")
    for email, count in by_recipients.items():
        send_on_commit(
            "Des orientations reçues attendent votre réponse",
            "partners/emails/referral_reminder.txt",
            {"count": count, "days": settings.REFERRAL_REMINDER_DAYS, "link": link},
            [email],
        )
    Referral.objects.filter(pk__in=[r.pk for r in due]).update(reminded_at=now)

    # Second delay: the department's coordinators, once.
    late = list(
        pending.filter(
            escalated_at__isnull=True,
            received_at__lte=now - datetime.timedelta(days=settings.REFERRAL_ESCALATION_DAYS),
        ).select_related("department")
    )
    by_department = defaultdict(list)
    for referral in late:
        by_department[referral.department].append(referral)
    routing_link = site_url() + reverse("partners:referral_routing")
    coordinators_mailed = 0
    for department, referrals in by_department.items():
        recipients = [user.email for user in coordinators_of(department) if user.email]
        if recipients:
            coordinators_mailed += len(recipients)
            send_on_commit(
                f"Orientations en attente depuis plus de {settings.REFERRAL_ESCALATION_DAYS} jours ({department.name})",
                "partners/emails/referral_reminder_escalation.txt",
                {
                    "count": len(referrals),
                    "days": settings.REFERRAL_ESCALATION_DAYS,
                    "department": department,
                    "link": routing_link,
                },
                recipients,
            )
    Referral.objects.filter(pk__in=[r.pk for r in late]).update(escalated_at=now)
    return {
        "relances": len(due),
        "mediateurs_relances": len(by_recipients),
        "signalees_coordination": len(late),
        "coordinateurs_prevenus": coordinators_mailed,
    }


REFERRAL_REMINDERS = DailyJob("referral_reminders", "Relances des orientations reçues", send_referral_reminders)
