"""Annexe 1 and the ranked lists, read from hand-built annual bilans."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from mediation.enums import PostType, Role, Vocabulary
from mediation.models import Department
from reporting.annual import compute_annual
from reporting.bilan import compute_bilan
from reporting.enums import BilanState, FigureKey
from reporting.models import AnnualBilan, BilanFigure, Campaign
from reporting.scope import resolve_scope
from tests.accompaniments.factories import item
from tests.factories import department, make_user

pytestmark = pytest.mark.django_db

YEAR = 2024


@pytest.fixture
def campaign():
    return Campaign.objects.create(
        year=YEAR,
        region=department("59").region,
        deadline=datetime.date(YEAR + 1, 2, 28),
        opened_by=make_user(Role.COORDINATOR),
    )


def bilan(campaign, code, post_type=PostType.QPV, state=BilanState.VALIDATED, usable=True, figures=None, **fields):
    made = AnnualBilan.objects.create(
        campaign=campaign,
        year=YEAR,
        department=department(code),
        post_type=post_type,
        state=state,
        usable=usable,
        validated_at=timezone.now() if state == BilanState.VALIDATED else None,
        **fields,
    )
    for key, (computed, declared) in (figures or {}).items():
        BilanFigure.objects.create(bilan=made, key=key, computed=computed, declared=declared)
    return made


def scope(key="region:32", post_type=""):
    return resolve_scope(Department.objects.all(), year=YEAR, key=key, post_type=post_type)


def departments():
    return list(Department.objects.select_related("territory").order_by("code"))


def column(annex, key):
    return [c.key for c in annex.columns].index(key)


def row(annex, key):
    return next(r for r in annex.rows if r.key == key)


def test_means_use_the_declared_figure_or_else_the_computed_one(campaign):
    people = FigureKey.PEOPLE_TOTAL
    bilan(campaign, "59", figures={people: (100, 150)})  # declared wins
    bilan(campaign, "59", figures={people: (80, None)})  # computed kept
    bilan(campaign, "59", figures={people: (100, None)})
    for value in (41, 40, 42):
        bilan(campaign, "80", post_type=PostType.RURAL, figures={people: (value, None)})
    bilan(campaign, "02", figures={people: (60, None)})
    bilan(campaign, "80", usable=False, figures={people: (999, None)})  # not usable
    bilan(campaign, "80", state=BilanState.SUBMITTED, figures={people: (999, None)})  # not validated

    annex = compute_annual(scope(), departments()).annex
    means = row(annex, people).values

    assert annex.columns[column(annex, "total")].bilans == 7
    assert means[column(annex, "total")] == Decimal("73")  # 513 / 7 = 73.29: a mean of people is a whole number
    assert means[column(annex, "departement:59")] == Decimal("110")
    assert means[column(annex, "territoire:picardie")] == Decimal("46")  # (123 + 60) / 4 = 45.75
    # Picardie less its three rural bilans, or the QPV column less Nord, would be Aisne's one.
    assert means[column(annex, "rural")] is None
    assert means[column(annex, "qpv")] is None
    assert means[column(annex, "departement:62")] is None  # no bilan: no mean


def test_a_column_of_fewer_than_three_bilans_is_withheld(campaign):
    for _ in range(3):
        bilan(campaign, "59", cpam_partnership=True, figures={FigureKey.PEOPLE_TOTAL: (10, None)})
    bilan(campaign, "02", cpam_partnership=True, figures={FigureKey.PEOPLE_TOTAL: (99, None)})

    annex = compute_annual(scope(), departments()).annex
    aisne = column(annex, "departement:02")
    assert annex.columns[aisne].bilans == 1 and annex.columns[aisne].withheld
    assert row(annex, FigureKey.PEOPLE_TOTAL).values[aisne] is None
    assert row(annex, "cpam_partnership").values[aisne] is None
    # The region less Nord would be Aisne: Nord is withheld too, the region shown.
    assert row(annex, FigureKey.PEOPLE_TOTAL).values[column(annex, "departement:59")] is None
    assert row(annex, FigureKey.PEOPLE_TOTAL).values[column(annex, "total")] == Decimal("32")


def test_shares_of_mediators(campaign):
    defined = item(Vocabulary.PROFESSIONAL_PROJECT, "defined")
    none = item(Vocabulary.PROFESSIONAL_PROJECT, "none")
    bilan(
        campaign,
        "59",
        cpam_partnership=True,
        professional_project=defined,
        figures={FigureKey.ACTIONS_PROFESSIONALS: (0, 2)},
    )
    bilan(
        campaign,
        "59",
        cpam_partnership=False,
        professional_project=none,
        figures={FigureKey.ACTIONS_PROFESSIONALS: (3, 0)},
    )
    bilan(campaign, "62", cpam_partnership=True, trained=True)

    annex = compute_annual(scope(), departments()).annex
    total = column(annex, "total")
    assert row(annex, "cpam_partnership").values[total] == 67
    assert row(annex, "professional_project").values[total] == 33
    assert row(annex, "trained").values[total] == 33
    assert row(annex, "actions_professionals").values[total] == 33  # only the declared 2 counts


def test_ranked_lists_and_open_answers(campaign):
    mental, addictions = item(Vocabulary.HEALTH_NEED, "sante_mentale"), item(Vocabulary.HEALTH_NEED, "addictions")
    first = bilan(campaign, "59", what_helped="Le soutien de la CPTS")
    second = bilan(campaign, "80", what_helped="", what_to_improve="Plus de permanences")
    first.health_needs.set([mental, addictions])
    second.health_needs.set([mental])

    annual = compute_annual(scope(), departments())
    needs = next(r for r in annual.ranked if r.key == "health_needs")
    assert [(i.label, i.count, i.percent) for i in needs.items] == [("Santé mentale", 2, 100), ("Addictions", 1, 50)]
    # Two bilans: their open answers are withheld, as Annexe 1's columns (test_open_answers.py).
    assert all(a.by_department == () for a in annual.answers)


def test_a_department_scope_has_no_column_wider_than_itself(campaign):
    for _ in range(3):
        bilan(campaign, "59", figures={FigureKey.PEOPLE_TOTAL: (10, None)})
        bilan(campaign, "80", figures={FigureKey.PEOPLE_TOTAL: (30, None)})
    annex = compute_annual(scope("departement:80"), [department("80")]).annex
    assert [c.key for c in annex.columns] == ["total", "departement:80", "rural", "qpv"]
    assert row(annex, FigureKey.PEOPLE_TOTAL).values[0] == Decimal("30")


def test_the_register_counts_usable_bilans_per_department(campaign):
    bilan(campaign, "59")
    bilan(campaign, "59")
    bilan(campaign, "62", usable=False)
    register = compute_bilan(scope()).register
    by_code = {r.code: r.usable_bilans for r in register.rows}
    assert by_code["59"] == 2 and by_code["62"] == 0
    assert register.total.usable_bilans == 2
