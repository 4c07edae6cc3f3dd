"""Each Annexe 1 figure at the precision the region prints, rounded once from the exact value,
and the JSON carrying that exact value beside the one shown."""

from decimal import Decimal

import pytest

from reporting.annual import compute_annual
from reporting.bilan import compute_bilan
from reporting.enums import FigureKey
from reporting.exports import bilan_document
from tests.reporting.test_annex import bilan, campaign, departments, row, scope  # noqa: F401

pytestmark = pytest.mark.django_db


def three_bilans(campaign, people, actions):  # noqa: F811
    for p, a in zip(people, actions, strict=True):
        bilan(campaign, "59", figures={FigureKey.PEOPLE_TOTAL: (p, None), FigureKey.ACTIONS_PUBLIC: (a, None)})


def test_a_mean_of_people_is_a_whole_number_rounded_once_from_the_exact_value(campaign):  # noqa: F811
    # 137 / 11 = 12.4545…: printed 12.5 and read as 13 before; the region prints 12.
    three_bilans(campaign, people=(12,) * 10 + (17,), actions=(1,) * 11)
    annex = compute_annual(scope(), departments()).annex
    assert row(annex, FigureKey.PEOPLE_TOTAL).values[0] == Decimal("12")


def test_a_mean_of_actions_keeps_one_decimal(campaign):  # noqa: F811
    # 49 / 20 = 2.45 exactly: one decimal, half up.
    three_bilans(campaign, people=(1,) * 20, actions=(2,) * 11 + (3,) * 9)
    annex = compute_annual(scope(), departments()).annex
    assert row(annex, FigureKey.ACTIONS_PUBLIC).values[0] == Decimal("2.5")


def test_the_json_carries_the_exact_value_beside_the_value_shown(campaign):  # noqa: F811
    three_bilans(campaign, people=(12, 12, 14), actions=(2, 2, 3))
    bilan(campaign, "59", figures={FigureKey.PEOPLE_TOTAL: (12, None)}, cpam_partnership=True)
    rows = {r["key"]: r for r in bilan_document(compute_bilan(scope()))["annual"]["annex"]["rows"]}
    people = rows[FigureKey.PEOPLE_TOTAL]
    assert people["precision"] == 0
    assert people["values"][0] == 13  # 12.5
    assert people["exact"][0] == {"numerator": 50, "denominator": 4}
    actions = rows[FigureKey.ACTIONS_PUBLIC]
    assert actions["precision"] == 1
    assert actions["values"][0] == 1.8  # 7 / 4 = 1.75
    assert actions["exact"][0] == {"numerator": 7, "denominator": 4}
    cpam = rows["cpam_partnership"]
    assert cpam["precision"] == 0
    assert cpam["values"][0] == 25
    assert cpam["exact"][0] == {"numerator": 1, "denominator": 4}
