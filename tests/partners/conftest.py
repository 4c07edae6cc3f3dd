"""Two structures of the Nord and one of the Somme, each with a mediator holding a post that
covers its commune; a Nord commune no post covers; and the people above the structures."""

import datetime
from dataclasses import dataclass

import pytest
from django.core.cache import cache

from mediation.enums import Role
from mediation.models import Commune, Post, Qpv, Structure, User
from tests.conftest import enable_totp
from tests.factories import (
    PostFactory,
    QpvFactory,
    StructureFactory,
    department,
    hauts_de_france,
    make_mediator,
    make_user,
)

HOLDING_START = datetime.date(2023, 1, 1)


@dataclass
class Team:
    structure: Structure
    commune: Commune
    post: Post
    mediator: User
    manager: User


@dataclass
class World:
    lille: Team
    roubaix: Team
    amiens: Team
    croix: Commune  # in the Nord, covered by no post
    qpv: Qpv  # a QPV of Lille
    coordinator_nord: User
    coordinator_somme: User
    coordinator_region: User
    reader: User
    admin: User


def commune(insee_code, name, department_code):
    """A commune by its real INSEE code. Not through CommuneFactory: its sequence is shared by
    the whole test session and would overflow the five-character code on PostgreSQL."""
    found, _ = Commune.objects.get_or_create(
        insee_code=insee_code, defaults={"name": name, "department": department(department_code)}
    )
    return found


def make_team(insee_code, name, department_code):
    commune_ = commune(insee_code, name, department_code)
    structure = StructureFactory(name=f"Centre social de {name}", commune=commune_)
    post = PostFactory(code=f"HDF-{department_code}-{insee_code}", structure=structure)
    post.communes.set([commune_])
    mediator = make_mediator(structure=structure, post=post, first_name="Médiatrice", last_name=name)
    manager = make_user(Role.STRUCTURE_MANAGER, structure=structure)
    return Team(structure, commune_, post, mediator, manager)


def territory_user(role, **scope):
    # A fixed name: tests check that patients' names (e.g. Lefebvre) never reach these pages.
    user = make_user(role, first_name="Camille", last_name="Coordination", **scope)
    enable_totp(user)
    return user


@pytest.fixture
def world(db):
    lille = make_team("59350", "Lille", "59")
    qpv = QpvFactory(code="QN05901M", name="Lille Sud")
    qpv.communes.set([lille.commune])
    lille.post.qpvs.set([qpv])
    return World(
        lille=lille,
        roubaix=make_team("59512", "Roubaix", "59"),
        amiens=make_team("80021", "Amiens", "80"),
        croix=commune("59163", "Croix", "59"),
        qpv=qpv,
        coordinator_nord=territory_user(Role.COORDINATOR, departments=[department("59")]),
        coordinator_somme=territory_user(Role.COORDINATOR, departments=[department("80")]),
        coordinator_region=territory_user(Role.COORDINATOR, region=hauts_de_france()),
        reader=territory_user(Role.READER, region=hauts_de_france()),
        admin=territory_user(Role.ADMIN),
    )


@pytest.fixture(autouse=True)
def _empty_cache(db):
    """The login limits live in the (database) cache: start each test with none. (The referral
    counters are rows of ReferralRateBucket, rolled back with each test.)"""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Call `fn` as if its transaction committed: the e-mails sent on commit leave."""

    def _run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return _run
