"""The year month by month, for coordinators: sheets, people and requests by domain, counted by
the database in the month they were opened, for the coordinator's territories only."""

import datetime

import pytest
from django.urls import reverse

from mediation.enums import Role
from reporting.monthly import monthly_activity
from reporting.scope import resolve_scope
from tests.accompaniments.factories import BeneficiaryFactory, SheetFactory, SheetRequestFactory
from tests.factories import PostFactory, StructureFactory, department

pytestmark = pytest.mark.django_db

YEAR = 2026
TODAY = datetime.date(YEAR, 5, 20)


def post_in(code):
    return PostFactory(structure=StructureFactory(), department=department(code))


def sheet(post, month, person=None, year=YEAR):
    person = person or BeneficiaryFactory(structure=post.structure)
    return SheetFactory(beneficiary=person, post=post, opened_on=datetime.date(year, month, 10))


def nord_scope(year=YEAR):
    from mediation.models import Department

    return resolve_scope(Department.objects.all(), year=year, key="departement:59")


def test_each_month_counts_its_sheets_people_and_requests_by_domain():
    nord, somme = post_in("59"), post_in("80")
    regular = BeneficiaryFactory(structure=nord.structure)
    march = sheet(nord, 3, regular)
    SheetRequestFactory(sheet=march)
    SheetRequestFactory(sheet=march, care=True)
    sheet(nord, 3)
    may = sheet(nord, 5, regular)  # the same person comes back in May
    SheetRequestFactory(sheet=may, care=True)
    sheet(somme, 3)  # another department
    sheet(nord, 3, year=YEAR - 1)  # another year

    activity = monthly_activity(nord_scope(), today=TODAY)

    march_row, may_row = activity.months[2], activity.months[4]
    assert (march_row.label, march_row.sheets, march_row.people) == ("mars", 2, 2)
    assert (march_row.rights_requests, march_row.care_requests, march_row.requests) == (1, 1, 2)
    assert (may_row.sheets, may_row.people, may_row.care_requests) == (1, 1, 1)
    assert activity.months[0].sheets == 0
    # The year counts each person once, not once per month.
    assert (activity.sheets, activity.people, activity.requests) == (3, 2, 3)
    # Months of the current year that have not begun are to come, not zeros.
    assert [m.to_come for m in activity.months] == [False] * 5 + [True] * 7


def test_the_count_of_queries_does_not_grow_with_the_sheets(django_assert_max_num_queries):
    nord = post_in("59")
    sheet(nord, 1)
    scope = nord_scope()
    with django_assert_max_num_queries(4) as few:
        monthly_activity(scope, today=TODAY)
    for month in range(1, 13):
        for _ in range(3):
            SheetRequestFactory(sheet=sheet(nord, month))
    with django_assert_max_num_queries(len(few.captured_queries)):
        monthly_activity(scope, today=TODAY)


def test_a_coordinator_sees_her_departments_month_by_month(client, login_as):
    nord, somme = post_in("59"), post_in("80")
    this_year = datetime.date.today().year
    SheetRequestFactory(sheet=sheet(nord, 1, year=this_year))
    for _ in range(4):
        sheet(somme, 1, year=this_year)
    login_as(Role.COORDINATOR, departments=[department("59")])

    response = client.get(reverse("reporting:monthly_activity"))
    assert response.status_code == 302 and f"annee={this_year}" in response["Location"]
    page = client.get(response["Location"]).content.decode()
    assert "Activité mois par mois" in page
    assert f'href="{reverse("reporting:monthly_activity")}"' in page  # in her menu
    january = page.split("Janvier</th>")[1].split("</tr>")[0]
    assert [cell.split(">")[-1] for cell in january.split("</td>")[:5]] == ["1", "1", "1", "0", "1"]
    # The Somme is outside her scope: neither counted nor offered.
    assert "departement:80" not in page
    response = client.get(reverse("reporting:monthly_activity"), {"annee": this_year, "perimetre": "departement:80"})
    assert "departement:80" not in response.content.decode()


def test_a_year_without_sheets_says_so(client, login_as):
    login_as(Role.COORDINATOR, departments=[department("59")])
    page = client.get(reverse("reporting:monthly_activity"), {"annee": 2019}).content.decode()
    assert "Aucune fiche en 2019 pour ce territoire pour l'instant" in page
    assert "<table" not in page


@pytest.mark.parametrize("role", [Role.READER, Role.MEDIATOR, Role.STRUCTURE_MANAGER])
def test_only_coordinators_and_administrators_see_it(client, login_as, role):
    login_as(role)
    assert client.get(reverse("reporting:monthly_activity"), {"annee": YEAR}).status_code == 403
