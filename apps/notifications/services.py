"""The outbox: every message is a row first, then sent by a Celery task: retried, never lost, never sent twice."""

import logging
from collections.abc import Sequence
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.core.actors import writes
from apps.core.queue import task_send
from apps.core.saving import instance_save

from .choices import EmailStatus
from .models import OutboundEmail, new_idempotency_key

logger = logging.getLogger(__name__)

RETRYABLE_STATUSES = (EmailStatus.QUEUED, EmailStatus.FAILED)
CLAIM_TIMEOUT_FLOOR_SECONDS = 60
INTERRUPTED_SEND_ERROR = (
    "A worker stopped while sending this message; it may already have been delivered. "
    "Check with the recipient before retrying."
)


SEND_TASK = "apps.notifications.tasks.send_outbound_email"


def _enqueue_send(email: OutboundEmail) -> None:
    # After commit, so the worker finds the row; robust, so a broker hiccup in the callback
    # cannot break a request whose data is already committed (the row stays queued).
    email_id = email.pk

    def send_after_commit() -> None:
        task_send(SEND_TASK, email_id)

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


@writes
@transaction.atomic
def email_queue(
    *,
    by,
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
    key = idempotency_key or new_idempotency_key()
    existing = OutboundEmail.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing
    candidate.idempotency_key = key
    try:
        instance_save(instance=candidate, by=by)
    except IntegrityError:  # the same event queued at the same moment by another transaction
        return OutboundEmail.objects.get(idempotency_key=key)
    _enqueue_send(candidate)
    return candidate


def email_claim_timeout() -> timedelta:
    """How long a claim ("sending") keeps other attempts off a message: max(3 × EMAIL_TIMEOUT, 60 s).

    A live send is a handful of blocking socket operations (connect, TLS handshake, the message
    itself), each of which gives up after EMAIL_TIMEOUT; three of them stalling in a row is a send
    in deep trouble but still alive. The 60 s floor keeps a small EMAIL_TIMEOUT from making a slow
    but live send look dead. Too short a timeout never sends twice (a stale claim is never sent
    again automatically) but may show a slow message as failed until its worker marks it sent; too
    long a timeout only delays the moment a message interrupted by a crash shows up as failed.
    """
    return timedelta(seconds=max(3 * settings.EMAIL_TIMEOUT, CLAIM_TIMEOUT_FLOOR_SECONDS))


def email_claim_seconds_left(*, email: OutboundEmail) -> float:
    """Seconds until the message's claim goes stale (0 when it is not being sent or already stale)."""
    if email.status != EmailStatus.SENDING or email.claimed_at is None:
        return 0.0
    left = email.claimed_at + email_claim_timeout() - timezone.now()
    return max(left.total_seconds(), 0.0)


def _save(email: OutboundEmail, *fields: str, by) -> None:
    email.full_clean(validate_unique=False)
    instance_save(instance=email, by=by, update_fields=[*fields, "updated_at"])


def _claim(*, email: OutboundEmail, by) -> tuple[OutboundEmail, bool]:
    """In its own short transaction: take the message for sending, or say why not. Returns (row, claimed)."""
    with transaction.atomic():
        email = OutboundEmail.objects.select_for_update().get(pk=email.pk)
        if email.status == EmailStatus.SENDING and not email_claim_seconds_left(email=email):
            _record_interrupted_send(email, by=by)
            return email, False
        if email.status != EmailStatus.QUEUED:
            # sent; being sent right now; or failed, which only a person resends (email_retry re-queues it)
            return email, False
        email.status = EmailStatus.SENDING
        email.claimed_at = timezone.now()
        email.attempts += 1
        _save(email, "status", "claimed_at", "attempts", by=by)
    return email, True


def _record_interrupted_send(email: OutboundEmail, *, by) -> None:
    """A stale claim: the worker stopped mid-send and nobody knows if the server took the message. Send nothing."""
    logger.warning("outbound e-mail %s: its sending attempt was interrupted; marked failed, not resent", email.pk)
    email.status = EmailStatus.FAILED
    email.last_error = INTERRUPTED_SEND_ERROR
    _save(email, "status", "last_error", by=by)


def _deliver(email: OutboundEmail) -> None:
    """Hand the message to the mail server. Once it has accepted the message, nothing counts as a failure.

    The connection is opened here rather than by send_messages(), so that an error while saying
    goodbye (QUIT) after the server accepted the message is logged instead of raised: raised, it
    would put the message back in the queue and send it again.
    """
    message = EmailMessage(
        subject=email.subject,
        body=email.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=email.recipients,
        headers={"Message-ID": email.message_id},
    )
    connection = get_connection(fail_silently=False)
    connection.open()
    try:
        connection.send_messages([message])
    finally:
        try:
            connection.close()
        except Exception:
            logger.warning("outbound e-mail %s: closing the mail connection failed", email.pk, exc_info=True)


def _mark_sent(email: OutboundEmail, *, by) -> OutboundEmail:
    """Sent is the truth once the server accepted the message, whatever another attempt decided meanwhile."""
    with transaction.atomic():
        email = OutboundEmail.objects.select_for_update().get(pk=email.pk)
        email.status = EmailStatus.SENT
        email.sent_at = timezone.now()
        email.last_error = ""
        _save(email, "status", "sent_at", "last_error", by=by)
    return email


def _release_claim(email: OutboundEmail, *, error: Exception, by) -> None:
    """The server refused or could not be reached: back to the queue for the task's next retry.

    Only a claim that is still ours is released; if another attempt has decided about the message
    meanwhile (it saw our claim as stale), that decision stands.
    """
    with transaction.atomic():
        current = OutboundEmail.objects.select_for_update().get(pk=email.pk)
        if current.status != EmailStatus.SENDING or current.claimed_at != email.claimed_at:
            return
        current.status = EmailStatus.QUEUED
        current.last_error = f"{type(error).__name__}: {error}"
        _save(current, "status", "last_error", by=by)


@writes
def email_send(*, email: OutboundEmail, by) -> OutboundEmail:
    """Send one message, at most once, whoever calls and however often. Returns the row as it ends up.

    Three steps, so that no transaction is open while the mail server is talked to and a worker
    that dies mid-send leaves a trace: claim the message (status "sending", committed at once),
    send it, record the outcome. The claim decides:

    - sent: nothing to do.
    - sending, claim fresh (younger than email_claim_timeout()): another attempt is on it right
      now; nothing to do (the task comes back later to see how that attempt ended).
    - sending, claim stale: that attempt died mid-send, perhaps after the server accepted the
      message. It is marked failed with INTERRUPTED_SEND_ERROR and not sent: only a person,
      after checking with the recipient, resends it (email_retry).
    - failed: left for a person too; email_retry re-queues it.
    - queued: claimed (attempts + 1) and sent.

    A send that fails returns the message to the queue with its error recorded, and the error is
    re-raised for the caller (the task) to retry. Call it outside a transaction: inside one, the
    claim is not seen by other workers until the caller commits.
    """
    email, claimed = _claim(email=email, by=by)
    if not claimed:
        return email
    try:
        _deliver(email)
    except Exception as exc:
        _release_claim(email, error=exc, by=by)
        raise
    return _mark_sent(email, by=by)


@writes
@transaction.atomic
def email_mark_failed(*, email: OutboundEmail, by) -> OutboundEmail:
    """Give up on a message after its last retry; it stays in the outbox for a manual retry.

    Only a message waiting in the queue is given up on: a sent one is sent, and one being sent
    belongs to the attempt holding the claim.
    """
    email = OutboundEmail.objects.select_for_update().get(pk=email.pk)
    if email.status == EmailStatus.QUEUED:
        email.status = EmailStatus.FAILED
        _save(email, "status", by=by)
    return email


@writes
@transaction.atomic
def email_retry(*, email: OutboundEmail, by) -> bool:
    """A person asks for a queued or failed message to be sent (again). Returns whether it was queued.

    Never for a sent message, nor for one being sent right now. A message whose sending attempt
    was interrupted (a stale claim) is first recorded as failed with INTERRUPTED_SEND_ERROR and not
    queued: the person sees that it may already have been delivered, and retries again once they
    know it was not.
    """
    email = OutboundEmail.objects.select_for_update().get(pk=email.pk)
    if email.status == EmailStatus.SENDING and not email_claim_seconds_left(email=email):
        _record_interrupted_send(email, by=by)
        return False
    if email.status not in RETRYABLE_STATUSES:
        return False
    email.status = EmailStatus.QUEUED
    _save(email, "status", by=by)
    _enqueue_send(email)
    return True
