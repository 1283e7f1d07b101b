import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from apps.audit.records import PortalHistoricalRecords
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
    original_name = models.CharField("file name", max_length=255, blank=True, help_text="As uploaded.")
    summary = models.JSONField(
        default=dict, blank=True, help_text="Rows new, updated, unchanged and in error, and the key columns."
    )
    row_preview = models.JSONField(
        default=list, blank=True, help_text="Row number, status and key of the first rows (the console's row list)."
    )
    message = models.TextField(blank=True, help_text="Why the job failed, when it is not (only) row errors.")
    preview = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="imports",
        help_text="The preview (dry run) this import was confirmed from.",
    )

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
            # a preview is imported once: a second Confirm (a double click, a second tab) finds the first import
            models.UniqueConstraint(
                fields=["preview"],
                name="importjob_one_import_per_preview",
                violation_error_message="This preview has already been imported.",
            ),
            models.CheckConstraint(
                condition=Q(preview__isnull=True) | Q(dry_run=False),
                name="importjob_preview_confirmed_by_an_import",
                violation_error_message="Only an import (not another preview) can confirm a preview.",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="importjob_status_created_idx")]

    def __str__(self) -> str:
        what = self.original_name or self.resource
        return f"{self.kind} of {what}, {self.created_at:%Y-%m-%d %H:%M} ({self.get_status_display()})"

    def natural_key(self) -> tuple[str]:
        return (str(self.uid),)

    @property
    def progress_percent(self) -> int:
        return int(100 * self.processed_rows / self.total_rows) if self.total_rows else 0

    @property
    def kind(self) -> str:
        return "Preview" if self.dry_run else "Import"

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.SUCCEEDED, ImportStatus.FAILED)

    @property
    def display_name(self) -> str:
        """The uploaded file's name, for messages and e-mails."""
        return self.original_name or self.file.name.rsplit("/", 1)[-1] or self.resource
