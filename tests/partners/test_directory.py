"""The partner directory of a department and each mediator's own partners ("Mes partenaires")."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from mediation.enums import Vocabulary
from partners.enums import PartnerType
from partners.models import MediatorPartner, Partner, partner_name_key
from tests.accompaniments.factories import item

from .factories import MediatorPartnerFactory, PartnerFactory

pytestmark = pytest.mark.django_db

LIST = reverse("partners:partner_list")
CREATE = reverse("partners:partner_create")
MINE = reverse("partners:my_partners")
ADD = reverse("partners:my_partner_add")


def partner_data(**overrides):
    data = {
        "name": "CPAM de Roubaix-Tourcoing",
        "partner_type": PartnerType.CPAM,
        "category": item(Vocabulary.PARTNER_CATEGORY, "social").pk,
        "commune": "",
        "address": "2 place Sébastopol",
        "phone": "36 46",
        "email": "",
        "website": "www.ameli.fr",
        "publics": [],
    }
    data.update(overrides)
    return data


def test_name_keys_ignore_accents_case_punctuation_and_articles():
    assert partner_name_key("C.C.A.S. de Lens") == "ccas lens" == partner_name_key("CCAS Lens")
    assert partner_name_key("CPAM de Roubaix-Tourcoing") == partner_name_key("cpam  ROUBAIX tourcoing")
    assert partner_name_key("Centre social l'Épeule") == "centre social epeule"


def test_a_mediator_adds_a_partner_to_her_department(client, world):
    client.force_login(world.lille.mediator)
    response = client.post(CREATE, partner_data())
    partner = Partner.objects.get()
    assert response.status_code == 302
    assert partner.department.code == "59" and partner.created_by == world.lille.mediator
    assert partner.website == "https://www.ameli.fr"
    assert partner.coanimating_code == "cpam"


def test_a_near_duplicate_name_is_flagged_and_needs_a_confirmation(client, world):
    PartnerFactory(name="CPAM Roubaix Tourcoing", partner_type=PartnerType.CPAM)
    client.force_login(world.lille.mediator)

    response = client.post(CREATE, partner_data(name="C.P.A.M. de ROUBAIX-TOURCOING"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Un partenaire au nom proche existe déjà" in html and "CPAM Roubaix Tourcoing" in html
    assert 'type="checkbox" name="confirm_distinct"' in html
    assert Partner.objects.count() == 1

    response = client.post(CREATE, partner_data(name="C.P.A.M. de ROUBAIX-TOURCOING", confirm_distinct="on"))
    assert response.status_code == 302
    assert Partner.objects.count() == 2


@pytest.mark.parametrize(
    "existing,new,similar",
    [
        ("CAF du Nord", "CAF", True),
        ("CCAS", "CCAS de Lens", True),
        ("Centre social l'Épeule", "centre social epeule", True),
        ("CAF du Nord", "Café solidaire", False),
        ("CCAS de Lens", "CCAS de Liévin", False),
    ],
)
def test_similarity_is_the_same_key_or_one_containing_the_other(world, existing, new, similar):
    PartnerFactory(name=existing)
    found = Partner.objects.similar_to(new, department=world.lille.commune.department).exists()
    assert found is similar


def test_a_near_duplicate_in_another_department_is_not_flagged(client, world):
    PartnerFactory(name="CPAM Roubaix Tourcoing", department=world.amiens.commune.department)
    client.force_login(world.lille.mediator)
    assert client.post(CREATE, partner_data()).status_code == 302


def test_bad_input_gets_french_messages(client, world):
    client.force_login(world.lille.mediator)
    response = client.post(
        CREATE,
        partner_data(
            name="x" * 201,
            partner_type="inconnu",
            category="999999",
            phone="pas un numéro",
            email="nope",
            website="pas un site",
            publics=["abc"],
            commune=world.amiens.commune.pk,
        ),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) >= {"name", "partner_type", "category", "phone", "email", "website", "publics", "commune"}
    assert errors["website"] == ["Saisissez une adresse de site valide, par exemple https://www.ameli.fr."]
    assert not Partner.objects.exists()


def test_the_directory_lists_the_department_with_search_and_filters(client, world):
    cpam = PartnerFactory(name="CPAM de Lille-Douai", cpam=False, partner_type=PartnerType.CPAM)
    ccas = PartnerFactory(name="CCAS de Lille", partner_type=PartnerType.CCAS)
    health = PartnerFactory(
        name="Maison de santé Lille Sud",
        partner_type=PartnerType.HEALTH_PROFESSIONAL,
        category=item(Vocabulary.PARTNER_CATEGORY, "health"),
    )
    somme = PartnerFactory(name="CPAM de la Somme", department=world.amiens.commune.department)
    client.force_login(world.lille.mediator)

    def names(**criteria):
        # A search is sent by POST, then shown at the URL it redirects to.
        response = client.get(client.post(LIST, criteria)["Location"] if criteria else LIST)
        return {p.name for p in response.context["page"]}

    assert names() == {cpam.name, ccas.name, health.name}
    assert somme.name not in client.get(LIST).content.decode()
    assert names(q="lille") == {cpam.name, ccas.name, health.name}
    assert names(q="ccas") == {ccas.name}
    assert names(partner_type=PartnerType.CPAM) == {cpam.name}
    assert names(category=item(Vocabulary.PARTNER_CATEGORY, "health").pk) == {health.name}
    # Unknown filter values are ignored, never an error page.
    assert client.get(LIST + "?category=abc&partner_type=zzz&page=x").status_code == 200


def test_the_directory_list_does_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    for n in range(30):
        PartnerFactory(name=f"Partenaire {n}")
    client.force_login(world.lille.mediator)
    with django_assert_max_num_queries(15):
        client.get(LIST)


def test_coordinators_read_the_directory_of_their_departments(client, world):
    nord = PartnerFactory(name="CAF du Nord")
    somme = PartnerFactory(name="CAF de la Somme", department=world.amiens.commune.department)
    client.force_login(world.coordinator_nord)
    html = client.get(LIST).content.decode()
    assert nord.name in html and somme.name not in html
    assert "Ajouter un partenaire" not in html
    assert client.get(reverse("partners:partner_detail", kwargs={"pk": somme.pk})).status_code == 404
    assert client.get(CREATE).status_code == 403


def test_a_partner_of_another_department_is_a_404(client, world):
    somme = PartnerFactory(department=world.amiens.commune.department)
    client.force_login(world.lille.mediator)
    for name in ("partner_detail", "partner_update"):
        assert client.get(reverse(f"partners:{name}", kwargs={"pk": somme.pk})).status_code == 404


def test_editing_a_partner_keeps_its_author_and_checks_the_version(client, world):
    partner = PartnerFactory(name="CCAS de Lille", created_by=world.lille.mediator)
    client.force_login(world.roubaix.mediator)
    url = reverse("partners:partner_update", kwargs={"pk": partner.pk})
    data = partner_data(name="CCAS de Lille", partner_type=PartnerType.CCAS, version=1)
    assert client.post(url, data).status_code == 302
    partner.refresh_from_db()
    assert partner.created_by == world.lille.mediator and partner.version == 2
    # A form opened before that edit does not overwrite it.
    response = client.post(url, {**data, "address": "Autre adresse"})
    assert response.status_code == 200
    assert "modifiées par ailleurs" in response.content.decode()


# ---------------------------------------------------------------- my partners


def test_a_mediator_adds_edits_and_removes_her_partners(client, world):
    partner = PartnerFactory(name="CAF du Nord", partner_type=PartnerType.CAF)
    client.force_login(world.lille.mediator)

    form = client.get(f"{ADD}?partenaire={partner.pk}").context["form"]
    assert form["partner"].value() == partner.pk
    response = client.post(ADD, {"partner": partner.pk, "since": "2024-02-01", "attends_bodies": "on", "notes": ""})
    assert response.status_code == 302
    partnership = MediatorPartner.objects.get()
    assert (partnership.mediator, partnership.post) == (world.lille.mediator, world.lille.post)
    assert partnership.attends_bodies
    assert "CAF du Nord" in client.get(MINE).content.decode()

    url = reverse("partners:my_partner_update", kwargs={"pk": partnership.pk})
    client.post(url, {"since": "2024-02-01", "notes": "Référente : accueil du lundi", "version": 1})
    partnership.refresh_from_db()
    assert not partnership.attends_bodies and partnership.notes == "Référente : accueil du lundi"

    client.post(reverse("partners:my_partner_remove", kwargs={"pk": partnership.pk}))
    partnership.refresh_from_db()
    assert partnership.ended_on == timezone.localdate()
    assert list(client.get(MINE).context["partnerships"]) == []
    # Still counted for the year the partnership lasted.
    assert MediatorPartner.objects.active_during(2024).filter(pk=partnership.pk).exists()


def test_a_partner_cannot_be_added_twice_nor_from_another_department(client, world):
    partner = PartnerFactory()
    somme = PartnerFactory(department=world.amiens.commune.department)
    MediatorPartnerFactory(mediator=world.lille.mediator, post=world.lille.post, partner=partner)
    client.force_login(world.lille.mediator)
    for pk in (partner.pk, somme.pk, "abc"):
        response = client.post(ADD, {"partner": pk, "since": "2024-01-01"})
        assert response.status_code == 200
        assert "partner" in response.context["form"].errors
    assert client.get(f"{ADD}?partenaire=abc").status_code == 404


def test_a_future_start_date_is_refused(client, world):
    partner = PartnerFactory()
    client.force_login(world.lille.mediator)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = client.post(ADD, {"partner": partner.pk, "since": tomorrow.isoformat()})
    assert response.context["form"].errors["since"] == ["La date ne peut pas être dans le futur."]


def test_my_partners_are_mine_only(client, world):
    theirs = MediatorPartnerFactory(mediator=world.roubaix.mediator, post=world.roubaix.post)
    client.force_login(world.lille.mediator)
    assert theirs.partner.name not in client.get(MINE).content.decode()
    for name in ("my_partner_update", "my_partner_remove"):
        assert client.post(reverse(f"partners:{name}", kwargs={"pk": theirs.pk})).status_code == 404
    theirs.refresh_from_db()
    assert theirs.ended_on is None
