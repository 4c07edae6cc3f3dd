"""A fixed-window limit on public referral submissions per client IP, kept in the shared
(database) cache so that it holds across workers. The IP itself is never stored: the cache key
carries a keyed hash of it. The client IP is read as allauth reads it for the login limits
(ALLAUTH_TRUSTED_PROXY_COUNT / ALLAUTH_TRUSTED_CLIENT_IP_HEADER behind a proxy)."""

import time

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.utils.crypto import salted_hmac

KEY_SALT = "partners.referral-rate-limit"


def _client_ip(request):
    try:
        return get_adapter(request).get_client_ip(request)
    except (PermissionDenied, ImproperlyConfigured):
        return "unknown"


def _key(request):
    window = settings.REFERRAL_RATE_LIMIT_WINDOW
    digest = salted_hmac(KEY_SALT, _client_ip(request)).hexdigest()[:32]
    return f"referral-limit:{digest}:{int(time.time() // window)}"


def is_exhausted(request) -> bool:
    """Has this client already sent the maximum number of referrals in the current window?"""
    return cache.get(_key(request), 0) >= settings.REFERRAL_RATE_LIMIT


def record_hit(request) -> None:
    key = _key(request)
    if cache.add(key, 1, timeout=settings.REFERRAL_RATE_LIMIT_WINDOW):
        return
    try:
        cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, timeout=settings.REFERRAL_RATE_LIMIT_WINDOW)
