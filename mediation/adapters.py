from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """Accounts are created only through invitations."""

    def is_open_for_signup(self, request):
        return False
