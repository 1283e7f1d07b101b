import hashlib
import uuid
from email.utils import parseaddr

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.audit.records import PortalHistoricalRecords
from apps.core.models import TimeStampedModel

from .choices import EmailStatus


def new_idempotency_key() -> str:
    return str(uuid.uuid4())


class OutboundEmailManager(models.Manager):
    def get_by_natural_key(self, idempotency_key: str) -> "OutboundEmail":
        return self.get(idempotency_key=idempotency_key)


class OutboundEmail(TimeStampedModel):
    """One message in the outbox. Written first, sent by a Celery task, retried, never lost.

    `idempotency_key` names the event the message is about (e.g. "incident:42:assigned:7"),
    so the same event queued twice is still one message. `claimed_at` is when a worker last
    claimed the message for sending: while the status is "sending", it tells a live attempt
    from one whose worker died (services.email_send).
    """

    idempotency_key = models.CharField(max_length=200, unique=True, default=new_idempotency_key)
    recipients = models.JSONField(default=list, help_text="List of e-mail addresses.")
    subject = models.CharField(max_length=255)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=EmailStatus.choices, default=EmailStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(
        null=True, blank=True, help_text="When a worker last started sending the message."
    )

    history = PortalHistoricalRecords()
    objects = OutboundEmailManager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "outbound e-mail"
        verbose_name_plural = "outbound e-mails"
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=EmailStatus.SENT) | Q(sent_at__isnull=False),
                name="outboundemail_sent_has_time",
                violation_error_message="A sent message must record when it was sent.",
            ),
            models.CheckConstraint(
                condition=~Q(status=EmailStatus.SENDING) | Q(claimed_at__isnull=False),
                name="outboundemail_sending_has_claim",
                violation_error_message="A message being sent must record when a worker started sending it.",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="email_status_created_idx")]

    def __str__(self) -> str:
        return f"{self.subject} → {', '.join(self.recipients)}"

    def natural_key(self) -> tuple[str]:
        return (self.idempotency_key,)

    @property
    def message_id(self) -> str:
        """The Message-ID header, the same on every attempt and every resend of this message.

        Derived from the row and its idempotency key (hashed: a key may hold characters a
        Message-ID may not, and names nothing the recipient needs to see), so mail systems that
        de-duplicate by Message-ID see a resend as the same message, and an administrator can
        look the message up in the mail server's logs.
        """
        key_hash = hashlib.sha256(self.idempotency_key.encode()).hexdigest()[:16]
        address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
        domain = address.rpartition("@")[2] if "@" in address else ""
        return f"<outbox.{self.pk}.{key_hash}@{domain or 'portal.local'}>"
