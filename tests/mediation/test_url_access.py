"""Default deny, proved over the whole URL configuration."""

import pytest
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

from mediation.access import PUBLIC, rule_of
from mediation.enums import Role

# The only pages reachable without an account, by URL name. Adding one is a decision.
EXPECTED_PUBLIC = {
    "account_login",
    "account_reset_password",
    "account_reset_password_done",
    "account_reset_password_from_key",
    "account_reset_password_from_key_done",
    "account_inactive",
    "account_logout",
    "mfa_authenticate",
    "invitation_accept",
    "admin:login",
    "public_referral:form",
    "public_referral:sent",
    "public_referral:communes",
    "health",
    "pages:legal_notice",
    "pages:personal_data",
    "pages:accessibility",
    "pages:sitemap",
    # The public edition of the bilan (open data): aggregates of a region, small counts masked.
    "reporting:public_file",
    "reporting:public_edition_file",
    # The bilan JSON for machines: no account, a bearer token checked by the view (reporting/api.py).
    "reporting:api_bilan_json",
}


def walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            namespace = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            yield from walk(entry.url_patterns, namespace)
        elif isinstance(entry, URLPattern):
            yield f"{prefix}{entry.name}", entry.callback


ALL_VIEWS = list(walk(get_resolver().url_patterns))


@pytest.mark.parametrize(("name", "callback"), ALL_VIEWS, ids=[name for name, _ in ALL_VIEWS])
def test_every_url_declares_an_access_rule(name, callback):
    assert rule_of(callback) is not None, f"{name} declares no access rule"


def test_public_pages_are_exactly_the_expected_ones():
    public = {name for name, callback in ALL_VIEWS if rule_of(callback) == PUBLIC}
    assert public == EXPECTED_PUBLIC


def test_a_view_without_rule_is_refused(rf, django_user_model):
    """The middleware itself denies a view that forgot to declare a rule."""
    from django.core.exceptions import PermissionDenied

    from mediation.middleware import AccessRuleMiddleware

    def forgotten(request):
        raise AssertionError("must not run")

    request = rf.get("/")
    request.user = django_user_model(email="x@exemple.fr", is_active=True)
    with pytest.raises(PermissionDenied):
        AccessRuleMiddleware(lambda r: None).process_view(request, forgotten, (), {})


def _without_arguments(name):
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


PRIVATE_URLS = sorted(
    {(name, _without_arguments(name)) for name, callback in ALL_VIEWS if rule_of(callback) != PUBLIC}
    - {(name, None) for name, _ in ALL_VIEWS}
)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "url"), PRIVATE_URLS, ids=[name for name, _ in PRIVATE_URLS])
def test_anonymous_is_sent_to_login(client, name, url):
    response = client.get(url)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"] or "/admin/login/" in response["Location"]


ROLE_PAGES = {
    "mediation:post_register": {Role.COORDINATOR, Role.ADMIN},
    "mediation:invitation_list": {Role.COORDINATOR, Role.ADMIN},
    "mediation:invitation_create": {Role.COORDINATOR, Role.ADMIN},
    "mediation:structure_home": {Role.STRUCTURE_MANAGER},
    "accompaniments:home": {Role.MEDIATOR, Role.STRUCTURE_MANAGER},
    "reporting:dashboard": {Role.READER, Role.COORDINATOR, Role.ADMIN},
}


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("name", sorted(ROLE_PAGES))
def test_role_pages_answer_only_their_roles(client, login_as, role, name):
    login_as(role)
    response = client.get(reverse(name))
    expected = 200 if role in ROLE_PAGES[name] else 403
    assert response.status_code == expected
    if expected == 403:
        assert "Accès refusé" in response.content.decode()
