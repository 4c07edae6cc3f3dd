"""The sheet tables of the bilan, checked cell by cell against small hand-built years."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accompaniments.enums import RequestStatus
from mediation.enums import PostType, Vocabulary
from mediation.models import Department
from reporting.activity import compute_activity
from reporting.scope import resolve_scope, scope_choices
from reporting.tables import percent, round_half_up
from tests.accompaniments.factories import BeneficiaryFactory, SheetFactory, SheetRequestFactory, item
from tests.factories import CommuneFactory, PostFactory, StructureFactory, UserFactory, department

pytestmark = pytest.mark.django_db

YEAR = 2024


def region_scope(year=YEAR, post_type=""):
    return resolve_scope(Department.objects.all(), year=year, key="region:32", post_type=post_type)


def post_in(code, post_type=PostType.QPV):
    structure = StructureFactory(commune=CommuneFactory(department=department(code), insee_code=f"{code}999"))
    return PostFactory(structure=structure, department=department(code), post_type=post_type)


def sheet(post, mediator=None, opened_on=datetime.date(YEAR, 3, 1), **fields):
    beneficiary = BeneficiaryFactory(structure=post.structure)
    return SheetFactory(
        beneficiary=beneficiary, post=post, mediator=mediator or beneficiary.referent, opened_on=opened_on, **fields
    )


def row(table, label):
    return next(r for r in table.rows if r.label.startswith(label))


def test_rounding_is_half_up_like_the_regions_spreadsheets():
    assert percent(1, 8) == 13  # 12.5 %
    assert percent(1, 3) == 33
    assert round_half_up(Decimal("8.25"), 1) == Decimal("8.3")
    assert round_half_up(2.5) == 3
    assert percent(3, 0) is None


def test_volume_counts_sheets_of_the_year_by_department_of_the_post_and_their_mediators():
    nord, nord_rural, somme = post_in("59"), post_in("59", PostType.RURAL), post_in("80")
    alice, bob = UserFactory(), UserFactory()
    sheet(nord, alice)
    sheet(nord, alice)
    sheet(nord_rural, bob)
    sheet(somme, bob)
    sheet(nord, alice, opened_on=datetime.date(YEAR - 1, 12, 31))  # another year

    activity = compute_activity(region_scope())

    assert (row(activity.volume, "Nord").sheets, row(activity.volume, "Nord").mediators) == (3, 2)
    assert row(activity.volume, "Nord").label == "Nord (2)"
    assert row(activity.volume, "Somme").label == "Somme (1)"
    assert row(activity.volume, "Aisne").sheets == 0
    assert activity.volume.total.sheets == 4
    assert activity.volume.total.mediators == 2  # Bob counts once though he logged in two departments
    assert row(activity.volume, "Nord").percent == 75

    rural_only = compute_activity(region_scope(post_type=PostType.RURAL))
    assert rural_only.volume.total.sheets == 1


def test_situation_tables_read_what_the_sheet_kept_not_the_person_today():
    nord = post_in("59")
    female, male = item(Vocabulary.SEX, "female"), item(Vocabulary.SEX, "male")
    first = sheet(nord, sex=female, age=30, lives_in_qpv=True)
    sheet(nord, sex=female, age=41, lives_in_qpv=False)
    sheet(nord, sex=male, age=None, lives_in_qpv=None)
    first.beneficiary.sex = male
    first.beneficiary.save()

    activity = compute_activity(region_scope())

    sex = row(activity.sex, "Nord")
    columns = list(activity.sex.columns)
    assert sex.cells[columns.index("Femme")].count == 2
    assert sex.cells[columns.index("Femme")].percent == 67
    assert sex.cells[columns.index("Homme")].count == 1
    assert sex.total == 3
    assert row(activity.age, "Nord").mean == Decimal("35.5")
    assert row(activity.age, "Nord").count == 2
    assert activity.age.total.mean == Decimal("35.5")
    assert list(activity.qpv.columns) == ["Oui", "Non", "Non renseigné"]
    assert [c.count for c in row(activity.qpv, "Nord").cells] == [1, 1, 1]
    assert [c.count for c in activity.qpv.total.cells] == [1, 1, 1]


def test_a_retired_value_shows_only_where_it_was_used():
    nord = post_in("59")
    retired = item(Vocabulary.RESOURCES, "rsa")
    retired.is_active = False
    retired.save()
    activity = compute_activity(region_scope())
    assert "RSA" not in activity.resources.columns

    sheet(nord, resources=retired)
    activity = compute_activity(region_scope())
    assert row(activity.resources, "Nord").cells[list(activity.resources.columns).index("RSA")].count == 1


def test_requests_by_type_with_the_share_resolved_at_year_end():
    nord, aisne = post_in("59"), post_in("02")
    css = item(Vocabulary.RIGHTS_REQUEST, "demande_de_complementaire_sante_solidaire")
    on_nord, on_aisne = sheet(nord), sheet(aisne)
    SheetRequestFactory(sheet=on_nord, kind=css, opened_on=datetime.date(YEAR, 3, 1))
    SheetRequestFactory(
        sheet=on_nord,
        kind=css,
        opened_on=datetime.date(YEAR, 3, 1),
        status=RequestStatus.RESOLVED,
        closed_on=datetime.date(YEAR, 6, 1),
    )
    SheetRequestFactory(  # resolved, but only after the year ended
        sheet=on_aisne,
        kind=css,
        opened_on=datetime.date(YEAR, 3, 1),
        status=RequestStatus.RESOLVED,
        closed_on=datetime.date(YEAR + 1, 1, 15),
    )
    SheetRequestFactory(sheet=on_aisne, care=True, opened_on=datetime.date(YEAR, 4, 1))

    activity = compute_activity(region_scope())

    rights = activity.rights_requests
    css_column = list(rights.columns).index(css.label)
    assert row(rights, "Nord").cells[css_column].count == 2
    assert row(rights, "Aisne").cells[css_column].count == 1
    assert rights.total.cells[css_column].count == 3
    assert rights.resolved.cells[css_column].count == 1
    assert rights.resolved.cells[css_column].percent == 33
    assert activity.care_requests.total.total == 1


def test_the_computation_takes_the_same_number_of_queries_whatever_the_volume():
    nord = post_in("59")
    sheet(nord)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            compute_activity(region_scope())
        return len(captured)

    few = queries()
    for _ in range(15):
        SheetRequestFactory(sheet=sheet(post_in("62")))
    assert queries() == few


def test_scope_choices_follow_what_the_user_may_see():
    every = scope_choices(Department.objects.all())
    keys = [c.key for c in every]
    assert keys[0] == "region:32"
    assert "territoire:picardie" in keys
    assert "territoire:nord" not in keys  # a territoire of one department is that department
    assert "departement:59" in keys

    only_nord = scope_choices(Department.objects.filter(code="59"))
    assert [c.key for c in only_nord] == ["departement:59"]
    # Asking for the region from a department's scope falls back to what is allowed.
    scope = resolve_scope(Department.objects.filter(code="59"), year=YEAR, key="region:32")
    assert scope.key == "departement:59"
