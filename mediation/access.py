"""Access rules that every view declares. A view without a rule is refused (default deny),
and tests/mediation/test_url_access.py fails on any URL pattern whose view declares none."""

from dataclasses import dataclass
from functools import wraps

from django.contrib.auth.decorators import login_not_required

from . import perms
from .enums import Role


@dataclass(frozen=True)
class AccessRule:
    name: str
    roles: frozenset = frozenset()
    public: bool = False
    any_authenticated: bool = False
    staff: bool = False

    def allows(self, user):
        if self.public:
            return True
        if not user.is_authenticated or not user.is_active:
            return False
        if self.any_authenticated:
            return True
        if self.staff:
            return user.is_staff
        return perms.role_of(user) in self.roles


PUBLIC = AccessRule("public", public=True)
AUTHENTICATED = AccessRule("authenticated", any_authenticated=True)
ADMIN_SITE = AccessRule("admin-site", staff=True)


def rule_of(view_func):
    """The rule a view declares, or None. Views marked login_not_required by their library
    (allauth's login and password reset) count as public."""
    rule = getattr(view_func, "access_rule", None)
    if rule is not None:
        return rule
    if getattr(view_func, "login_required", True) is False:
        return PUBLIC
    return None


def _declare(view, rule):
    if isinstance(view, type):
        original = view.dispatch

        @wraps(original)
        def dispatch(self, *args, **kwargs):
            return original(self, *args, **kwargs)

        dispatch.access_rule = rule
        if rule.public:
            dispatch.login_required = False
        view.dispatch = dispatch
        return view
    view.access_rule = rule
    if rule.public:
        return login_not_required(view)
    return view


def public(view):
    """Reachable without an account: keep these few and obvious."""
    return _declare(view, PUBLIC)


def authenticated(view):
    """Any logged-in person, whatever the role (their own account pages)."""
    return _declare(view, AUTHENTICATED)


def for_roles(*roles):
    """Only these roles; anyone else gets a 403."""
    rule = AccessRule("roles:" + ",".join(sorted(roles)), roles=frozenset(Role(r) for r in roles))

    def decorator(view):
        return _declare(view, rule)

    return decorator


def declare_included(patterns, rule):
    """Give `rule` to every view of a third-party URL list that does not declare one."""
    from django.urls import URLPattern, URLResolver

    for entry in patterns:
        if isinstance(entry, URLResolver):
            declare_included(entry.url_patterns, rule)
        elif isinstance(entry, URLPattern) and rule_of(entry.callback) is None:
            entry.callback.access_rule = rule
    return patterns
