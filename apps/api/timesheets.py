"""/api/time-entries/: the people of a supervisor's locations, and one's own. Writes in `timesheet_writes.py`."""

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_view

from apps.timesheets.choices import Activity, TimeEntryStatus
from apps.timesheets.models import TimeEntry

from . import rows
from .base import ResourceViewSet
from .fields import ModelOutput, choice_label, label
from .filters import DateRangeFilterSet, IdFilter, mine, own_by


class TimeEntrySerializer(ModelOutput):
    user_label = label("user")
    activity_label = choice_label("activity")
    shift_label = label("shift", nullable=True)
    incident_label = label("incident", nullable=True)
    service_ticket_label = label("service_ticket", nullable=True)
    status_label = choice_label("status")
    reviewed_by_label = label("reviewed_by", nullable=True)
    hidden_links = {"shift": rows.shifts, "incident": rows.incidents, "service_ticket": rows.service_tickets}

    class Meta:
        model = TimeEntry
        fields = (
            "id",
            "user",
            "user_label",
            "work_date",
            "minutes",
            "activity",
            "activity_label",
            "shift",
            "shift_label",
            "incident",
            "incident_label",
            "service_ticket",
            "service_ticket_label",
            "notes",
            "status",
            "status_label",
            "reviewed_by",
            "reviewed_by_label",
            "reviewed_at",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


class TimeEntryFilter(DateRangeFilterSet):
    status = django_filters.MultipleChoiceFilter(choices=TimeEntryStatus.choices)
    activity = django_filters.MultipleChoiceFilter(choices=Activity.choices)
    user = IdFilter(field_name="user_id")
    location = IdFilter(field_name="user__home_location_id", help_text="Entries of people based at this location.")
    shift = IdFilter(field_name="shift_id")
    incident = IdFilter(field_name="incident_id")
    service_ticket = IdFilter(field_name="service_ticket_id")
    mine = mine(own_by("user"), "The caller's own entries.")

    class Meta:
        model = TimeEntry
        fields = ["status", "activity", "user", "location", "shift", "incident", "service_ticket", "mine"]
        date_ranges = ["work_date", "created_at"]


@extend_schema_view(
    list=extend_schema(summary="Time entries", tags=["time entries"]),
    retrieve=extend_schema(summary="A time entry", tags=["time entries"]),
)
class TimeEntryReads(ResourceViewSet):
    resource = "time-entries"
    output = TimeEntrySerializer
    filterset_class = TimeEntryFilter
    search_fields = ["notes", "user__employee_id", "user__first_name", "user__last_name"]
    ordering_fields = ["work_date", "minutes", "created_at"]
    ordering = ["-work_date", "user__last_name"]

    rows_from = staticmethod(rows.time_entries)
