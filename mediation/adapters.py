from allauth.account.adapter import DefaultAccountAdapter
from django.core.exceptions import PermissionDenied

from .client_address import client_address


class AccountAdapter(DefaultAccountAdapter):
    """Accounts are created only through invitations."""

    def is_open_for_signup(self, request):
        return False

    def get_client_ip(self, request):
        """The address of the login limits: the app's one reading (mediation.client_address)."""
        ip = client_address(request)
        if not ip:
            raise PermissionDenied("Unable to determine client IP address")
        return ip
