"""The digest e-mail a mediator chooses on « Récapitulatif par courriel » (DigestSubscription):
how many of her follow-ups are due and how many referrals wait for her posts, with links to
« À relancer » and to the referrals received. No name, no request type, no health detail: only
counts and links. Sent by the daily jobs (DIGESTS, registered from PartnersConfig.ready()),
daily or on Mondays (a weekly digest missed on Monday leaves at the next run of the week).

Counts come from the database for all subscribers at once (a fixed number of queries, whatever
their number), with the same definitions as the pages: `follow_up_due()` of the sheets of her
structure she follows (« À relancer »), pending referrals of the posts she holds today (the
notice of her home page). Nothing is sent when both are zero. The day is marked on the
subscription in the same transaction as the e-mails leave (on commit), with the rows locked:
a second run, even simultaneous, sends nothing more for the day (or the week)."""

from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Min
from django.urls import reverse
from django.utils import timezone

from accompaniments.models import SheetRequest
from mediation.models import PostHolding
from mediation.operations import DailyJob, site_url

from .enums import DigestFrequency
from .jobs import send_on_commit
from .models import DigestSubscription, Referral


@dataclass(frozen=True)
class DigestCounts:
    follow_ups: int = 0
    referrals: int = 0
    oldest_referral_days: int = 0

    @property
    def empty(self):
        return not (self.follow_ups or self.referrals)


def digest_counts(users, day) -> dict:
    """{user id: DigestCounts} for these mediators (with their membership), in three queries."""
    structure_of = {user.pk: user.membership.structure_id for user in users}
    follow_ups = defaultdict(int)
    due = (
        SheetRequest.objects.follow_up_due(day)
        .filter(sheet__mediator_id__in=structure_of)
        .order_by()
        .values_list("sheet__mediator_id", "sheet__beneficiary__structure_id")
        .annotate(n=Count("pk"))
    )
    for mediator_id, structure_id, n in due:
        if structure_of[mediator_id] == structure_id:  # what for_user() keeps of her sheets
            follow_ups[mediator_id] += n

    posts_of = defaultdict(set)
    holdings = PostHolding.objects.active_on(day).filter(mediator_id__in=structure_of)
    for mediator_id, post_id in holdings.values_list("mediator_id", "post_id"):
        posts_of[mediator_id].add(post_id)
    waiting = {
        post_id: (n, oldest)
        for post_id, n, oldest in Referral.objects.pending()
        .filter(post_id__in={post for posts in posts_of.values() for post in posts})
        .order_by()
        .values_list("post_id")
        .annotate(n=Count("pk"), oldest=Min("received_at"))
    }

    counts = {}
    for user_id in structure_of:
        found = [waiting[post] for post in posts_of[user_id] if post in waiting]
        oldest = min((received for _, received in found), default=None)
        counts[user_id] = DigestCounts(
            follow_ups=follow_ups[user_id],
            referrals=sum(n for n, _ in found),
            oldest_referral_days=(day - timezone.localdate(oldest)).days if oldest else 0,
        )
    return counts


def _subject(counts):
    parts = []
    if counts.follow_ups:
        parts.append(f"{counts.follow_ups} relance{'s' if counts.follow_ups > 1 else ''}")
    if counts.referrals:
        parts.append(f"{counts.referrals} orientation{'s' if counts.referrals > 1 else ''} en attente")
    return "Votre récapitulatif : " + " et ".join(parts)


@transaction.atomic
def send_digests(*, now=None) -> dict:
    """Send the digests due today; returns the counts recorded on the JobRun."""
    today = timezone.localdate(now or timezone.now())
    subscriptions = list(
        DigestSubscription.objects.due_on(today)
        .select_for_update(of=("self",))
        .select_related("user__membership")
        .order_by("pk")
    )
    counts = digest_counts([s.user for s in subscriptions], today)
    links = {
        "follow_ups_link": site_url() + reverse("accompaniments:follow_ups"),
        "referrals_link": site_url() + reverse("partners:referral_inbox"),
        "settings_link": site_url() + reverse("partners:digest_settings"),
    }
    sent = 0
    for subscription in subscriptions:
        found = counts[subscription.user_id]
        if found.empty:
            continue
        send_on_commit(
            _subject(found),
            "partners/emails/digest.txt",
            {"counts": found, "weekly": subscription.frequency == DigestFrequency.WEEKLY, **links},
            [subscription.user.email],
        )
        sent += 1
    DigestSubscription.objects.filter(pk__in=[s.pk for s in subscriptions]).update(last_sent_on=today)
    return {"recapitulatifs_envoyes": sent, "rien_a_signaler": len(subscriptions) - sent}


DIGESTS = DailyJob("digests", "Récapitulatifs par courriel des médiateurs", send_digests)
