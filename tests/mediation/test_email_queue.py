"""Every e-mail is queued and sent by the worker: a page never fails because the mail server does.
With the mail server down, a referral posted on the public page is saved and shows its receipt;
the worker tries, fails and tries again later with back-off; when the server is back the e-mail
leaves and its content is erased; after the last attempt it is failed for good, listed in the admin
(never its content) and sent by the admin's retry action. A rolled-back request sends nothing."""

import contextlib
import datetime

import pytest
from django.core import mail
from django.core.mail import mail_admins, send_mail
from django.core.management import call_command
from django.db import OperationalError, transaction
from django.urls import reverse
from django.utils import timezone

from mediation.enums import Role
from mediation.models import OutgoingEmail
from mediation.settings import base
from mediation.tasks import EMAIL_RETRY_DELAYS, purge_sent_emails
from partners.models import Referral
from tests.conftest import enable_totp
from tests.factories import make_user
from tests.partners.conftest import committed, world  # noqa: F401 - the partners' fixtures
from tests.partners.helpers import referral_data

# The worker runs as in production, in autocommit between its tasks (it closes the connections it
# finds inside a transaction): the tests commit for real; the migrations' reference data comes back
# after each of them.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SMTP = "django.core.mail.backends.smtp.EmailBackend"
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"
DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
FORM_URL = reverse("public_referral:form")
SENT_URL = reverse("public_referral:sent")


@pytest.fixture
def queue(settings):
    """The application's own e-mail backend (the test runner puts locmem in its place) with the
    production task queue: nothing is sent until the worker runs."""
    settings.EMAIL_BACKEND = base.EMAIL_BACKEND
    settings.TASKS = DATABASE_QUEUE
    return settings


@pytest.fixture
def mail_server_down(queue):
    """The worker delivers by SMTP to a port where nothing listens."""
    queue.EMAIL_DELIVERY_BACKEND = SMTP
    queue.EMAIL_HOST = "127.0.0.1"
    queue.EMAIL_PORT = 1
    queue.EMAIL_TIMEOUT = 5
    return queue


@pytest.fixture
def clock(monkeypatch):
    """Moves the time of the application (and of the task queue) forward, without waiting."""
    real_now = timezone.now
    offset = datetime.timedelta()

    def later(delta):
        nonlocal offset
        offset += delta

    monkeypatch.setattr(timezone, "now", lambda: real_now() + offset)
    return later


def run_worker():
    call_command("run_worker", "--once")


def test_a_referral_with_the_mail_server_down_is_saved_and_its_mails_leave_when_it_is_back(
    client,
    world,  # noqa: F811 - the fixture imported above
    committed,  # noqa: F811
    mail_server_down,
    clock,
):
    response = committed(client.post, FORM_URL, referral_data(world.lille.commune))

    assert response.status_code == 302
    referral = Referral.objects.get()
    receipt = client.get(SENT_URL)
    assert receipt.status_code == 200
    assert referral.reference in receipt.content.decode()
    # The receipt to the professional and the notice to the mediator wait in the queue.
    queued = OutgoingEmail.objects.order_by("pk")
    assert [email.status for email in queued] == [OutgoingEmail.Status.PENDING] * 2
    assert {email.recipients for email in queued} == {"claire.vandamme@exemple.fr", world.lille.mediator.email}
    assert mail.outbox == []

    run_worker()

    assert mail.outbox == []
    for email in OutgoingEmail.objects.all():
        assert (email.status, email.attempts) == (OutgoingEmail.Status.PENDING, 1)
        assert "ConnectionRefusedError" in email.last_error
        assert email.next_attempt_at > timezone.now()

    # The server is back, but the retry waits for its delay (a minute after the first attempt).
    mail_server_down.EMAIL_DELIVERY_BACKEND = LOCMEM
    run_worker()
    assert mail.outbox == []

    clock(EMAIL_RETRY_DELAYS[0])
    run_worker()

    assert sorted(tuple(message.to) for message in mail.outbox) == sorted(
        [("claire.vandamme@exemple.fr",), (world.lille.mediator.email,)]
    )
    assert all(referral.reference in message.body for message in mail.outbox)
    for email in OutgoingEmail.objects.all():
        assert (email.status, email.attempts, email.payload) == (OutgoingEmail.Status.SENT, 2, None)
        assert email.sent_at is not None


@pytest.fixture
def admin():
    user = make_user(Role.ADMIN)
    enable_totp(user)
    return user


def test_an_email_failed_for_good_is_listed_without_its_content_and_the_admin_sends_it_again(
    client, admin, mail_server_down, clock
):
    send_mail("Votre accès à Médiation santé", "Lien secret : https://exemple.fr/invitation/abc", None, ["a@b.fr"])
    for delay in EMAIL_RETRY_DELAYS:
        run_worker()
        clock(delay)
    assert OutgoingEmail.objects.get().status == OutgoingEmail.Status.PENDING
    run_worker()

    email = OutgoingEmail.objects.get()
    assert (email.status, email.attempts) == (OutgoingEmail.Status.FAILED, len(EMAIL_RETRY_DELAYS) + 1)
    # Failed for good: the worker tries no more, even much later.
    clock(datetime.timedelta(days=2))
    run_worker()
    assert OutgoingEmail.objects.get().attempts == len(EMAIL_RETRY_DELAYS) + 1

    client.force_login(admin)  # now, the clock having moved past the session's idle expiry
    changelist = reverse("admin:mediation_outgoingemail_changelist")
    page = client.get(changelist, {"status__exact": "failed"}).content.decode()
    assert "a@b.fr" in page and "Votre accès à Médiation santé" in page and "ConnectionRefusedError" in page
    assert "Lien secret" not in page and "invitation/abc" not in page
    detail = client.get(reverse("admin:mediation_outgoingemail_change", args=[email.pk])).content.decode()
    assert "a@b.fr" in detail and "Lien secret" not in detail
    assert client.get(reverse("admin:mediation_outgoingemail_add")).status_code == 403

    mail_server_down.EMAIL_DELIVERY_BACKEND = LOCMEM
    response = client.post(changelist, {"action": "retry", "_selected_action": [email.pk]}, follow=True)
    assert "1 e-mail(s) remis dans la file d&#x27;envoi." in response.content.decode()
    assert mail.outbox == []
    run_worker()

    assert [(message.to, message.body) for message in mail.outbox] == [
        (["a@b.fr"], "Lien secret : https://exemple.fr/invitation/abc")
    ]
    email.refresh_from_db()
    assert (email.status, email.payload) == (OutgoingEmail.Status.SENT, None)


def test_an_email_of_a_request_that_rolled_back_is_never_sent(queue):
    queue.EMAIL_DELIVERY_BACKEND = LOCMEM
    with contextlib.suppress(RuntimeError), transaction.atomic():
        send_mail("Votre bilan annuel 2026 est attendu", "Bonjour", None, ["a@b.fr"])
        raise RuntimeError("the request fails after the e-mail")

    run_worker()

    assert mail.outbox == []
    assert not OutgoingEmail.objects.exists()


def test_in_the_test_settings_the_queue_sends_at_once_and_erases_the_content(settings):
    settings.EMAIL_BACKEND = base.EMAIL_BACKEND

    send_mail("Objet", "Corps", None, ["a@b.fr"], html_message="<p>Corps</p>")

    [message] = mail.outbox
    assert (message.subject, message.body, message.to) == ("Objet", "Corps", ["a@b.fr"])
    assert message.alternatives == [("<p>Corps</p>", "text/html")]
    email = OutgoingEmail.objects.get()
    assert (email.status, email.payload, email.kind) == (OutgoingEmail.Status.SENT, None, "Objet")


def test_sent_emails_are_forgotten_after_the_retention_period_failed_ones_stay(queue, clock):
    queue.EMAIL_DELIVERY_BACKEND = LOCMEM
    send_mail("Ancien", "Bonjour", None, ["ancien@b.fr"])
    run_worker()
    OutgoingEmail.objects.create(recipients="echec@b.fr", kind="Échec", status=OutgoingEmail.Status.FAILED)
    clock(datetime.timedelta(days=base.EMAIL_SENT_RETENTION_DAYS, minutes=1))
    send_mail("Récent", "Bonjour", None, ["recent@b.fr"])
    run_worker()

    counts = purge_sent_emails()

    assert counts == {"emails_supprimes": 1, "taches_supprimees": 1}
    assert sorted(OutgoingEmail.objects.values_list("recipients", flat=True)) == ["echec@b.fr", "recent@b.fr"]


def test_an_error_report_that_cannot_be_queued_does_not_fail_in_its_turn(queue, monkeypatch):
    queue.ADMINS = [("Admin", "admin@b.fr")]

    def database_down(**fields):
        raise OperationalError("the database is unreachable")

    monkeypatch.setattr(OutgoingEmail.objects, "create", database_down)

    mail_admins("Erreur", "Trace", fail_silently=True)  # as AdminEmailHandler sends
    with pytest.raises(OperationalError):
        send_mail("Votre accès à Médiation santé", "Bonjour", None, ["a@b.fr"])
