from django.conf import settings
from django.contrib.postgres.fields import DateTimeRangeField, RangeBoundary, RangeOperators
from django.db import models
from django.db.models import F, Func, Q

from apps.audit.records import PortalHistoricalRecords
from apps.core.bulk import CopyManager
from apps.core.constraints import PostgresExclusionConstraint
from apps.core.models import TimeStampedModel

from .choices import EventKind, EventStatus, ShiftStatus, TimeOffKind, TimeOffStatus

SHIFT_OVERLAP_MESSAGE = "This person already has a shift at that time."
EVENT_OVERLAP_MESSAGE = "This facility already has a confirmed event at that time."


def local_slot_label(starts_at, ends_at, facility) -> str:
    """'Tue 3 Mar 2026 06:00–14:00 Europe/London': in the facility's own time zone, the end's day when it differs."""
    zone = facility.location.timezone
    start, end = starts_at.astimezone(zone), ends_at.astimezone(zone)
    end_label = f"{end:%H:%M}" if end.date() == start.date() else f"{end:%a} {end.day} {end:%b %Y} {end:%H:%M}"
    return f"{start:%a} {start.day} {start:%b %Y} {start:%H:%M}–{end_label} {zone}"


class TsTzRange(Func):
    """PostgreSQL's tstzrange(start, end, '[)'): half-open, so back-to-back slots do not overlap."""

    function = "TSTZRANGE"
    output_field = DateTimeRangeField()

    def __init__(self, start, end):
        super().__init__(start, end, RangeBoundary(inclusive_lower=True, inclusive_upper=False))


class ShiftManager(CopyManager):
    def get_by_natural_key(self, employee_id: str, starts_at):
        return self.get(user__employee_id=employee_id, starts_at=starts_at)


class Shift(TimeStampedModel):
    """One person working one position at one facility for a stretch of time."""

    # no single-column indexes: (user, starts_at) and (facility, starts_at) below serve those lookups, and
    # each index less is one less write per row of a 100,000-shift import
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="shifts", db_index=False)
    facility = models.ForeignKey("facilities.Facility", on_delete=models.PROTECT, related_name="shifts", db_index=False)
    position = models.CharField(max_length=80, help_text='The role worked, e.g. "MCR operator".')
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(max_length=12, choices=ShiftStatus.choices, default=ShiftStatus.DRAFT)
    notes = models.TextField(blank=True)

    history = PortalHistoricalRecords()
    objects = ShiftManager()

    class Meta:
        ordering = ["starts_at", "user__last_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="shift_ends_after_start",
                violation_error_message="A shift must end after it starts.",
            ),
            models.UniqueConstraint(
                fields=["user", "starts_at"],
                name="shift_unique_user_start",
                violation_error_message="This person already has a shift (possibly cancelled) starting at that time.",
            ),
            PostgresExclusionConstraint(
                name="shift_no_overlap_per_user",
                expressions=[
                    ("user", RangeOperators.EQUAL),
                    (TsTzRange("starts_at", "ends_at"), RangeOperators.OVERLAPS),
                ],
                condition=~Q(status=ShiftStatus.CANCELLED),
                violation_error_message=SHIFT_OVERLAP_MESSAGE,
            ),
        ]
        indexes = [
            models.Index(fields=["facility", "starts_at"], name="shift_facility_start_idx"),
            models.Index(fields=["status", "starts_at"], name="shift_status_start_idx"),
        ]

    def __str__(self) -> str:
        slot = local_slot_label(self.starts_at, self.ends_at, self.facility)
        return f"{self.user} — {self.position} at {self.facility.code}, {slot}"

    def natural_key(self) -> tuple:
        return (self.user.employee_id, self.starts_at)


class ScheduledEventManager(models.Manager):
    def get_by_natural_key(self, facility_code: str, starts_at, title: str):
        return self.get(facility__code=facility_code, starts_at=starts_at, title=title)


class ScheduledEvent(TimeStampedModel):
    """Something booked on a facility: a live broadcast, a recording, a maintenance window."""

    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=EventKind.choices, default=EventKind.OTHER)
    facility = models.ForeignKey("facilities.Facility", on_delete=models.PROTECT, related_name="events")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(max_length=12, choices=EventStatus.choices, default=EventStatus.TENTATIVE)
    crew = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="crewed_events")

    history = PortalHistoricalRecords(m2m_fields=[crew])
    objects = ScheduledEventManager()

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="event_ends_after_start",
                violation_error_message="An event must end after it starts.",
            ),
            models.UniqueConstraint(
                fields=["facility", "starts_at", "title"],
                name="event_unique_facility_start_title",
                violation_error_message="This facility already has an event of that title starting at that time.",
            ),
            PostgresExclusionConstraint(
                name="event_no_overlap_per_facility",
                expressions=[
                    ("facility", RangeOperators.EQUAL),
                    (TsTzRange("starts_at", "ends_at"), RangeOperators.OVERLAPS),
                ],
                condition=Q(status=EventStatus.CONFIRMED),
                violation_error_message=EVENT_OVERLAP_MESSAGE,
            ),
        ]
        indexes = [
            models.Index(fields=["facility", "starts_at"], name="event_facility_start_idx"),
            models.Index(fields=["status", "starts_at"], name="event_status_start_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.facility.code}, {local_slot_label(self.starts_at, self.ends_at, self.facility)})"

    def natural_key(self) -> tuple:
        return (self.facility.code, self.starts_at, self.title)


class TimeOffRequestManager(models.Manager):
    def get_by_natural_key(self, employee_id: str, kind: str, starts_on):
        return self.get(user__employee_id=employee_id, kind=kind, starts_on=starts_on)


class TimeOffRequest(TimeStampedModel):
    """A request for days away, reviewed by a supervisor."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="time_off_requests")
    kind = models.CharField(max_length=12, choices=TimeOffKind.choices, default=TimeOffKind.VACATION)
    starts_on = models.DateField()
    ends_on = models.DateField(help_text="Last day away (inclusive).")
    reason = models.TextField(blank=True)
    status = models.CharField(max_length=12, choices=TimeOffStatus.choices, default=TimeOffStatus.PENDING)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reviewed_time_off_requests",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)

    history = PortalHistoricalRecords()
    objects = TimeOffRequestManager()

    class Meta:
        ordering = ["-starts_on"]
        verbose_name = "time off request"
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="timeoff_ends_on_or_after_start",
                violation_error_message="Time off cannot end before it starts.",
            ),
            models.UniqueConstraint(
                fields=["user", "kind", "starts_on"],
                name="timeoff_unique_user_kind_start",
                violation_error_message="This person already has a request of that kind starting that day.",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "starts_on"], name="timeoff_status_start_idx"),
            models.Index(fields=["user", "starts_on", "ends_on"], name="timeoff_user_span_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_kind_display()} {self.starts_on:%d %b} to {self.ends_on:%d %b %Y}"

    def natural_key(self) -> tuple:
        return (self.user.employee_id, self.kind, self.starts_on)


class CoverageRequirementManager(models.Manager):
    def get_by_natural_key(self, facility_code: str, position: str):
        return self.get(facility__code=facility_code, position=position)


class CoverageRequirement(TimeStampedModel):
    """A facility needs `people` of a position on shift around the clock ("MCR needs 1 operator 24/7").

    The roster (apps.scheduling.roster) reports the local hours where fewer non-cancelled shifts cover.
    """

    facility = models.ForeignKey("facilities.Facility", on_delete=models.CASCADE, related_name="coverage_requirements")
    position = models.CharField(max_length=80, help_text='The role needed, as shifts name it, e.g. "MCR operator".')
    people = models.PositiveSmallIntegerField(default=1, help_text="How many at once, around the clock.")

    history = PortalHistoricalRecords()
    objects = CoverageRequirementManager()

    class Meta:
        ordering = ["facility__code", "position"]
        constraints = [
            models.CheckConstraint(
                condition=Q(people__gte=1),
                name="coverage_needs_someone",
                violation_error_message="A coverage requirement needs at least one person.",
            ),
            models.UniqueConstraint(
                fields=["facility", "position"],
                name="coverage_unique_facility_position",
                violation_error_message="This facility already has a requirement for that position.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.facility.code} needs {self.people} × {self.position} 24/7"

    def natural_key(self) -> tuple:
        return (self.facility.code, self.position)

    natural_key.dependencies = ["facilities.facility"]
