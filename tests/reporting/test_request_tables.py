"""The request tables' total row gives each type's share of the domain's requests, as the
region prints it (« 29 % … prise de RDV »), on the dashboard and in the PDF (one template)."""

import re

from django.template.loader import render_to_string

from reporting.tables import Cell, RequestTable, Row


def test_the_total_row_shows_each_types_share_of_the_domains_requests():
    rows = (Row.of_counts("Nord", [29, 51]), Row.of_counts("Somme", [0, 20]))
    table = RequestTable(
        key="care_requests",
        title="Demandes d'accès aux soins",
        columns=("Prise de RDV", "Autre"),
        rows=rows,
        total=Row.of_counts("Total", [29, 71]),
        resolved=Row("dont résolues en fin d'année", (Cell(10, 34), Cell(35, 49)), 45),
    )
    html = render_to_string("reporting/tables/requests.html", {"table": table})
    total_row = re.search(r'<tr class="app-total">(.*?)</tr>', html, re.S).group(1)
    assert re.findall(r"(\d+) %", total_row) == ["29", "71"]
