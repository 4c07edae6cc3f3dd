"""A fixed-window limit on public referral submissions per client address, counted in a database
row per address and window (ReferralRateBucket) so that it holds across workers and under
simultaneous posts: a submission is counted by one conditional UPDATE (`hits < limit`), which
the database applies to one request at a time, so the limit can never be overshot. (The cache
would not do: the database cache's incr() is a read then a write, not atomic.)

The address is never stored: the row carries a keyed hash of it. It is the app's one reading of
the client address (mediation.client_address, the same for the login limits and the audit trail,
TRUSTED_PROXY_COUNT behind a proxy): each real client has its own allowance, not one for everyone
behind the proxy."""

import time

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils.crypto import salted_hmac

from mediation.client_address import client_address

from .models import ReferralRateBucket

KEY_SALT = "partners.referral-rate-limit"


def _client_ip(request):
    return client_address(request) or "unknown"


def _bucket(request):
    """(hashed client address, number of the current window)."""
    digest = salted_hmac(KEY_SALT, _client_ip(request)).hexdigest()[:32]
    return digest, int(time.time() // settings.REFERRAL_RATE_LIMIT_WINDOW)


def is_exhausted(request) -> bool:
    """Has this client already sent the maximum number of referrals in the current window?"""
    client, window = _bucket(request)
    return ReferralRateBucket.objects.filter(
        client=client, window=window, hits__gte=settings.REFERRAL_RATE_LIMIT
    ).exists()


def record_hit(request) -> bool:
    """Count one submission of this client; False, counting nothing, if its allowance for the
    current window is used up."""
    client, window = _bucket(request)
    with transaction.atomic():
        bucket, created = ReferralRateBucket.objects.get_or_create(client=client, window=window)
        counted = ReferralRateBucket.objects.filter(pk=bucket.pk, hits__lt=settings.REFERRAL_RATE_LIMIT).update(
            hits=F("hits") + 1
        )
    if created:  # the first submission of a window clears the counters of the past ones
        ReferralRateBucket.objects.filter(window__lt=window).delete()
    return bool(counted)


def give_back(request) -> None:
    """Uncount a submission that turned out to be the same one as another (a double click)."""
    client, window = _bucket(request)
    ReferralRateBucket.objects.filter(client=client, window=window, hits__gt=0).update(hits=F("hits") - 1)
