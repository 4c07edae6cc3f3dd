"""The live bilan marks in place each figure that differs from the latest edition (issue #16):
in its table, row and column, or in « En résumé », the edition's value struck out beside the live
one, said to screen readers as « Édition : x, à jour : y ». The edition itself is never marked."""

import datetime
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from mediation.enums import Role, Vocabulary
from reporting.models import Edition
from tests.accompaniments.factories import BeneficiaryFactory, SheetFactory, item
from tests.factories import PostFactory, UserFactory, department
from tests.reporting.test_editions import REGION, YEAR, publish, region_of_sheets  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Node:
    def __init__(self, tag, attrs, parent=None):
        self.tag, self.attrs, self.parent, self.children = tag, dict(attrs), parent, []

    def classes(self):
        return (self.attrs.get("class") or "").split()

    def walk(self):
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.walk()

    def find_all(self, tag=None, cls=None):
        return [n for n in self.walk() if (tag is None or n.tag == tag) and (cls is None or cls in n.classes())]

    def by_id(self, ident):
        return next(n for n in self.walk() if n.attrs.get("id") == ident)

    def text(self, *, spoken=False):
        """The text shown (without what only screen readers get), or the text spoken (without
        what is hidden from them)."""
        return " ".join(self._raw(spoken).split())

    def _raw(self, spoken):
        parts = []
        for child in self.children:
            if isinstance(child, str):
                parts.append(child)
            elif spoken and child.attrs.get("aria-hidden") == "true":
                continue
            elif not spoken and "fr-sr-only" in child.classes():
                continue
            else:
                parts.append(child._raw(spoken))
        return "".join(parts)


class Tree(HTMLParser):
    def __init__(self, content):
        super().__init__()
        self.root = self.current = Node("root", {})
        self.feed(content)

    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs, self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_endtag(self, tag):
        node = self.current
        while node is not self.root and node.tag != tag:
            node = node.parent
        if node is not self.root:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def page_tree(response):
    assert response.status_code == 200
    return Tree(response.content.decode()).root


def grid_of(section):
    """{(row header, column header): cell} of the first table in `section`."""
    table = section.find_all("table")[0]
    header = [th.text() for th in table.find_all("thead")[0].find_all("th")]
    cells = {}
    for row in table.find_all("tr"):
        if row.parent.tag == "thead":
            continue
        line = [c for c in row.children if isinstance(c, Node) and c.tag in ("th", "td")]
        label = line[0].text()
        for name, cell in zip(header[1:], line[1:], strict=False):
            cells[(label, name)] = cell
    return cells


def marks_in(node):
    return node.find_all(cls="app-mark")


def said(mark):
    return mark.text(spoken=True)


@pytest.fixture
def edited_after_publication(client, login_as, region_of_sheets):  # noqa: F811 (fixture)
    """An edition of the region, then one woman of Nord's sheets becomes a man."""
    login_as(Role.COORDINATOR, region=department("59").region)
    publish(client)
    sheet = region_of_sheets[0]
    sheet.sex = item(Vocabulary.SEX, "male")
    sheet.save()
    return Edition.objects.get()


def live_page(client):
    return client.get(reverse("reporting:dashboard"), REGION | {"vue": "direct"})


def test_a_reader_sees_the_changed_count_and_share_marked_in_their_row_and_column(
    client, login_as, edited_after_publication
):
    login_as(Role.READER, region=department("59").region)
    tree = page_tree(live_page(client))
    sex = grid_of(tree.by_id("tableau-sex"))

    # Readers see Nord and Oise together (secondary suppression): the woman is one of theirs.
    grouped = "Autres départements regroupés"
    women = sex[(grouped, "Femme")]
    (count, share) = marks_in(women)
    assert said(count) == "Édition : 11, à jour : 10"
    assert count.find_all("del")[0].text() == "11" and count.find_all("ins")[0].text() == "10"
    assert said(share) == "Édition : 100 %, à jour : 91 %"
    men = sex[(grouped, "Homme")]
    assert [said(m) for m in marks_in(men)] == ["Édition : 0, à jour : 1", "Édition : 0 %, à jour : 9 %"]
    total = ["Édition : 11, à jour : 10", "Édition : 100 %, à jour : 91 %"]
    assert [said(m) for m in marks_in(sex[("Total", "Femme")])] == total

    # The row's total did not move, nor did any other table of the sheets.
    assert not marks_in(sex[(grouped, "Total")]) and not marks_in(sex[(grouped, "Non binaire")])
    for key in ("volume", "age", "qpv", "resources", "came_via", "rights_requests", "care_requests"):
        assert not marks_in(tree.by_id(f"tableau-{key}")), key
    assert not marks_in(tree.by_id("postes"))

    # « En résumé »: the share of women, and it alone.
    (headline,) = marks_in(tree.by_id("en-resume"))
    assert said(headline) == "Édition : 100 %, à jour : 91 %"
    assert "Part de femmes" in headline.parent.parent.text()


def test_each_listed_difference_links_to_its_marked_cell(client, login_as, edited_after_publication):
    login_as(Role.READER, region=department("59").region)
    response = live_page(client)
    tree = page_tree(response)
    differences = response.context["shown"].differences
    assert differences
    listed = tree.by_id("differences")
    for difference in differences:
        mark = tree.by_id(difference.target)
        assert "app-mark" in mark.classes()
        spoken = said(mark).replace(" %", "")
        assert spoken == f"Édition : {difference.edition}, à jour : {difference.live}".replace(" %", "")
        assert f"#{difference.target}" in {a.attrs.get("href") for a in listed.find_all("a")}
    # one mark per difference, no more
    assert len(marks_in(tree)) == len(differences)


def test_the_edition_itself_carries_no_mark(client, login_as, edited_after_publication):
    login_as(Role.READER, region=department("59").region)
    tree = page_tree(client.get(reverse("reporting:dashboard"), REGION))
    assert not marks_in(tree)
    assert not tree.find_all(cls="app-mark-row")


def test_a_coordinator_sees_the_readers_marks_on_the_rows_both_see(client, login_as, edited_after_publication):
    """The edition holds the readers' figures: a coordinator's live page, which shows Nord and Oise
    apart, marks the rows it shares with them (the total) and leads the others to their table."""
    login_as(Role.READER, region=department("59").region)
    reader = {m.attrs["id"]: said(m) for m in marks_in(page_tree(live_page(client)))}
    login_as(Role.COORDINATOR, region=department("59").region)
    response = live_page(client)
    tree = page_tree(response)
    coordinator = {m.attrs["id"]: said(m) for m in marks_in(tree)}
    total = grid_of(tree.by_id("tableau-sex"))[("Total", "Femme")]
    assert [said(m) for m in marks_in(total)] == ["Édition : 11, à jour : 10", "Édition : 100 %, à jour : 91 %"]
    assert not marks_in(grid_of(tree.by_id("tableau-sex"))[("Nord", "Femme")])
    assert coordinator and coordinator.items() < reader.items()
    grouped = [d for d in response.context["shown"].differences if d.row == "Autres départements regroupés"]
    assert grouped and {d.target for d in grouped} == {"tableau-sex"}


def test_a_row_only_in_the_live_figures_is_marked_new_and_a_row_gone_is_named(client, login_as, region_of_sheets):  # noqa: F811
    login_as(Role.COORDINATOR, region=department("59").region)
    publish(client)
    # A fourth mediator of Nord opens a sheet: the readers' volume row « Autres départements
    # regroupés (4) » (Nord and Oise, with their mediators) is now « … (5) », and the total's too.
    structure = region_of_sheets[0].post.structure
    post = PostFactory(structure=structure, department=department("59"))
    person = BeneficiaryFactory(structure=structure, referent=UserFactory())
    SheetFactory(beneficiary=person, post=post, opened_on=datetime.date(YEAR, 6, 1))

    login_as(Role.READER, region=department("59").region)
    tree = page_tree(live_page(client))
    volume = tree.by_id("tableau-volume")
    new_rows = {row.find_all("th")[0].text(spoken=True): row for row in volume.find_all(cls="app-mark-row")}
    assert set(new_rows) == {
        "Autres départements regroupés (5) Nouvelle ligne : ligne absente de l'édition",
        "Total (5) Nouvelle ligne : ligne absente de l'édition",
    }
    for row in new_rows.values():
        assert not marks_in(row)  # the row is marked, not each of its cells
    removed = volume.by_id("lignes-retirees-volume").text()
    assert "Autres départements regroupés (4), Total (4)" in removed
    assert not tree.find_all(cls="app-mark-row")[len(new_rows) :]  # no other table has a new row
