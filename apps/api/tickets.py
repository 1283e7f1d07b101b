"""/api/incident-types/, /api/incident-tickets/ and /api/service-tickets/: scoped like the console's queues.

A ticket is visible to the supervisors and auditors of its facility's location, its reporter (requester)
and assignee, and whoever it was shared with. Writes (reports, edits, workflow steps) are in
`ticket_writes.py`, through the tickets' services and workflows.
"""

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers

from apps.tickets.choices import IncidentStatus, ServiceCategory, ServicePriority, ServiceStatus, Severity
from apps.tickets.models import IncidentTicket, IncidentType, ServiceTicket

from . import rows
from .base import ResourceViewSet
from .fields import LOCATION_HELP, ModelOutput, choice_label, label
from .filters import DateRangeFilterSet, IdFilter, mine, own_by


class IncidentTypeSerializer(ModelOutput):
    default_severity_label = choice_label("default_severity")

    class Meta:
        model = IncidentType
        fields = (
            "id",
            "code",
            "name",
            "default_severity",
            "default_severity_label",
            "response_sla_minutes",
            "resolve_sla_minutes",
            "is_active",
        )
        read_only_fields = fields


class IncidentTypeFilter(django_filters.FilterSet):
    class Meta:
        model = IncidentType
        fields = ["is_active", "default_severity", "code"]


@extend_schema_view(
    list=extend_schema(summary="Incident types", tags=["incident types"]),
    retrieve=extend_schema(summary="An incident type", tags=["incident types"]),
)
class IncidentTypeViewSet(ResourceViewSet):
    resource = "incident-types"
    output = IncidentTypeSerializer
    filterset_class = IncidentTypeFilter
    search_fields = ["code", "name"]
    ordering_fields = ["name", "code"]
    ordering = ["name"]

    rows_from = staticmethod(rows.incident_types)


INCIDENT_FIELDS = (
    "id",
    "reference",
    "title",
    "description",
    "incident_type",
    "incident_type_label",
    "facility",
    "facility_label",
    "location",
    "location_label",
    "severity",
    "severity_label",
    "status",
    "status_label",
    "reporter",
    "reporter_label",
    "assignee",
    "assignee_label",
    "occurred_at",
    "acknowledged_at",
    "resolved_at",
    "closed_at",
    "off_air_seconds",
    "resolution",
    "duplicate_of",
    "duplicate_of_label",
    "response_due_at",
    "resolve_due_at",
    "created_at",
    "updated_at",
)


class IncidentTicketSerializer(ModelOutput):
    incident_type_label = label("incident_type")
    facility_label = label("facility")
    location = serializers.IntegerField(source="facility.location_id", read_only=True, help_text=LOCATION_HELP)
    location_label = label("facility.location")
    severity_label = choice_label("severity")
    status_label = choice_label("status")
    reporter_label = label("reporter")
    assignee_label = label("assignee", nullable=True)
    duplicate_of_label = label("duplicate_of.reference", nullable=True)
    hidden_links = {"duplicate_of": rows.incidents}

    class Meta:
        model = IncidentTicket
        fields = INCIDENT_FIELDS
        read_only_fields = fields


class IncidentTicketFilter(DateRangeFilterSet):
    status = django_filters.MultipleChoiceFilter(choices=IncidentStatus.choices)
    severity = django_filters.MultipleChoiceFilter(choices=Severity.choices)
    facility = IdFilter(field_name="facility_id")
    location = IdFilter(field_name="facility__location_id")
    incident_type = IdFilter(field_name="incident_type_id")
    reporter = IdFilter(field_name="reporter_id")
    assignee = IdFilter(field_name="assignee_id")
    mine = mine(own_by("reporter", "assignee"), "Tickets the caller reported or is assigned to.")

    class Meta:
        model = IncidentTicket
        fields = ["status", "severity", "facility", "location", "incident_type", "reporter", "assignee", "mine"]
        date_ranges = ["occurred_at", "resolved_at", "response_due_at", "resolve_due_at", "created_at"]


@extend_schema_view(
    list=extend_schema(summary="Incidents", tags=["incident tickets"]),
    retrieve=extend_schema(summary="An incident", tags=["incident tickets"]),
)
class IncidentTicketReads(ResourceViewSet):
    resource = "incident-tickets"
    output = IncidentTicketSerializer
    filterset_class = IncidentTicketFilter
    search_fields = ["reference", "title"]
    ordering_fields = ["occurred_at", "reference", "severity", "response_due_at", "resolve_due_at", "created_at"]
    ordering = ["-occurred_at"]

    rows_from = staticmethod(rows.incidents)


SERVICE_TICKET_FIELDS = (
    "id",
    "reference",
    "title",
    "description",
    "facility",
    "facility_label",
    "location",
    "location_label",
    "category",
    "category_label",
    "priority",
    "priority_label",
    "status",
    "status_label",
    "requested_by",
    "requested_by_label",
    "assignee",
    "assignee_label",
    "due_on",
    "scheduled_event",
    "scheduled_event_label",
    "created_at",
    "updated_at",
)


class ServiceTicketSerializer(ModelOutput):
    facility_label = label("facility")
    location = serializers.IntegerField(source="facility.location_id", read_only=True, help_text=LOCATION_HELP)
    location_label = label("facility.location")
    category_label = choice_label("category")
    priority_label = choice_label("priority")
    status_label = choice_label("status")
    requested_by_label = label("requested_by")
    assignee_label = label("assignee", nullable=True)
    scheduled_event_label = label("scheduled_event", nullable=True)
    hidden_links = {"scheduled_event": rows.plain_events}

    class Meta:
        model = ServiceTicket
        fields = SERVICE_TICKET_FIELDS
        read_only_fields = fields


class ServiceTicketFilter(DateRangeFilterSet):
    status = django_filters.MultipleChoiceFilter(choices=ServiceStatus.choices)
    category = django_filters.MultipleChoiceFilter(choices=ServiceCategory.choices)
    priority = django_filters.MultipleChoiceFilter(choices=ServicePriority.choices)
    facility = IdFilter(field_name="facility_id")
    location = IdFilter(field_name="facility__location_id")
    requested_by = IdFilter(field_name="requested_by_id")
    assignee = IdFilter(field_name="assignee_id")
    scheduled_event = IdFilter(field_name="scheduled_event_id")
    mine = mine(own_by("requested_by", "assignee"), "Tickets the caller requested or is assigned to.")

    class Meta:
        model = ServiceTicket
        fields = [
            "status",
            "category",
            "priority",
            "facility",
            "location",
            "requested_by",
            "assignee",
            "scheduled_event",
            "mine",
        ]
        date_ranges = ["due_on", "created_at"]


@extend_schema_view(
    list=extend_schema(summary="Service tickets", tags=["service tickets"]),
    retrieve=extend_schema(summary="A service ticket", tags=["service tickets"]),
)
class ServiceTicketReads(ResourceViewSet):
    resource = "service-tickets"
    output = ServiceTicketSerializer
    filterset_class = ServiceTicketFilter
    search_fields = ["reference", "title"]
    ordering_fields = ["created_at", "reference", "due_on", "priority"]
    ordering = ["-created_at"]

    rows_from = staticmethod(rows.service_tickets)
