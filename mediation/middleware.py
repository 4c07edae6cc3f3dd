from auditlog.context import auditlog_value
from auditlog.middleware import AuditlogMiddleware as _AuditlogMiddleware
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.cache import patch_cache_control
from django.utils.functional import SimpleLazyObject

from . import form_recovery, perms
from .access import rule_of
from .client_address import client_address
from .form_recovery import PRESERVED_POST_KEY  # noqa: F401 (imported by tests and views)


class MembershipMiddleware:
    """Expose the current role and scope as `request.membership` (None without a role)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.membership = SimpleLazyObject(lambda: perms.membership_of(request.user))
        return self.get_response(request)


class AccessRuleMiddleware:
    """Default deny: a view runs only if it declares an access rule that lets the user in.
    Anonymous users were already sent to the login page by LoginRequiredMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        rule = rule_of(view_func)
        if rule is None or not rule.allows(request.user):
            raise PermissionDenied
        return None


# allauth views a person who must still set up a second factor may reach.
MFA_SETUP_URL_NAMES = frozenset(
    {
        "mfa_index",
        "mfa_activate_totp",
        "mfa_reauthenticate",
        "mfa_generate_recovery_codes",
        "mfa_view_recovery_codes",
        "mfa_download_recovery_codes",
        "account_logout",
        "account_reauthenticate",
    }
)


class MfaEnforcementMiddleware:
    """Coordinators, readers and administrators work only once a second factor is set up."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        from allauth.mfa.utils import is_mfa_enabled

        if not perms.requires_mfa(request.user) or is_mfa_enabled(request.user):
            return None
        match = request.resolver_match
        if match is not None and match.url_name in MFA_SETUP_URL_NAMES:
            return None
        messages.warning(
            request,
            "Votre rôle donne accès à des données régionales : activez la double authentification "
            "avec une application d'authentification pour continuer.",
        )
        return redirect("mfa_activate_totp")


class NoStoreMiddleware:
    """Pages of the app are never kept by a browser or proxy cache (they may show a person)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Cache-Control" not in response:
            patch_cache_control(response, no_store=True, private=True)
        return response


class PreservePostOnExpiredSessionMiddleware:
    """A form sent after the session expired is not lost: its fields are kept in the new
    (anonymous) session for the account that typed it, she logs in again and finds the form
    filled as she left it (mediation.form_recovery says what is kept, for whom, how long).
    Must sit just before LoginRequiredMiddleware, which sends her to the login page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        was_authenticated = request.user.is_authenticated
        if was_authenticated:
            form_recovery.settle(request)
        response = self.get_response(request)
        if response.status_code >= 500:
            return response
        if request.user.is_authenticated:
            form_recovery.settle(request)
            form_recovery.mark_owner(response, request.user)
        elif was_authenticated:  # logged out by this request
            form_recovery.forget_owner(response)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method == "POST" and not request.user.is_authenticated and form_recovery.keeps_forms_of(view_func):
            form_recovery.keep(request)
        return None


restore_preserved_post = form_recovery.restore


class AuditlogMiddleware(_AuditlogMiddleware):
    """django-auditlog's middleware, but the address it records is the client's as the rate
    limits read it (mediation.client_address): auditlog's own reading takes the first entry of
    X-Forwarded-For, which any client can write. Its actor also ends with the request: auditlog
    leaves it in the thread's context, where the next work of that thread (a command, a task)
    would record its events in the name of the last request's user."""

    def __call__(self, request):
        previous = auditlog_value.get({})
        try:
            return super().__call__(request)
        finally:
            auditlog_value.set(previous)

    @staticmethod
    def _get_remote_addr(request):
        return client_address(request)
