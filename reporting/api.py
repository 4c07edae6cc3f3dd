"""The bilan JSON for machines: `GET /bilans/api/v1/bilan.json?annee=…&perimetre=…[&type=…]` with
`Authorization: Bearer <jeton>`, a read-only token an administrator created for one scope
(models.ApiToken, docs/api.md). The same JSON as the dashboard's download for an institutional
reader (the readers' edition; the latest published edition when there is one, `&vue=direct` for
the live figures). No session, no cookie, GET only (nothing to forge: no CSRF token).

- no token, an unknown one, an expired or revoked one: 401, with a French message in JSON;
- a scope outside the token's: 404 (as any record outside one's scope);
- more than API_RATE_LIMIT_PER_MINUTE requests of a token in the last minute: 429.

Each request made with a known token is logged (ApiTokenUse: when, the path, the status, a keyed
hash of the client address), and listed to administrators in the Django admin."""

import datetime

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.views.decorators.http import require_GET

from mediation.access import public
from mediation.client_address import client_address
from mediation.models import Department

from . import editions, exports
from .bilan import compute_bilan
from .models import ApiToken, ApiTokenUse
from .scope import resolve_scope, scope_choices
from .views import file_stem, selectable_years

CLIENT_SALT = "reporting.api-token-use"
RATE_LIMIT_DEFAULT = 60  # requests per token and minute


def rate_limit():
    return getattr(settings, "API_RATE_LIMIT_PER_MINUTE", RATE_LIMIT_DEFAULT)


def _error(status, message, **headers):
    response = JsonResponse({"erreur": message}, status=status, json_dumps_params={"ensure_ascii": False})
    for name, value in headers.items():
        response[name] = value
    return response


def _unauthorized(message):
    return _error(401, message, **{"WWW-Authenticate": 'Bearer realm="bilan"'})


def bearer_secret(request):
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    return secret.strip() if scheme.lower() == "bearer" else ""


def token_departments(token):
    """The departments of the token's scope (a region, a territoire or a department)."""
    choice = next((c for c in scope_choices(Department.objects.all()) if c.key == token.scope_key), None)
    return Department.objects.filter(pk__in=choice.department_ids if choice else ())


def _log(request, token, status):
    client = salted_hmac(CLIENT_SALT, client_address(request) or "inconnue").hexdigest()[:32]
    ApiTokenUse.objects.create(token=token, path=request.get_full_path()[:500], status=status, client=client)


@public  # no account: the bearer token is the credential, checked below
@require_GET
def bilan_json(request):
    secret = bearer_secret(request)
    if not secret:
        return _unauthorized("Jeton manquant : ajoutez l'en-tête « Authorization: Bearer <jeton> ».")
    token = ApiToken.objects.by_secret(secret)
    if token is None:
        return _unauthorized("Jeton inconnu : vérifiez qu'il a été copié en entier.")
    response = _answer(request, token)
    _log(request, token, response.status_code)
    return response


def _answer(request, token):
    refusal = token.refusal()
    if refusal:
        return _unauthorized(refusal)
    since = timezone.now() - datetime.timedelta(minutes=1)
    if token.uses.filter(at__gte=since).count() >= rate_limit():
        return _error(429, "Trop de requêtes avec ce jeton : réessayez dans une minute.", **{"Retry-After": "60"})
    try:
        year = int(request.GET.get("annee", ""))
    except ValueError:
        year = None
    if year not in selectable_years():
        return _error(400, "Indiquez l'année du bilan : paramètre « annee », par exemple annee=2025.")
    post_type = request.GET.get("type", "")
    departments = token_departments(token)
    key = request.GET.get("perimetre", "") or token.scope_key
    allowed = {choice.key for choice in scope_choices(departments)}
    if key not in allowed:
        return _error(404, "Ce territoire n'est pas dans le périmètre de ce jeton.")
    scope = resolve_scope(departments, year=year, key=key, post_type=post_type, protected=True)
    if post_type != scope.post_type:
        return _error(400, "Type de poste inconnu : paramètre « type », qpv ou rural (ou rien pour tous).")
    edition = editions.requested_edition(request, scope)
    content = bytes(edition.json) if edition else exports.bilan_json(compute_bilan(scope))
    response = HttpResponse(content, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{file_stem(scope, edition)}.json"'
    response["Cache-Control"] = "no-store"
    return response
