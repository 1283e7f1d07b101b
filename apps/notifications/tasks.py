"""Thin Celery tasks of the outbox: fetch by id, call a service."""

import logging

from celery import shared_task

from .models import OutboundEmail
from .services import email_mark_failed, email_send

logger = logging.getLogger(__name__)

SEND_MAX_RETRIES = 5


@shared_task(
    bind=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=SEND_MAX_RETRIES,
    acks_late=True,
)
def send_outbound_email(self, email_id: int) -> None:
    email = OutboundEmail.objects.filter(pk=email_id).first()
    if email is None:
        logger.warning("outbound e-mail %s no longer exists; nothing to send", email_id)
        return
    try:
        email_send(email=email)
    except Exception:
        if self.request.retries >= self.max_retries:
            email_mark_failed(email=email)
        raise
