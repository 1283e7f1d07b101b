import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from apps.audit.history import PortalHistoricalRecords
from apps.core.models import TimeStampedModel

from .choices import ImportFormat, ImportStatus


class ImportJobManager(models.Manager):
    def get_by_natural_key(self, uid: str) -> "ImportJob":
        return self.get(uid=uid)


class ImportJob(TimeStampedModel):
    """A spreadsheet import, run in the background with progress when it is large."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    resource = models.CharField(max_length=80, help_text="What is imported, e.g. shifts.")
    file = models.FileField(upload_to="imports/%Y/%m/")
    format = models.CharField(max_length=8, choices=ImportFormat.choices)
    dry_run = models.BooleanField(default=False)
    status = models.CharField(max_length=12, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    row_errors = models.JSONField(default=list, blank=True, help_text="Row, column and reason of each error.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="import_jobs")
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    history = PortalHistoricalRecords()
    objects = ImportJobManager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(processed_rows__lte=F("total_rows")),
                name="importjob_processed_within_total",
                violation_error_message="Processed rows cannot exceed the total.",
            ),
            models.CheckConstraint(
                condition=Q(finished_at__isnull=True)
                | Q(started_at__isnull=False) & Q(finished_at__gte=F("started_at")),
                name="importjob_finished_after_started",
                violation_error_message="A job cannot finish before it started.",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="importjob_status_created_idx")]

    def __str__(self) -> str:
        return f"{self.resource} import of {self.created_at:%Y-%m-%d %H:%M} ({self.get_status_display()})"

    def natural_key(self) -> tuple[str]:
        return (str(self.uid),)

    @property
    def progress_percent(self) -> int:
        return int(100 * self.processed_rows / self.total_rows) if self.total_rows else 0
