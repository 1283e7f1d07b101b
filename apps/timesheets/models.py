from django.conf import settings
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce

from apps.audit.records import PortalHistoricalRecords
from apps.core.models import TimeStampedModel

from .choices import Activity, TimeEntryStatus

MINUTES_PER_DAY = 24 * 60


class TimeEntryManager(models.Manager):
    def get_by_natural_key(self, employee_id: str, work_date, activity: str):
        return self.get(user__employee_id=employee_id, work_date=work_date, activity=activity)


class TimeEntry(TimeStampedModel):
    """Minutes a person worked on one day, on one activity (optionally one shift or ticket)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="time_entries")
    work_date = models.DateField()
    minutes = models.PositiveIntegerField()
    activity = models.CharField(max_length=12, choices=Activity.choices, default=Activity.SHIFT)
    shift = models.ForeignKey(
        "scheduling.Shift", on_delete=models.SET_NULL, null=True, blank=True, related_name="time_entries"
    )
    incident = models.ForeignKey(
        "tickets.IncidentTicket", on_delete=models.SET_NULL, null=True, blank=True, related_name="time_entries"
    )
    service_ticket = models.ForeignKey(
        "tickets.ServiceTicket", on_delete=models.SET_NULL, null=True, blank=True, related_name="time_entries"
    )
    notes = models.TextField(blank=True)
    status = models.CharField(max_length=12, choices=TimeEntryStatus.choices, default=TimeEntryStatus.SUBMITTED)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reviewed_time_entries",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    history = PortalHistoricalRecords()
    objects = TimeEntryManager()

    class Meta:
        ordering = ["-work_date", "user__last_name"]
        verbose_name_plural = "time entries"
        constraints = [
            models.CheckConstraint(
                condition=Q(minutes__gt=0) & Q(minutes__lte=MINUTES_PER_DAY),
                name="timeentry_minutes_in_day",
                violation_error_message="Minutes must be more than 0 and at most 1,440 (one day).",
            ),
            # One line per person, day, activity and linked item; NULL links count as equal.
            models.UniqueConstraint(
                F("user"),
                F("work_date"),
                F("activity"),
                Coalesce("shift", Value(0)),
                Coalesce("incident", Value(0)),
                Coalesce("service_ticket", Value(0)),
                name="timeentry_unique_line",
                violation_error_message="This person already has an entry for that day, activity and item.",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "work_date"], name="timeentry_status_date_idx"),
            models.Index(fields=["user", "work_date"], name="timeentry_user_date_idx"),
            # the list's order (newest day first): walked from the newest, not sorted whole (apps/console/timesheets)
            models.Index(fields=["work_date"], name="timeentry_date_idx"),
        ]

    def __str__(self) -> str:
        hours, minutes = divmod(self.minutes, 60)
        return f"{self.user} — {self.get_activity_display()} {self.work_date:%d %b %Y}, {hours}h{minutes:02d}"

    def natural_key(self) -> tuple:
        return (self.user.employee_id, self.work_date, self.activity)
