"""/api/shifts/, /api/scheduled-events/ and /api/time-off-requests/: the roster as each caller may see it.

Shifts: the supervisors' locations (drafts included), and a person's own once published. Events: their
locations and the events a person crews. Time off: the people of their locations, and one's own.
Writes are in `scheduling_writes.py`, through the scheduling services.
"""

import django_filters
from django.db.models import Exists, OuterRef, Q
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers

from apps.scheduling.choices import EventKind, EventStatus, ShiftStatus, TimeOffKind, TimeOffStatus
from apps.scheduling.models import ScheduledEvent, Shift, TimeOffRequest

from . import rows
from .base import ResourceViewSet
from .fields import LOCATION_HELP, TIMEZONE_HELP, ModelOutput, choice_label, label
from .filters import DateRangeFilterSet, IdFilter, mine, own_by


class ShiftSerializer(ModelOutput):
    user_label = label("user")
    facility_label = label("facility")
    location = serializers.IntegerField(source="facility.location_id", read_only=True, help_text=LOCATION_HELP)
    timezone = serializers.CharField(source="facility.location.timezone", read_only=True, help_text=TIMEZONE_HELP)
    status_label = choice_label("status")

    class Meta:
        model = Shift
        fields = (
            "id",
            "user",
            "user_label",
            "facility",
            "facility_label",
            "location",
            "timezone",
            "position",
            "starts_at",
            "ends_at",
            "status",
            "status_label",
            "notes",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


class ShiftFilter(DateRangeFilterSet):
    status = django_filters.MultipleChoiceFilter(choices=ShiftStatus.choices)
    user = IdFilter(field_name="user_id")
    facility = IdFilter(field_name="facility_id")
    location = IdFilter(field_name="facility__location_id")
    position = django_filters.CharFilter(lookup_expr="iexact")
    mine = mine(own_by("user"), "The caller's own shifts.")

    class Meta:
        model = Shift
        fields = ["status", "user", "facility", "location", "position", "mine"]
        date_ranges = ["starts_at", "ends_at"]


@extend_schema_view(
    list=extend_schema(summary="Shifts", tags=["shifts"]),
    retrieve=extend_schema(summary="A shift", tags=["shifts"]),
)
class ShiftReads(ResourceViewSet):
    resource = "shifts"
    output = ShiftSerializer
    filterset_class = ShiftFilter
    search_fields = ["position", "user__employee_id", "user__first_name", "user__last_name"]
    ordering_fields = ["starts_at", "ends_at", "created_at"]
    ordering = ["starts_at", "user__last_name"]

    rows_from = staticmethod(rows.shifts)


class ScheduledEventSerializer(ModelOutput):
    kind_label = choice_label("kind")
    facility_label = label("facility")
    location = serializers.IntegerField(source="facility.location_id", read_only=True, help_text=LOCATION_HELP)
    timezone = serializers.CharField(source="facility.location.timezone", read_only=True, help_text=TIMEZONE_HELP)
    status_label = choice_label("status")
    crew = serializers.SerializerMethodField(help_text="The crew's ids.")
    crew_labels = serializers.SerializerMethodField(help_text="The crew's names, in the order of `crew`.")

    class Meta:
        model = ScheduledEvent
        fields = (
            "id",
            "title",
            "kind",
            "kind_label",
            "facility",
            "facility_label",
            "location",
            "timezone",
            "starts_at",
            "ends_at",
            "status",
            "status_label",
            "crew",
            "crew_labels",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields

    def _crew(self, event) -> list:
        return sorted(event.crew.all(), key=lambda person: (person.last_name, person.first_name, person.pk))

    def get_crew(self, event) -> list[int]:
        return [person.pk for person in self._crew(event)]

    def get_crew_labels(self, event) -> list[str]:
        return [str(person) for person in self._crew(event)]


def _crewing(user) -> Q:
    return Q(Exists(ScheduledEvent.crew.through.objects.filter(scheduledevent=OuterRef("pk"), user=user)))


class ScheduledEventFilter(DateRangeFilterSet):
    status = django_filters.MultipleChoiceFilter(choices=EventStatus.choices)
    kind = django_filters.MultipleChoiceFilter(choices=EventKind.choices)
    facility = IdFilter(field_name="facility_id")
    location = IdFilter(field_name="facility__location_id")
    crew = IdFilter(method="crewed_by", help_text="Events this person (an id) crews.")
    mine = mine(_crewing, "Events whose crew includes the caller.")

    class Meta:
        model = ScheduledEvent
        fields = ["status", "kind", "facility", "location", "crew", "mine"]
        date_ranges = ["starts_at", "ends_at"]

    def crewed_by(self, queryset, name, value):
        through = ScheduledEvent.crew.through.objects.filter(scheduledevent=OuterRef("pk"), user_id=value)
        return queryset.filter(Exists(through))


@extend_schema_view(
    list=extend_schema(summary="Scheduled events", tags=["scheduled events"]),
    retrieve=extend_schema(summary="A scheduled event", tags=["scheduled events"]),
)
class ScheduledEventReads(ResourceViewSet):
    resource = "scheduled-events"
    output = ScheduledEventSerializer
    filterset_class = ScheduledEventFilter
    search_fields = ["title"]
    ordering_fields = ["starts_at", "ends_at", "created_at"]
    ordering = ["starts_at"]

    rows_from = staticmethod(rows.scheduled_events)


class TimeOffRequestSerializer(ModelOutput):
    user_label = label("user")
    kind_label = choice_label("kind")
    status_label = choice_label("status")
    reviewed_by_label = label("reviewed_by", nullable=True)

    class Meta:
        model = TimeOffRequest
        fields = (
            "id",
            "user",
            "user_label",
            "kind",
            "kind_label",
            "starts_on",
            "ends_on",
            "reason",
            "status",
            "status_label",
            "reviewed_by",
            "reviewed_by_label",
            "reviewed_at",
            "review_note",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


class TimeOffRequestFilter(DateRangeFilterSet):
    status = django_filters.MultipleChoiceFilter(choices=TimeOffStatus.choices)
    kind = django_filters.MultipleChoiceFilter(choices=TimeOffKind.choices)
    user = IdFilter(field_name="user_id")
    location = IdFilter(field_name="user__home_location_id", help_text="Requests of people based at this location.")
    mine = mine(own_by("user"), "The caller's own requests.")

    class Meta:
        model = TimeOffRequest
        fields = ["status", "kind", "user", "location", "mine"]
        date_ranges = ["starts_on", "ends_on", "created_at"]


@extend_schema_view(
    list=extend_schema(summary="Time off requests", tags=["time off requests"]),
    retrieve=extend_schema(summary="A time off request", tags=["time off requests"]),
)
class TimeOffRequestReads(ResourceViewSet):
    resource = "time-off-requests"
    output = TimeOffRequestSerializer
    filterset_class = TimeOffRequestFilter
    search_fields = ["reason", "user__employee_id", "user__first_name", "user__last_name"]
    ordering_fields = ["starts_on", "ends_on", "created_at"]
    ordering = ["-starts_on"]

    rows_from = staticmethod(rows.time_off_requests)
