"""The campaign in a file: the status of every expected bilan and every bilan in the history
import's format, so that an export imports back to the same data, in CSV, XLSX and ODS; the
coordination of the campaign's departments only, each coordinator her departments' bilans."""

import csv
import datetime
import io
import zipfile

import openpyxl
import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mediation.enums import PostType, Role, Vocabulary
from reporting import campaign_export
from reporting.enums import BilanAction, BilanState, FigureKey
from reporting.history_import import COLUMNS, run
from reporting.models import AnnualBilan, BilanEvent, BilanFigure, Campaign
from tests.conftest import enable_totp
from tests.factories import UserFactory, department, hauts_de_france, make_user

from .campaign_factories import YEAR, AnnualBilanFactory, CampaignFactory, D, mediator_on, post_in, vocabulary_item

pytestmark = pytest.mark.django_db

DEADLINE = D(YEAR + 1, 2, 28)  # long passed: the late are late
FORMULA = "=SOMME(A1:A3)"
SCALARS = (
    "post_type",
    "usable",
    "coanimated_for_professionals",
    "cpam_partnership",
    "identified_on_ground",
    "missions_known",
    "partner_bodies",
    "trained",
    "training_details",
    "what_helped",
    "what_hindered",
    "what_to_improve",
)
LISTS = ("themes", "coanimating_partner_types", "publics", "health_needs", "barriers")


def login(client, role, **scope):
    user = make_user(role, **scope)
    if role in (Role.COORDINATOR, Role.READER, Role.ADMIN):
        enable_totp(user)
    client.force_login(user)
    return user


def moment(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))


def bilan(campaign, code, state, *, figures=None, lists=None, mediator_name=("Anne", "Martin"), **fields):
    post = post_in(code)
    first, last = mediator_name
    mediator = mediator_on(post, first_name=first, last_name=last)
    created = AnnualBilanFactory(campaign=campaign, post=post, mediator=mediator, state=state, **fields)
    for key, (computed, declared) in (figures or {}).items():
        BilanFigure.objects.create(bilan=created, key=key, computed=computed, declared=declared)
    for name, codes in (lists or {}).items():
        vocabulary = AnnualBilan._meta.get_field(name).remote_field.limit_choices_to["vocabulary"]
        getattr(created, name).set([vocabulary_item(vocabulary, c) for c in codes])
    return created


@pytest.fixture
def campaign():
    """A campaign over the Nord and the Somme, its bilans in every state, with every kind of answer."""
    campaign = CampaignFactory(departments=[department("59"), department("80")], deadline=DEADLINE)
    every_figure = {key: (10 + n, None) for n, key in enumerate(FigureKey.values)}
    every_figure[FigureKey.PEOPLE_TOTAL] = (100, 120)  # declared over computed
    bilan(
        campaign,
        "59",
        BilanState.VALIDATED,
        mediator_name=("Hélène", "Lefèvre"),
        figures=every_figure,
        lists={
            "themes": ["nutrition", "cancer_depistages"],
            "coanimating_partner_types": ["cpam"],
            "publics": ["habitants"],
            "health_needs": ["sante_mentale"],
            "barriers": ["mobilite"],
        },
        submitted_at=moment(D(YEAR + 1, 1, 20)),
        validated_at=moment(D(YEAR + 1, 2, 3)),
        cpam_partnership=True,
        identified_on_ground=False,
        missions_known=True,
        partner_bodies=False,
        trained=True,
        training_details="Formation « médiation en santé » à l'IREPS ; 3 jours",
        professional_project=vocabulary_item(Vocabulary.PROFESSIONAL_PROJECT, "emerging"),
        what_helped=FORMULA,
        what_hindered="Peu de médecins ; délais\nd'attente très longs",
        what_to_improve="- des échanges entre médiateur·rices",
    )
    bilan(
        campaign,
        "59",
        BilanState.SUBMITTED,
        mediator_name=("Zoé", "Dupont"),
        figures={FigureKey.PEOPLE_TOTAL: (40, None), FigureKey.ACTIONS_PROFESSIONALS: (0, 0)},
        submitted_at=moment(D(YEAR + 1, 2, 1)),
        usable=False,
    )
    sent_back = bilan(
        campaign,
        "80",
        BilanState.SENT_BACK,
        mediator_name=("Léa", "Bernard"),
        figures={FigureKey.PEOPLE_TOTAL: (30, 31), FigureKey.PEOPLE_QPV: (None, 12)},
        post_type=PostType.RURAL,
        submitted_at=moment(D(YEAR + 1, 2, 10)),
        sent_back_comment="Chiffres à revoir",
    )
    BilanEvent.objects.create(bilan=sent_back, at=moment(D(YEAR + 1, 2, 12)), action=BilanAction.SENT_BACK)
    bilan(campaign, "59", BilanState.NOT_STARTED, mediator_name=("Paul", "Durand"))
    bilan(campaign, "80", BilanState.DRAFT, mediator_name=("Inès", "Moreau"), figures={FigureKey.PEOPLE_TOTAL: (5, 5)})
    return campaign


def snapshot(bilans):
    """What a bilan says, keyed by its post: scalars, every figure's value, the lists' codes."""
    data = {}
    for b in bilans.select_related("post", "department", "mediator", "professional_project").prefetch_related(
        "figures", *LISTS
    ):
        figures = {f.key: f.value for f in b.figures.all()}
        data[b.post.code if b.post else b.import_key] = {
            "department": b.department.code,
            "mediator": b.mediator.email if b.mediator else None,
            **{name: getattr(b, name) for name in SCALARS},
            "project": b.professional_project.code if b.professional_project else None,
            "figures": {key: figures.get(key) for key in FigureKey.values},
            **{name: sorted(item.code for item in getattr(b, name).all()) for name in LISTS},
        }
    return data


def download(client, campaign, fmt, part="bilans"):
    if fmt == "csv":
        return client.get(reverse("campaigns:campaign_csv", kwargs={"pk": campaign.pk, "part": part}))
    return client.get(reverse("campaigns:campaign_workbook", kwargs={"pk": campaign.pk, "fmt": fmt}))


def forget(campaign):
    """The campaign and its bilans deleted, as if the database had never held them."""
    AnnualBilan.objects.filter(campaign=campaign).delete()
    campaign.delete()


def import_back(content, fmt, by):
    allowed = {d.pk for d in hauts_de_france().departments.all()}
    return run(f"campagne.{fmt}", content, year=YEAR, by=by, allowed_department_ids=allowed, dry_run=False)


def rows_of(content, fmt, sheet=0):
    """The rows (header first) of a sheet of an export, as text, read by a spreadsheet library."""
    if fmt == "csv":
        return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    if fmt == "xlsx":
        book = openpyxl.load_workbook(io.BytesIO(content))
        return [["" if v is None else v for v in row] for row in book.worksheets[sheet].iter_rows(values_only=True)]
    import tablib

    book = tablib.Databook().load(content, "ods")
    data = book.sheets()[sheet]
    return [list(data.headers), *[list(row) for row in data]]


# ---------------------------------------------------------------- round trip


@pytest.mark.parametrize("fmt", ["xlsx", "ods", "csv"])
def test_an_export_imports_back_to_the_same_bilans(client, campaign, fmt):
    coordinator = login(client, Role.COORDINATOR, region=hauts_de_france())
    before = snapshot(AnnualBilan.objects.filter(campaign=campaign))
    response = download(client, campaign, fmt)
    assert response.status_code == 200

    forget(campaign)
    report = import_back(response.content, fmt, coordinator)

    assert report.ok, report.errors
    assert report.created == 5
    imported = Campaign.objects.get(year=YEAR)
    assert imported.imported
    after = snapshot(AnnualBilan.objects.filter(campaign=imported))
    for k in before:
        assert {f: v for f, v in after[k].items() if before[k][f] != v} == {}, k
    assert after == before
    assert after[next(k for k, v in after.items() if v["what_helped"])]["what_helped"] == FORMULA


def test_an_exported_history_imports_back_too_and_its_keys_find_the_bilans_already_there(client):
    """Bilans without post nor account (a row identifier, an e-mail nobody has), the
    questionnaire's yes/no on actions with professionals, unknown answers: the same again."""
    coordinator = login(client, Role.COORDINATOR, region=hauts_de_france())
    first = "\n".join(
        [
            ";".join(COLUMNS),
            ";".join(
                {
                    "annee": str(YEAR),
                    "departement": "59",
                    "type_poste": "QPV",
                    "identifiant": "Nord-04",
                    "exploitable": "oui",
                    "personnes": "12",
                    "actions_professionnels": "oui",
                    "forme": "non",
                    "projet_professionnel": "aucun",
                    "ce_qui_a_aide": "'+33 en tête",
                }.get(c, "")
                for c in COLUMNS
            ),
            ";".join(
                {
                    "annee": str(YEAR),
                    "departement": "80",
                    "type_poste": "Rural",
                    "email_mediateur": "partie@exemple.fr",
                    "exploitable": "non",
                    "actions_professionnels": "non",
                }.get(c, "")
                for c in COLUMNS
            ),
        ]
    ).encode("utf-8")
    assert import_back(first, "csv", coordinator).ok
    history = Campaign.objects.get(imported=True)
    before = snapshot(AnnualBilan.objects.filter(campaign=history))
    assert {b["coanimated_for_professionals"] for b in before.values()} == {True, False}

    exported = download(client, history, "xlsx").content
    again = import_back(exported, "xlsx", coordinator)
    assert again.ok and again.created == 0 and again.unchanged == 2  # the same keys: already there

    forget(history)
    assert import_back(exported, "xlsx", coordinator).created == 2
    assert snapshot(AnnualBilan.objects.all()) == before


def test_a_formula_is_written_as_text_in_every_format(client, campaign):
    login(client, Role.COORDINATOR, region=hauts_de_france())
    for fmt in ("xlsx", "ods", "csv"):
        rows = rows_of(download(client, campaign, fmt).content, fmt)
        column = rows[0].index("ce_qui_a_aide")
        assert "'" + FORMULA in [row[column] for row in rows[1:]], fmt
    book = openpyxl.load_workbook(io.BytesIO(download(client, campaign, "xlsx").content))
    assert all(cell.data_type != "f" for row in book.worksheets[0].iter_rows() for cell in row)


# ---------------------------------------------------------------- the status sheet and the files


def test_the_workbook_holds_the_bilans_then_the_status_of_each(client, campaign):
    login(client, Role.COORDINATOR, region=hauts_de_france())
    response = download(client, campaign, "xlsx")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Bilans", "État de la campagne"]
    assert [c.value for c in book.worksheets[0][1]] == list(COLUMNS)

    rows = list(book.worksheets[1].iter_rows(values_only=True))
    assert list(rows[0]) == campaign_export.STATUS_HEADERS
    status = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert len(status) == 5
    days = (timezone.localdate() - DEADLINE).days
    helene = status["Hélène Lefèvre"]
    assert (helene["État"], helene["En retard"], helene["Jours de retard"]) == ("Validé", "non", None)
    assert helene["Transmis le"].date() == D(YEAR + 1, 1, 20)
    assert helene["Validé le"].date() == D(YEAR + 1, 2, 3)
    assert helene["Date limite"].date() == DEADLINE
    assert helene["Département"] == "Nord" and helene["Code du département"] == "59"
    assert status["Zoé Dupont"]["État"] == "Transmis" and status["Zoé Dupont"]["En retard"] == "non"
    assert status["Zoé Dupont"]["Exploitable"] == "non"
    lea = status["Léa Bernard"]
    assert (lea["État"], lea["En retard"], lea["Jours de retard"]) == ("Renvoyé pour correction", "oui", days)
    assert lea["Renvoyé pour correction le"].date() == D(YEAR + 1, 2, 12)
    assert lea["Type de poste"] == "Rural"
    assert (status["Paul Durand"]["État"], status["Paul Durand"]["En retard"]) == ("Non commencé", "oui")
    assert status["Paul Durand"]["Transmis le"] is None
    assert (status["Inès Moreau"]["État"], status["Inès Moreau"]["Jours de retard"]) == ("Brouillon", days)


def test_before_the_deadline_nobody_is_late(client, campaign):
    campaign.deadline = timezone.localdate()
    campaign.save()
    login(client, Role.COORDINATOR, region=hauts_de_france())
    rows = rows_of(download(client, campaign, "csv", part="etat").content, "csv")
    late = rows[0].index("En retard")
    assert {row[late] for row in rows[1:]} == {"non"}


@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
def test_both_workbooks_open_with_two_sheets(client, campaign, fmt):
    login(client, Role.COORDINATOR, region=hauts_de_france())
    response = download(client, campaign, fmt)
    assert response["Content-Type"] == campaign_export.FORMATS[fmt][0]
    assert response["Content-Disposition"] == f'attachment; filename="campagne-{YEAR}-59-80.{fmt}"'
    assert zipfile.is_zipfile(io.BytesIO(response.content))
    assert len(rows_of(response.content, fmt, sheet=0)) == 6
    status = rows_of(response.content, fmt, sheet=1)
    assert status[0] == campaign_export.STATUS_HEADERS and len(status) == 6


def test_the_csv_files_are_the_two_sheets(client, campaign):
    login(client, Role.COORDINATOR, region=hauts_de_france())
    bilans = download(client, campaign, "csv", part="bilans")
    status = download(client, campaign, "csv", part="etat")
    assert bilans["Content-Disposition"] == f'attachment; filename="campagne-{YEAR}-59-80-bilans.csv"'
    assert status["Content-Disposition"] == f'attachment; filename="campagne-{YEAR}-59-80-etat.csv"'
    assert bilans.content.startswith("\ufeff".encode())
    assert rows_of(bilans.content, "csv")[0] == list(COLUMNS)
    status_rows = rows_of(status.content, "csv")
    assert status_rows[0] == campaign_export.STATUS_HEADERS
    row = next(r for r in status_rows if r[0] == "Léa Bernard")
    assert row[status_rows[0].index("Renvoyé pour correction le")] == f"12/02/{YEAR + 1}"
    assert client.get(f"/campagnes/{campaign.pk}/export-autre.csv").status_code == 404
    assert client.get(f"/campagnes/{campaign.pk}/export.csv").status_code == 404


def test_a_regional_campaigns_file_is_named_by_the_region_and_no_one(client):
    campaign = CampaignFactory(region=hauts_de_france(), departments=[], deadline=DEADLINE)
    bilan(campaign, "59", BilanState.DRAFT, mediator_name=("Hélène", "Lefèvre"))
    login(client, Role.ADMIN)
    response = download(client, campaign, "xlsx")
    assert response["Content-Disposition"] == f'attachment; filename="campagne-{YEAR}-hauts-de-france.xlsx"'


def test_the_exported_bilans_are_logged_as_read_by_whoever_exported_them(client, campaign):
    coordinator = login(client, Role.COORDINATOR, region=hauts_de_france())
    download(client, campaign, "ods")
    entries = LogEntry.objects.filter(action=LogEntry.Action.ACCESS, actor=coordinator)
    assert sorted(int(e.object_pk) for e in entries) == sorted(campaign.bilans.values_list("pk", flat=True))
    assert {e.additional_data["export"] for e in entries} == {"classeur.ods"}


def test_the_export_reads_a_fixed_number_of_queries(campaign, django_assert_max_num_queries):
    coordinator = make_user(Role.COORDINATOR, region=hauts_de_france())
    small = CampaignFactory(departments=[department("62")], year=YEAR - 1)
    bilan(small, "62", BilanState.SUBMITTED, lists={"themes": ["nutrition"]}, figures={FigureKey.PEOPLE_TOTAL: (1, 1)})
    with CaptureQueriesContext(connection) as one:
        campaign_export.export_campaign(coordinator, small, "xlsx")
    for n in range(30):
        bilan(
            campaign,
            "59",
            BilanState.SUBMITTED,
            mediator_name=("Prénom", f"Nom{n}"),
            figures={FigureKey.PEOPLE_TOTAL: (n, n)},
            lists={"themes": ["nutrition"], "barriers": ["mobilite"]},
            professional_project=vocabulary_item(Vocabulary.PROFESSIONAL_PROJECT, "defined"),
        )
    assert campaign.bilans.count() == 35
    with django_assert_max_num_queries(len(one)):
        campaign_export.export_campaign(coordinator, campaign, "xlsx")


# ---------------------------------------------------------------- who may export


def test_the_page_offers_the_downloads(client, campaign):
    login(client, Role.COORDINATOR, region=hauts_de_france())
    page = client.get(reverse("campaigns:campaign_detail", kwargs={"pk": campaign.pk})).content.decode()
    for url in (
        reverse("campaigns:campaign_workbook", kwargs={"pk": campaign.pk, "fmt": "xlsx"}),
        reverse("campaigns:campaign_workbook", kwargs={"pk": campaign.pk, "fmt": "ods"}),
        reverse("campaigns:campaign_csv", kwargs={"pk": campaign.pk, "part": "bilans"}),
        reverse("campaigns:campaign_csv", kwargs={"pk": campaign.pk, "part": "etat"}),
    ):
        assert f'href="{url}"' in page
    assert "XLSX – 2 feuilles, 5 lignes chacune" in page


@pytest.mark.parametrize("role", [Role.MEDIATOR, Role.STRUCTURE_MANAGER, Role.READER])
@pytest.mark.parametrize(("fmt", "part"), [("xlsx", None), ("ods", None), ("csv", "bilans"), ("csv", "etat")])
def test_other_roles_are_refused(client, campaign, role, fmt, part):
    login(client, role, **({"region": hauts_de_france()} if role == Role.READER else {}))
    assert download(client, campaign, fmt, part).status_code == 403


def test_the_mediator_of_a_bilan_cannot_export_her_campaign(client, campaign):
    client.force_login(campaign.bilans.first().mediator)
    assert download(client, campaign, "xlsx").status_code == 403


def test_a_campaign_outside_the_coordinators_departments_is_a_404(client, campaign):
    login(client, Role.COORDINATOR, departments=[department("62")])
    for fmt, part in (("xlsx", None), ("ods", None), ("csv", "bilans"), ("csv", "etat")):
        assert download(client, campaign, fmt, part).status_code == 404


def test_a_departmental_coordinator_exports_only_her_departments_bilans(client, campaign):
    login(client, Role.COORDINATOR, departments=[department("59")])
    for fmt in ("xlsx", "ods", "csv"):
        bilans = rows_of(download(client, campaign, fmt).content, fmt)
        column = bilans[0].index("departement")
        assert [str(row[column]) for row in bilans[1:]] == ["59", "59", "59"], fmt
    status = rows_of(download(client, campaign, "csv", part="etat").content, "csv")
    names = [row[0] for row in status[1:]]
    assert "Léa Bernard" not in names and "Inès Moreau" not in names and len(names) == 3


def test_an_unknown_campaign_is_a_404(client):
    login(client, Role.ADMIN)
    UserFactory()
    assert client.get(reverse("campaigns:campaign_workbook", kwargs={"pk": 999999, "fmt": "xlsx"})).status_code == 404


def test_two_mediators_who_held_the_same_post_in_the_year_import_back_apart(client):
    """One after the other on one post: their rows name the same post, their e-mails tell them
    apart (without an account behind an e-mail too), and importing the file again changes nothing."""
    coordinator = login(client, Role.COORDINATOR, region=hauts_de_france())
    campaign = CampaignFactory(departments=[department("59")], deadline=DEADLINE)
    post = post_in("59")
    before_her = mediator_on(post, end=D(YEAR, 4, 30), first_name="Anne", last_name="Avant")
    second = mediator_on(post, start=D(YEAR, 5, 1), first_name="Bea", last_name="Après", email="apres@exemple.fr")
    first = AnnualBilanFactory(campaign=campaign, post=post, mediator=before_her, state=BilanState.SUBMITTED)
    AnnualBilanFactory(campaign=campaign, post=post, mediator=second, state=BilanState.DRAFT, days_held=240)
    BilanFigure.objects.create(bilan=first, key=FigureKey.PEOPLE_TOTAL, computed=8)
    before = snapshot_by_mediator(AnnualBilan.objects.filter(campaign=campaign))
    exported = download(client, campaign, "xlsx").content

    forget(campaign)
    report = import_back(exported, "xlsx", coordinator)
    assert report.ok, report.errors
    assert snapshot_by_mediator(AnnualBilan.objects.all()) == before
    assert import_back(exported, "xlsx", coordinator).unchanged == 2

    # Without the account of the second one: the bilan keeps her e-mail, and exports it again.
    AnnualBilan.objects.filter(mediator=second).update(mediator=None)
    again = download(client, Campaign.objects.get(), "csv").content
    assert "apres@exemple.fr" in again.decode("utf-8-sig")
    assert import_back(again, "csv", coordinator).unchanged == 2


def snapshot_by_mediator(bilans):
    return {
        (b.post.code, b.mediator.email): {"figures": {f.key: f.value for f in b.figures.all() if f.value is not None}}
        for b in bilans.select_related("post", "mediator").prefetch_related("figures")
    }
