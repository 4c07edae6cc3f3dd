"""Every import has its documentation page and its downloadable template, both naming every
column of the format; the templates, imported in the advised order, go through without error."""

import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from mediation.imports import services
from mediation.imports.formats import check_upload, read_file
from tests.imports.conftest import errors_of

ROOT = Path(settings.BASE_DIR)
ORDER = ["communes", "qpv", "population-qpv", "structures", "postes", "partenaires", "fiches", "bilans-historiques"]


@pytest.mark.parametrize("slug", list(services.KINDS))
def test_template_and_doc_name_every_column(slug):
    kind = services.KINDS[slug]
    template = ROOT / "static" / "imports" / kind.template
    table = read_file(template.name, template.read_bytes())
    assert table.headers == [column.key for column in kind.columns]
    doc = (ROOT / "docs" / "imports" / kind.doc).read_text()
    for column in kind.columns:
        assert f"`{column.key}`" in doc, f"{column.key} missing from docs/imports/{kind.doc}"
    assert kind.template in doc
    assert kind.doc in (ROOT / "docs" / "imports" / "README.md").read_text()


@pytest.mark.django_db
def test_the_templates_import_in_the_advised_order(admin):
    assert set(ORDER) == set(services.KINDS)
    for slug in ORDER:
        kind = services.KINDS[slug]
        template = ROOT / "static" / "imports" / kind.template
        report = services.run(kind, check_upload(template.name, template.read_bytes()), user=admin, dry_run=False)
        assert errors_of(report) == [], slug
        # The migrations load Hauts-de-France's communes: the communes template's one is known.
        assert report.created >= 1 or (slug == "communes" and report.unchanged == 1), slug


def test_the_backup_check_script_is_strict_bash():
    script = ROOT / "scripts" / "backup_check.sh"
    text = script.read_text()
    assert text.startswith("#!/usr/bin/env bash") and "set -euo pipefail" in text
    assert script.stat().st_mode & 0o111
    subprocess.run(["bash", "-n", str(script)], check=True)  # noqa: S603, S607
    refused = subprocess.run(["bash", str(script)], env={"PATH": "/usr/bin:/bin"}, capture_output=True, text=True)  # noqa: S603, S607
    assert refused.returncode == 2 and "DATABASE_URL" in refused.stderr
