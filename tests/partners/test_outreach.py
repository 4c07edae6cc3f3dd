"""Outreach (aller-vers) sessions: logged by the mediator, read by her structure manager,
validated field by field with French messages."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from partners.models import OutreachSession
from tests.factories import PostFactory, PostHoldingFactory

from .factories import OutreachSessionFactory

pytestmark = pytest.mark.django_db

LIST = reverse("partners:outreach_list")
CREATE = reverse("partners:outreach_create")


def data(world, **overrides):
    values = {
        "date": "2025-03-12",
        "commune": world.lille.commune.pk,
        "qpv": world.qpv.pk,
        "place": "Résidence des Peupliers, bâtiments A à D",
        "dwellings_visited": "60",
        "people_met": "22",
        "people_accepted_presentation": "14",
        "notes": "",
    }
    values.update(overrides)
    return values


def test_a_mediator_logs_a_session_on_her_post(client, world):
    client.force_login(world.lille.mediator)
    form = client.get(CREATE).context["form"]
    assert "post" not in form.fields  # one post: no question asked
    response = client.post(CREATE, data(world))

    session = OutreachSession.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("partners:outreach_detail", kwargs={"pk": session.pk})
    assert (session.mediator, session.post, session.qpv) == (world.lille.mediator, world.lille.post, world.qpv)
    assert (session.dwellings_visited, session.people_met, session.people_accepted_presentation) == (60, 22, 14)


def test_the_session_page_links_to_creating_a_person_met(client, world):
    session = OutreachSessionFactory(mediator=world.lille.mediator, post=world.lille.post, commune=world.lille.commune)
    client.force_login(world.lille.mediator)
    html = client.get(reverse("partners:outreach_detail", kwargs={"pk": session.pk})).content.decode()
    link = reverse("accompaniments:beneficiary_create") + f"?came_via=outreach&amp;outreach={session.pk}"
    assert link in html and "Créer une personne rencontrée" in html


def test_more_people_accepting_than_met_is_refused(client, world):
    client.force_login(world.lille.mediator)
    response = client.post(CREATE, data(world, people_met="5", people_accepted_presentation="6"))
    assert response.status_code == 200
    assert response.context["form"].errors["people_accepted_presentation"] == [
        "Ce nombre ne peut dépasser celui des personnes rencontrées."
    ]
    assert not OutreachSession.objects.exists()


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("date", "future", "La date ne peut pas être dans le futur."),
        ("date", "2025-13-45", "Saisissez une date valide (jj/mm/aaaa)."),
        ("date", "2022-06-01", "Vous ne teniez pas le poste HDF-59-59350 le 01/06/2022."),
        ("people_met", "-1", "Saisissez un nombre entier entre 0 et 100 000."),
        ("people_met", "douze", "Saisissez un nombre entier entre 0 et 100 000."),
        ("dwellings_visited", "99999999999999999999", "Saisissez un nombre entier entre 0 et 100 000."),
        ("dwellings_visited", "", "Saisissez un nombre (0 si aucun)."),
        ("commune", "99999999", "Choisissez une commune de la liste."),
        ("commune", "abc", "Choisissez une commune de la liste."),
        ("qpv", "abc", "Choisissez un QPV de la liste."),
    ],
)
def test_bad_input_gets_a_french_message_next_to_the_field(client, world, field, value, message):
    if value == "future":
        value = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    client.force_login(world.lille.mediator)
    response = client.post(CREATE, data(world, **{field: value}))
    assert response.status_code == 200
    assert message in response.context["form"].errors[field]
    assert not OutreachSession.objects.exists()


def test_the_qpv_must_be_in_the_commune(client, world):
    roubaix_qpv = world.qpv.__class__.objects.create(
        code="QN05903M", name="Pile", department=world.roubaix.commune.department
    )
    roubaix_qpv.communes.set([world.roubaix.commune])
    client.force_login(world.lille.mediator)
    response = client.post(CREATE, data(world, qpv=roubaix_qpv.pk))
    assert response.context["form"].errors["qpv"] == ["Ce QPV ne se trouve pas à Lille."]


def test_a_mediator_with_two_posts_chooses_one(client, world):
    second = PostFactory(code="HDF-59-BIS", structure=world.lille.structure)
    second.communes.set([world.lille.commune])
    PostHoldingFactory(post=second, mediator=world.lille.mediator)
    client.force_login(world.lille.mediator)
    assert client.post(CREATE, data(world)).context["form"].errors["post"] == ["Choisissez le poste."]
    response = client.post(CREATE, data(world, post=world.roubaix.post.pk))
    assert response.context["form"].errors["post"] == ["Choisissez l'un de vos postes."]
    client.post(CREATE, data(world, post=second.pk))
    assert OutreachSession.objects.get().post == second


def test_editing_a_session(client, world):
    session = OutreachSessionFactory(mediator=world.lille.mediator, post=world.lille.post, commune=world.lille.commune)
    client.force_login(world.lille.mediator)
    url = reverse("partners:outreach_update", kwargs={"pk": session.pk})
    response = client.post(url, data(world, people_met="30", version=1))
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.people_met == 30 and session.version == 2


def test_the_manager_reads_the_structure_sessions_and_nobody_else_does(client, world):
    session = OutreachSessionFactory(mediator=world.lille.mediator, post=world.lille.post, commune=world.lille.commune)
    detail = reverse("partners:outreach_detail", kwargs={"pk": session.pk})
    update = reverse("partners:outreach_update", kwargs={"pk": session.pk})

    client.force_login(world.lille.manager)
    assert len(client.get(LIST).context["page"]) == 1
    html = client.get(detail).content.decode()
    assert "Créer une personne rencontrée" not in html and "Modifier" not in html
    assert client.get(update).status_code == 403

    client.force_login(world.roubaix.mediator)
    assert len(client.get(LIST).context["page"]) == 0
    assert client.get(detail).status_code == 404
    assert client.post(update, data(world)).status_code == 404


def test_sessions_of_a_year_are_summed_by_the_database(world):
    OutreachSessionFactory(mediator=world.lille.mediator, post=world.lille.post, commune=world.lille.commune)
    OutreachSessionFactory(
        mediator=world.lille.mediator,
        post=world.lille.post,
        commune=world.lille.commune,
        date=datetime.date(2024, 5, 2),
    )
    from django.db.models import Sum

    totals = OutreachSession.objects.for_year(2025).for_mediator(world.lille.mediator).aggregate(n=Sum("people_met"))
    assert totals["n"] == 15
