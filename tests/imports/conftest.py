import csv
import io

import pytest
import tablib

from mediation.enums import Role
from mediation.imports import services
from mediation.imports.formats import Upload, check_upload
from tests.factories import CommuneFactory, department, make_user


def csv_bytes(headers, rows, *, delimiter=",", encoding="utf-8"):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def sheet_bytes(headers, rows, fmt):
    data = tablib.Dataset(*rows, headers=headers)
    return data.export(fmt)


def upload(headers, rows, *, fmt="csv", **options):
    content = csv_bytes(headers, rows, **options) if fmt == "csv" else sheet_bytes(headers, rows, fmt)
    return check_upload(f"fichier.{fmt}", content)


def run(slug, data, *, user, dry_run=False):
    assert isinstance(data, Upload)
    return services.run(services.KINDS[slug], data, user=user, dry_run=dry_run)


def errors_of(report):
    return [(e.line, e.column, e.message) for e in report.sorted_errors()]


@pytest.fixture
def admin(db):
    return make_user(Role.ADMIN)


@pytest.fixture
def coordinator(db):
    """A coordinator of the Nord (59) only."""
    return make_user(Role.COORDINATOR, departments=[department("59")])


@pytest.fixture
def communes(db):
    return {
        "roubaix": CommuneFactory(insee_code="59512", name="Roubaix", department=department("59")),
        "lille": CommuneFactory(insee_code="59350", name="Lille", department=department("59")),
        "lens": CommuneFactory(insee_code="62498", name="Lens", department=department("62")),
    }
