"""Year N beside year N−1 in every table of the bilan, on the screen, in the exports and in
the PDF; and nothing of N−1 where N−1 has no figures."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from accompaniments.enums import RequestStatus
from mediation.enums import PostType, Role, Vocabulary
from mediation.models import Department, VocabularyItem
from reporting import exports
from reporting.bilan import compute_bilan
from reporting.enums import BilanState, FigureKey
from reporting.models import AnnualBilan, BilanFigure, Campaign
from reporting.scope import resolve_scope
from reporting.tables import change
from tests.accompaniments.factories import BeneficiaryFactory, SheetFactory, SheetRequestFactory, item
from tests.factories import CommuneFactory, PostFactory, StructureFactory, department, make_user

pytestmark = pytest.mark.django_db

YEAR = 2024
BEFORE = YEAR - 1


def post_in(code, **fields):
    structure = StructureFactory(commune=CommuneFactory(department=department(code), insee_code=f"{code}997"))
    return PostFactory(structure=structure, department=department(code), **fields)


def sheets(post, year, count, **fields):
    made = []
    for _ in range(count):
        person = BeneficiaryFactory(structure=post.structure)
        made.append(
            SheetFactory(
                beneficiary=person,
                post=post,
                mediator=person.referent,
                opened_on=datetime.date(year, 6, 1),
                **fields,
            )
        )
    return made


def region_bilan(year=YEAR):
    return compute_bilan(resolve_scope(Department.objects.all(), year=year, key="region:32"))


def row(table, label):
    return next(r for r in table.rows if r.label.startswith(label))


@pytest.fixture
def two_years():
    nord, somme = post_in("59"), post_in("80")
    sheets(nord, YEAR, 3, age=40)
    sheets(nord, BEFORE, 2, age=30)
    sheets(somme, YEAR, 1, age=50)
    sheets(somme, BEFORE, 2, age=51)
    return nord, somme


def test_evolution_is_rounded_half_up_away_from_zero():
    assert change(9, 8) == 13  # +12.5 %
    assert change(7, 8) == -13  # −12.5 %
    assert change(5, 5) == 0
    assert change(3, 0) is None  # nothing to compare with
    assert change(None, 4) is None


def test_the_volume_shows_each_departments_sheets_of_both_years_and_their_evolution(two_years):
    volume = region_bilan().activity.volume
    assert volume.previous_year == BEFORE
    nord, somme, aisne = row(volume, "Nord"), row(volume, "Somme"), row(volume, "Aisne")
    assert (nord.sheets, nord.previous, nord.change) == (3, 2, 50)
    assert (somme.sheets, somme.previous, somme.change) == (1, 2, -50)
    assert (aisne.sheets, aisne.previous, aisne.change) == (0, 0, None)
    assert (volume.total.sheets, volume.total.previous, volume.total.change) == (4, 4, 0)


def test_mean_ages_of_both_years(two_years):
    age = region_bilan().activity.age
    assert (row(age, "Nord").mean, row(age, "Nord").previous) == (40, 30)
    assert age.total.previous == 40.5  # (30 + 30 + 51 + 51) / 4
    assert row(age, "Aisne").previous is None


def test_cross_tables_carry_the_previous_total_row_over_the_same_columns():
    nord = post_in("59")
    retired = VocabularyItem.objects.filter(vocabulary=Vocabulary.RESOURCES).exclude(code="rsa").first()
    retired.is_active = False
    retired.save()
    sheets(nord, YEAR, 3, lives_in_qpv=True, sex=item(Vocabulary.SEX, "female"))
    # Used only in N−1: a retired value and an unknown QPV residence.
    sheets(nord, BEFORE, 1, resources=retired, lives_in_qpv=None, sex=item(Vocabulary.SEX, "male"))
    sheets(nord, BEFORE, 3, lives_in_qpv=False, sex=item(Vocabulary.SEX, "female"))

    activity = region_bilan().activity

    resources = activity.resources
    assert retired.label in resources.columns
    column = resources.columns.index(retired.label)
    assert resources.total.cells[column].count == 0
    assert resources.previous.cells[column].count == 1
    assert resources.previous.label == f"Total {BEFORE}"
    assert len(resources.previous.cells) == len(resources.columns)

    qpv = activity.qpv
    assert qpv.columns == ("Oui", "Non", "Non renseigné")
    assert [c.count for c in qpv.previous.cells] == [0, 3, 1]
    assert [c.percent for c in qpv.previous.cells] == [0, 75, 25]
    assert qpv.previous.total == 4

    sex = activity.sex
    women = sex.columns.index("Femme")
    assert (sex.total.cells[women].percent, sex.previous.cells[women].percent) == (100, 75)


def test_request_tables_compare_requests_and_the_share_resolved_at_each_year_end():
    nord = post_in("59")
    css = item(Vocabulary.RIGHTS_REQUEST, "demande_de_complementaire_sante_solidaire")
    (now,) = sheets(nord, YEAR, 1)
    (before,) = sheets(nord, BEFORE, 1)
    SheetRequestFactory(sheet=now, kind=css, opened_on=datetime.date(YEAR, 6, 1))
    for closed in (datetime.date(BEFORE, 9, 1), datetime.date(YEAR, 1, 10)):  # the second: after N−1 ended
        SheetRequestFactory(
            sheet=before,
            kind=css,
            opened_on=datetime.date(BEFORE, 6, 1),
            status=RequestStatus.RESOLVED,
            closed_on=closed,
        )

    rights = region_bilan().activity.rights_requests
    column = rights.columns.index(css.label)
    assert rights.total.cells[column].count == 1
    assert rights.previous.cells[column].count == 2
    assert rights.previous_resolved.label == f"dont résolues fin {BEFORE}"
    assert (rights.previous_resolved.cells[column].count, rights.previous_resolved.cells[column].percent) == (1, 50)


def test_without_sheets_in_the_previous_year_nothing_is_compared():
    sheets(post_in("59"), YEAR, 2)
    bilan = region_bilan()
    assert bilan.previous is None
    assert bilan.activity.volume.previous_year is None
    assert row(bilan.activity.volume, "Nord").previous is None
    assert bilan.activity.sex.previous is None
    assert bilan.activity.rights_requests.previous_resolved is None
    _title, header, _rows = exports.grid(bilan.activity.volume)
    assert not any(str(BEFORE) in h for h in header)


def test_the_register_compares_with_the_end_of_the_previous_year():
    post_in("59", start_date=datetime.date(BEFORE - 2, 1, 1))
    post_in("80", start_date=datetime.date(BEFORE - 2, 1, 1), end_date=datetime.date(YEAR, 3, 31))
    post_in("02", start_date=datetime.date(YEAR, 2, 1), post_type=PostType.RURAL)

    register = region_bilan().register
    assert register.total.posts == 2  # Nord and Aisne at the end of N
    assert register.previous.label == f"Total au 31/12/{BEFORE}"
    assert (register.previous.posts, register.previous.rural_posts) == (2, 0)  # Nord and Somme
    summary = {h.key: h for h in region_bilan().summary}
    assert (summary["posts"].value, summary["posts"].previous) == (2, 2)
    assert (summary["rural_posts"].value, summary["rural_posts"].previous) == (1, 0)


def annual_bilans(year, code, count, people, health_needs=()):
    campaign, _ = Campaign.objects.get_or_create(
        year=year,
        region=department(code).region,
        defaults={"deadline": datetime.date(year + 1, 2, 28), "opened_by": make_user(Role.COORDINATOR)},
    )
    for _ in range(count):
        bilan = AnnualBilan.objects.create(
            campaign=campaign,
            year=year,
            department=department(code),
            post_type=PostType.QPV,
            state=BilanState.VALIDATED,
            usable=True,
            validated_at=timezone.now(),
        )
        BilanFigure.objects.create(bilan=bilan, key=FigureKey.PEOPLE_TOTAL, computed=people, declared=None)
        bilan.health_needs.set(health_needs)


def test_annex_and_ranked_lists_show_the_whole_scope_of_the_previous_year():
    needs = list(VocabularyItem.objects.filter(vocabulary=Vocabulary.HEALTH_NEED)[:2])
    annual_bilans(YEAR, "59", 3, people=100, health_needs=needs[:1])
    annual_bilans(BEFORE, "59", 2, people=60, health_needs=needs)
    annual_bilans(BEFORE, "80", 2, people=80)

    annual = region_bilan().annual
    annex = annual.annex
    assert annex.previous.label == f"Ensemble {BEFORE}"
    assert annex.previous.bilans == 4
    people = next(r for r in annex.rows if r.key == FigureKey.PEOPLE_TOTAL)
    assert (people.values[0], people.previous) == (100, 70)

    ranked = next(r for r in annual.ranked if r.key == "health_needs")
    assert ranked.previous_bilans == 4
    (first,) = ranked.items
    assert (first.label, first.percent, first.previous_percent) == (needs[0].label, 100, 50)


def test_a_previous_year_of_three_bilans_or_fewer_is_withheld_like_any_small_column():
    annual_bilans(YEAR, "59", 3, people=100)
    annual_bilans(BEFORE, "59", 2, people=60)
    annex = region_bilan().annual.annex
    assert annex.previous.bilans == 2
    assert all(row.previous is None for row in annex.rows)


def test_the_number_of_queries_does_not_grow_with_either_year(two_years):
    def count():
        with CaptureQueriesContext(connection) as captured:
            region_bilan()
        return len(captured)

    few = count()
    sheets(post_in("62"), BEFORE, 5)
    sheets(post_in("60"), YEAR, 5)
    annual_bilans(BEFORE, "62", 3, people=10)
    assert count() == few


def test_screen_exports_and_pdf_show_the_same_comparison(client, login_as, two_years):
    login_as(Role.COORDINATOR, region=department("59").region)
    query = f"?annee={YEAR}&perimetre=region:32"

    page = client.get(reverse("reporting:dashboard") + query).content.decode()
    assert f"Fiches {BEFORE}" in page
    assert "+50 %" in page and "−50 %" in page
    assert f"Total {BEFORE}" in page
    assert f"En italique : les chiffres de {BEFORE}." in page

    raw = client.get(reverse("reporting:table_download", args=["volume", "csv"]) + query).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(raw), delimiter=";"))
    assert rows[0][-2:] == [f"Fiches {BEFORE}", f"Évolution depuis {BEFORE} (%)"]
    nord = next(r for r in rows if r[0].startswith("Nord"))
    assert nord[-2:] == ["2", "50"]

    raw = client.get(reverse("reporting:table_download", args=["sex", "csv"]) + query).content.decode("utf-8-sig")
    assert any(r[0] == f"Total {BEFORE}" for r in csv.reader(io.StringIO(raw), delimiter=";"))

    document = client.get(reverse("reporting:bilan_json") + query).json()
    assert document["activity"]["volume"]["previous_year"] == BEFORE
    assert document["activity"]["volume"]["total"]["previous"] == 4

    pdf = client.get(reverse("reporting:bilan_pdf") + query).content
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert f"Fiches {BEFORE}" in text
    assert "+50 %" in text
    assert f"Total {BEFORE}" in text
