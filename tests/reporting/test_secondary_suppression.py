"""Annexe 1's withheld values cannot be recomputed: a reader opens every page the region offers
(each territory, each post type) and combines what they publish — the means, the numbers of
bilans per column — by sums and differences; no withheld value comes back."""

import datetime
import itertools
from decimal import Decimal
from fractions import Fraction

import pytest
from django.urls import reverse
from django.utils import timezone

from mediation.enums import PostType, Role
from mediation.models import Department
from reporting.enums import BilanState, FigureKey
from reporting.models import AnnualBilan, BilanFigure, Campaign
from reporting.scope import scope_choices
from tests.factories import department, make_user

pytestmark = pytest.mark.django_db

YEAR = 2024
PEOPLE = FigureKey.PEOPLE_TOTAL
# (department, post type, people declared) of each usable bilan.
SCENARIOS = {
    # The case found: six bilans, the one rural bilan with its own value.
    "one_rural_of_six": [("59", "qpv", 89)] * 3 + [("62", "qpv", 89)] * 2 + [("80", "rural", 90)],
    # Every department a little different, a lone rural bilan and a lone Oise one.
    "mixed": [("59", "qpv", 89)] * 5
    + [("62", "qpv", 70)] * 3
    + [("02", "qpv", 60)] * 3
    + [("80", "rural", 90)]
    + [("60", "qpv", 41), ("80", "qpv", 52), ("80", "qpv", 57)],
}


@pytest.fixture
def campaign():
    return Campaign.objects.create(
        year=YEAR,
        region=department("59").region,
        deadline=datetime.date(YEAR + 1, 2, 28),
        opened_by=make_user(Role.COORDINATOR),
    )


def make_bilans(campaign, rows):
    for code, post_type, people in rows:
        made = AnnualBilan.objects.create(
            campaign=campaign,
            year=YEAR,
            department=department(code),
            post_type=post_type,
            state=BilanState.VALIDATED,
            usable=True,
            validated_at=timezone.now(),
        )
        BilanFigure.objects.create(bilan=made, key=PEOPLE, computed=None, declared=people)


def column_atoms(column_key, scope_codes, post_type):
    """The (department, post type) pairs a column covers, as its title says."""
    types = {post_type} if post_type else set(PostType.values)
    codes = set(scope_codes)
    kind, _, code = column_key.partition(":")
    if kind == "territoire":
        codes &= set(Department.objects.filter(territory__code=code).values_list("code", flat=True))
    elif kind == "departement":
        codes &= {code}
    elif kind in PostType.values:
        types &= {kind}
    return frozenset((c, t) for c in codes for t in types)


def published_pages(client):
    """Every Annexe 1 cell of every page a reader of the region can open, as
    (atoms, number of bilans, mean or None)."""
    cells = []
    for choice in scope_choices(Department.objects.all()):
        codes = list(Department.objects.filter(pk__in=choice.department_ids).values_list("code", flat=True))
        for post_type in ("", *PostType.values):
            query = {"annee": YEAR, "perimetre": choice.key} | ({"type": post_type} if post_type else {})
            document = client.get(reverse("reporting:bilan_json"), query).json()
            annex = document["annual"]["annex"]
            people = next(row for row in annex["rows"] if row["key"] == PEOPLE)
            for column, value in zip(annex["columns"], people["values"], strict=True):
                cells.append((column_atoms(column["key"], codes, post_type), column["bilans"], value))
    return cells


def in_span(vector, basis):
    """Whether `vector` is a combination (rational coefficients) of the `basis` vectors."""
    rows = [list(map(Fraction, v)) for v in basis]

    def rank(matrix):
        matrix = [row[:] for row in matrix]
        found = 0
        for col in range(len(vector)):
            pivot = next((r for r in range(found, len(matrix)) if matrix[r][col]), None)
            if pivot is None:
                continue
            matrix[found], matrix[pivot] = matrix[pivot], matrix[found]
            for r in range(len(matrix)):
                if r != found and matrix[r][col]:
                    factor = matrix[r][col] / matrix[found][col]
                    matrix[r] = [a - factor * b for a, b in zip(matrix[r], matrix[found], strict=True)]
            found += 1
        return found

    return rank(rows + [list(map(Fraction, vector))]) == rank(rows)


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_no_withheld_value_comes_back_from_the_published_ones(client, login_as, campaign, scenario):
    make_bilans(campaign, SCENARIOS[scenario])
    truth = {}
    for code, post_type, people in SCENARIOS[scenario]:
        total, n = truth.get((code, post_type), (0, 0))
        truth[(code, post_type)] = (total + people, n + 1)
    login_as(Role.READER, region=department("59").region)
    cells = published_pages(client)

    def real_sum(atoms):
        return sum(truth.get(a, (0, 0))[0] for a in atoms)

    universe = sorted({a for atoms, _n, _v in cells for a in atoms})
    published = {atoms: (n, Decimal(str(v)) * n) for atoms, n, v in cells if v is not None}
    withheld = {atoms: n for atoms, n, v in cells if v is None and n}
    assert withheld, "the scenario must withhold something"
    assert published, "the scenario must publish something"

    basis = [[1 if a in atoms else 0 for a in universe] for atoms in published]
    # A published mean is rounded to one decimal: n × mean is its sum to within n × 0.05.
    for hidden, n_hidden in withheld.items():
        value = real_sum(hidden)
        assert not in_span([1 if a in hidden else 0 for a in universe], basis), hidden
        for size in (1, 2, 3, 4):
            for combination in itertools.combinations(published.items(), size):
                for signs in itertools.product((1, -1), repeat=size):
                    n = sum(s * cell_n for s, (_a, (cell_n, _t)) in zip(signs, combination, strict=True))
                    if n != n_hidden:
                        continue
                    derived = sum(s * total for s, (_a, (_n, total)) in zip(signs, combination, strict=True))
                    slack = sum(Decimal("0.05") * cell_n for _a, (cell_n, _t) in combination)
                    assert abs(derived - value) > slack, (hidden, value, derived, combination)
