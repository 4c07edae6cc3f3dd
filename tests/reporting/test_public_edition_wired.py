"""The public edition, wired: publishing the region's edition also stores its public JSON, PDF
and open-data CSV, open to anyone at a public URL; every count of fewer than PUBLIC_MIN_PERSONS
persons is masked, and a reader who takes everything published together (every table, the
region, its territoires and its departments, the JSON's sheets per department) and solves the
system of their totals recomputes no masked cell."""

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from pypdf import PdfReader

from mediation import demo_data
from mediation.models import Department
from reporting import editions, opendata, public_edition, secrecy
from reporting.activity import Activity
from reporting.bilan import compute_bilan
from reporting.models import Edition
from reporting.scope import resolve_scope
from reporting.tables import CountTable, MeanRow, MeanTable, RequestTable, Row, VolumeRow, VolumeTable
from tests.factories import UserFactory
from tests.reporting.test_public_edition import determined

pytestmark = pytest.mark.django_db

YEAR = demo_data.DEMO_YEAR
MINIMUM = 11
COUNT_TABLES_OF_SHEETS = ("sex", "qpv", "resources", "came_via")


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo with a smaller year of sheets: small counts in every table, some departments
    under the threshold. Built once for the module, in a transaction rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        sheets, before = demo_data.DEMO_SHEETS, demo_data.DEMO_SHEETS_BEFORE
        demo_data.DEMO_SHEETS, demo_data.DEMO_SHEETS_BEFORE = 400, 100
        try:
            call_command("seed_demo", stdout=io.StringIO(), stderr=io.StringIO())
        finally:
            demo_data.DEMO_SHEETS, demo_data.DEMO_SHEETS_BEFORE = sheets, before
        yield
        transaction.set_rollback(True)


def region(post_type="", key="region:32"):
    return resolve_scope(Department.objects.all(), year=YEAR, key=key, post_type=post_type)


@pytest.fixture(scope="module")
def published_once(demo, django_db_blocker):
    """The region's first edition, published once for the module (it takes seconds)."""
    with django_db_blocker.unblock():
        return editions.publish(region(), by=UserFactory(), version=1)


@pytest.fixture
def published(published_once):
    assert secrecy.public_min_persons() == MINIMUM  # the default, INSEE's practice
    return published_once


def lines_of(content):
    return list(csv.DictReader(io.StringIO(bytes(content).decode("utf-8"))))


def true_lines():
    """The same lines, nothing masked: the values a reader of the public files does not know."""
    bilan = compute_bilan(editions.readers_scope(region()))
    departments = list(Department.objects.filter(pk__in=bilan.scope.department_ids).select_related("territory"))
    return lines_of(opendata.bilan_csv(public_edition.public_bilan(bilan, departments, minimum=0)))


def key(line):
    return (line["perimetre"], line["tableau"], line["ligne"], line["colonne"])


def published_system(lines, document, sheets, mask=None):
    """(values, masked, sums) of everything published together, as its reader writes it: the CSV's
    cells with each row adding up to its total, each column of the region to its total row, each
    territoire's total row to its departments' rows of the region; each row's sheets (the JSON's
    volume table) equal to the row total of each table of the person's situation. `mask`: the
    cells to take as masked instead of the published ones (to prove the test can fail); `sheets`:
    the true sheets of each row."""
    truth = {key(line): int(line["valeur"]) for line in true_lines()}
    masked = {key(line) for line in lines if line["statut"] == "secret"} if mask is None else set(mask)
    sums = []
    by_row, by_column = {}, {}
    for cell in truth:
        scope, table, row, column = cell
        if column != "total":
            by_row.setdefault((scope, table, row), []).append(cell)
        if row not in ("total", opendata.RESOLVED) and scope.startswith("region:"):
            by_column.setdefault((scope, table, column), []).append(cell)
    sums += [((scope, table, row, "total"), tuple(parts)) for (scope, table, row), parts in by_row.items()]
    sums += [((scope, table, "total", column), tuple(parts)) for (scope, table, column), parts in by_column.items()]
    region_scope = document["scope"]
    region_key = f"{region_scope['kind']}:{region_scope['code']}"
    departments = Department.objects.filter(region__code=region_scope["code"]).select_related("territory")
    row_codes = document["public"]["row_codes"]
    for territory in document["public"]["territories"]:
        members = [
            code
            for code in row_codes
            if code == f"territoire:{territory['code']}"
            or any(d.code == code and d.territory.code == territory["code"] for d in departments)
        ]
        for (scope, table, row, column), _value in truth.items():
            if scope == f"territoire:{territory['code']}":
                sums.append(((scope, table, row, column), tuple((region_key, table, m, column) for m in members)))
    volume = document["activity"]["volume"]
    for code, row in zip([*row_codes, "total"], [*volume["rows"], volume["total"]], strict=True):
        cell = (region_key, "volume", code, "total")
        truth[cell] = sheets[code]
        if row["sheets"] is None:
            masked.add(cell)
        for table in COUNT_TABLES_OF_SHEETS:
            if truth[(region_key, table, code, "total")] == truth[cell]:
                sums.append((cell, ((region_key, table, code, "total"),)))
    return truth, masked, sums


def test_publishing_the_region_stores_its_public_edition(published):
    edition = Edition.objects.get(pk=published.pk)
    assert edition.has_public
    for kind in ("json", "pdf", "csv"):
        content = bytes(getattr(edition, f"public_{kind}"))
        assert editions.fingerprint(content) == getattr(edition, f"public_{kind}_sha256")
    document = json.loads(bytes(edition.public_json))
    assert document["public"]["min_persons"] == MINIMUM
    assert document["edition"]["version"] == 1
    assert document["previous_year"] is None
    # Only what the public edition masks: a key added to the bilan's JSON stays out until decided.
    assert set(document) == {*editions.PUBLIC_KEYS, "public"}
    assert set(document["activity"]) == set(editions.PUBLIC_ACTIVITY_KEYS)
    lines = lines_of(edition.public_csv)
    assert {line["tableau"] for line in lines} == {
        "sex",
        "qpv",
        "resources",
        "came_via",
        "rights_requests",
        "care_requests",
    }
    assert any(line["statut"] == "secret" for line in lines)
    for line in lines:
        if line["statut"] == "diffuse":
            assert int(line["valeur"]) == 0 or int(line["valeur"]) >= MINIMUM, line
    # The territoires are published with the region, each under its own code.
    assert {line["perimetre"] for line in lines} == {
        "region:32",
        "territoire:nord",
        "territoire:pas-de-calais",
        "territoire:picardie",
    }


def test_the_public_pdf_masks_with_s_and_states_the_rule(published):
    edition = Edition.objects.get(pk=published.pk)
    reader = PdfReader(io.BytesIO(bytes(edition.public_pdf)))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Édition publique" in text
    assert "« s » : secret statistique" in text
    assert f"de 1 à {MINIMUM - 1} personnes" in text
    assert "secret secondaire" in text
    assert "3 médiateurs" in text
    assert edition.public_json_sha256 in text.replace("\n", "")


def test_no_masked_cell_comes_back_from_everything_published_together(published):
    edition = Edition.objects.get(pk=published.pk)
    lines, document = lines_of(edition.public_csv), json.loads(bytes(edition.public_json))
    values, masked, sums = published_system(lines, document, true_sheets())
    assert masked
    for line in lines:  # what is published is the true value
        if line["statut"] == "diffuse":
            assert int(line["valeur"]) == values[key(line)]
    assert determined(masked, sums, values) == {}


def test_masking_the_small_counts_alone_would_give_them_back(published):
    """The test above can fail: with only the counts under the threshold masked, it recomputes."""
    edition = Edition.objects.get(pk=published.pk)
    lines, document = lines_of(edition.public_csv), json.loads(bytes(edition.public_json))
    primary = {key(line) for line in true_lines() if 0 < int(line["valeur"]) < MINIMUM}
    values, masked, sums = published_system(lines, document, true_sheets(), mask=primary)
    found = determined(masked, sums, values)
    assert found and all(found[c] == values[c] for c in found)


def true_sheets():
    bilan = compute_bilan(editions.readers_scope(region()))
    departments = list(Department.objects.filter(pk__in=bilan.scope.department_ids).select_related("territory"))
    public = public_edition.public_bilan(bilan, departments, minimum=0)
    volume = public.bilan.activity.volume
    return dict(zip([*public.row_codes, "total"], [r.sheets for r in (*volume.rows, volume.total)], strict=True))


def test_anyone_downloads_the_public_files_without_an_account(published, client):
    edition = Edition.objects.get(pk=published.pk)
    for fmt in ("csv", "json", "pdf"):
        latest = reverse("reporting:public_file", args=[YEAR, "region", "32", fmt])
        response = client.get(latest)
        assert response.status_code == 200
        assert response.content == bytes(getattr(edition, f"public_{fmt}"))
        assert response["ETag"] == f'"{getattr(edition, f"public_{fmt}_sha256")}"'
        pinned = reverse("reporting:public_edition_file", args=[YEAR, "region", "32", 1, fmt])
        response = client.get(pinned)
        assert response.status_code == 200 and "immutable" in response["Cache-Control"]
    assert client.get(reverse("reporting:public_file", args=[YEAR - 1, "region", "32", "csv"])).status_code == 404
    assert (
        client.get(reverse("reporting:public_edition_file", args=[YEAR, "region", "32", 2, "csv"])).status_code == 404
    )
    # The full (readers') files are never public.
    assert client.get(reverse("reporting:public_file", args=[YEAR, "region", "32", "xlsx"])).status_code == 404


def test_only_the_whole_region_has_a_public_edition(demo):
    by = UserFactory()
    by_type = editions.publish(region("qpv"), by=by, version=1)
    territory = editions.publish(region(key="territoire:picardie"), by=by, version=1)
    assert not by_type.has_public and not territory.has_public


# ---------------------------------------------------------------- the tables tied together

SEX = [[0, 0, 0], [40, 20, 0], [12, 40, 3]]
QPV = [[0, 0], [46, 14], [1, 54]]  # the same people: each row adds up to the sex table's row


def _table(key, counts, cls=CountTable):
    rows = tuple(Row.of_counts(f"département {i}", c) for i, c in enumerate(counts))
    total = Row.of_counts("Total", [sum(c[j] for c in counts) for j in range(len(counts[0]))])
    extra = {"resolved": Row.of_counts("résolues", [0] * len(counts[0]))} if cls is RequestTable else {}
    columns = tuple(f"colonne {j}" for j in range(len(counts[0])))
    return cls(key=key, title=key, columns=columns, rows=rows, total=total, **extra)


def three_departments():
    sheets = [sum(row) for row in SEX]
    volume = VolumeTable(
        key="volume",
        title="",
        rows=tuple(VolumeRow(f"département {i}", n, 3, None) for i, n in enumerate(sheets)),
        total=VolumeRow("Total", sum(sheets), 9, 100),
    )
    no_requests = [[0] for _ in SEX]
    return Activity(
        volume=volume,
        sex=_table("sex", SEX),
        age=MeanTable(key="age", title="", unit="ans", rows=(), total=MeanRow("Total", None, 0)),
        qpv=_table("qpv", QPV),
        resources=_table("resources", SEX),
        came_via=_table("came_via", SEX),
        rights_requests=_table("rights_requests", no_requests, RequestTable),
        care_requests=_table("care_requests", no_requests, RequestTable),
    )


def test_a_row_total_masked_in_one_table_is_not_given_by_another():
    """A department's sheets are the total of its row in each table of the person's situation:
    the engine masks them together, so that the QPV table hides nothing the sex table gives."""
    values, sums = public_edition.joint_system(three_departments(), ())
    ties = [s for s in sums if len(s[1]) == 1 and s[1][0][0] == "volume"]
    assert ties
    masked = secrecy.suppress(values, sums, MINIMUM)
    assert ("qpv", ("row", 2), 0) in masked  # one person
    assert secrecy.recoverable(masked, sums) == set()
    # Each table masked on its own would leave the QPV row totals to be read in the sex table.
    alone = secrecy.suppress(values, [s for s in sums if s not in ties], MINIMUM)
    assert secrecy.recoverable(alone, sums)
