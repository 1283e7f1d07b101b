"""Writes on tickets through the tickets' services and workflows, as the console makes them.

POST opens a ticket (`incident_create`, `service_ticket_create`). PATCH edits plain fields
(`incident_update`, `service_ticket_update`: for those whose role may change tickets, as the console's form),
gives the ticket to someone (`incident_assign`, `service_ticket_assign`), changes an incident's severity
(`incident_set_severity`) and, with `status`, takes the workflow step that leads there: `resolved` resolves
(with `resolution`), `closed` closes, `in_progress` starts, resumes or reopens, `duplicate` marks a duplicate
of `duplicate_of`… A refused step answers 400 with the workflow's sentence. All in one transaction.
"""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers

from apps.scheduling.models import ScheduledEvent
from apps.tickets.choices import IncidentStatus, ServiceCategory, ServicePriority, ServiceStatus, Severity
from apps.tickets.models import IncidentTicket, IncidentType
from apps.tickets.service_workflow import (
    service_ticket_assign,
    service_ticket_cancel,
    service_ticket_complete,
    service_ticket_resume,
    service_ticket_schedule,
    service_ticket_start,
    service_ticket_wait,
)
from apps.tickets.services import incident_create, incident_update, service_ticket_create, service_ticket_update
from apps.tickets.workflow import (
    incident_acknowledge,
    incident_assign,
    incident_close,
    incident_hold,
    incident_mark_duplicate,
    incident_reopen,
    incident_resolve,
    incident_resume,
    incident_set_severity,
    incident_start,
)

from . import rows
from .accounts import User
from .base import Creates, Updates
from .facilities import Facility
from .fields import BoundedDateField, UTCDateTimeField, VisibleRowField
from .tickets import IncidentTicketReads, IncidentTicketSerializer, ServiceTicketReads, ServiceTicketSerializer
from .writing import check_acting_for, check_model_permission, no_step_to


def _person(**kwargs):
    return VisibleRowField(rows=rows.people, model=User, noun="person", **kwargs)


def _facility(**kwargs):
    return VisibleRowField(rows=rows.facilities, model=Facility, noun="facility", **kwargs)


# --- incidents ----------------------------------------------------------------------------------------------------


class IncidentInput(serializers.Serializer):
    title = serializers.CharField()
    incident_type = VisibleRowField(rows=rows.incident_types, model=IncidentType, noun="incident type")
    facility = _facility()
    occurred_at = UTCDateTimeField()
    severity = serializers.ChoiceField(choices=Severity.choices, required=False, help_text="Default: the type's.")
    description = serializers.CharField(required=False, allow_blank=True)
    assignee = _person(required=False, allow_null=True)
    reporter = _person(required=False, help_text="Default: the caller. Staff report for themselves only.")


class IncidentChange(serializers.Serializer):
    title = serializers.CharField(required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    incident_type = VisibleRowField(rows=rows.incident_types, model=IncidentType, noun="incident type", required=False)
    facility = _facility(required=False)
    occurred_at = UTCDateTimeField(required=False)
    off_air_seconds = serializers.IntegerField(required=False, min_value=0, max_value=2**31 - 1)
    severity = serializers.ChoiceField(choices=Severity.choices, required=False, help_text="A supervisor's step.")
    assignee = _person(required=False, allow_null=True, help_text="Gives the ticket to this person (a step).")
    status = serializers.ChoiceField(
        choices=IncidentStatus.choices, required=False, help_text="The workflow step that leads to this status."
    )
    resolution = serializers.CharField(required=False, allow_blank=True, help_text="With `resolved`: what was done.")
    off_air_minutes = serializers.IntegerField(required=False, min_value=0, help_text="With `resolved`.")
    duplicate_of = VisibleRowField(
        rows=rows.incidents, model=IncidentTicket, noun="incident", required=False, help_text="With `duplicate`."
    )
    reason = serializers.CharField(required=False, allow_blank=True, help_text="With a reopening (`in_progress`).")


INCIDENT_PLAIN = ("title", "description", "incident_type", "facility", "occurred_at", "off_air_seconds")


def incident_step(incident, data: dict, *, by):
    """The workflow step leading from the incident's status to `data["status"]`, with its inputs."""
    target, current = data["status"], incident.status
    if target == IncidentStatus.TRIAGED:
        return incident_acknowledge(incident=incident, by=by)
    if target == IncidentStatus.IN_PROGRESS:
        if current == IncidentStatus.ON_HOLD:
            return incident_resume(incident=incident, by=by)
        if current in (IncidentStatus.RESOLVED, IncidentStatus.CLOSED):
            return incident_reopen(incident=incident, by=by, reason=data.get("reason", ""))
        return incident_start(incident=incident, by=by)
    if target == IncidentStatus.ON_HOLD:
        return incident_hold(incident=incident, by=by)
    if target == IncidentStatus.RESOLVED:
        return incident_resolve(
            incident=incident, by=by, resolution=data.get("resolution", ""), off_air_minutes=data.get("off_air_minutes")
        )
    if target == IncidentStatus.CLOSED:
        return incident_close(incident=incident, by=by)
    if target == IncidentStatus.DUPLICATE:
        return incident_mark_duplicate(incident=incident, of=data.get("duplicate_of"), by=by)
    raise no_step_to(IncidentStatus(target).label)


@extend_schema_view(
    create=extend_schema(
        summary="Report an incident", tags=["incident tickets"], responses={201: IncidentTicketSerializer}
    ),
    partial_update=extend_schema(
        summary="Edit an incident, assign it, change its severity or take a workflow step (`status`)",
        tags=["incident tickets"],
        responses={200: IncidentTicketSerializer},
    ),
)
class IncidentTicketViewSet(Creates, Updates, IncidentTicketReads):
    """Incidents: reported by anyone, handled by their assignee and the supervisors of their location."""

    create_input = IncidentInput
    update_input = IncidentChange

    def perform_create(self, data):
        by = self.request.user
        reporter = data.pop("reporter", None) or by
        check_acting_for(by=by, person=reporter, doing="report incidents")
        return incident_create(reporter=reporter, by=by, **data)

    def perform_update(self, instance, data):
        by = self.request.user
        plain = {name: data[name] for name in INCIDENT_PLAIN if name in data}
        if "resolution" in data and data.get("status") != IncidentStatus.RESOLVED:
            plain["resolution"] = data["resolution"]
        if plain:
            check_model_permission(by=by, permission="tickets.change_incidentticket", doing="edit incidents")
            incident_update(incident=instance, by=by, **plain)
        if "assignee" in data:
            incident_assign(incident=instance, assignee=data["assignee"], by=by)
        if "severity" in data:
            incident_set_severity(incident=instance, severity=data["severity"], by=by)
        if "status" in data:
            incident_step(instance, data, by=by)
        return instance


# --- service tickets ----------------------------------------------------------------------------------------------


def _window(**kwargs):
    return VisibleRowField(rows=rows.scheduled_events, model=ScheduledEvent, noun="scheduled event", **kwargs)


class ServiceTicketInput(serializers.Serializer):
    title = serializers.CharField()
    facility = _facility()
    category = serializers.ChoiceField(choices=ServiceCategory.choices, required=False)
    priority = serializers.ChoiceField(choices=ServicePriority.choices, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    assignee = _person(required=False, allow_null=True)
    due_on = BoundedDateField(required=False, allow_null=True)
    scheduled_event = _window(required=False, allow_null=True)
    requested_by = _person(required=False, help_text="Default: the caller.")


class ServiceTicketChange(serializers.Serializer):
    title = serializers.CharField(required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    facility = _facility(required=False)
    category = serializers.ChoiceField(choices=ServiceCategory.choices, required=False)
    priority = serializers.ChoiceField(choices=ServicePriority.choices, required=False)
    due_on = BoundedDateField(required=False, allow_null=True)
    scheduled_event = _window(required=False, allow_null=True, help_text="With `scheduled`: the maintenance window.")
    assignee = _person(required=False, allow_null=True, help_text="Gives the ticket to this person (a step).")
    status = serializers.ChoiceField(
        choices=ServiceStatus.choices, required=False, help_text="The workflow step that leads to this status."
    )
    reason = serializers.CharField(required=False, allow_blank=True, help_text="With `waiting` or `cancelled`.")


SERVICE_PLAIN = ("title", "description", "facility", "category", "priority", "due_on")


def service_ticket_step(ticket, data: dict, *, by):
    target, current = data["status"], ticket.status
    if target == ServiceStatus.SCHEDULED:
        return service_ticket_schedule(ticket=ticket, event=data.get("scheduled_event"), by=by)
    if target == ServiceStatus.IN_PROGRESS:
        if current == ServiceStatus.WAITING:
            return service_ticket_resume(ticket=ticket, by=by)
        return service_ticket_start(ticket=ticket, by=by)
    if target == ServiceStatus.WAITING:
        return service_ticket_wait(ticket=ticket, by=by, reason=data.get("reason", ""))
    if target == ServiceStatus.DONE:
        return service_ticket_complete(ticket=ticket, by=by)
    if target == ServiceStatus.CANCELLED:
        return service_ticket_cancel(ticket=ticket, by=by, reason=data.get("reason", ""))
    raise no_step_to(ServiceStatus(target).label)


@extend_schema_view(
    create=extend_schema(
        summary="Request a service ticket", tags=["service tickets"], responses={201: ServiceTicketSerializer}
    ),
    partial_update=extend_schema(
        summary="Edit a service ticket, assign it or take a workflow step (`status`)",
        tags=["service tickets"],
        responses={200: ServiceTicketSerializer},
    ),
)
class ServiceTicketViewSet(Creates, Updates, ServiceTicketReads):
    """Service tickets: planned work and requests, handled by their assignee and their location's supervisors."""

    create_input = ServiceTicketInput
    update_input = ServiceTicketChange

    def perform_create(self, data):
        by = self.request.user
        requested_by = data.pop("requested_by", None) or by
        check_acting_for(by=by, person=requested_by, doing="request service tickets")
        return service_ticket_create(requested_by=requested_by, by=by, **data)

    def perform_update(self, instance, data):
        by = self.request.user
        plain = {name: data[name] for name in SERVICE_PLAIN if name in data}
        if "scheduled_event" in data and data.get("status") != ServiceStatus.SCHEDULED:
            plain["scheduled_event"] = data["scheduled_event"]
        if plain:
            check_model_permission(by=by, permission="tickets.change_serviceticket", doing="edit service tickets")
            service_ticket_update(ticket=instance, by=by, **plain)
        if "assignee" in data:
            service_ticket_assign(ticket=instance, assignee=data["assignee"], by=by)
        if "status" in data:
            service_ticket_step(instance, data, by=by)
        return instance
