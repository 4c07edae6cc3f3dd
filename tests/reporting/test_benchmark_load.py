"""The load benchmark (manage.py benchmark_load): its figures are the right percentiles, it misses
the target on a slow page or an error, its sessions log people in, and it never writes into a
database not named for it. Nothing here is timed."""

import ast
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from mediation.enums import Role
from reporting.management.commands import benchmark_load
from reporting.management.commands.benchmark_load import (
    TARGET_P95_MS,
    format_table,
    missed_target,
    percentile,
    server_side_session,
    summarise,
)
from tests.factories import make_user


def test_percentile_is_the_nearest_rank():
    durations = list(range(100, 0, -1))  # 1 to 100 ms, in no particular order
    assert percentile(durations, 0.50) == 50
    assert percentile(durations, 0.95) == 95
    assert percentile(durations, 0.99) == 99
    assert percentile(durations, 1.0) == 100
    # Few samples: the p95 of ten answers is the slowest one, not a value between two of them.
    assert percentile([10, 20, 30, 40, 50, 60, 70, 80, 90, 1000], 0.95) == 1000
    assert percentile([42], 0.5) == 42
    assert percentile([], 0.95) is None


def test_summary_per_page_and_overall():
    samples = [("Fiche", 10.0, True), ("Personne", 30.0, True), ("Fiche", 20.0, False), ("Fiche", 40.0, True)]
    pages, overall = summarise(samples)
    assert list(pages) == ["Fiche", "Personne"]
    assert (pages["Fiche"].count, pages["Fiche"].errors, pages["Fiche"].p(0.5), pages["Fiche"].p(1.0)) == (3, 1, 20, 40)
    assert (overall.count, overall.errors, overall.p(0.5)) == (4, 1, 20)
    table = "\n".join(format_table(pages, overall))
    assert "Fiche" in table and "Toutes les pages" in table and "40 ms" in table


def test_target_missed_by_a_slow_page_or_an_error():
    fast = [("Fiche", 50.0, True)] * 100
    assert missed_target(*summarise(fast)) == []
    slow = fast[:90] + [("Fiche", float(TARGET_P95_MS + 1), True)] * 10
    assert missed_target(*summarise(slow)) == [f"Fiche : p95 de {TARGET_P95_MS + 1} ms"]
    failed = fast[:99] + [("Fiche", 50.0, False)]
    assert missed_target(*summarise(failed)) == ["1 erreur(s)"]
    assert missed_target(*summarise([])) == ["aucune requête mesurée"]


@pytest.mark.django_db
def test_server_side_session_logs_the_person_in():
    mediator = make_user(Role.MEDIATOR)
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = server_side_session(mediator)
    response = client.get(reverse("accompaniments:home"))
    assert response.status_code == 200
    assert response.wsgi_request.user == mediator


@pytest.mark.django_db
def test_refuses_a_database_not_named_for_the_benchmark(monkeypatch):
    def create_database(name):
        raise AssertionError(f"the benchmark went on to create {name}")

    monkeypatch.setattr(benchmark_load, "create_database", create_database)
    with pytest.raises(CommandError, match="_bench"):
        call_command("benchmark_load", "--duration", "1")


def test_requests_carry_the_session_cookie_of_the_production_settings():
    prod = ast.parse((Path(settings.BASE_DIR) / "mediation" / "settings" / "prod.py").read_text())
    names = {
        node.targets[0].id: node.value.value
        for node in prod.body
        if isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.targets[0], ast.Name)
    }
    assert names["SESSION_COOKIE_NAME"] == benchmark_load.PRODUCTION_SESSION_COOKIE
