"""Random bytes and random cells never break an import: a bad file is an ImportFileError, a bad
cell an error of the report, never an exception (hence never a 500)."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mediation.imports import services
from mediation.imports.formats import ImportFileError, Row, Table, check_upload, read_upload

pytestmark = pytest.mark.django_db

CELLS = st.one_of(
    st.text(max_size=25),
    st.sampled_from(["", " ", "oui", "QPV", "59", "59512", "01/02/2024", "31/02/2024", "=1+1", "'=x", "Femme", "P-1"]),
    st.integers(min_value=-10, max_value=100_000),
)


def test_random_bytes_are_refused_or_read():
    @settings(max_examples=100, deadline=None)
    @given(st.binary(max_size=400), st.sampled_from(["f.csv", "f.xlsx", "f.ods", "f.txt"]))
    def check(content, name):
        try:
            read_upload(check_upload(name, content))
        except ImportFileError:
            pass

    check()


@pytest.mark.parametrize("slug", list(services.KINDS))
def test_random_cells_give_a_report(admin, communes, slug):
    kind = services.KINDS[slug]
    headers = [column.key for column in kind.columns]

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(st.lists(CELLS, min_size=len(headers), max_size=len(headers)), min_size=1, max_size=3))
    def check(rows):
        table = Table(headers=headers, rows=[Row(line, tuple(cells)) for line, cells in enumerate(rows, start=2)])
        report = kind.run(table, user=admin, dry_run=True, source="hasard.csv")
        assert report.total == len(rows)
        assert all(error.message for error in report.errors)

    check()
