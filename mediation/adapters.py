from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.internal.httpkit import clean_client_ip
from django.core.exceptions import ImproperlyConfigured, PermissionDenied


class AccountAdapter(DefaultAccountAdapter):
    """Accounts are created only through invitations."""

    def is_open_for_signup(self, request):
        return False

    def get_client_ip(self, request):
        """allauth's reading (the TRUSTED_PROXY_COUNT-th entry from the end of X-Forwarded-For),
        except that a header with fewer entries than proxies configured is no server error: its
        first entry, the furthest address known, is taken."""
        try:
            return super().get_client_ip(request)
        except ImproperlyConfigured:
            ip = clean_client_ip(request.headers.get("x-forwarded-for", "").split(",")[0])
            if not ip:
                raise PermissionDenied("Unable to determine client IP address") from None
            return ip
