"""The client's address, read one way for everything that counts or records by address: the
audit trail (mediation.middleware.AuditlogMiddleware), the login limits (allauth, through
ACCOUNT_ADAPTER) and the public referral limit (partners.ratelimit). See docs/derriere-un-proxy.md.

Behind TRUSTED_PROXY_COUNT reverse proxies of ours (ALLAUTH_TRUSTED_PROXY_COUNT), the address is
the entry that many places from the end of X-Forwarded-For: what the nearest proxy of ours saw.
Entries further left are written by the client and never count. A header with fewer entries than
that (a request that did not come through all our proxies) gives REMOTE_ADDR, the peer the server
really talks to, like a request without the header: never an address the client wrote."""

from allauth import app_settings as allauth_settings
from allauth.core.internal.httpkit import clean_client_ip


def client_address(request):
    """The client's address as a string, or None when the request carries none."""
    header = allauth_settings.TRUSTED_CLIENT_IP_HEADER
    if header:
        ip = request.headers.get(header, "")
    else:
        ip = request.META.get("REMOTE_ADDR", "")
        proxies = allauth_settings.TRUSTED_PROXY_COUNT
        forwarded = [entry for entry in request.headers.get("x-forwarded-for", "").split(",") if entry.strip()]
        if proxies > 0 and len(forwarded) >= proxies:
            ip = forwarded[-proxies]
    return clean_client_ip(ip) if ip else None
