"""The published formats follow their schemas: the bilan JSON follows docs/bilan.schema.json
(JSON Schema, draft 2020-12) for every scope of the demo (the region, each territoire, each
department, each post type, as coordinators and as readers see it), an edition's and the public
edition's JSON too; the open-data CSV of the public edition follows its Table Schema
(docs/opendata-bilan.schema.json), checked by frictionless."""

import copy
import json
from pathlib import Path

import pytest
from frictionless import Resource, Schema
from jsonschema import Draft202012Validator, FormatChecker

from mediation.enums import PostType
from mediation.models import Department
from reporting import exports
from reporting.bilan import compute_bilan
from reporting.models import Edition
from reporting.scope import resolve_scope, scope_choices
from tests.reporting import test_public_edition_wired as wired

pytestmark = pytest.mark.django_db

DOCS = Path(__file__).resolve().parents[2] / "docs"
BILAN_SCHEMA = json.loads((DOCS / "bilan.schema.json").read_text())
TABLE_SCHEMA = json.loads((DOCS / "opendata-bilan.schema.json").read_text())

# The demo (built once for this module) and the region's edition published on it.
demo = wired.demo
published_once = wired.published_once


def validator():
    Draft202012Validator.check_schema(BILAN_SCHEMA)
    return Draft202012Validator(BILAN_SCHEMA, format_checker=FormatChecker())


def errors(document):
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator().iter_errors(document)]


def demo_scopes():
    """Every scope the dashboard offers on the demo's region, with each post type, for
    coordinators (every cell) and readers (the readers' edition)."""
    departments = Department.objects.filter(region__code="32")
    for choice in scope_choices(departments):
        for post_type in ("", *PostType.values):
            for protected in (False, True):
                yield resolve_scope(
                    departments, year=wired.YEAR, key=choice.key, post_type=post_type, protected=protected
                )


def test_the_bilan_json_of_every_scope_follows_its_schema(demo):
    scopes = list(demo_scopes())
    kinds = {scope.kind for scope in scopes}
    assert kinds == {"region", "territoire", "departement"}
    for scope in scopes:
        document = json.loads(exports.bilan_json(compute_bilan(scope)))
        assert errors(document) == [], (scope.key, scope.post_type, scope.protected)


def test_an_edition_and_its_public_edition_follow_the_schema(published_once):
    edition = Edition.objects.get(pk=published_once.pk)
    for content in (edition.json, edition.public_json):
        assert errors(json.loads(bytes(content))) == []


def test_the_json_schema_check_can_fail(published_once):
    document = json.loads(bytes(Edition.objects.get(pk=published_once.pk).public_json))
    broken = copy.deepcopy(document)
    broken["activity"]["sex"]["rows"][0]["cells"][0]["count"] = "douze"
    assert errors(broken)
    broken = copy.deepcopy(document)
    del broken["annual"]["annex"]["rows"][0]["exact"]
    assert errors(broken)
    broken = copy.deepcopy(document)
    broken["scope"]["kind"] = "canton"
    assert errors(broken)


def frictionless_errors(content, tmp_path, schema=TABLE_SCHEMA):
    (tmp_path / "bilan.csv").write_bytes(content)
    resource = Resource(path="bilan.csv", basepath=str(tmp_path), schema=Schema.from_descriptor(schema))
    report = resource.validate()
    return [error.message for task in report.tasks for error in task.errors] + [e.message for e in report.errors]


def test_the_open_data_csv_follows_its_table_schema(published_once, tmp_path):
    content = bytes(Edition.objects.get(pk=published_once.pk).public_csv)
    assert content.count(b"\n") > 100
    assert frictionless_errors(content, tmp_path) == []


def test_the_table_schema_check_can_fail(published_once, tmp_path):
    content = bytes(Edition.objects.get(pk=published_once.pk).public_csv)
    assert frictionless_errors(content.replace(b",diffuse\n", b",publie\n", 1), tmp_path)
    first_line = content.split(b"\n", 2)[1]
    assert frictionless_errors(content + first_line + b"\n", tmp_path)  # a primary key twice
    year = str(wired.YEAR).encode()
    assert frictionless_errors(content.replace(year + b",region", b"1999,region", 1), tmp_path)  # out of range
