import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail.backends.base import BaseEmailBackend

from apps.core.actors import system_user
from apps.notifications.choices import EmailStatus
from apps.notifications.models import OutboundEmail
from apps.notifications.services import email_queue, email_retry, email_send
from apps.notifications.tasks import SEND_MAX_RETRIES, send_outbound_email
from tests.factories import OutboundEmailFactory

pytestmark = pytest.mark.django_db

FAILING_BACKEND = "tests.notifications.test_outbox.FailingEmailBackend"


class FailingEmailBackend(BaseEmailBackend):
    """A mail backend whose SMTP server is down."""

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP server refused the connection")


def test_queue_writes_a_row_and_sends_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        email = email_queue(
            by=system_user(), recipients=["mcr@example.org"], subject="Transmitter off air", body="TX1 is down."
        )

    assert len(callbacks) == 1
    email.refresh_from_db()
    assert email.status == EmailStatus.SENT
    assert email.sent_at is not None
    assert email.attempts == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["mcr@example.org"]
    assert mail.outbox[0].subject == "Transmitter off air"


def test_nothing_is_sent_before_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        email = email_queue(by=system_user(), recipients=["mcr@example.org"], subject="Hello", body="Body")

    assert email.status == EmailStatus.QUEUED
    assert mail.outbox == []


def test_same_idempotency_key_twice_is_one_message(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = email_queue(
            by=system_user(),
            recipients=["ops@example.org"],
            subject="INC-1 assigned",
            body="...",
            idempotency_key="incident:1:assigned",
        )
        second = email_queue(
            by=system_user(),
            recipients=["ops@example.org"],
            subject="INC-1 assigned",
            body="...",
            idempotency_key="incident:1:assigned",
        )

    assert first.pk == second.pk
    assert OutboundEmail.objects.count() == 1
    assert len(mail.outbox) == 1


def test_queue_rejects_bad_recipients():
    with pytest.raises(ValidationError):
        email_queue(by=system_user(), recipients=["not-an-address"], subject="x", body="y")
    with pytest.raises(ValidationError):
        email_queue(by=system_user(), recipients=[], subject="x", body="y")
    assert not OutboundEmail.objects.exists()


def test_send_is_idempotent_once_sent():
    email = OutboundEmailFactory()

    email_send(email=email, by=system_user())
    email_send(email=email, by=system_user())

    email.refresh_from_db()
    assert email.status == EmailStatus.SENT
    assert email.attempts == 1
    assert len(mail.outbox) == 1


def test_send_failure_records_attempt_and_error_then_reraises(settings):
    settings.EMAIL_BACKEND = FAILING_BACKEND
    email = OutboundEmailFactory()

    with pytest.raises(ConnectionRefusedError):
        email_send(email=email, by=system_user())

    email.refresh_from_db()
    assert email.status == EmailStatus.QUEUED
    assert email.attempts == 1
    assert "SMTP server refused the connection" in email.last_error


def test_task_retries_then_marks_failed(settings, monkeypatch):
    settings.EMAIL_BACKEND = FAILING_BACKEND
    # Without propagation an eager task runs its retries inline, one after another, as a worker would.
    monkeypatch.setitem(send_outbound_email.app.conf, "task_eager_propagates", False)
    email = OutboundEmailFactory()

    result = send_outbound_email.delay(email.pk)

    assert isinstance(result.result, ConnectionRefusedError)
    email.refresh_from_db()
    assert email.status == EmailStatus.FAILED
    assert email.attempts == SEND_MAX_RETRIES + 1
    assert "ConnectionRefusedError" in email.last_error
    assert mail.outbox == []


def test_queue_survives_a_failing_mail_server(settings, django_capture_on_commit_callbacks):
    """The message is committed before sending: a down SMTP server loses nothing.

    In eager mode with CELERY_TASK_EAGER_PROPAGATES the first failure ends the chain (Celery
    raises its Retry to the caller, which the robust on-commit hook logs); the row stays queued
    for a retry. On a worker the task retries with backoff, as the test above shows.
    """
    settings.EMAIL_BACKEND = FAILING_BACKEND

    with django_capture_on_commit_callbacks(execute=True):
        email = email_queue(
            by=system_user(), recipients=["ops@example.org"], subject="Power failure", body="UPS on battery."
        )

    email.refresh_from_db()
    assert email.status == EmailStatus.QUEUED
    assert email.attempts == 1
    assert "SMTP server refused the connection" in email.last_error


def test_retry_sends_a_failed_message(django_capture_on_commit_callbacks):
    email = OutboundEmailFactory(status=EmailStatus.FAILED, attempts=6, last_error="boom")

    with django_capture_on_commit_callbacks(execute=True):
        assert email_retry(email=email, by=system_user()) is True

    email.refresh_from_db()
    assert email.status == EmailStatus.SENT
    assert email.last_error == ""
    assert len(mail.outbox) == 1


def test_retry_leaves_a_sent_message_alone(django_capture_on_commit_callbacks):
    email = OutboundEmailFactory()
    email_send(email=email, by=system_user())

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert email_retry(email=email, by=system_user()) is False

    assert callbacks == []
    assert len(mail.outbox) == 1


def test_task_for_a_deleted_message_does_nothing():
    send_outbound_email.delay(999_999)
    assert mail.outbox == []


def test_task_options_are_in_force():
    """A typo in a task option is silent: the ones the at-most-once rule and the retries rest on, asserted."""
    assert send_outbound_email.acks_late is True
    assert send_outbound_email.reject_on_worker_lost is True
    assert send_outbound_email.max_retries == SEND_MAX_RETRIES == 5
    # the real backoff: retries up to 30, 60, 120, 240, 480 s apart, so a relay down for minutes loses nothing
    assert (send_outbound_email.retry_backoff, send_outbound_email.retry_backoff_max) == (30, 600)
    assert send_outbound_email.retry_jitter is True
