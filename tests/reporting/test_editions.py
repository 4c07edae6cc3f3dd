"""Published editions of the bilan: what a coordinator publishes is stored as it was (figures,
PDF, workbook, each with its SHA-256), readers open it by default, the live figures stay one
click away with what differs listed, and a new version needs a reason."""

import datetime
import hashlib
import html
import io
import json
import re

import pytest
import tablib
from auditlog.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from mediation.enums import Role, Vocabulary
from mediation.models import Department
from reporting import editions, exports
from reporting.bilan import compute_bilan
from reporting.models import Edition
from reporting.scope import resolve_scope
from tests.accompaniments.factories import BeneficiaryFactory, SheetFactory, item
from tests.factories import CommuneFactory, PostFactory, StructureFactory, UserFactory, department

pytestmark = pytest.mark.django_db

YEAR = 2024
REGION = {"annee": YEAR, "perimetre": "region:32"}


def mediator_on(code, sheets=2):
    structure = StructureFactory(commune=CommuneFactory(department=department(code), insee_code=f"{code}995"))
    post = PostFactory(structure=structure, department=department(code))
    mediator = UserFactory()
    made = []
    for _ in range(sheets):
        person = BeneficiaryFactory(structure=structure, referent=mediator)
        made.append(
            SheetFactory(
                beneficiary=person, post=post, opened_on=datetime.date(YEAR, 5, 1), sex=item(Vocabulary.SEX, "female")
            )
        )
    return made


@pytest.fixture
def region_of_sheets():
    """Nord: three mediators, two sheets each (readers see its row); Oise: one mediator, five
    sheets (readers never see Oise on its own)."""
    nord = [sheet for _ in range(3) for sheet in mediator_on("59")]
    mediator_on("60", sheets=5)
    return nord


def region_scope(user=None, *, protected=False, year=YEAR):
    departments = Department.objects.for_user(user) if user else Department.objects.filter(region__code="32")
    return resolve_scope(departments, year=year, key="region:32", protected=protected)


@pytest.fixture
def coordinator(client, login_as):
    return login_as(Role.COORDINATOR, region=department("59").region)


def publish_page(client, **params):
    return client.get(reverse("reporting:edition_publish"), REGION | params)


def publish(client, reason="", version=None, **params):
    """Publish as the logged-in user through the page, with the version the page offers."""
    page = publish_page(client, **params)
    assert page.status_code == 200
    version = version or page.context["next_version"]
    query = "?" + "&".join(f"{k}={v}" for k, v in (REGION | params).items())
    return client.post(
        reverse("reporting:edition_publish") + query, {"version": version, "reason": reason}, follow=True
    )


def pdf_text(content):
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def squeezed(text):
    return re.sub(r"\s+", "", text)


def test_a_coordinator_publishes_the_three_files_with_their_fingerprints(client, coordinator, region_of_sheets):
    response = publish(client)
    assert "Édition n° 1 du bilan 2024 publiée" in response.content.decode()
    edition = Edition.objects.get()
    assert (edition.year, edition.scope_key, edition.post_type, edition.version) == (YEAR, "region:32", "", 1)
    assert edition.published_by == coordinator
    for kind in ("json", "pdf", "xlsx"):
        assert getattr(edition, f"{kind}_sha256") == hashlib.sha256(bytes(getattr(edition, kind))).hexdigest()
    document = json.loads(bytes(edition.json))
    assert document["edition"]["version"] == 1
    assert document["schema_version"] == exports.JSON_SCHEMA_VERSION
    assert document["activity"]["volume"]["total"]["sheets"] == 11
    book = tablib.Databook().load(bytes(edition.xlsx), "xlsx")
    # the summary sheet « En résumé », one sheet per table, then « Sur plusieurs années »
    titles = [sheet.title for sheet in book.sheets()]
    assert titles[0] == "En résumé" and titles[-1] == "Sur plusieurs années"
    assert len(titles) == 2 + len(compute_bilan(region_scope(protected=True)).tables)


def test_the_pdf_of_an_edition_says_its_version_date_and_fingerprint_on_the_cover_and_the_method_page(
    client, coordinator, region_of_sheets
):
    publish(client)
    edition = Edition.objects.get()
    pages = pdf_text(bytes(edition.pdf))
    cover, method = pages[0], pages[-1]
    day = edition.published_at.astimezone(datetime.UTC).date()
    for page in (cover, method):
        assert "n° 1" in page
        assert edition.json_sha256 in squeezed(page)
        assert re.search(r"publiée le \d\d/\d\d/\d{4}", page)
    assert str(day.year) in cover
    assert "UnPDFnepeutpascontenirsapropreempreinte" in squeezed(method)
    # The live PDF says nothing of an edition.
    live = pdf_text(client.get(reverse("reporting:bilan_pdf"), REGION | {"vue": "direct"}).content)
    assert "Empreinte" not in live[0]


def test_the_stored_json_gives_back_the_bilan_it_was_written_from(region_of_sheets):
    for key in ("region:32", "departement:60"):  # Oise alone: its sheet tables are withheld for readers
        scope = resolve_scope(Department.objects.filter(region__code="32"), year=YEAR, key=key, protected=True)
        bilan = compute_bilan(scope)
        document = json.loads(exports.bilan_json(bilan))
        rebuilt = editions.bilan_from_document(editions.load_document(exports.bilan_json(bilan)), scope)
        assert json.loads(exports.bilan_json(rebuilt)) == document
        assert editions.differences(rebuilt, bilan) == ()


def test_readers_open_the_latest_edition_and_its_files_never_change_when_a_sheet_is_edited(
    client, login_as, region_of_sheets
):
    login_as(Role.COORDINATOR, region=department("59").region)
    publish(client)
    edition = Edition.objects.get()
    stored_pdf, stored_sha = bytes(edition.pdf), edition.pdf_sha256

    # A sheet of 2024 is edited after publication: one woman becomes a man.
    sheet = region_of_sheets[0]
    sheet.sex = item(Vocabulary.SEX, "male")
    sheet.save()

    login_as(Role.READER, region=department("59").region)
    page = client.get(reverse("reporting:dashboard"), REGION)
    content = page.content.decode()
    assert "Édition n° 1 publiée le" in content
    assert edition.json_sha256 in content
    assert "Voir les chiffres à jour" in content
    assert page.context["bilan"].activity.sex.total.cells[0].count == 11  # the edition's women
    # The downloads of the page are the edition's stored files.
    downloaded = client.get(reverse("reporting:bilan_pdf"), REGION).content
    assert downloaded == stored_pdf
    assert hashlib.sha256(downloaded).hexdigest() == stored_sha
    assert client.get(reverse("reporting:bilan_json"), REGION).content == bytes(edition.json)
    assert client.get(reverse("reporting:bilan_workbook", args=["xlsx"]), REGION).content == bytes(edition.xlsx)
    assert client.get(reverse("reporting:edition_file", args=[edition.pk, "pdf"])).content == stored_pdf
    edition.refresh_from_db()
    assert bytes(edition.pdf) == stored_pdf and edition.pdf_sha256 == stored_sha

    # One click away: the live figures, with each cell that moved from the edition listed.
    live = client.get(reverse("reporting:dashboard"), REGION | {"vue": "direct"})
    assert live.context["bilan"].activity.sex.total.cells[0].count == 10
    differences = live.context["shown"].differences
    sex = [d for d in differences if d.table.startswith("Sexe") and d.row == "Total"]
    assert {(d.column, d.edition, d.live) for d in sex} >= {("Femme", "11", "10"), ("Homme", "0", "1")}
    page = live.content.decode()
    assert "Chiffres à jour : ils diffèrent de l'édition publiée." in html.unescape(page)
    assert re.search(
        r"<del><span class=\"fr-sr-only\">Édition : </span>11</del> → <ins[^>]*>"
        r"<span class=\"fr-sr-only\">à jour : </span>10</ins>",
        page,
    )
    # The live view's downloads are live.
    assert 'href="/bilans/bilan.pdf?annee=2024&amp;perimetre=region%3A32&amp;vue=direct"' in page
    assert client.get(reverse("reporting:bilan_pdf"), REGION | {"vue": "direct"}).content != stored_pdf


def test_without_an_edition_the_dashboard_is_live(client, login_as, region_of_sheets):
    login_as(Role.READER, region=department("59").region)
    page = client.get(reverse("reporting:dashboard"), REGION)
    assert page.context["shown"].live and page.context["shown"].latest is None
    assert "Édition n°" not in page.content.decode()


def test_an_edition_holds_the_readers_figures_even_when_a_coordinator_publishes_it(
    client, coordinator, region_of_sheets
):
    live = client.get(reverse("reporting:bilan_json"), REGION).json()
    assert "Oise (1)" in [row["label"] for row in live["activity"]["volume"]["rows"]]  # the coordinator's full view
    publish(client)
    document = json.loads(bytes(Edition.objects.get().json))
    assert document["secrecy"]["readers_edition"] is True
    labels = [row["label"] for row in document["activity"]["volume"]["rows"]]
    assert not any(label.startswith("Oise") for label in labels)
    readers = json.loads(exports.bilan_json(compute_bilan(region_scope(protected=True))))
    assert document["activity"] == readers["activity"]


def test_publishing_again_needs_a_reason_and_keeps_the_earlier_versions(client, coordinator, region_of_sheets):
    publish(client)
    page = publish_page(client)
    assert page.context["next_version"] == 2
    refused = publish(client, reason="  ")
    assert "Indiquez le motif de cette nouvelle édition." in refused.content.decode()
    assert Edition.objects.count() == 1
    SheetFactory(post=region_of_sheets[0].post, opened_on=datetime.date(YEAR, 6, 1))
    publish(client, reason="Fiches de décembre saisies en retard")
    first, second = Edition.objects.order_by("version")
    assert second.version == 2 and second.reason == "Fiches de décembre saisies en retard"
    assert json.loads(bytes(second.json))["edition"]["reason"] == "Fiches de décembre saisies en retard"
    assert first.json_sha256 != second.json_sha256
    listing = client.get(reverse("reporting:edition_list"), REGION).content.decode()
    for edition in (first, second):
        assert edition.pdf_sha256 in listing and edition.xlsx_sha256 in listing
        assert reverse("reporting:edition_file", args=[edition.pk, "pdf"]) in listing
    assert "Fiches de décembre saisies en retard" in listing
    old = client.get(reverse("reporting:edition_file", args=[first.pk, "pdf"]))
    assert old.content == bytes(first.pdf)
    assert old["Content-Disposition"] == 'attachment; filename="bilan-2024-region-32-edition-1.pdf"'
    # The dashboard opens the latest.
    assert client.get(reverse("reporting:dashboard"), REGION).context["shown"].edition == second


def test_the_same_form_sent_twice_publishes_once(client, coordinator, region_of_sheets):
    publish(client, version=1)
    again = publish(client, version=1)
    assert "vient d'être publiée" in html.unescape(again.content.decode())
    assert Edition.objects.count() == 1


def test_editions_are_per_post_type_variant(client, coordinator, region_of_sheets):
    publish(client, type="qpv")
    edition = Edition.objects.get()
    assert edition.post_type == "qpv"
    assert client.get(reverse("reporting:dashboard"), REGION).context["shown"].latest is None
    assert client.get(reverse("reporting:dashboard"), REGION | {"type": "qpv"}).context["shown"].edition == edition


def test_a_publication_is_in_the_audit_log(client, coordinator, region_of_sheets):
    publish(client)
    edition = Edition.objects.get()
    entry = LogEntry.objects.get(content_type__model="edition", object_id=edition.pk)
    assert entry.action == LogEntry.Action.CREATE
    assert entry.actor == coordinator
    assert "pdf" not in entry.changes_dict and "json_sha256" in entry.changes_dict


def test_a_reason_too_long_or_a_forged_version_is_a_french_message_not_a_500(client, coordinator, region_of_sheets):
    publish(client)
    too_long = publish(client, reason="x" * 3000)
    assert "Le motif tient en 2000 caractères au plus." in too_long.content.decode()
    forged = publish(client, reason="Correction", version="abc")
    assert forged.status_code == 200
    skipped = publish(client, reason="Correction", version=7)
    assert "vient d'être publiée" in html.unescape(skipped.content.decode())
    assert Edition.objects.count() == 1


def test_the_edition_is_shown_from_its_stored_json_without_counting_the_sheets_again(
    client, login_as, region_of_sheets
):
    login_as(Role.COORDINATOR, region=department("59").region)
    publish(client)
    login_as(Role.READER, region=department("59").region)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("reporting:dashboard"), REGION)
    assert page.context["shown"].edition is not None
    assert not [q["sql"] for q in queries.captured_queries if "accompaniments_sheet" in q["sql"]]


def test_each_difference_leads_to_its_table_on_the_live_page(client, login_as, region_of_sheets):
    login_as(Role.COORDINATOR, region=department("59").region)
    publish(client)
    SheetFactory(post=region_of_sheets[0].post, opened_on=datetime.date(YEAR, 6, 1))
    login_as(Role.READER, region=department("59").region)
    live = client.get(reverse("reporting:dashboard"), REGION | {"vue": "direct"})
    page = live.content.decode()
    differences = live.context["shown"].differences
    assert {d.anchor for d in differences} >= {"en-resume", "tableau-volume"}
    for difference in differences:
        assert f'href="#{difference.anchor}"' in page and f'id="{difference.anchor}"' in page


def test_the_administration_lists_editions_for_reading(client, login_as, region_of_sheets):
    login_as(Role.COORDINATOR, region=department("59").region)
    publish(client)
    edition = Edition.objects.get()
    login_as(Role.ADMIN)
    assert client.get(reverse("admin:reporting_edition_changelist")).status_code == 200
    change = client.get(reverse("admin:reporting_edition_change", args=[edition.pk]))
    assert change.status_code == 200 and edition.json_sha256 in change.content.decode()
    assert client.get(reverse("admin:reporting_edition_delete", args=[edition.pk])).status_code == 403
