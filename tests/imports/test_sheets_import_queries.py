"""The historical sheets import costs a fixed number of queries per file and per chunk of rows:
the reference data, the people, sheets and requests already stored are read once for the file,
and each chunk is written by a few inserts that read nothing back. 50 000 rows stay a matter of
seconds, not of one round trip per row (issue #18)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.imports.conftest import run
from tests.imports.test_sheets_import import mediator, post, row, sheets_file  # noqa: F401

pytestmark = pytest.mark.django_db

CHUNK = 20
SAVEPOINTS = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch):
    monkeypatch.setattr("mediation.imports.report.PROGRESS_EVERY", CHUNK)
    monkeypatch.setattr("accompaniments.imports.BATCH_SIZE", CHUNK)


def queries_of(data, *, user, dry_run=False):
    with CaptureQueriesContext(connection) as captured:
        report = run("fiches", data, user=user, dry_run=dry_run)
    assert report.ok, report.errors
    # The savepoints of nested atomic blocks are not round trips worth counting here.
    return [query["sql"] for query in captured.captured_queries if not query["sql"].startswith(SAVEPOINTS)]


def new_people(prefix, count):
    return sheets_file(*(row(f"{prefix}-{n}") for n in range(count)))


@pytest.fixture
def warm(admin, mediator):  # noqa: F811
    """A first import fills the caches of the process (the user's role, the content types)."""
    run("fiches", new_people("warm", 1), user=admin)


def test_each_chunk_of_new_rows_costs_the_same_few_inserts_and_reads_nothing_back(admin, warm):
    one, two, three = (
        queries_of(new_people(prefix, chunks * CHUNK), user=admin) for prefix, chunks in (("A", 2), ("B", 4), ("C", 6))
    )
    assert len(three) - len(two) == len(two) - len(one) > 0
    per_chunk = (len(two) - len(one)) // 2
    # people, sheets, requests, and keeping the sheets' stored follow-up in step
    assert per_chunk <= 4
    # Reserving the keys of the new rows (PostgreSQL) reads no table.
    reads = [
        [sql for sql in queries if sql.startswith("SELECT") and "nextval" not in sql] for queries in (one, two, three)
    ]
    assert len(reads[0]) == len(reads[1]) == len(reads[2])


def test_a_dry_run_reads_the_same_number_of_queries_whatever_the_number_of_rows(admin, warm):
    small, big = new_people("A", 2 * CHUNK), new_people("B", 6 * CHUNK)
    assert len(queries_of(small, user=admin, dry_run=True)) == len(queries_of(big, user=admin, dry_run=True))
    run("fiches", small, user=admin)
    run("fiches", big, user=admin)
    # The same files again: every row found unchanged, still in as many queries.
    assert len(queries_of(small, user=admin, dry_run=True)) == len(queries_of(big, user=admin, dry_run=True))
