"""Handling a referral: the mediator of the post (or the structure manager) sees it, makes a
first contact, accepts it into a sheet (existing person or new one) or declines it. The
professional is told by reference number and outcome only. Coordinators route the referrals
no post covers without ever seeing a name."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accompaniments.enums import ConsentMethod
from accompaniments.models import Beneficiary, Sheet
from mediation.enums import Vocabulary
from partners.enums import ReferralStatus
from partners.models import Referral
from tests.accompaniments.factories import BeneficiaryFactory, item

from .factories import ReferralFactory

pytestmark = pytest.mark.django_db

INBOX = reverse("partners:referral_inbox")
ROUTING = reverse("partners:referral_routing")


def url(name, referral):
    return reverse(f"partners:{name}", kwargs={"pk": referral.pk})


@pytest.fixture
def referral(world):
    return ReferralFactory(commune=world.lille.commune, post=world.lille.post)


@pytest.fixture
def unrouted(world):
    return ReferralFactory(commune=world.croix, post=None, patient_last_name="Lefebvre", message="Suivi diabète")


def test_the_mediator_sees_the_referrals_of_her_post_only(client, world, referral):
    other = ReferralFactory(commune=world.roubaix.commune, post=world.roubaix.post, patient_last_name="Autre")
    client.force_login(world.lille.mediator)

    html = client.get(INBOX).content.decode()
    assert referral.reference in html and "BENALI Samira" in html
    assert other.reference not in html
    assert client.get(url("referral_detail", other)).status_code == 404
    assert client.get(url("referral_accept", other)).status_code == 404
    assert client.post(url("referral_decline", other), {"reason": "x"}).status_code == 404


def test_the_structure_manager_sees_the_structure_referrals(client, world, referral):
    client.force_login(world.lille.manager)
    assert referral.reference in client.get(INBOX).content.decode()
    client.force_login(world.roubaix.manager)
    assert referral.reference not in client.get(INBOX).content.decode()


def test_a_successor_on_the_post_inherits_its_referrals(client, world, referral):
    from tests.factories import UserFactory

    successor = UserFactory()
    world.lille.post.hand_over(to=successor, on=timezone.localdate())
    world.lille.mediator.membership.__class__.objects.create(
        user=successor, role="mediator", structure=world.lille.structure
    )
    client.force_login(successor)
    assert referral.reference in client.get(INBOX).content.decode()
    client.force_login(world.lille.mediator)
    assert referral.reference not in client.get(INBOX).content.decode()


def test_reading_a_referral_is_traced(client, world, referral):
    from auditlog.models import LogEntry

    client.force_login(world.lille.mediator)
    response = client.get(url("referral_detail", referral))
    assert response.status_code == 200
    assert "06 11 22 33 44" in response.content.decode()
    entry = LogEntry.objects.get(action=LogEntry.Action.ACCESS, object_pk=str(referral.pk))
    assert entry.actor == world.lille.mediator
    assert "Benali" not in entry.object_repr


def test_accepting_creates_the_person_and_a_sheet_from_the_referral(client, world, referral, mailoutbox, committed):
    client.force_login(world.lille.mediator)
    page = client.get(url("referral_accept", referral))
    assert "Créer une nouvelle personne" in page.content.decode()

    response = committed(client.post, url("referral_accept", referral), {"beneficiary": "", "action": "accept"})

    referral.refresh_from_db()
    sheet = referral.sheet
    assert response.status_code == 302
    assert response["Location"] == reverse("accompaniments:sheet_detail", kwargs={"pk": sheet.pk})
    person = sheet.beneficiary
    assert (person.last_name, person.first_name, person.phone) == ("Benali", "Samira", "06 11 22 33 44")
    assert person.structure == world.lille.structure and person.referent == world.lille.mediator
    assert person.commune == world.lille.commune
    assert person.consent_method == ConsentMethod.REFERRAL
    partner_referral = item(Vocabulary.CAME_VIA, "partner_referral")
    assert sheet.came_via == partner_referral and person.came_via == partner_referral
    assert sheet.post == world.lille.post and sheet.mediator == world.lille.mediator
    assert sheet.opened_on == timezone.localdate()
    assert referral.status == ReferralStatus.ACCEPTED
    assert referral.decided_by == world.lille.mediator
    # Time to first contact: from reception to acceptance, as none was noted before.
    assert referral.first_contact_at == referral.decided_at
    assert referral.time_to_first_contact >= datetime.timedelta(days=2)
    assert referral.time_to_first_contact_label == "2 jours"
    [mail] = mailoutbox
    assert mail.to == ["claire.vandamme@exemple.fr"]
    assert referral.reference in mail.body and "prise en charge" in mail.body
    assert "Benali" not in mail.body and "Samira" not in mail.body


def test_accepting_for_a_person_already_followed_adds_a_sheet_to_her(client, world, referral):
    known = BeneficiaryFactory(
        structure=world.lille.structure, referent=world.lille.mediator, last_name="BENALI", first_name="Samira"
    )
    client.force_login(world.lille.mediator)
    page = client.get(url("referral_accept", referral)).content.decode()
    assert "Une personne du même nom est déjà suivie" in page
    assert f'value="{known.pk}"' in page

    client.post(url("referral_accept", referral), {"beneficiary": known.pk, "action": "accept"})

    assert Beneficiary.objects.count() == 1
    assert Sheet.objects.get().beneficiary == known


def test_the_person_search_is_sent_by_post_and_stays_in_the_structure(client, world, referral):
    mine = BeneficiaryFactory(structure=world.lille.structure, last_name="Haddad", first_name="Inès")
    theirs = BeneficiaryFactory(structure=world.roubaix.structure, last_name="Haddad", first_name="Karim")
    client.force_login(world.lille.mediator)

    response = client.post(url("referral_accept", referral), {"search": "haddad", "action": "search"})
    html = response.content.decode()
    assert response.status_code == 200 and not Sheet.objects.exists()
    assert "HADDAD Inès" in html and "Karim" not in html
    # A person of another structure cannot be forced in.
    response = client.post(url("referral_accept", referral), {"beneficiary": theirs.pk, "action": "accept"})
    assert response.status_code == 200
    assert "beneficiary" in response.context["form"].errors
    assert not Sheet.objects.exists()
    assert mine.sheets.count() == 0


def test_malformed_choices_are_form_errors(client, world, referral):
    client.force_login(world.lille.mediator)
    for value in ("abc", "-1", "99999999"):
        response = client.post(url("referral_accept", referral), {"beneficiary": value, "action": "accept"})
        assert response.status_code == 200
        assert response.context["form"].errors["beneficiary"] == ["Choisissez une personne de la liste."]


def test_a_first_contact_can_be_noted_before_accepting(client, world, referral):
    client.force_login(world.lille.mediator)
    client.post(url("referral_first_contact", referral))
    referral.refresh_from_db()
    first_contact = referral.first_contact_at
    assert first_contact is not None
    assert "Premier contact" in client.get(url("referral_detail", referral)).content.decode()

    client.post(url("referral_accept", referral), {"beneficiary": "", "action": "accept"})
    referral.refresh_from_db()
    assert referral.first_contact_at == first_contact


def test_declining_mails_the_outcome_without_the_reason_nor_health_details(
    client, world, referral, mailoutbox, committed
):
    referral.message = "Suivi cardiologique interrompu"
    referral.save()
    client.force_login(world.lille.mediator)

    response = committed(client.post, url("referral_decline", referral), {"reason": "Déjà suivie par l'hôpital"})

    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.DECLINED
    assert referral.decline_reason == "Déjà suivie par l'hôpital"
    [mail] = mailoutbox
    assert mail.to == ["claire.vandamme@exemple.fr"]
    assert referral.reference in mail.body and "n'a pas pu être prise en charge" in mail.body
    for secret in ("Benali", "Samira", "cardiologique", "hôpital", "Accès aux droits"):
        assert secret not in mail.body


def test_declining_needs_a_reason(client, world, referral):
    client.force_login(world.lille.mediator)
    response = client.post(url("referral_decline", referral), {"reason": ""})
    assert response.context["form"].errors["reason"] == ["Indiquez le motif du refus."]
    response = client.post(url("referral_decline", referral), {"reason": "x" * 501})
    assert "reason" in response.context["form"].errors


def test_a_handled_referral_cannot_be_handled_twice(client, world, referral):
    client.force_login(world.lille.mediator)
    client.post(url("referral_accept", referral), {"beneficiary": "", "action": "accept"})
    response = client.post(url("referral_accept", referral), {"beneficiary": "", "action": "accept"})
    assert response.status_code == 302
    assert Sheet.objects.count() == 1
    response = client.post(url("referral_decline", referral), {"reason": "x"}, follow=True)
    assert "déjà été traitée" in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED


def test_the_inbox_filters_by_state(client, world, referral):
    done = ReferralFactory(
        commune=world.lille.commune,
        post=world.lille.post,
        status=ReferralStatus.DECLINED,
        decided_at=timezone.now(),
        patient_last_name="Declinee",
    )
    client.force_login(world.lille.mediator)
    pending_html = client.get(INBOX).content.decode()
    assert referral.reference in pending_html and done.reference not in pending_html
    declined_html = client.get(INBOX + "?etat=declined").content.decode()
    assert done.reference in declined_html and referral.reference not in declined_html
    assert client.get(INBOX + "?etat=<script>").status_code == 200


# ---------------------------------------------------------------- coordinators


def test_coordinators_see_unrouted_referrals_of_their_departments_without_names(client, world, unrouted):
    client.force_login(world.coordinator_nord)
    html = client.get(ROUTING).content.decode()
    assert unrouted.reference in html and "Croix" in html and "1 motif" in html
    for secret in ("Lefebvre", "Samira", "Suivi diabète", "Vandamme", "06 11 22 33 44"):
        assert secret not in html
    client.force_login(world.coordinator_somme)
    assert unrouted.reference not in client.get(ROUTING).content.decode()
    assert client.get(url("referral_assign", unrouted)).status_code == 404


def test_a_coordinator_assigns_an_unrouted_referral_to_a_post(client, world, unrouted, mailoutbox, committed):
    client.force_login(world.coordinator_nord)
    page = client.get(url("referral_assign", unrouted)).content.decode()
    assert "Lefebvre" not in page and "Suivi diabète" not in page
    assert world.lille.post.code in page and world.amiens.post.code not in page

    response = committed(client.post, url("referral_assign", unrouted), {"post": world.roubaix.post.pk})

    assert response.status_code == 302
    unrouted.refresh_from_db()
    assert unrouted.post == world.roubaix.post and unrouted.assigned_by == world.coordinator_nord
    [mail] = mailoutbox
    assert mail.to == [world.roubaix.mediator.email] and "Lefebvre" not in mail.body
    client.force_login(world.roubaix.mediator)
    assert unrouted.reference in client.get(INBOX).content.decode()


def test_a_coordinator_cannot_assign_a_post_of_another_department(client, world, unrouted):
    client.force_login(world.coordinator_region)
    response = client.post(url("referral_assign", unrouted), {"post": world.amiens.post.pk})
    assert response.status_code == 200
    assert response.context["form"].errors["post"] == ["Choisissez un poste de la liste."]
    response = client.post(url("referral_assign", unrouted), {"post": "abc"})
    assert response.status_code == 200
    unrouted.refresh_from_db()
    assert unrouted.post is None


def test_a_routed_referral_is_not_in_the_coordinators_list(client, world, referral):
    client.force_login(world.coordinator_nord)
    assert referral.reference not in client.get(ROUTING).content.decode()
    assert client.get(url("referral_assign", referral)).status_code == 404


def test_the_first_contact_delay_is_available_to_the_bilan(world, referral):
    referral.first_contact_at = referral.received_at + datetime.timedelta(hours=5)
    referral.save()
    delay = Referral.objects.with_first_contact_delay().get().first_contact_delay
    assert delay == datetime.timedelta(hours=5)
    assert Referral.objects.get().time_to_first_contact_label == "5 h"
