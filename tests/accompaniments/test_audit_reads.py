"""Every page that shows people is traced (CNIL): who, when, which kind of page and exactly which
records it showed, one access entry per record, named by id, written in one insert whatever the
number of rows."""

import datetime

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accompaniments import personal_data
from accompaniments.models import Beneficiary, Sheet, SheetRequest
from tests.accompaniments.factories import BeneficiaryFactory, SheetFactory, SheetRequestFactory
from tests.accompaniments.sheet_fixtures import Team, days_ago, today

pytestmark = pytest.mark.django_db

LIST = reverse("accompaniments:beneficiary_list")


def shown_on(page, model=Beneficiary):
    """The ids logged as shown on pages of kind `page`, and who saw them."""
    entries = LogEntry.objects.filter(additional_data__page=page)
    assert {entry.action for entry in entries} <= {LogEntry.Action.ACCESS}
    assert {entry.content_type for entry in entries} <= {ContentType.objects.get_for_model(model)}
    return sorted(entries.values_list("object_id", flat=True)), {entry.actor for entry in entries}


def no_names_logged(*people):
    content = str(list(LogEntry.objects.values_list("object_repr", "changes", "additional_data")))
    for person in people:
        assert person.last_name not in content and person.last_name.upper() not in content


@pytest.fixture
def team(client):
    team = Team()
    client.force_login(team.mediator)
    return team


def test_the_people_list_logs_the_people_shown(client, team):
    mine = [team.person, team.new_person(last_name="Marchand")]
    colleague_person = BeneficiaryFactory(structure=team.structure, referent=team.colleague())

    assert client.get(LIST).status_code == 200

    assert shown_on("beneficiary_list") == (sorted(p.pk for p in mine), {team.mediator})
    assert client.get(f"{LIST}?suivi=structure").status_code == 200
    ids, actors = shown_on("beneficiary_list_structure")
    assert ids == sorted([*(p.pk for p in mine), colleague_person.pk]) and actors == {team.mediator}
    no_names_logged(*mine, colleague_person)


def test_search_results_are_logged(client, team):
    found = team.new_person(last_name="Vasseur", first_name="Inès")
    team.new_person(last_name="Lambert")

    response = client.post(LIST, {"q": "vasseur"}, follow=True)

    assert response.status_code == 200 and "VASSEUR" in response.content.decode()
    assert shown_on("beneficiary_search") == ([found.pk], {team.mediator})
    no_names_logged(found)


def list_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_logging_a_list_costs_one_query_whatever_its_length(client, team):
    one = list_queries(client, LIST)
    for index in range(4):
        SheetFactory(beneficiary=team.new_person(last_name=f"Nom{index}"), post=team.post)
    five = list_queries(client, LIST)
    assert five == one
    assert LogEntry.objects.filter(additional_data__page="beneficiary_list").count() == 1 + 5


def test_mes_accompagnements_and_the_follow_ups_log_what_they_show(client, team):
    overdue = SheetRequestFactory(
        sheet=SheetFactory(beneficiary=team.person, post=team.post, opened_on=days_ago(40)),
        follow_up_on=days_ago(5),
    )
    later = SheetRequestFactory(
        sheet=SheetFactory(beneficiary=team.new_person(), post=team.post, opened_on=days_ago(30)),
        follow_up_on=today() + datetime.timedelta(days=3),
    )

    assert client.get(reverse("accompaniments:home")).status_code == 200
    assert shown_on("caseload", Sheet) == (sorted([overdue.sheet_id, later.sheet_id]), {team.mediator})
    assert client.get(reverse("accompaniments:follow_ups")).status_code == 200
    assert shown_on("follow_ups", SheetRequest) == ([overdue.pk], {team.mediator})


def test_the_lists_of_mes_accompagnements_and_follow_ups_cost_the_same_for_one_or_five_rows(client, team):
    def rows(count):
        for _ in range(count):
            sheet = SheetFactory(beneficiary=team.new_person(), post=team.post, opened_on=days_ago(40))
            SheetRequestFactory(sheet=sheet, follow_up_on=days_ago(5))

    rows(1)
    counts_one = [list_queries(client, reverse(name)) for name in ("accompaniments:home", "accompaniments:follow_ups")]
    rows(4)
    counts_five = [list_queries(client, reverse(name)) for name in ("accompaniments:home", "accompaniments:follow_ups")]
    assert counts_five == counts_one
    assert LogEntry.objects.filter(additional_data__page="caseload").count() == 1 + 5
    assert LogEntry.objects.filter(additional_data__page="follow_ups").count() == 1 + 5


def test_the_merge_pages_log_the_people_compared(client, team):
    manager = team.manager()
    client.force_login(manager)
    kept = team.new_person(last_name="Dupont", first_name="Éléonore")
    twin = team.new_person(last_name="Dupont", first_name="Eleonore")
    url = reverse("accompaniments:beneficiary_merge", args=[kept.pk])

    assert client.get(url).status_code == 200
    assert shown_on("merge_candidates") == (sorted([kept.pk, twin.pk]), {manager})
    assert client.get(f"{url}?other={twin.pk}").status_code == 200
    assert shown_on("merge_comparison") == (sorted([kept.pk, twin.pk]), {manager})
    no_names_logged(kept)


def test_the_caseload_transfer_logs_the_caseload_shown(client, team):
    manager = team.manager()
    client.force_login(manager)
    second = team.new_person()
    BeneficiaryFactory(structure=team.structure, referent=team.colleague())

    response = client.get(f"{reverse('accompaniments:caseload_transfer')}?de={team.mediator.pk}")

    assert response.status_code == 200
    assert shown_on("caseload_transfer") == (sorted([team.person.pk, second.pk]), {manager})


def test_the_retention_list_logs_the_people_shown(client, team):
    manager = team.manager()
    client.force_login(manager)
    personal_data.apply_retention(today=today() + datetime.timedelta(days=800))

    assert client.get(reverse("accompaniments:retention_list")).status_code == 200
    assert shown_on("retention_list") == ([team.person.pk], {manager})


def test_an_export_logs_the_people_in_it_with_the_kind_of_page(client, team):
    SheetFactory(beneficiary=team.person, post=team.post)
    assert client.get(reverse("accompaniments:caseload_download", args=["csv"])).status_code == 200
    assert shown_on("export") == ([team.person.pk], {team.mediator})
