"""The open data CSV of the public edition follows its Table Schema (docs/opendata-bilan.schema.json):
checked field by field by a small reader of the schema's types, constraints and primary key."""

import csv
import io
import json
from pathlib import Path

from reporting import opendata, public_edition
from tests.reporting.test_public_edition import PICARDIE, region_table

SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "opendata-bilan.schema.json"


def schema_errors(content, schema):
    """What a Table Schema validator would report for `content` (CSV bytes)."""
    errors = []
    reader = csv.DictReader(io.StringIO(content.decode("utf-8")))
    fields = schema["fields"]
    if reader.fieldnames != [f["name"] for f in fields]:
        errors.append(f"en-tête {reader.fieldnames}")
    keys = set()
    for number, line in enumerate(reader, start=2):
        for field in fields:
            raw, rules = line[field["name"]], field.get("constraints", {})
            if raw in schema.get("missingValues", [""]):
                if rules.get("required"):
                    errors.append(f"ligne {number} : {field['name']} manquant")
                continue
            value = raw
            if field["type"] == "integer":
                if not raw.lstrip("-").isdigit():
                    errors.append(f"ligne {number} : {field['name']} non entier")
                    continue
                value = int(raw)
            if "enum" in rules and value not in rules["enum"]:
                errors.append(f"ligne {number} : {field['name']} hors liste")
            if "minimum" in rules and value < rules["minimum"]:
                errors.append(f"ligne {number} : {field['name']} trop petit")
            if "maximum" in rules and value > rules["maximum"]:
                errors.append(f"ligne {number} : {field['name']} trop grand")
            if "minLength" in rules and len(value) < rules["minLength"]:
                errors.append(f"ligne {number} : {field['name']} vide")
        key = tuple(line[name] for name in schema["primaryKey"])
        if key in keys:
            errors.append(f"ligne {number} : clé {key} en double")
        keys.add(key)
    return errors


def public_csv():
    table, _groups = public_edition.public_table(region_table(), (PICARDIE,), minimum=11)
    rows = ("02", "60", "80", "59", "62")
    lines = opendata.table_lines(2024, "32", table, rows, ("femme", "homme", "non_binaire"))
    return opendata.to_csv(lines)


def test_the_csv_follows_its_table_schema():
    schema = json.loads(SCHEMA.read_text())
    assert schema_errors(public_csv(), schema) == []


def test_masked_cells_are_empty_and_secret():
    lines = list(csv.DictReader(io.StringIO(public_csv().decode())))
    secret = [line for line in lines if line["statut"] == "secret"]
    assert secret and all(line["valeur"] == "" for line in secret)
    assert all(line["valeur"] != "" for line in lines if line["statut"] == "diffuse")
    # Aisne's one non-binary person is not published.
    (aisne,) = [line for line in lines if (line["ligne"], line["colonne"]) == ("02", "non_binaire")]
    assert aisne["statut"] == "secret"


def test_the_schema_check_can_fail():
    schema = json.loads(SCHEMA.read_text())
    broken = public_csv().replace(b",diffuse\n", b",publie\n", 1)
    assert schema_errors(broken, schema)
    doubled = public_csv() + public_csv().split(b"\n", 2)[1] + b"\n"
    assert any("double" in e for e in schema_errors(doubled, schema))
