"""The pages a French public service publishes, reachable without an account: the legal notice,
the personal-data page, the accessibility statement and the site map, linked from the footer.
What they say of the operator and of durations comes from mediation.operator (the settings)."""

from django.conf import settings
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from . import operator, perms
from .access import public
from .context_processors import NAVIGATION
from .enums import Role


def _context(title, **extra):
    return {
        "title": title,
        "breadcrumb_data": {"links": [], "current": title, "root_dir": reverse("home")},
        "operator": operator.identity(),
        "accessibility_status": operator.ACCESSIBILITY_STATUS,
        **extra,
    }


def summary_items(*sections):
    """Items of {% dsfr_summary %}: (anchor, label) of the page's sections."""
    return [{"link": f"#{anchor}", "label": label} for anchor, label in sections]


@public
@require_GET
def legal_notice(request):
    return render(request, "pages/legal_notice.html", _context("Mentions légales"))


@public
@require_GET
def personal_data(request):
    roles = {role.name.lower(): role.label for role in Role}
    summary = summary_items(
        ("donnees", "Les données tenues"),
        ("finalites", "Pourquoi"),
        ("base-legale", "Base légale"),
        ("durees", "Combien de temps"),
        ("acces", "Qui voit quoi"),
        ("cookies", "Cookies"),
        ("droits", "Vos droits"),
        ("contact", "Délégué à la protection des données et réclamation"),
    )
    cookies = {
        "session": settings.SESSION_COOKIE_NAME,
        "csrf": settings.CSRF_COOKIE_NAME,
        "session_owner": settings.SESSION_OWNER_COOKIE_NAME,
    }
    context = _context(
        "Données personnelles", retention=operator.retention(), roles=roles, summary=summary, cookies=cookies
    )
    return render(request, "pages/personal_data.html", context)


@public
@require_GET
def accessibility(request):
    context = _context(
        "Déclaration d'accessibilité",
        statement_on=operator.ACCESSIBILITY_STATEMENT_ON,
        site_url=settings.SITE_URL or request.build_absolute_uri("/"),
    )
    return render(request, "pages/accessibility.html", context)


def _links(entries):
    """A role's menu as flat (label, URL) links: groups open into their entries."""
    links = []
    for label, target in entries:
        if isinstance(target, list):
            links += _links(target)
        else:
            links.append((label, reverse(target)))
    return links


def _sections(user):
    """The main sections after login: the menu of the person's role; for a visitor, every role's
    (the administrators' menu is the coordinators')."""
    if user.is_authenticated:
        role = perms.role_of(user)
        shown = [role] if role in NAVIGATION else []
    else:
        shown = [r for r in Role if r != Role.ADMIN]
    return [{"label": Role(r).label, "links": _links(NAVIGATION[r])} for r in shown]


@public
@require_GET
def sitemap(request):
    public_links = [
        ("Connexion", reverse("account_login")),
        ("Mot de passe oublié", reverse("account_reset_password")),
        ("Orienter un patient vers un médiateur santé", reverse("public_referral:form")),
        ("Mentions légales", reverse("pages:legal_notice")),
        ("Données personnelles", reverse("pages:personal_data")),
        (
            f"Déclaration d'accessibilité (accessibilité : {operator.ACCESSIBILITY_STATUS})",
            reverse("pages:accessibility"),
        ),
        ("Plan du site", reverse("pages:sitemap")),
    ]
    account_links = [("Accueil", reverse("home")), ("Mon compte", reverse("mediation:my_account"))]
    return render(
        request,
        "pages/sitemap.html",
        _context(
            "Plan du site",
            public_links=public_links,
            account_links=account_links,
            sections=_sections(request.user),
            signed_in=request.user.is_authenticated,
        ),
    )
