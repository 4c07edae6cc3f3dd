"""« À relancer » for the week in a file: the open requests of the user's caseload to follow up
by Sunday, late ones included, in CSV, XLSX and ODS, with the person's name and phone to call
her back; the caseload export's rules: formulas neutralised, every person logged as read, a
file name without any name, never kept by a cache."""

import csv
import datetime
import io

import openpyxl
import pytest
import tablib
from auditlog.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accompaniments.follow_up_export import week_bounds
from accompaniments.models import Beneficiary
from mediation.enums import Role
from tests.accompaniments.factories import BeneficiaryFactory, SheetFactory, SheetRequestFactory
from tests.conftest import enable_totp
from tests.factories import make_mediator, make_user

pytestmark = pytest.mark.django_db

PAGE = reverse("accompaniments:follow_ups")


def url(fmt):
    return reverse("accompaniments:follow_up_export", args=[fmt])


@pytest.fixture
def team():
    mediator = make_mediator(first_name="Awa", last_name="Diallo")
    structure = mediator.membership.structure
    return {
        "mediator": mediator,
        "colleague": make_mediator(structure=structure, first_name="Nadia", last_name="Haddad"),
        "manager": make_user(Role.STRUCTURE_MANAGER, structure=structure),
    }


def request_for(mediator, *, last_name, follow_up_on, phone="03 20 00 00 00", **kwargs):
    post = mediator.post_holdings.get().post
    person = BeneficiaryFactory(
        structure=post.structure, referent=mediator, last_name=last_name, first_name="Lou", phone=phone
    )
    sheet = SheetFactory(beneficiary=person, post=post, mediator=mediator)
    return SheetRequestFactory(sheet=sheet, follow_up_on=follow_up_on, **kwargs)


@pytest.fixture
def week(team):
    today = timezone.localdate()
    monday, sunday = week_bounds(today)
    mediator = team["mediator"]
    return {
        "today": today,
        "monday": monday,
        "late": request_for(mediator, last_name="Retard", follow_up_on=monday - datetime.timedelta(days=10)),
        "today_request": request_for(mediator, last_name="Jour", follow_up_on=today, phone=""),
        "sunday": request_for(mediator, last_name="Dimanche", follow_up_on=sunday, care=True),
        "next_week": request_for(mediator, last_name="Suivante", follow_up_on=sunday + datetime.timedelta(days=1)),
        "closed": request_for(mediator, last_name="Close", follow_up_on=today, resolved=True),
        "colleague": request_for(team["colleague"], last_name="Collegue", follow_up_on=today),
        "elsewhere": SheetRequestFactory(
            sheet=SheetFactory(beneficiary=BeneficiaryFactory(last_name="Ailleurs")), follow_up_on=today
        ),
    }


def read(response, fmt):
    """(headers, rows as lists of strings or values) of a downloaded file."""
    if fmt == "csv":
        assert response.content.startswith("\ufeff".encode())
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
        return rows[0], rows[1:]
    if fmt == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
        return rows[0], rows[1:]
    data = tablib.Dataset().load(response.content, format="ods")
    return list(data.headers), [list(row) for row in data]


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "ods"])
def test_the_week_of_her_own_caseload_in_each_format(client, team, week, fmt):
    client.force_login(team["mediator"])

    response = client.get(url(fmt))

    assert response.status_code == 200
    headers, rows = read(response, fmt)
    assert headers[:3] == ["Nom", "Prénom", "Téléphone"] and "Médiateur·rice" not in headers
    # Late ones first, up to Sunday; not next Monday, nor closed, nor a colleague's or another structure's.
    assert [row[0] for row in rows] == ["Retard", "Jour", "Dimanche"]
    late = dict(zip(headers, rows[0], strict=True))
    assert late["Téléphone"] == "03 20 00 00 00"
    assert late["Type de demande"] == week["late"].kind.label
    assert int(float(late["Jours de retard"])) == (week["today"] - week["late"].follow_up_on).days
    sheet_url = reverse("accompaniments:sheet_detail", args=[week["late"].sheet_id])
    assert late["Lien de la fiche"] == f"http://testserver{sheet_url}#demandes"
    sunday = dict(zip(headers, rows[2], strict=True))
    assert sunday["Domaine"] == "Accès aux soins"
    assert sunday["Jours de retard"] in ("", None) or week["today"].weekday() == 6
    follow_up = sunday["À relancer le"]
    if fmt == "csv":
        assert follow_up == f"{week['sunday'].follow_up_on:%d/%m/%Y}"
    else:  # a real date the spreadsheet can sort
        day = follow_up.date() if isinstance(follow_up, datetime.datetime) else follow_up
        assert day == week["sunday"].follow_up_on


def test_the_file_is_named_by_its_week_and_never_cached(client, team, week):
    client.force_login(team["mediator"])
    response = client.get(url("xlsx"))
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="a-relancer-semaine-du-{week["monday"]:%Y-%m-%d}.xlsx"'
    )
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_every_person_of_the_file_is_logged_as_read(client, team, week):
    client.force_login(team["mediator"])
    client.get(url("ods"))
    entries = LogEntry.objects.filter(
        action=LogEntry.Action.ACCESS, actor=team["mediator"], additional_data__page="follow_up_export"
    )
    people = {week[key].sheet.beneficiary_id for key in ("late", "today_request", "sunday")}
    assert {int(pk) for pk in entries.values_list("object_id", flat=True)} == people
    assert {entry.additional_data["export"] for entry in entries} == {"ods"}
    assert all(entry.content_type.model_class() is Beneficiary for entry in entries)


def test_a_formula_in_a_cell_is_written_as_text(client, team):
    today = timezone.localdate()
    request_for(team["mediator"], last_name='=HYPERLINK("http://x.example","clic")', follow_up_on=today, phone="+33 6")
    client.force_login(team["mediator"])

    sheet = openpyxl.load_workbook(io.BytesIO(client.get(url("xlsx")).content)).active
    name, phone = sheet.cell(row=2, column=1), sheet.cell(row=2, column=3)
    assert name.data_type == "s" and name.value == '\'=HYPERLINK("http://x.example","clic")'
    assert phone.value == "'+33 6"
    _, rows = read(client.get(url("csv")), "csv")
    assert rows[0][0].startswith("'=")


def test_a_structure_manager_downloads_the_structure_with_each_mediator(client, team, week):
    client.force_login(team["manager"])
    headers, rows = read(client.get(url("csv")), "csv")
    assert "Médiateur·rice" in headers
    assert [row[0] for row in rows] == ["Retard", "Collegue", "Jour", "Dimanche"]
    assert {row[headers.index("Médiateur·rice")] for row in rows} == {"Awa Diallo", "Nadia Haddad"}


def test_the_file_takes_the_same_queries_for_one_request_or_twenty(client, team):
    today = timezone.localdate()
    request_for(team["mediator"], last_name="Seule", follow_up_on=today)
    client.force_login(team["mediator"])
    client.get(url("csv"))  # the session and the membership are read once
    with CaptureQueriesContext(connection) as one:
        client.get(url("csv"))
    for n in range(19):
        request_for(team["mediator"], last_name=f"Autre {n}", follow_up_on=today)
    with CaptureQueriesContext(connection) as twenty:
        _, rows = read(client.get(url("csv")), "csv")
    assert len(rows) == 20
    assert len(twenty.captured_queries) == len(one.captured_queries)


def test_the_page_offers_the_three_formats_and_says_until_when(client, team, week):
    client.force_login(team["mediator"])
    html = client.get(PAGE).content.decode()
    for fmt in ("csv", "xlsx", "ods"):
        assert f'href="{url(fmt)}"' in html
    sunday = week_bounds(week["today"])[1]
    assert f"jusqu'au dimanche {sunday.day} " in html and "retards compris" in html


def test_other_roles_unknown_formats_and_visitors_are_refused(client, team, week):
    coordinator = make_user(Role.COORDINATOR)
    enable_totp(coordinator)
    client.force_login(coordinator)
    assert client.get(url("csv")).status_code == 403
    client.force_login(team["mediator"])
    assert client.get(url("pdf")).status_code == 404
    client.logout()
    response = client.get(url("csv"))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]
    assert not LogEntry.objects.filter(additional_data__page="follow_up_export").exists()
