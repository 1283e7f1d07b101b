"""At most once, in process: the claim step of email_send, the Message-ID, and what a person may retry.

The same rules on a real Celery worker are in test_outbox_worker.py.
"""

import re
import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from apps.core.actors import system_user
from apps.notifications.choices import EmailStatus
from apps.notifications.models import OutboundEmail
from apps.notifications.services import email_claim_timeout, email_mark_failed, email_retry, email_send
from apps.notifications.tasks import send_outbound_email
from tests.factories import OutboundEmailFactory

pytestmark = pytest.mark.django_db

INTERRUPTED = (
    "A worker stopped while sending this message; it may already have been delivered. "
    "Check with the recipient before retrying."
)


def claimed(seconds_ago: float, **fields) -> OutboundEmail:
    """A message a worker claimed `seconds_ago` and has not finished with (it is still "sending")."""
    return OutboundEmailFactory(
        status=EmailStatus.SENDING, claimed_at=timezone.now() - timedelta(seconds=seconds_ago), attempts=1, **fields
    )


def stale_age() -> float:
    return email_claim_timeout().total_seconds() + 1


# --- the claim ----------------------------------------------------------------------------------------------------


def test_a_sent_message_is_never_sent_again(mail_server):
    email = OutboundEmailFactory()

    email_send(email=email, by=system_user())
    email_send(email=email, by=system_user())
    send_outbound_email.delay(email.pk)

    email.refresh_from_db()
    assert (email.status, email.attempts, email.last_error) == (EmailStatus.SENT, 1, "")
    assert mail_server.subjects() == [email.subject]


def test_a_fresh_claim_is_left_alone(mail_server):
    email = claimed(seconds_ago=5)

    returned = email_send(email=email, by=system_user())
    send_outbound_email.delay(email.pk)  # eagerly: no retry loop, nothing sent

    email.refresh_from_db()
    assert returned.status == EmailStatus.SENDING
    assert (email.status, email.attempts, email.last_error) == (EmailStatus.SENDING, 1, "")
    assert mail_server.delivered == []


def test_a_stale_claim_becomes_failed_with_the_reason_and_nothing_is_sent(mail_server):
    email = claimed(seconds_ago=stale_age())

    email_send(email=email, by=system_user())

    email.refresh_from_db()
    assert (email.status, email.attempts, email.sent_at) == (EmailStatus.FAILED, 1, None)
    assert email.last_error == INTERRUPTED
    assert mail_server.delivered == []
    # and it stays so: the task coming again does not send it either
    send_outbound_email.delay(email.pk)
    assert mail_server.delivered == []


def test_a_failed_message_is_not_sent_by_a_task_only_through_a_retry(mail_server):
    email = OutboundEmailFactory(status=EmailStatus.FAILED, attempts=6, last_error="SMTPServerDisconnected: ...")

    send_outbound_email.delay(email.pk)

    assert mail_server.delivered == []
    email.refresh_from_db()
    assert email.status == EmailStatus.FAILED


def test_an_smtp_failure_returns_the_message_to_the_queue_then_a_retry_sends_it_once(mail_server):
    mail_server.reset(failures=1)
    email = OutboundEmailFactory()

    with pytest.raises(Exception, match="Connection unexpectedly closed"):
        email_send(email=email, by=system_user())

    email.refresh_from_db()
    assert (email.status, email.attempts) == (EmailStatus.QUEUED, 1)
    assert email.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"

    email_send(email=email, by=system_user())
    email_send(email=email, by=system_user())

    email.refresh_from_db()
    assert (email.status, email.attempts, email.last_error) == (EmailStatus.SENT, 2, "")
    assert len(mail_server.delivered) == 1
    statuses = list(email.history.order_by("history_date").values_list("status", flat=True))
    assert statuses == ["queued", "sending", "queued", "sending", "sent"]


def test_a_failure_after_the_server_accepted_the_message_does_not_send_it_again(mail_server):
    """The server said yes, then the goodbye (QUIT) failed: that is a sent message, not a retry."""
    mail_server.fail_on_close = True
    email = OutboundEmailFactory()

    email_send(email=email, by=system_user())

    email.refresh_from_db()
    assert (email.status, email.attempts, email.last_error) == (EmailStatus.SENT, 1, "")
    assert len(mail_server.delivered) == 1


@pytest.mark.django_db(transaction=True)
def test_the_claim_is_committed_before_the_mail_server_is_spoken_to(mail_server):
    """Other workers (other connections) see "sending" while the server is talked to, and no lock is held."""
    email = OutboundEmailFactory()
    seen = {}

    def look_from_another_connection(messages):
        def look():
            try:
                with transaction.atomic():
                    rows = OutboundEmail.objects.select_for_update(nowait=True)  # raises if the row is locked
                    seen.update(rows.values("status", "claimed_at").get(pk=email.pk))
            except Exception as exc:
                seen["error"] = exc
            finally:
                connection.close()

        thread = threading.Thread(target=look)
        thread.start()
        thread.join(timeout=10)

    mail_server.on_send = look_from_another_connection
    email_send(email=email, by=system_user())

    assert seen.keys() == {"status", "claimed_at"}, seen
    assert seen["status"] == EmailStatus.SENDING and seen["claimed_at"] is not None
    email.refresh_from_db()
    assert email.status == EmailStatus.SENT


def test_claim_timeout_follows_the_smtp_timeout_with_a_floor(settings):
    settings.EMAIL_TIMEOUT = 30
    assert email_claim_timeout() == timedelta(seconds=90)
    settings.EMAIL_TIMEOUT = 5
    assert email_claim_timeout() == timedelta(seconds=60)


def test_a_message_being_sent_must_say_since_when():
    email = OutboundEmailFactory.build(status=EmailStatus.SENDING, claimed_at=None)

    with pytest.raises(ValidationError, match="must record when a worker started sending it"):
        email.full_clean()


def test_giving_up_after_the_last_retry_leaves_sent_and_sending_messages_alone():
    sent = OutboundEmailFactory(status=EmailStatus.SENT, sent_at=timezone.now())
    sending = claimed(seconds_ago=1)
    queued = OutboundEmailFactory()

    for email in (sent, sending, queued):
        email_mark_failed(email=email, by=system_user())

    assert [OutboundEmail.objects.get(pk=e.pk).status for e in (sent, sending, queued)] == [
        EmailStatus.SENT,
        EmailStatus.SENDING,
        EmailStatus.FAILED,
    ]


# --- Message-ID ---------------------------------------------------------------------------------------------------


def test_every_message_carries_a_stable_message_id_and_the_portal_sender(settings, mail_server):
    settings.DEFAULT_FROM_EMAIL = "Broadcast Operations Portal <portal@example.org>"
    email = OutboundEmailFactory(idempotency_key="incident:42:assigned:7", status=EmailStatus.FAILED)

    for _ in range(2):  # sent, then resent by a person after a (pretend) doubt
        OutboundEmail.objects.filter(pk=email.pk).update(status=EmailStatus.QUEUED)
        email_send(email=email, by=system_user())

    first, resend = mail_server.delivered
    assert re.fullmatch(rf"<outbox\.{email.pk}\.[0-9a-f]{{16}}@example\.org>", email.message_id)
    assert first.extra_headers["Message-ID"] == resend.extra_headers["Message-ID"] == email.message_id
    assert first.message()["Message-ID"] == email.message_id
    assert first.from_email == "Broadcast Operations Portal <portal@example.org>"


def test_message_ids_differ_between_messages_and_fall_back_to_a_portal_domain(settings):
    one, other = OutboundEmailFactory(idempotency_key="a"), OutboundEmailFactory(idempotency_key="b")
    assert one.message_id != other.message_id

    settings.DEFAULT_FROM_EMAIL = "portal"
    assert one.message_id.endswith("@portal.local>")


# --- what a person may retry (the console's action calls email_retry) --------------------------------------------


@pytest.mark.parametrize(
    ("make", "queued"),
    [
        (lambda: OutboundEmailFactory(), True),
        (lambda: OutboundEmailFactory(status=EmailStatus.FAILED, attempts=6), True),
        (lambda: OutboundEmailFactory(status=EmailStatus.SENT, sent_at=timezone.now()), False),
        (lambda: claimed(seconds_ago=5), False),
    ],
    ids=["queued", "failed", "sent", "sending"],
)
def test_retry_rules(make, queued, django_capture_on_commit_callbacks):
    email = make()
    before = email.status

    with django_capture_on_commit_callbacks() as callbacks:
        assert email_retry(email=email, by=system_user()) is queued

    email.refresh_from_db()
    assert len(callbacks) == int(queued)
    assert email.status == (EmailStatus.QUEUED if queued else before)


def test_retrying_an_interrupted_send_first_says_it_may_be_delivered(mail_server, django_capture_on_commit_callbacks):
    """A message stuck in "sending" after a crash: the first retry explains, the second (a person's decision) sends."""
    email = claimed(seconds_ago=stale_age())

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert email_retry(email=email, by=system_user()) is False
    email.refresh_from_db()
    assert (email.status, email.last_error, callbacks) == (EmailStatus.FAILED, INTERRUPTED, [])

    with django_capture_on_commit_callbacks(execute=True):
        assert email_retry(email=email, by=system_user()) is True
    email.refresh_from_db()
    assert (email.status, email.attempts, email.last_error) == (EmailStatus.SENT, 2, "")
    assert len(mail_server.delivered) == 1
