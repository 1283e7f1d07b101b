"""Thin Celery tasks of the outbox: fetch by id, call a service, decide when to come back."""

import logging

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval

from apps.core.actors import system_user

from .choices import EmailStatus
from .models import OutboundEmail
from .services import email_claim_seconds_left, email_mark_failed, email_send

logger = logging.getLogger(__name__)

SEND_MAX_RETRIES = 5
# Seconds: retries come after up to 30, 60, 120, 240, 480 s (full jitter), so a mail relay that is
# down for a few minutes (a restart, a failover) costs no message; then the message is marked failed.
SEND_RETRY_BACKOFF = 30
SEND_RETRY_BACKOFF_MAX = 600


@shared_task(
    bind=True,
    max_retries=SEND_MAX_RETRIES,
    # Read by the task itself at each retry (not Celery's autoretry, which fixes them at import), so a
    # test can shorten the wait on the task object.
    retry_backoff=SEND_RETRY_BACKOFF,
    retry_backoff_max=SEND_RETRY_BACKOFF_MAX,
    retry_jitter=True,
    # Acknowledged after it ran: a worker that dies mid-task has it redelivered. email_send's claim
    # makes that redelivery safe: it never sends a message a dead worker may have sent already.
    acks_late=True,
    reject_on_worker_lost=True,
)
def send_outbound_email(self, email_id: int) -> None:
    email = OutboundEmail.objects.filter(pk=email_id).first()
    if email is None:
        logger.warning("outbound e-mail %s no longer exists; nothing to send", email_id)
        return
    try:
        email = email_send(email=email, by=system_user())
    except Exception as exc:
        if self.request.retries >= self.max_retries:
            email_mark_failed(email=email, by=system_user())
            raise
        countdown = get_exponential_backoff_interval(
            factor=self.retry_backoff,
            retries=self.request.retries,
            maximum=self.retry_backoff_max,
            full_jitter=self.retry_jitter,
        )
        raise self.retry(exc=exc, countdown=countdown) from exc
    if email.status == EmailStatus.SENDING and not self.request.is_eager:
        # Another attempt holds a fresh claim: a second task for the same message, or this very task
        # redelivered after its worker died mid-send. Come back once the claim would be stale, to find
        # the message sent, or to record that the attempt died. (Always allowed one more retry: the
        # message must not stay "sending" for ever. Eagerly, a retry would run at once; nobody dies there.)
        raise self.retry(countdown=email_claim_seconds_left(email=email) + 1, max_retries=self.request.retries + 1)
