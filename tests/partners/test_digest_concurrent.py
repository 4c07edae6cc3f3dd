"""Two runs of the daily jobs at the same moment (a scheduler and an operator's
`run_daily_jobs`, say) send each digest once: the subscriptions are locked while the day is
marked on them, and the second run finds them handled."""

import pytest
from django.core import mail
from django.utils import timezone

from mediation import operations
from partners.digest import DIGESTS
from partners.enums import DigestFrequency
from partners.models import DigestSubscription
from tests.concurrency import require_concurrent_database, simultaneously

from .test_digest import due_request

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_two_simultaneous_runs_send_each_digest_once(world, mailoutbox):
    require_concurrent_database()
    teams = (world.lille, world.roubaix, world.amiens)
    for team in teams:
        due_request(team.mediator, post=team.post, follow_up_on=timezone.localdate())
        DigestSubscription.objects.create(user=team.mediator, frequency=DigestFrequency.DAILY)

    runs = simultaneously(*(lambda: operations.run_daily_jobs([DIGESTS]) for _ in range(2)))

    assert all(run.succeeded for [run] in runs)
    assert sorted(run.counts["recapitulatifs_envoyes"] for [run] in runs) == [0, 3]
    assert sorted(m.to[0] for m in mail.outbox) == sorted(team.mediator.email for team in teams)
