"""The referral inbox and the acceptance page show patients: each display is traced (CNIL) with
who, when, the kind of page and exactly the referrals (and people) shown, by id only."""

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accompaniments.models import Beneficiary
from partners.enums import ReferralStatus
from partners.models import Referral
from tests.accompaniments.factories import BeneficiaryFactory

from .factories import ReferralFactory

pytestmark = pytest.mark.django_db

INBOX = reverse("partners:referral_inbox")


def shown_on(page, model):
    entries = LogEntry.objects.filter(additional_data__page=page, content_type=ContentType.objects.get_for_model(model))
    assert {entry.action for entry in entries} <= {LogEntry.Action.ACCESS}
    return sorted(entries.values_list("object_id", flat=True)), {entry.actor for entry in entries}


def test_the_inbox_logs_the_referrals_of_the_tab_shown(client, world):
    pending = [ReferralFactory(commune=world.lille.commune, post=world.lille.post) for _ in range(2)]
    accepted = ReferralFactory(
        commune=world.lille.commune, post=world.lille.post, status=ReferralStatus.ACCEPTED, decided_at=timezone.now()
    )
    ReferralFactory(commune=world.roubaix.commune, post=world.roubaix.post)
    client.force_login(world.lille.mediator)

    assert client.get(INBOX).status_code == 200
    assert shown_on("referral_inbox", Referral) == (sorted(r.pk for r in pending), {world.lille.mediator})

    LogEntry.objects.all().delete()
    assert client.get(f"{INBOX}?etat=accepted").status_code == 200
    assert shown_on("referral_inbox", Referral) == ([accepted.pk], {world.lille.mediator})
    assert "Benali" not in str(list(LogEntry.objects.values_list("object_repr", "changes", "additional_data")))


def test_the_inbox_costs_the_same_queries_for_one_or_five_referrals(client, world):
    client.force_login(world.lille.mediator)
    ReferralFactory(commune=world.lille.commune, post=world.lille.post)
    with CaptureQueriesContext(connection) as one:
        client.get(INBOX)
    for _ in range(4):
        ReferralFactory(commune=world.lille.commune, post=world.lille.post)
    with CaptureQueriesContext(connection) as five:
        client.get(INBOX)
    assert len(five) == len(one)
    assert LogEntry.objects.filter(additional_data__page="referral_inbox").count() == 1 + 5


def test_the_acceptance_page_logs_the_referral_and_the_people_offered(client, world):
    referral = ReferralFactory(commune=world.lille.commune, post=world.lille.post)
    same_name = BeneficiaryFactory(
        structure=world.lille.structure, referent=world.lille.mediator, last_name="Benali", first_name="Samira"
    )
    BeneficiaryFactory(structure=world.lille.structure, referent=world.lille.mediator, last_name="Autre")
    client.force_login(world.lille.mediator)

    page = client.get(reverse("partners:referral_accept", kwargs={"pk": referral.pk}))

    assert page.status_code == 200 and f'value="{same_name.pk}"' in page.content.decode()
    assert shown_on("referral_accept", Referral) == ([referral.pk], {world.lille.mediator})
    assert shown_on("referral_accept", Beneficiary) == ([same_name.pk], {world.lille.mediator})
