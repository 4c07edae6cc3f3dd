"""Session lifetime beyond Django's idle expiry (SESSION_COOKIE_AGE).

- A session lasts at most SESSION_ABSOLUTE_AGE after its login, however busy: the first request
  past it logs the person out and sends her to the login page with a message. The login time is
  recorded in the session by the response that logs her in (or, for a session opened otherwise,
  by its first request).
- A logout asks the browser to forget what it kept of the site (Clear-Site-Data)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.utils import timezone

LOGIN_AT_KEY = "_login_at"
CLEAR_SITE_DATA = '"cache", "cookies", "storage"'


def _ended_message():
    hours = settings.SESSION_ABSOLUTE_AGE / 3600
    duration = f"{hours:g} heure{'s' if hours >= 2 else ''}"
    return f"Par sécurité, une session dure au plus {duration} : elle est terminée, reconnectez-vous pour continuer."


def _stamp(request):
    request.session.setdefault(LOGIN_AT_KEY, timezone.now().timestamp())


def _too_old(request):
    started = request.session.get(LOGIN_AT_KEY)
    return started is not None and timezone.now().timestamp() - started > settings.SESSION_ABSOLUTE_AGE


class SessionLifetimeMiddleware:
    """Ends sessions older than SESSION_ABSOLUTE_AGE; clears the browser's data on logout.
    Sits after the authentication and message middlewares."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        was_authenticated = request.user.is_authenticated
        ended = was_authenticated and _too_old(request)
        if ended:
            logout(request)
            messages.info(request, _ended_message())
        elif was_authenticated:
            _stamp(request)
        response = self.get_response(request)
        if response.status_code >= 500:
            return response
        if request.user.is_authenticated and not was_authenticated:  # this request logged in
            request.session[LOGIN_AT_KEY] = timezone.now().timestamp()
        elif was_authenticated and not ended and not request.user.is_authenticated:  # this request logged out
            response["Clear-Site-Data"] = CLEAR_SITE_DATA
        return response
