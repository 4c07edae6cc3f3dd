"""Who may see and do what. Pure functions of a user (and a target); the query sets'
`for_user()` methods and the views' access rules call them, nothing else decides."""

from django.apps import apps

from .enums import MFA_REQUIRED_ROLES, STRUCTURE_ROLES, TERRITORY_ROLES, Role


def membership_of(user):
    """The user's membership, or None for anonymous, inactive or role-less users (cached per request)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if not hasattr(user, "_membership_cache"):
        Membership = apps.get_model("mediation", "Membership")
        user._membership_cache = (
            Membership.objects.select_related("structure__commune", "region").filter(user=user).first()
        )
    return user._membership_cache


def role_of(user):
    membership = membership_of(user)
    return membership.role if membership else None


def has_role(user, *roles):
    return role_of(user) in roles


def department_ids(user):
    """A query set of the ids of the departments the user's role covers."""
    Department = apps.get_model("mediation", "Department")
    membership = membership_of(user)
    if membership is None:
        return Department.objects.none().values("pk")
    if membership.role == Role.ADMIN:
        return Department.objects.values("pk")
    if membership.role in STRUCTURE_ROLES:
        return Department.objects.filter(communes__structures=membership.structure_id).values("pk")
    if membership.region_id:
        return Department.objects.filter(region=membership.region_id).values("pk")
    return membership.departments.values("pk")


def requires_mfa(user):
    return bool(user.is_authenticated and (user.is_staff or role_of(user) in MFA_REQUIRED_ROLES))


def invitable_roles(user):
    role = role_of(user)
    if role == Role.ADMIN:
        return list(Role)
    if role == Role.COORDINATOR:
        return [Role.MEDIATOR, Role.STRUCTURE_MANAGER, Role.COORDINATOR, Role.READER]
    return []


def may_invite(user, *, role, structure=None, region=None, departments=()):
    """May `user` invite someone with this role and scope? Nobody widens a scope beyond their own."""
    if role not in invitable_roles(user):
        return False
    if role_of(user) == Role.ADMIN:
        return True
    allowed = set(department_ids(user).values_list("pk", flat=True))
    if role in STRUCTURE_ROLES:
        return structure is not None and structure.commune.department_id in allowed
    if role in TERRITORY_ROLES:
        if region is not None:
            return membership_of(user).region_id == region.pk
        return bool(departments) and all(d.pk in allowed for d in departments)
    return False
