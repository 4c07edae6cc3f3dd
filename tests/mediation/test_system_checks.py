"""`manage.py check` (and so every command: migrate, runserver, seed_demo) says nothing on a
healthy project, on SQLite too: the requests' covering index, whose INCLUDE columns only
PostgreSQL uses, is a plain composite index on SQLite by design, not a warning to read each time."""

import io

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_the_system_checks_find_nothing_to_say():
    out = io.StringIO()
    # With the database's checks, as migrate and runserver run them.
    call_command("check", "--database", "default", stdout=out, stderr=out)
    assert "W040" not in out.getvalue()
    assert "System check identified no issues" in out.getvalue()
