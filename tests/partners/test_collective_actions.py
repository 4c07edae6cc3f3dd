"""Collective actions with their partners (from the directory or only typed), as the bilan
counts them."""

import pytest
from django.urls import reverse

from mediation.enums import Vocabulary
from partners.enums import ActionRole, PartnerType
from partners.models import ActionPartner, CollectiveAction
from tests.accompaniments.factories import item

from .factories import ActionPartnerFactory, CollectiveActionFactory, PartnerFactory

pytestmark = pytest.mark.django_db

LIST = reverse("partners:action_list")
CREATE = reverse("partners:action_create")
PREFIX = "partenaires"


def formset(rows=(), initial=0, total=3):
    rows = list(rows) + [{}] * (total - len(rows))
    data = {f"{PREFIX}-TOTAL_FORMS": str(total), f"{PREFIX}-INITIAL_FORMS": str(initial)}
    for n, row in enumerate(rows):
        data[f"{PREFIX}-{n}-partner"] = row.get("partner", "")
        data[f"{PREFIX}-{n}-partner_type"] = row.get("partner_type", "")
        for key in ("id", "DELETE"):
            if key in row:
                data[f"{PREFIX}-{n}-{key}"] = row[key]
    return data


def data(rows=(), **overrides):
    values = {
        "date": "2025-03-20",
        "title": "Stand Mars bleu",
        "role": ActionRole.CO_ANIMATED,
        "audience": "public",
        "themes": [item(Vocabulary.PREVENTION_THEME, "cancer_depistages").pk],
        "publics": [item(Vocabulary.PUBLIC, "habitants").pk],
        "participants": "35",
        "place": "Centre social",
        "notes": "",
    }
    values.update(formset(rows))
    values.update(overrides)
    return values


def test_an_action_with_two_partners(client, world):
    cpam = PartnerFactory(name="CPAM de Lille-Douai", partner_type=PartnerType.CPAM)
    client.force_login(world.lille.mediator)
    html = client.get(CREATE).content.decode()
    assert html.count(f'name="{PREFIX}-2-partner"') == 1  # three empty rows, no script needed

    response = client.post(CREATE, data([{"partner": cpam.pk}, {"partner_type": PartnerType.HEALTH_PROFESSIONAL}]))

    action = CollectiveAction.objects.get()
    assert response.status_code == 302
    assert (action.mediator, action.post, action.participants) == (world.lille.mediator, world.lille.post, 35)
    links = list(action.action_partners.order_by("pk"))
    assert [(link.partner, link.partner_type) for link in links] == [
        (cpam, PartnerType.CPAM),
        (None, PartnerType.HEALTH_PROFESSIONAL),
    ]
    codes = set(ActionPartner.objects.with_coanimating_code().values_list("coanimating_code", flat=True))
    assert codes == {"cpam", "professionnel_de_sante"}
    detail = client.get(response["Location"]).content.decode()
    assert "CPAM de Lille-Douai" in detail and "Professionnel de santé" in detail


def test_a_co_animated_action_needs_a_partner(client, world):
    client.force_login(world.lille.mediator)
    response = client.post(CREATE, data())
    assert response.status_code == 200
    assert "Une action co-animée ou co-construite a au moins un partenaire." in response.content.decode()
    assert not CollectiveAction.objects.exists()
    assert client.post(CREATE, data(role=ActionRole.ATTENDED)).status_code == 302


def test_partner_rows_are_validated(client, world):
    cpam = PartnerFactory(partner_type=PartnerType.CPAM)
    somme = PartnerFactory(department=world.amiens.commune.department)
    client.force_login(world.lille.mediator)
    response = client.post(CREATE, data([{"partner": cpam.pk}, {"partner": cpam.pk}]))
    assert "Le même partenaire figure deux fois." in response.content.decode()
    response = client.post(CREATE, data([{"partner": somme.pk}]))
    assert response.context["formset"].forms[0].errors["partner"] == ["Choisissez un partenaire du répertoire."]
    response = client.post(CREATE, data([{"partner_type": "inconnu"}]))
    assert "partner_type" in response.context["formset"].forms[0].errors
    response = client.post(CREATE, data([{"partner": "abc"}]))
    assert "partner" in response.context["formset"].forms[0].errors
    # A tampered management form is a message, not a 500.
    response = client.post(CREATE, {**data([{"partner": cpam.pk}]), f"{PREFIX}-TOTAL_FORMS": "abc"})
    assert response.status_code == 200
    assert not CollectiveAction.objects.exists()


@pytest.mark.parametrize(
    "field,value",
    [
        ("themes", []),
        ("themes", ["999999"]),
        ("publics", ["abc"]),
        ("role", "chef"),
        ("audience", ""),
        ("participants", "-4"),
        ("title", "t" * 201),
        ("date", "2099-01-01"),
    ],
)
def test_bad_action_fields_are_form_errors(client, world, field, value):
    client.force_login(world.lille.mediator)
    response = client.post(CREATE, data([{"partner_type": "cpam"}], **{field: value}))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not CollectiveAction.objects.exists()


def test_editing_an_action_replaces_and_removes_partners(client, world):
    action = CollectiveActionFactory(mediator=world.lille.mediator, post=world.lille.post)
    link = ActionPartnerFactory(action=action, partner_type=PartnerType.CPAM)
    client.force_login(world.lille.mediator)
    url = reverse("partners:action_update", kwargs={"pk": action.pk})
    response = client.post(
        url,
        {
            **data(),
            **formset(
                [{"id": link.pk, "partner_type": "cpam", "DELETE": "on"}, {"partner_type": PartnerType.SOCIAL_CENTRE}],
                initial=1,
            ),
            "version": 1,
        },
    )
    assert response.status_code == 302
    assert list(action.action_partners.values_list("partner_type", flat=True)) == [PartnerType.SOCIAL_CENTRE]


def test_a_double_submit_records_one_action(client, world):
    client.force_login(world.lille.mediator)
    payload = data([{"partner_type": "cpam"}], submission_key="5d0f6d7e-8b1c-4a2e-9f3a-2b4c6d8e0f1a")
    client.post(CREATE, payload)
    client.post(CREATE, payload)
    assert CollectiveAction.objects.count() == 1


def test_actions_are_the_mediators_and_read_by_her_manager(client, world):
    action = CollectiveActionFactory(mediator=world.lille.mediator, post=world.lille.post)
    detail = reverse("partners:action_detail", kwargs={"pk": action.pk})
    update = reverse("partners:action_update", kwargs={"pk": action.pk})
    client.force_login(world.lille.manager)
    assert action.title in client.get(LIST).content.decode()
    assert client.get(detail).status_code == 200
    assert client.get(update).status_code == 403
    client.force_login(world.roubaix.mediator)
    assert action.title not in client.get(LIST).content.decode()
    assert client.get(detail).status_code == 404
    assert client.get(update).status_code == 404


def test_the_action_list_does_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    for _ in range(20):
        action = CollectiveActionFactory(mediator=world.lille.mediator, post=world.lille.post)
        ActionPartnerFactory(action=action, partner=PartnerFactory(), partner_type=PartnerType.CCAS)
    client.force_login(world.lille.mediator)
    with django_assert_max_num_queries(15):
        client.get(LIST)
