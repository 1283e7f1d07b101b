"""At most once on a real Celery worker (Redis broker, worker threads in this process): retries, duplicate
deliveries of the task, and a task redelivered after its worker died mid-send.

The SMTP server is outside the project: the fake one in mail_server.py stands in for it. Each test asserts
what an administrator would see: the messages delivered, and the row's status, attempts and last error.
"""

import threading
import time
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.utils import timezone

from apps.core.actors import system_user
from apps.notifications import services
from apps.notifications.choices import EmailStatus
from apps.notifications.models import OutboundEmail
from apps.notifications.services import email_claim_timeout, email_retry
from apps.notifications.tasks import SEND_MAX_RETRIES, send_outbound_email
from tests.factories import OutboundEmailFactory
from tests.notifications.test_send_once import INTERRUPTED

pytestmark = [
    pytest.mark.celery_worker,
    # the worker has its own database connections: it sees only committed rows
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not settings.CELERY_BROKER_URL.startswith("redis"), reason="needs Redis as the broker (set REDIS_URL)"
    ),
]

TASK_TIMEOUT = 30


def run_worker(monkeypatch, **options):
    from portal.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", False)
    # from the settings again: a test may have pointed the app elsewhere (tests/test_health.py resets it to None)
    monkeypatch.setitem(app.conf, "broker_url", settings.CELERY_BROKER_URL)
    # retry at once instead of after 30 s and more (the real backoff is asserted in test_outbox.py)
    monkeypatch.setattr(app.tasks[send_outbound_email.name], "retry_backoff", 0)
    app.control.purge()  # nothing left over from an earlier run reaches this worker
    return start_worker(app, perform_ping_check=False, loglevel="WARNING", shutdown_timeout=TASK_TIMEOUT, **options)


@pytest.fixture
def worker(monkeypatch, mail_server):
    with run_worker(monkeypatch) as started:
        yield started


@pytest.fixture
def two_workers(monkeypatch, mail_server):
    """Two tasks at a time, as two prefork children (or two machines) would run them."""
    with run_worker(monkeypatch, pool="threads", concurrency=2) as started:
        yield started


def wait_for(predicate, *, what: str, timeout: float = TASK_TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def admin_view(email: OutboundEmail) -> tuple[str, int, str]:
    email.refresh_from_db()
    return email.status, email.attempts, email.last_error


def test_a_failed_first_attempt_is_retried_by_the_worker_and_delivered_once(worker, mail_server):
    mail_server.reset(failures=1)
    email = OutboundEmailFactory(subject="Transmitter off air")

    result = send_outbound_email.delay(email.pk)
    result.get(timeout=TASK_TIMEOUT)

    assert mail_server.refused == 1
    assert mail_server.subjects() == ["Transmitter off air"]
    assert admin_view(email) == (EmailStatus.SENT, 2, "")
    # the failure stays readable in the message's history
    failed_attempt = email.history.filter(status=EmailStatus.QUEUED, attempts=1).get()
    assert failed_attempt.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"


def test_a_mail_server_down_for_good_ends_failed_after_the_last_retry(worker, mail_server):
    mail_server.reset(failures=100)
    email = OutboundEmailFactory()

    result = send_outbound_email.delay(email.pk)
    with pytest.raises(Exception, match="Connection unexpectedly closed"):
        result.get(timeout=TASK_TIMEOUT)

    assert mail_server.delivered == []
    assert mail_server.refused == SEND_MAX_RETRIES + 1
    assert admin_view(email) == (
        EmailStatus.FAILED,
        SEND_MAX_RETRIES + 1,
        "SMTPServerDisconnected: Connection unexpectedly closed",
    )


def test_the_same_task_delivered_twice_and_again_later_sends_once(worker, mail_server):
    email = OutboundEmailFactory(subject="Encoder fault")

    results = [send_outbound_email.delay(email.pk), send_outbound_email.delay(email.pk)]
    for result in results:
        result.get(timeout=TASK_TIMEOUT)
    send_outbound_email.delay(email.pk).get(timeout=TASK_TIMEOUT)  # a redelivery long after it was sent

    assert mail_server.subjects() == ["Encoder fault"]
    assert admin_view(email) == (EmailStatus.SENT, 1, "")


def test_two_workers_on_the_same_message_at_once_send_it_once(two_workers, mail_server, monkeypatch, settings):
    """One worker claims the message and is held at the mail server; the other finds the claim fresh, steps
    back, and comes back once the claim would be stale, to find the message sent."""
    settings.EMAIL_TIMEOUT = 2
    monkeypatch.setattr(services, "CLAIM_TIMEOUT_FLOOR_SECONDS", 0)  # a claim is fresh for 6 s, not 90
    held = threading.Event()
    mail_server.on_send = lambda messages: held.wait(timeout=TASK_TIMEOUT)
    email = OutboundEmailFactory(subject="Loss of signal")

    results = [send_outbound_email.delay(email.pk), send_outbound_email.delay(email.pk)]
    wait_for(lambda: any(result.state == "RETRY" for result in results), what="the second task to step back")
    assert admin_view(email)[0] == EmailStatus.SENDING
    held.set()
    for result in results:
        result.get(timeout=TASK_TIMEOUT)

    assert mail_server.subjects() == ["Loss of signal"]
    assert admin_view(email) == (EmailStatus.SENT, 1, "")


def test_a_task_redelivered_after_its_worker_died_mid_send_sends_nothing_and_says_why(worker, mail_server):
    """The worker died after claiming; the broker redelivered the task (acks_late) long after."""
    email = OutboundEmailFactory(
        status=EmailStatus.SENDING,
        attempts=1,
        claimed_at=timezone.now() - email_claim_timeout() - timedelta(seconds=1),
    )

    send_outbound_email.delay(email.pk).get(timeout=TASK_TIMEOUT)

    assert mail_server.delivered == []
    assert admin_view(email) == (EmailStatus.FAILED, 1, INTERRUPTED)

    # A person has checked with the recipient and retries from the console: sent once, as the same message.
    assert email_retry(email=email, by=system_user()) is True
    wait_for(lambda: admin_view(email)[0] == EmailStatus.SENT, what="the resend")
    assert admin_view(email) == (EmailStatus.SENT, 2, "")
    (resent,) = mail_server.delivered
    assert resent.extra_headers["Message-ID"] == email.message_id


def test_a_task_redelivered_at_once_after_its_worker_died_waits_for_the_claim_to_go_stale(worker, mail_server):
    """reject_on_worker_lost redelivers within seconds, while the dead worker's claim still looks fresh: the task
    comes back when it is stale and records the interrupted send, so the message never stays "sending"."""
    email = OutboundEmailFactory(
        status=EmailStatus.SENDING,
        attempts=1,
        claimed_at=timezone.now() - email_claim_timeout() + timedelta(seconds=2),
    )

    result = send_outbound_email.delay(email.pk)
    wait_for(lambda: result.state == "RETRY", what="the task to step back")
    assert admin_view(email) == (EmailStatus.SENDING, 1, "")
    result.get(timeout=TASK_TIMEOUT)

    assert mail_server.delivered == []
    assert admin_view(email) == (EmailStatus.FAILED, 1, INTERRUPTED)
