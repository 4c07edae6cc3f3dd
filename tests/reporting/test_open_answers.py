"""The mediators' open answers: listed by department only where the department has as many
usable bilans as an Annexe 1 column needs, and shown to readers and editions only once a
coordinator has reviewed them (possibly edited for publication)."""

import datetime
import io
import json

import pytest
from auditlog.models import LogEntry
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from mediation.enums import PostType, Role
from mediation.models import Department
from reporting import editions
from reporting.annual import ANSWERS_MERGED_NOTE, ANSWERS_WITHHELD_NOTE, MIN_BILANS_SHOWN
from reporting.enums import BilanAction, BilanState
from reporting.models import AnnualBilan, BilanEvent, Campaign
from reporting.scope import resolve_scope
from tests.factories import department, make_user

pytestmark = pytest.mark.django_db

YEAR = 2024
REGION = {"annee": YEAR, "perimetre": "region:32"}


@pytest.fixture
def campaign():
    return Campaign.objects.create(
        year=YEAR,
        region=department("59").region,
        deadline=datetime.date(YEAR + 1, 2, 28),
        opened_by=make_user(Role.COORDINATOR),
    )


def bilan(campaign, code, helped="", *, reviewed=None, state=BilanState.VALIDATED):
    """A usable bilan of `code`; `reviewed`: the text readers get once a coordinator reviewed it."""
    return AnnualBilan.objects.create(
        campaign=campaign,
        year=YEAR,
        department=department(code),
        post_type=PostType.QPV,
        state=state,
        usable=True,
        validated_at=timezone.now() if state == BilanState.VALIDATED else None,
        what_helped=helped,
        what_helped_for_readers=reviewed or "",
        answers_reviewed_at=timezone.now() if reviewed is not None else None,
    )


def helped(bilan):
    """{department heading: answers} of « what helped », as computed for the page."""
    answers = next(a for a in bilan.annual.answers if a.key == "what_helped")
    return dict(answers.by_department), answers.note


def dashboard(client):
    response = client.get(reverse("reporting:dashboard"), REGION)
    assert response.status_code == 200
    return response


def exported(client):
    response = client.get(reverse("reporting:bilan_json"), REGION | {"direct": "1"})
    assert response.status_code == 200
    return response.json()["annual"]["open_answers"]["what_helped"]


def answers_page_of_pdf(client):
    response = client.get(reverse("reporting:bilan_pdf"), REGION | {"direct": "1"})
    assert response.status_code == 200
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    start = text.rindex("Les réponses aux questions ouvertes")
    return text[start : text.index("Méthode", start)]


def test_a_department_of_one_or_two_bilans_has_no_answers_of_its_own(client, login_as, campaign):
    bilan(campaign, "59", "La CPTS du Valenciennois")
    bilan(campaign, "59", "Le centre social")
    for n in range(MIN_BILANS_SHOWN):
        bilan(campaign, "80", f"Réponse numéro {n}")
    login_as(Role.COORDINATOR, region=department("59").region)

    shown, note = helped(dashboard(client).context["bilan"])
    # The Nord's two answers cannot stand alone, nor beside the Somme's: all go together.
    assert list(shown) == ["Ensemble"]
    assert "La CPTS du Valenciennois" in shown["Ensemble"]
    assert note == ANSWERS_MERGED_NOTE
    assert [name for name, _texts in exported(client)["by_department"]] == ["Ensemble"]
    pdf = answers_page_of_pdf(client)
    assert "La CPTS du Valenciennois" in pdf
    headings = pdf.splitlines()
    assert "Ensemble" in headings
    assert "Nord" not in headings and "Somme" not in headings


def test_small_departments_together_beside_a_department_that_reaches_the_minimum(client, login_as, campaign):
    for n in range(MIN_BILANS_SHOWN):
        bilan(campaign, "80", f"Réponse de la Somme {n}")
        bilan(campaign, "59" if n < 2 else "62", f"Réponse du Nord ou du Pas-de-Calais {n}")
    login_as(Role.COORDINATOR, region=department("59").region)

    shown, _note = helped(dashboard(client).context["bilan"])
    assert list(shown) == ["Somme", "Autres départements, regroupés"]
    assert len(shown["Autres départements, regroupés"]) == MIN_BILANS_SHOWN


def test_with_the_minimum_reached_each_department_has_its_answers(client, login_as, campaign):
    for n in range(MIN_BILANS_SHOWN):
        bilan(campaign, "59", f"Réponse du Nord {n}")
        bilan(campaign, "80", f"Réponse de la Somme {n}")
    login_as(Role.COORDINATOR, region=department("59").region)

    shown, note = helped(dashboard(client).context["bilan"])
    assert list(shown) == ["Nord", "Somme"]
    assert note == ""
    assert [name for name, _texts in exported(client)["by_department"]] == ["Nord", "Somme"]
    pdf = answers_page_of_pdf(client)
    assert {"Nord", "Somme"} <= set(pdf.splitlines())
    assert "Réponse du Nord 0" in pdf


def test_fewer_bilans_than_the_minimum_in_the_whole_scope_withholds_every_answer(client, login_as, campaign):
    bilan(campaign, "59", "Une réponse seule")
    bilan(campaign, "80", "Une autre")
    login_as(Role.COORDINATOR, region=department("59").region)

    content = dashboard(client).content.decode()
    assert "Une réponse seule" not in content
    assert ANSWERS_WITHHELD_NOTE.replace("'", "&#x27;") in content
    assert "pour ne pas révéler les réponses d&#x27;un médiateur" in content
    assert exported(client)["by_department"] == []
    assert "Une réponse seule" not in answers_page_of_pdf(client)


@pytest.fixture
def reviewed_and_not(campaign):
    bilan(campaign, "59", "Mme Durand de la CPAM m'a aidée", reviewed="La CPAM m'a aidée")
    bilan(campaign, "59", "Le soutien de la mairie")  # not reviewed yet
    bilan(campaign, "59", "Texte retiré par la coordination", reviewed="")  # reviewed, withheld
    return campaign


def test_a_reader_gets_only_the_reviewed_texts_as_published(client, login_as, reviewed_and_not):
    login_as(Role.READER, region=department("59").region)

    content = dashboard(client).content.decode()
    assert "La CPAM m&#x27;a aidée" in content
    for hidden in ("Mme Durand", "Le soutien de la mairie", "Texte retiré", "non relue"):
        assert hidden not in content
    texts = [t for _name, found in exported(client)["by_department"] for t in found]
    assert texts == ["La CPAM m'a aidée"]


def test_an_edition_holds_only_the_reviewed_texts(reviewed_and_not):
    scope = resolve_scope(Department.objects.all(), year=YEAR, key="region:32")
    edition = editions.publish(scope, by=make_user(Role.COORDINATOR), version=1)
    stored = json.loads(bytes(edition.json))["annual"]["open_answers"]["what_helped"]
    assert [t for _name, found in stored["by_department"] for t in found] == ["La CPAM m'a aidée"]
    assert stored["unreviewed"] == 0


def test_a_coordinator_sees_every_answer_the_unreviewed_ones_marked(client, login_as, reviewed_and_not):
    login_as(Role.COORDINATOR, region=department("59").region)

    response = dashboard(client)
    content = response.content.decode()
    assert "La CPAM m&#x27;a aidée" in content  # the published text of a reviewed answer
    assert "Mme Durand" not in content
    assert content.count("non relue") == 1
    badge = content.index("non relue")
    assert content.index("Le soutien de la mairie") - badge < 200
    assert exported(client)["unreviewed"] == 1


# ---------------------------------------------------------------- the review


@pytest.fixture
def validated(campaign):
    return bilan(campaign, "59", "Mme Durand de la CPAM m'a aidée")


def review_url(bilan):
    return reverse("campaigns:bilan_answers_review", kwargs={"pk": bilan.pk})


TEXTS = {
    "what_helped_for_readers": "La CPAM m'a aidée",
    "what_hindered_for_readers": "",
    "what_to_improve_for_readers": "",
}


def test_the_coordinator_reviews_and_edits_the_published_text(client, login_as, validated):
    coordinator = login_as(Role.COORDINATOR, departments=[department("59")])
    page = client.get(reverse("campaigns:bilan_review", kwargs={"pk": validated.pk})).content.decode()
    assert "Réponses relues" in page and review_url(validated) in page

    response = client.post(review_url(validated), TEXTS, follow=True)
    assert "Réponses relues : les textes enregistrés" in response.content.decode()
    validated.refresh_from_db()
    assert validated.answers_reviewed_by == coordinator
    assert validated.what_helped_for_readers == "La CPAM m'a aidée"
    assert validated.what_helped == "Mme Durand de la CPAM m'a aidée"  # the mediator's text, untouched
    event = BilanEvent.objects.get(bilan=validated, action=BilanAction.ANSWERS_REVIEWED)
    assert event.by == coordinator and "Ce qui a facilité l'action" in event.comment
    logged = LogEntry.objects.get_for_object(validated).filter(action=LogEntry.Action.UPDATE).latest("timestamp")
    assert logged.changes_dict["what_helped_for_readers"] == ["", "La CPAM m'a aidée"]


def test_a_bilan_not_validated_cannot_have_its_answers_reviewed(client, login_as, campaign):
    submitted = bilan(campaign, "59", "Brouillon", state=BilanState.SUBMITTED)
    login_as(Role.COORDINATOR, departments=[department("59")])
    response = client.post(review_url(submitted), TEXTS, follow=True)
    assert "Seules les réponses d&#x27;un bilan validé se relisent" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.answers_reviewed_at is None


def test_a_text_too_long_is_refused_with_a_message(client, login_as, validated):
    login_as(Role.COORDINATOR, departments=[department("59")])
    response = client.post(review_url(validated), TEXTS | {"what_helped_for_readers": "x" * 5_001})
    assert response.status_code == 400
    assert "5000 caractères au plus." in response.content.decode()
    validated.refresh_from_db()
    assert validated.answers_reviewed_at is None


def test_a_coordinator_of_another_department_gets_a_404(client, login_as, validated):
    login_as(Role.COORDINATOR, departments=[department("80")])
    assert client.post(review_url(validated), TEXTS).status_code == 404
    validated.refresh_from_db()
    assert validated.answers_reviewed_at is None


@pytest.mark.parametrize("role", [Role.MEDIATOR, Role.READER])
def test_mediators_and_readers_get_a_403(client, login_as, validated, role):
    login_as(role) if role == Role.MEDIATOR else login_as(role, region=department("59").region)
    assert client.post(review_url(validated), TEXTS).status_code == 403
    validated.refresh_from_db()
    assert validated.answers_reviewed_at is None
