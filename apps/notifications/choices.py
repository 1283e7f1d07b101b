from django.db import models


class EmailStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    # A worker has claimed the message and is talking to the mail server (see services.email_send).
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
