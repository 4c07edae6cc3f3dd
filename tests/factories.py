"""Factories for the core. Reference data (region, departments, vocabularies) comes from the
data migrations, so factories look it up rather than invent it."""

import datetime

import factory
from factory.django import DjangoModelFactory

from mediation.enums import Funding, PostType, Role, StructureKind
from mediation.models import Commune, Department, Membership, Post, PostHolding, Qpv, Region, Structure, User

DEFAULT_PASSWORD = "motdepasse-de-test-123"


FREE_INSEE_PREFIXES = ("00", "20", "96", "99")


def department(code="59"):
    return Department.objects.get(code=code)


def hauts_de_france():
    return Region.objects.get(code="32")


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"personne{n}@exemple.fr")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class CommuneFactory(DjangoModelFactory):
    class Meta:
        model = Commune
        django_get_or_create = ["insee_code"]

    # The test database holds Hauts-de-France's real communes (migration 0014) and a test may load
    # all of France: invented communes take codes no commune of the COG has (00xxx, 20xxx, 96xxx,
    # 99xxx), so that get_or_create never hands back a real commune of another department.
    insee_code = factory.Sequence(lambda n: f"{FREE_INSEE_PREFIXES[(n // 1000) % 4]}{n % 1000:03d}")
    name = factory.Sequence(lambda n: f"Commune {n}")
    department = factory.LazyFunction(department)


class QpvFactory(DjangoModelFactory):
    class Meta:
        model = Qpv

    code = factory.Sequence(lambda n: f"QN059{n:03d}")
    name = factory.Sequence(lambda n: f"Quartier {n}")
    department = factory.LazyFunction(department)


class StructureFactory(DjangoModelFactory):
    class Meta:
        model = Structure

    name = factory.Sequence(lambda n: f"Centre social {n}")
    kind = StructureKind.SOCIAL_CENTRE
    commune = factory.SubFactory(CommuneFactory)


class PostFactory(DjangoModelFactory):
    class Meta:
        model = Post

    code = factory.Sequence(lambda n: f"P-{n:04d}")
    structure = factory.SubFactory(StructureFactory)
    department = factory.LazyAttribute(lambda o: o.structure.commune.department)
    post_type = PostType.QPV
    funding = Funding.ARS_PREFECTURE
    start_date = datetime.date(2023, 1, 1)


class PostHoldingFactory(DjangoModelFactory):
    class Meta:
        model = PostHolding

    post = factory.SubFactory(PostFactory)
    mediator = factory.SubFactory(UserFactory)
    start_date = datetime.date(2023, 1, 1)


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    role = Role.MEDIATOR
    structure = factory.SubFactory(StructureFactory)

    class Params:
        coordinator = factory.Trait(role=Role.COORDINATOR, structure=None)
        reader = factory.Trait(role=Role.READER, structure=None)
        manager = factory.Trait(role=Role.STRUCTURE_MANAGER)
        admin = factory.Trait(role=Role.ADMIN, structure=None)

    @factory.post_generation
    def departments(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.departments.set(extracted)


def make_mediator(*, structure=None, post=None, **user_fields):
    """A mediator of `structure` holding `post` (both created when not given)."""
    structure = structure or StructureFactory()
    membership = MembershipFactory(user=UserFactory(**user_fields), role=Role.MEDIATOR, structure=structure)
    post = post or PostFactory(structure=structure)
    PostHoldingFactory(post=post, mediator=membership.user)
    return membership.user


def make_user(role, *, structure=None, departments=(), region=None, **user_fields):
    """A user with `role` over the given scope. Territory roles default to the Nord department."""
    user = UserFactory(is_staff=role == Role.ADMIN, is_superuser=role == Role.ADMIN, **user_fields)
    if role in (Role.MEDIATOR, Role.STRUCTURE_MANAGER):
        MembershipFactory(user=user, role=role, structure=structure or StructureFactory())
    elif role == Role.ADMIN:
        MembershipFactory(user=user, role=role, structure=None)
    else:
        if not departments and region is None:
            departments = [department("59")]
        MembershipFactory(user=user, role=role, structure=None, region=region, departments=list(departments))
    return user
