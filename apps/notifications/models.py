import uuid

from django.db import models
from django.db.models import Q

from apps.audit.history import PortalHistoricalRecords
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
    so the same event queued twice is still one message.
    """

    idempotency_key = models.CharField(max_length=200, unique=True, default=new_idempotency_key)
    recipients = models.JSONField(default=list, help_text="List of e-mail addresses.")
    subject = models.CharField(max_length=255)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=EmailStatus.choices, default=EmailStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

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
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="email_status_created_idx")]

    def __str__(self) -> str:
        return f"{self.subject} → {', '.join(self.recipients)}"

    def natural_key(self) -> tuple[str]:
        return (self.idempotency_key,)
