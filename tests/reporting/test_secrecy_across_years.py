"""A year's sheet figures are grouped the same way wherever they appear: on that year's page and
in the "year before" columns of the next year's page. A reader opens both pages for every
territory and post type and combines what they publish by sums and differences: no figure of
fewer than three mediators comes out, nor any figure that a page withholds."""

import datetime
import io
import itertools

import pytest
from django.urls import reverse
from pypdf import PdfReader

from mediation.enums import PostType, Role
from mediation.models import Department
from reporting.scope import scope_choices
from tests.accompaniments.factories import BeneficiaryFactory, SheetFactory
from tests.factories import CommuneFactory, PostFactory, StructureFactory, UserFactory, department
from tests.reporting.test_secondary_suppression import in_span

pytestmark = pytest.mark.django_db

YEAR = 2024
YEARS = (YEAR - 2, YEAR - 1, YEAR)
QPV, RURAL = PostType.QPV, PostType.RURAL
EVERYWHERE_ELSE = {("59", QPV): (3, 3, 3), ("62", QPV): (3, 3, 3)}
# Mediators with sheets per (department, post type), in each of YEARS.
SCENARIOS = {
    # Each of Picardie's departments (Aisne, Oise, Somme) is too small in one year, never the
    # same: grouped over two years at a time, year N−1 was cut one way beside N and another on
    # its own page, and Oise's one mediator of N−1 came out as Picardie − Aisne − Somme.
    "picardie_shifts": {("02", QPV): (3, 3, 1), ("60", QPV): (2, 1, 2), ("80", QPV): (1, 3, 3)} | EVERYWHERE_ELSE,
    # Nord's rural posts have one mediator in N−2 only: N−1's rural figures were withheld on
    # their own page and published beside N.
    "rural_split_moves": {
        ("59", RURAL): (1, 3, 3),
        ("02", QPV): (3, 3, 3),
        ("60", QPV): (3, 3, 3),
        ("80", QPV): (3, 3, 3),
    }
    | EVERYWHERE_ELSE,
    # Oise has one mediator in N−1 only: its row of N has no N−1 figure.
    "oise_small_before": {("02", QPV): (3, 3, 3), ("60", QPV): (3, 1, 3), ("80", QPV): (3, 3, 3)} | EVERYWHERE_ELSE,
}


def make_sheets(scenario):
    """The scenario's sheets (a different number per mediator, so that no two cells are alike by
    chance); returns {(year, atom): (sheets, mediators)}."""
    truth = {}
    for (code, post_type), per_year in SCENARIOS[scenario].items():
        structure = StructureFactory(commune=CommuneFactory(department=department(code), insee_code=f"{code}995"))
        post = PostFactory(structure=structure, department=department(code), post_type=post_type)
        for year, mediators in zip(YEARS, per_year, strict=True):
            sheets = 0
            for n in range(mediators):
                mediator = UserFactory()
                for _ in range(n + 1):
                    person = BeneficiaryFactory(structure=structure, referent=mediator)
                    SheetFactory(beneficiary=person, post=post, opened_on=datetime.date(year, 6, 1))
                    sheets += 1
            truth[(year, (code, post_type))] = (sheets, mediators)
    return truth


OTHERS = "Autres départements regroupés"


def volume_cells(table, codes, post_type, field):
    """(atoms, sheets or None) of each row and of the total of a volume table of a page over
    `codes`: the (department, post type) pairs a row covers, read from its label."""
    types = (post_type,) if post_type else tuple(PostType.values)

    def pairs(chosen):
        return frozenset((code, t) for code in chosen for t in types)

    rows = [(row["label"].rsplit(" (", 1)[0], row[field]) for row in table["rows"]]
    covered = {}
    for name, _value in rows:
        if name.startswith("Territoire "):
            territory = name.removeprefix("Territoire ")
            covered[name] = set(codes) & set(
                Department.objects.filter(territory__name=territory).values_list("code", flat=True)
            )
        elif name != OTHERS:
            covered[name] = {Department.objects.get(name=name).code}
    covered[OTHERS] = set(codes) - set().union(*covered.values())
    return [(pairs(covered[name]), value) for name, value in rows] + [(pairs(codes), table["total"][field])]


def published_pages(client):
    """Every sheet count of every page a reader of the region can open, from year N−2's page to
    the page of the year after N: {year of the figure: [(atoms, sheets or None if withheld)]}."""
    cells = {year: [] for year in YEARS}
    for page_year, choice in itertools.product((*YEARS, YEAR + 1), scope_choices(Department.objects.all())):
        codes = list(Department.objects.filter(pk__in=choice.department_ids).values_list("code", flat=True))
        for post_type in ("", *PostType.values):
            query = {"annee": page_year, "perimetre": choice.key} | ({"type": post_type} if post_type else {})
            document = client.get(reverse("reporting:bilan_json"), query).json()
            activity, before = document["activity"], document["previous_year"]
            whole = volume_cells({"rows": [], "total": {"sheets": None}}, codes, post_type, "sheets")
            if page_year in cells:
                cells[page_year] += volume_cells(activity["volume"], codes, post_type, "sheets") if activity else whole
            if page_year - 1 in cells and activity:  # a withheld year N says nothing of N−1
                if before:
                    shown = volume_cells(before["volume"], codes, post_type, "sheets")
                    beside = volume_cells(activity["volume"], codes, post_type, "previous")
                    assert shown == beside  # the N−1 tables say what the N−1 column says
                    cells[page_year - 1] += shown
                else:
                    cells[page_year - 1] += whole
    return cells


def find_combination(target, published, universe, most=3):
    """Up to `most` published cells whose signed sum covers exactly the pairs of `target`: the
    value it recomputes, and how."""
    vectors = [([1 if a in atoms else 0 for a in universe], atoms, value) for atoms, value in published.items()]
    wanted = [1 if a in target else 0 for a in universe]
    for size in range(1, most + 1):
        for combination in itertools.combinations(vectors, size):
            for signs in itertools.product((1, -1), repeat=size):
                summed = [
                    sum(s * vector[i] for s, (vector, _a, _n) in zip(signs, combination, strict=True))
                    for i in range(len(wanted))
                ]
                if summed == wanted:
                    derived = sum(s * n for s, (_v, _a, n) in zip(signs, combination, strict=True))
                    return derived, [(s, sorted(atoms)) for s, (_v, atoms, _n) in zip(signs, combination, strict=True)]
    return None


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_no_figure_of_a_year_comes_back_from_the_pages_that_show_it(client, login_as, scenario):
    truth = make_sheets(scenario)
    login_as(Role.READER, region=department("59").region)
    pages = published_pages(client)

    recomputed, withheld = [], 0
    for year in YEARS:
        universe = sorted(atom for (y, atom), (_s, mediators) in truth.items() if y == year and mediators)

        def real(atoms, what, year=year):
            # Every mediator of the scenarios logs on one post: mediators add up over pairs.
            return sum(truth.get((year, a), (0, 0))[what] for a in atoms)

        published = {}
        for atoms, value in pages[year]:
            if value is not None:
                assert value == real(atoms, 0), (year, sorted(atoms))
                published[frozenset(atoms) & frozenset(universe)] = value
        # Out of reach: what a page withholds, and any group of departments and post types
        # describing one or two mediators.
        hidden = {frozenset(atoms) & frozenset(universe) for atoms, value in pages[year] if value is None}
        codes = sorted({code for code, _t in universe})
        for size, types in itertools.product(range(1, len(codes) + 1), ((QPV,), (RURAL,), (QPV, RURAL))):
            for chosen in itertools.combinations(codes, size):
                atoms = frozenset(a for a in universe if a[0] in chosen and a[1] in types)
                if 0 < real(atoms, 1) < 3:
                    hidden.add(atoms)
        hidden.discard(frozenset())
        withheld += len(hidden)

        basis = [[1 if a in atoms else 0 for a in universe] for atoms in published]
        for target in sorted(hidden, key=sorted):
            if in_span([1 if a in target else 0 for a in universe], basis):
                found = find_combination(target, published, universe)
                recomputed.append(
                    f"{year}: {sorted(target)}, {real(target, 1)} mediators, {real(target, 0)} sheets = {found}"
                )
    assert withheld, "the scenario must withhold something"
    assert not recomputed, "\n".join(recomputed)


def pages_for(client, perimetre="region:32"):
    query = {"annee": YEAR, "perimetre": perimetre}
    page = client.get(reverse("reporting:dashboard"), query)
    document = client.get(reverse("reporting:bilan_json"), query).json()
    csv = client.get(reverse("reporting:table_download", args=["volume", "csv"]), query).content.decode("utf-8-sig")
    pdf = client.get(reverse("reporting:bilan_pdf"), query).content
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    return page, document, csv, text


def by_name(rows):
    return {row["label"].rsplit(" (", 1)[0]: row for row in rows}


def test_a_row_of_n_that_year_n_1_grouped_otherwise_shows_its_n_1_figures_as_withheld(client, login_as):
    truth = make_sheets("oise_small_before")
    login_as(Role.READER, region=department("59").region)
    page, document, csv, pdf = pages_for(client)
    rows = by_name(document["activity"]["volume"]["rows"])
    # Year N cuts Picardie into its departments; year N−1 (one mediator in Oise) only as a whole.
    assert set(rows) == {"Aisne", "Oise", "Somme", "Nord", "Pas-de-Calais"}
    for name in ("Aisne", "Oise", "Somme"):
        assert rows[name]["previous"] is None and rows[name]["change"] is None
    assert rows["Nord"]["previous"] == truth[(YEAR - 1, ("59", QPV))][0]
    total_before = sum(sheets for (year, _a), (sheets, _m) in truth.items() if year == YEAR - 1)
    assert document["activity"]["volume"]["total"]["previous"] == total_before
    before = by_name(document["previous_year"]["volume"]["rows"])
    assert {key: value for key, value in before["Oise"].items() if value is not None} == {"label": "Oise"}
    assert by_name(document["previous_year"]["age"]["rows"])["Oise"]["mean"] is None
    sex = by_name(document["previous_year"]["sex"]["rows"])["Oise"]
    assert sex["total"] is None and {cell["count"] for cell in sex["cells"]} == {None}
    oise = next(line for line in csv.splitlines() if line.startswith("Oise"))
    assert oise.endswith(";;")  # no N−1 sheets, no evolution
    note = f"« — » en {YEAR - 1}"
    content = page.content.decode()
    assert note in content and note in pdf.replace("\n", " ") and note in " ".join(document["secrecy"]["notices"])
    assert "Oise (1)" not in content and "Oise (1)" not in str(document)

    # Coordinators, who produce the bilan, keep every cell of both years.
    login_as(Role.COORDINATOR, region=department("59").region)
    _page, document, _csv, _pdf = pages_for(client)
    assert by_name(document["activity"]["volume"]["rows"])["Oise"]["previous"] == truth[(YEAR - 1, ("60", QPV))][0]
    assert by_name(document["previous_year"]["volume"]["rows"])["Oise"]["label"] == "Oise (1)"
    assert not document["secrecy"]["notices"]


def test_a_page_whose_n_1_total_is_not_a_whole_group_of_n_1_publishes_nothing_of_n_1(client, login_as):
    make_sheets("oise_small_before")
    login_as(Role.READER, region=department("59").region)
    _page, document, csv, _pdf = pages_for(client, "departement:80")
    assert document["activity"], "the three mediators of Somme in N are published"
    assert [row["label"] for row in document["activity"]["volume"]["rows"]] == ["Somme (3)"]
    assert document["previous_year"] is None
    assert document["activity"]["volume"]["total"]["previous"] is None
    before = {headline["key"]: headline["previous"] for headline in document["summary"]}
    assert before["sheets"] is None and before["people"] is None and before["mean_age"] is None
    assert f"Les chiffres de {YEAR - 1}" in " ".join(document["secrecy"]["notices"])
    assert f"Fiches {YEAR - 1}" not in csv
