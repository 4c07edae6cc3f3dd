"""A new region goes live as docs/deploiement.md says: on an empty database, the first
administrator follows the link `create_first_admin` prints, sets her password and her second
factor, invites a coordinator, who accepts from the e-mail, sets hers, then imports the region's
own files (tests/fixtures/region/: structures by commune name, on the communes `load_geography`
loaded, a posts register with a post without funding or start date, historical sheets with
requests closed on an unknown day, last year's annual bilans)
through the import pages, dry run then confirmation, run by the worker's task (the test queue runs
it as soon as it is queued); she invites the holders the register named and opens the campaign,
her first steps going from all « à faire » to gone. The bilan of the year is checked against
figures counted from the files here, with csv, not with the application's code."""

import csv
import datetime
import io
import re
import time
from pathlib import Path

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from mediation.enums import Role
from mediation.imports import services as imports
from mediation.models import Commune, Region, User

pytestmark = pytest.mark.django_db

SITE = "https://mediation.region.example.fr"
FILES = Path(__file__).parent / "fixtures" / "region"
PASSWORD = "un-mot-de-passe-solide-42"
YEAR = 2025


@pytest.fixture(autouse=True)
def _server(settings, tmp_path):
    settings.SITE_URL = SITE
    settings.IMPORT_TEMP_DIR = str(tmp_path / "imports")


def rows(name):
    with (FILES / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def accept_and_enrol(client, path, *, capture):
    """Follow an invitation link: password, its confirmation, then the TOTP second factor."""
    response = client.post(
        path, {"first_name": "Prénom", "last_name": "Nom", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 302, response.content.decode()
    assert client.get(reverse("home"))["Location"] == reverse("mfa_activate_totp")
    confirm = client.get(reverse("mfa_activate_totp"))
    assert client.post(confirm["Location"], {"password": PASSWORD}).status_code == 302
    secret = client.get(reverse("mfa_activate_totp")).context["form"].secret
    code = format_hotp_value(hotp_value(secret, int(time.time()) // mfa_settings.TOTP_PERIOD))
    with capture(execute=True):
        assert client.post(reverse("mfa_activate_totp"), {"code": code}).status_code == 302
    home = client.get(reverse("home"))
    assert home.status_code == 302 and home["Location"] != reverse("mfa_activate_totp")


def import_file(client, kind, name, **answers):
    """Upload, read the dry run, confirm, read the summary (the test queue runs the worker's task
    as soon as it is queued)."""
    upload = SimpleUploadedFile(name, (FILES / name).read_bytes(), content_type="text/csv")
    response = client.post(reverse("imports:upload", args=[kind]), {"file": upload, **answers})
    assert response.status_code == 302, response.content.decode()
    review = client.get(response["Location"]).content.decode()
    assert "Fichier valide" in review, review
    token = client.session[imports.SESSION_KEY][kind]["token"]
    done = client.post(reverse("imports:review", args=[kind]), {"token": token})
    assert done.status_code == 302
    summary = client.get(done["Location"]).content.decode()
    assert "Import terminé" in summary, summary
    return review


def test_an_empty_server_reaches_its_first_bilan(django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks

    # 1. The first administrator, from the command's link.
    out = io.StringIO()
    call_command("create_first_admin", "--email", "admin@ars.example.fr", stdout=out, stderr=io.StringIO())
    path = re.fullmatch(re.escape(SITE) + r"(/invitation/[\w-]+/)", out.getvalue().strip()).group(1)
    admin = Client()
    accept_and_enrol(admin, path, capture=capture)

    # 2. She invites the region's coordinator, who accepts from the e-mail.
    hdf = Region.objects.get(code="32")
    with capture(execute=True):
        response = admin.post(
            reverse("mediation:invitation_create"),
            {"email": "coordination@ars.example.fr", "first_name": "Inès", "last_name": "Roy"}
            | {"role": Role.COORDINATOR, "region": hdf.pk},
        )
    assert response.status_code == 302, response.content.decode()
    (message,) = mail.outbox
    link = re.search(r"https?://[^/\s]+(/invitation/[^/\s]+/)", message.body).group(1)
    coordinator = Client()
    accept_and_enrol(coordinator, link, capture=capture)

    assert set(first_steps(coordinator).values()) == {False}
    # 3. Geography (the documented command: the migrations loaded Hauts-de-France, the command
    # finds nothing to change), structures, posts register and history, in the documented order.
    out = io.StringIO()
    call_command("load_geography", "--region", "32", stdout=out)
    assert "Rien à changer" in out.getvalue()
    assert Commune.objects.filter(department__region=hdf).count() == 3782
    import_file(coordinator, "structures", "structures.csv")
    register = import_file(coordinator, "postes", "postes.csv")
    assert "sans financement" in register
    steps = first_steps(coordinator)
    assert (steps["Structures employeuses"], steps["Registre des postes"], steps["Titulaires invité·es"]) == (
        True,
        True,
        False,
    )
    # The holders the register named are invited from the invitation form of their account.
    for row in rows("postes.csv"):
        holder = User.objects.get(email=row["email_titulaire"])
        with capture(execute=True):
            response = coordinator.post(
                f"{reverse('mediation:invitation_create')}?compte={holder.pk}",
                {"email": holder.email, "first_name": "Awa", "last_name": "Diallo", "role": Role.MEDIATOR}
                | {"structure": holder.membership.structure_id},
            )
        assert response.status_code == 302, response.content.decode()
        assert mail.outbox[-1].to == [holder.email]
    assert first_steps(coordinator)["Titulaires invité·es"] is True
    sheets = import_file(coordinator, "fiches", "fiches.csv")
    assert "sans date de clôture" in sheets

    assert first_steps(coordinator)["Historique importé"] is True
    import_file(coordinator, "bilans-historiques", "bilans-2024.csv", year=YEAR - 1)
    # 4. The bilan of the year, against the files.
    lines = rows("fiches.csv")
    posts = {row["code_poste"]: row for row in rows("postes.csv")}
    structure_of = {code: (row["structure"], row["commune_structure"]) for code, row in posts.items()}
    expected_sheets = len({(row["identifiant_personne"], row["code_poste"], row["date_fiche"]) for row in lines})
    expected_people = len({(structure_of[row["code_poste"]], row["identifiant_personne"]) for row in lines})
    rights = [row for row in lines if row["domaine"] == "droits"]
    expected_rights_resolved = sum(row["etat"] == "résolue" for row in rights)
    assert all(datetime.datetime.strptime(row["date_fiche"], "%d/%m/%Y").year == YEAR for row in lines)

    response = coordinator.get(reverse("reporting:bilan_json"), {"annee": YEAR, "perimetre": "region:32"})
    assert response.status_code == 200
    bilan = response.json()
    activity = bilan["activity"]
    assert activity["volume"]["total"]["sheets"] == expected_sheets
    assert activity["people"] == expected_people
    assert activity["rights_requests"]["total"]["total"] == len(rights)
    assert activity["rights_requests"]["resolved"]["total"] == expected_rights_resolved
    assert bilan["register"]["total"]["posts"] == len(posts)

    # Last year's annual bilans, as imported: the usable ones make Annexe 1.
    history = [row for row in rows("bilans-2024.csv") if row["exploitable"] == "oui"]
    response = coordinator.get(reverse("reporting:bilan_json"), {"annee": YEAR - 1, "perimetre": "region:32"})
    annual = response.json()["annual"]
    assert annual["bilans"] == len(history)
    (people,) = [row for row in annual["annex"]["rows"] if row["key"] == "people_total"]
    assert people["values"][-1] == sum(int(row["personnes"]) for row in history) / len(history)

    # 5. The campaign of the year just ended: every first step is done, the list goes.
    response = coordinator.post(
        reverse("campaigns:campaign_create"),
        {"year": YEAR, "departments": [department.pk for department in hdf.departments.all()]}
        | {"deadline": "2100-02-28"},
    )
    assert response.status_code == 302, response.content.decode()
    steps = first_steps(coordinator)
    assert steps is None or all(steps.values()), steps
    assert "Premiers pas" not in coordinator.get(reverse("home"), follow=True).content.decode()


def first_steps(client):
    """The states of the coordinator's first steps on her home, by title."""
    page = client.get(reverse("home"), follow=True)
    steps = page.context.get("first_steps")
    return {step.title: step.done for step in steps.steps} if steps else None
