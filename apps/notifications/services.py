"""The outbox: every message is a row first, then sent by a Celery task, retried, never lost."""

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from .choices import EmailStatus
from .models import OutboundEmail, new_idempotency_key

RETRYABLE_STATUSES = (EmailStatus.QUEUED, EmailStatus.FAILED)


def _enqueue_send(email: OutboundEmail) -> None:
    from .tasks import send_outbound_email

    # After commit, so the worker finds the row; robust, so a broker hiccup in the callback
    # cannot break a request whose data is already committed (the row stays queued).
    email_id = email.pk

    def send_after_commit() -> None:
        send_outbound_email.delay(email_id)

    transaction.on_commit(send_after_commit, robust=True)


def _validate_recipients(recipients: Sequence[str]) -> list[str]:
    addresses = [address.strip() for address in recipients if address and address.strip()]
    if not addresses:
        raise ValidationError({"recipients": "A message needs at least one recipient."})
    for address in addresses:
        try:
            validate_email(address)
        except ValidationError as exc:
            raise ValidationError({"recipients": f"{address!r} is not a valid e-mail address."}) from exc
    return addresses


@transaction.atomic
def email_queue(
    *,
    recipients: Sequence[str],
    subject: str,
    body: str,
    idempotency_key: str | None = None,
) -> OutboundEmail:
    """Write a message to the outbox and have it sent once the transaction commits.

    `idempotency_key` names the event (e.g. "incident:42:assigned:7"): queueing the same key
    again returns the existing message and sends nothing more.
    """
    addresses = _validate_recipients(recipients)
    candidate = OutboundEmail(recipients=addresses, subject=subject, body=body)
    candidate.full_clean(exclude=["idempotency_key"], validate_unique=False)
    email, created = OutboundEmail.objects.get_or_create(
        idempotency_key=idempotency_key or new_idempotency_key(),
        defaults={"recipients": addresses, "subject": subject, "body": body},
    )
    if created:
        _enqueue_send(email)
    return email


def email_send(*, email: OutboundEmail) -> OutboundEmail:
    """Send one message now. Safe to call twice: a message already sent is not sent again.

    The row stays locked while the mail server is talked to, so two workers never send it
    both. A failure is recorded (attempts, last_error) and then re-raised for the caller
    (the task) to retry.
    """
    error: Exception | None = None
    with transaction.atomic():
        email = OutboundEmail.objects.select_for_update().get(pk=email.pk)
        if email.status == EmailStatus.SENT:
            return email
        email.attempts += 1
        try:
            EmailMessage(subject=email.subject, body=email.body, to=email.recipients).send(fail_silently=False)
        except Exception as exc:
            error = exc
            email.last_error = f"{type(exc).__name__}: {exc}"
        else:
            email.status = EmailStatus.SENT
            email.sent_at = timezone.now()
            email.last_error = ""
        email.save(update_fields=["status", "sent_at", "attempts", "last_error", "updated_at"])
    if error is not None:
        raise error
    return email


@transaction.atomic
def email_mark_failed(*, email: OutboundEmail) -> OutboundEmail:
    """Give up on a message after its last retry; it stays in the outbox for a manual retry."""
    email = OutboundEmail.objects.select_for_update().get(pk=email.pk)
    if email.status != EmailStatus.SENT:
        email.status = EmailStatus.FAILED
        email.save(update_fields=["status", "updated_at"])
    return email


@transaction.atomic
def email_retry(*, email: OutboundEmail, by=None) -> bool:
    """Queue a queued or failed message for sending again. Returns False for a sent message."""
    email = OutboundEmail.objects.select_for_update().get(pk=email.pk)
    if email.status not in RETRYABLE_STATUSES:
        return False
    email.status = EmailStatus.QUEUED
    email._history_user = by
    email.save(update_fields=["status", "updated_at"])
    _enqueue_send(email)
    return True
