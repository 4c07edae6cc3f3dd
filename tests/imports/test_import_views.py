"""The import pages: who may use them, the dry run, the confirmation from the file kept on the
server (never a second upload), the cancellation, and a clear message for a bad file. The dry run
and the import are runs done by the worker (the test settings run tasks as soon as they are
queued): the upload and the confirmation lead to the run's page, which shows the result."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from mediation.enums import Role
from mediation.imports import services
from mediation.models import ImportRun, Post, Structure
from tests.factories import CommuneFactory, department
from tests.imports.conftest import csv_bytes
from tests.imports.test_posts_import import HEADERS, row

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_temp_dir(settings, tmp_path):
    settings.IMPORT_TEMP_DIR = str(tmp_path / "imports")


@pytest.fixture
def roubaix(db):
    return CommuneFactory(insee_code="59512", name="Roubaix", department=department("59"))


def register_file(*rows, name="registre.csv"):
    return SimpleUploadedFile(name, csv_bytes(HEADERS, list(rows)), content_type="text/csv")


def upload(client, data, kind="postes"):
    return client.post(reverse("imports:upload", args=[kind]), {"file": data})


def pending_files(settings):
    from pathlib import Path

    directory = Path(settings.IMPORT_TEMP_DIR)
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.COORDINATOR, 200),
        (Role.ADMIN, 200),
        (Role.READER, 403),
        (Role.MEDIATOR, 403),
        (Role.STRUCTURE_MANAGER, 403),
    ],
)
@pytest.mark.parametrize("url", ["imports:list", "imports:upload"])
def test_only_coordinators_and_admins_import(client, login_as, role, expected, url):
    login_as(role)
    args = [] if url == "imports:list" else ["postes"]
    assert client.get(reverse(url, args=args)).status_code == expected


@pytest.mark.parametrize("role", [Role.READER, Role.MEDIATOR, Role.STRUCTURE_MANAGER])
def test_other_roles_cannot_post_a_file_either(client, login_as, role, roubaix):
    login_as(role)
    assert upload(client, register_file(row("P-1"))).status_code == 403
    assert client.post(reverse("imports:review", args=["postes"]), {"token": "x" * 43}).status_code == 403
    assert not Post.objects.exists()


def test_an_unknown_import_is_a_404(client, login_as):
    login_as(Role.ADMIN)
    assert client.get(reverse("imports:upload", args=["inconnu"])).status_code == 404


def test_upload_dry_run_then_confirm(client, login_as, roubaix, settings):
    login_as(Role.COORDINATOR)
    response = upload(client, register_file(row("P-59-001"), row("P-59-002")))
    dry_run = ImportRun.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("imports:run", args=[dry_run.pk])
    assert len(pending_files(settings)) == 1

    page = client.get(response["Location"])
    content = page.content.decode()
    assert page.status_code == 200
    assert "Fichier valide" in content and "Importer les 2 lignes" in content
    assert not Post.objects.exists()

    token = client.session[services.SESSION_KEY]["postes"]["token"]
    done = client.post(reverse("imports:review", args=["postes"]), {"token": token})
    confirmed = ImportRun.objects.exclude(pk=dry_run.pk).get()
    assert done.status_code == 302 and done["Location"] == reverse("imports:run", args=[confirmed.pk])
    assert Post.objects.count() == 2
    assert pending_files(settings) == []
    final = client.get(done["Location"]).content.decode()
    assert "Import terminé" in final and "2 lignes créées" in final


def test_a_file_of_one_row_offers_to_import_that_line(client, login_as, roubaix):
    login_as(Role.COORDINATOR)
    response = upload(client, register_file(row("P-59-001")))
    content = client.get(response["Location"]).content.decode()
    assert "Importer la ligne" in content and "Importer les 1" not in content


def test_the_dry_run_lists_errors_with_row_and_column(client, login_as, roubaix):
    login_as(Role.COORDINATOR)
    upload(client, register_file(row("P-1"), row("P-2", type_poste="Urbain"), row("P-3", department="62")))
    content = client.get(reverse("imports:review", args=["postes"]), follow=True).content.decode()
    assert "2 erreurs : rien ne sera importé" in content
    assert "<td>3</td>" in content and "<code>type_poste</code>" in content
    assert "<td>4</td>" in content and "Ce département n&#x27;est pas dans votre périmètre." in content
    assert "Importer les" not in content


def test_the_confirmation_reads_the_kept_file_not_a_new_upload(client, login_as, roubaix):
    """Whatever the confirming request carries, only the file of the dry run is imported."""
    login_as(Role.COORDINATOR)
    upload(client, register_file(row("P-KEPT")))
    token = client.session[services.SESSION_KEY]["postes"]["token"]
    response = client.post(
        reverse("imports:review", args=["postes"]), {"token": token, "file": register_file(row("P-SMUGGLED"))}
    )
    assert response.status_code == 302
    assert list(Post.objects.values_list("code", flat=True)) == ["P-KEPT"]


def test_a_stale_confirmation_imports_nothing(client, login_as, roubaix):
    login_as(Role.COORDINATOR)
    upload(client, register_file(row("P-1")))
    old_token = client.session[services.SESSION_KEY]["postes"]["token"]
    upload(client, register_file(row("P-2")))
    response = client.post(reverse("imports:review", args=["postes"]), {"token": old_token}, follow=True)
    assert "Un autre fichier a été déposé" in response.content.decode()
    assert not Post.objects.exists()


def test_the_file_is_checked_again_and_all_rows_revalidated_at_confirmation(client, login_as, roubaix):
    """Data changed between the dry run and the confirmation: the import is refused whole."""
    login_as(Role.COORDINATOR)
    upload(client, register_file(row("P-1"), row("P-2", commune="59999")))
    CommuneFactory(insee_code="59999", department=department("59"))
    content = client.get(reverse("imports:review", args=["postes"]), follow=True).content.decode()
    assert "Fichier valide" in content
    token = client.session[services.SESSION_KEY]["postes"]["token"]
    from mediation.models import Commune

    Commune.objects.filter(insee_code="59999").delete()
    response = client.post(reverse("imports:review", args=["postes"]), {"token": token}, follow=True)
    assert response.status_code == 200
    assert "Rien n&#x27;a été importé" in response.content.decode()
    assert not Post.objects.exists() and not Structure.objects.exists()


def test_cancel_deletes_the_kept_file(client, login_as, roubaix, settings):
    login_as(Role.COORDINATOR)
    upload(client, register_file(row("P-1")))
    assert len(pending_files(settings)) == 1
    response = client.post(reverse("imports:cancel", args=["postes"]))
    assert response.status_code == 302
    assert pending_files(settings) == []
    assert client.get(reverse("imports:review", args=["postes"])).status_code == 302


def test_another_users_token_is_useless(client, login_as, roubaix, django_user_model):
    login_as(Role.COORDINATOR)
    upload(client, register_file(row("P-1")))
    token = client.session[services.SESSION_KEY]["postes"]["token"]
    client.logout()
    login_as(Role.COORDINATOR)
    response = client.post(reverse("imports:review", args=["postes"]), {"token": token})
    assert response.status_code == 302 and response["Location"] == reverse("imports:upload", args=["postes"])
    assert not Post.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("registre.xlsx", b"code_poste,structure\nP-1,X\n", "n&#x27;est pas un classeur Excel"),
        ("registre.csv", b"", "Le fichier soumis est vide"),
        ("registre.exe", b"MZ\x90\x00", "Format non pris en charge"),
        ("registre.csv", b"\x00\x01\x02", "caractères nuls"),
    ],
)
def test_a_malformed_file_gets_a_message_never_a_500(client, login_as, name, content, message):
    login_as(Role.ADMIN)
    response = upload(client, SimpleUploadedFile(name, content))
    assert response.status_code == 200
    assert message in response.content.decode()


def test_an_oversized_upload_is_refused_before_reading(client, login_as, settings):
    settings.IMPORT_MAX_BYTES = 100
    login_as(Role.ADMIN)
    response = upload(client, SimpleUploadedFile("registre.csv", b"a,b\n" + b"1,2\n" * 100))
    assert "taille maximale" in response.content.decode()


def test_a_workbook_that_breaks_the_parser_is_reported_on_the_review_page(client, login_as):
    import io
    import zipfile

    import tablib

    content = tablib.Dataset(["x"], headers=["a"]).export("xlsx")
    source, target = io.BytesIO(content), io.BytesIO()
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w") as archive:
        for info in original.infolist():
            data = original.read(info)
            archive.writestr(info, b"<broken" if info.filename == "xl/worksheets/sheet1.xml" else data)
    login_as(Role.ADMIN)
    upload(client, SimpleUploadedFile("registre.xlsx", target.getvalue()))
    response = client.get(reverse("imports:review", args=["postes"]), follow=True)
    assert response.status_code == 200
    assert "endommagé ou illisible" in response.content.decode()


def test_the_imports_page_lists_every_kind_each_app_registers(client, login_as):
    login_as(Role.ADMIN)
    page = client.get(reverse("imports:list")).content.decode()
    slugs = ["communes", "qpv", "population-qpv", "structures", "postes", "partenaires", "fiches", "bilans-historiques"]
    for slug in slugs:
        assert reverse("imports:upload", args=[slug]) in page, slug
    assert sorted(services.KINDS) == sorted(slugs)
