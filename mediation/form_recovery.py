"""A form sent after the session expired is kept for the account that typed it, and for it only.

- Every response to a logged-in person carries a signed, HttpOnly marker of her account (the
  "owner" cookie). When her session has expired, the form she sends arrives anonymous: it is kept
  in the new session only if the marker is valid, bound to her account id, with the time it was
  sent. Without a valid marker nothing is stored and no session is created.
- Never kept: allauth's pages (login, password, second factor) and the admin, any field whose name
  looks like a secret (password, token, OTP or recovery code...), and anything above
  FORM_RECOVERY_MAX_BYTES of JSON (then only the fact that it was too large, to say so).
- Given back once, to that account only, within SESSION_COOKIE_AGE of being sent; when another
  account logs in on the same browser, it is deleted."""

import json

from django.conf import settings
from django.contrib import messages
from django.http import QueryDict
from django.utils import timezone

PRESERVED_POST_KEY = "preserved_post"
OWNER_SALT = "mediation.form_recovery.owner"

# Fields never kept: a name containing one of these parts, or equal to one of these names.
SECRET_NAME_PARTS = ("password", "passwd", "secret", "token", "otp", "totp", "recovery", "csrf")
SECRET_NAMES = frozenset({"code", "codes", "key", "credential"})
# Single-use identifiers against double submissions: not credentials, and a restored creation
# form needs its own to stay protected.
DOUBLE_SUBMIT_IDS = frozenset({"submission_token"})
# Views whose forms are never kept: authentication and second factor, the admin.
NOT_KEPT_MODULES = ("allauth.", "django.contrib.admin.")

TOO_LARGE_MESSAGE = (
    "Votre session avait expiré et votre saisie était trop volumineuse pour être conservée : "
    "merci de la saisir à nouveau."
)


def _now():
    return timezone.now().timestamp()


# ---------------------------------------------------------------- the owner marker


def mark_owner(response, user):
    response.set_signed_cookie(
        settings.SESSION_OWNER_COOKIE_NAME,
        str(user.pk),
        salt=OWNER_SALT,
        # Gone with the browser, like the session cookie; its signature is valid SESSION_ABSOLUTE_AGE.
        max_age=None if settings.SESSION_EXPIRE_AT_BROWSER_CLOSE else settings.SESSION_ABSOLUTE_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Strict",
    )


def forget_owner(response):
    response.delete_cookie(settings.SESSION_OWNER_COOKIE_NAME, samesite="Strict")


def owner_of(request):
    """The account id the marker of this browser names, or None if it is missing, forged or old."""
    return request.get_signed_cookie(
        settings.SESSION_OWNER_COOKIE_NAME, default=None, salt=OWNER_SALT, max_age=settings.SESSION_ABSOLUTE_AGE
    )


# ---------------------------------------------------------------- keeping


def is_secret(name):
    lowered = name.lower()
    if lowered in DOUBLE_SUBMIT_IDS:
        return False
    return lowered in SECRET_NAMES or any(part in lowered for part in SECRET_NAME_PARTS)


def keeps_forms_of(view_func):
    module = getattr(view_func, "__module__", "") or ""
    return getattr(view_func, "login_required", True) and not module.startswith(NOT_KEPT_MODULES)


def keep(request):
    """Keep this anonymous POST for the account of the marker, if there is a valid one."""
    owner = owner_of(request)
    if owner is None:
        return
    fields = {name: request.POST.getlist(name) for name in request.POST if not is_secret(name)}
    kept = {"user": owner, "path": request.path, "saved_at": _now()}
    if len(json.dumps(fields, ensure_ascii=False).encode()) > settings.FORM_RECOVERY_MAX_BYTES:
        kept["too_large"] = True
    else:
        kept["fields"] = fields
    request.session[PRESERVED_POST_KEY] = kept


# ---------------------------------------------------------------- giving back


def _usable_by(kept, user):
    return kept.get("user") == str(user.pk) and _now() - kept.get("saved_at", 0) <= settings.SESSION_COOKIE_AGE


def settle(request):
    """For a logged-in person: drop what was kept for another account or too long ago; say so when
    her own form was too large to keep."""
    kept = request.session.get(PRESERVED_POST_KEY)
    if kept is None:
        return
    if not _usable_by(kept, request.user):
        del request.session[PRESERVED_POST_KEY]
    elif kept.get("too_large"):
        del request.session[PRESERVED_POST_KEY]
        messages.warning(request, TOO_LARGE_MESSAGE, fail_silently=True)


def restore(request):
    """The fields kept for this page before a re-login, as a QueryDict, or None. Used once."""
    kept = request.session.get(PRESERVED_POST_KEY)
    if not kept or kept.get("path") != request.path:
        return None
    del request.session[PRESERVED_POST_KEY]
    if not _usable_by(kept, request.user) or "fields" not in kept:
        return None
    data = QueryDict(mutable=True)
    for key, values in kept["fields"].items():
        data.setlist(key, values)
    return data
