"""The Activity log: one row per history row of any model, indexed for reading across all of them."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models


class HistoryType(models.TextChoices):
    CREATED = "+", "Created"
    CHANGED = "~", "Changed"
    DELETED = "-", "Deleted"


class ActivityEntry(models.Model):
    """A pointer to one historical row, with what the Activity page filters and sorts on.

    simple-history keeps one history table per model; reading "every change, newest first" across them
    would be a UNION of every table on every page. This table is written next to each history row (the
    same transaction) and points back to it by (content type, history id).
    """

    # content_type and user need no index of their own: the composite indexes below lead with them
    content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", verbose_name="model", db_index=False
    )
    object_id = models.PositiveBigIntegerField("object id")
    history_id = models.PositiveBigIntegerField("history id")
    history_type = models.CharField("action", max_length=1, choices=HistoryType.choices)
    history_date = models.DateTimeField("when")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="by",
        db_index=False,
    )
    change_reason = models.TextField("reason", blank=True, default="")
    request_id = models.CharField("request id", max_length=64, blank=True, default="")
    object_repr = models.CharField("object", max_length=200)

    class Meta:
        verbose_name = "activity"
        verbose_name_plural = "activity"
        ordering = ["-history_date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["content_type", "history_id"], name="activity_one_per_history_row"),
        ]
        indexes = [
            models.Index(fields=["-history_date", "-id"], name="activity_newest_idx"),
            models.Index(fields=["content_type", "object_id"], name="activity_object_idx"),
            models.Index(fields=["user", "-history_date"], name="activity_user_idx"),
            models.Index(fields=["request_id"], name="activity_request_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_history_type_display()} {self.object_repr}"
