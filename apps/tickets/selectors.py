"""Permission-scoped reads on tickets. Every list a user sees (admin, autocomplete, API) starts here.

A ticket is visible to the people covering its facility's location, to its reporter (requester) and
assignee, and to anyone it was shared with one by one (guardian permissions on that ticket). Notes
follow their ticket.
"""

from datetime import datetime

from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.expressions import OrderBy

from apps.core.scope import is_live, register_selector, scoped

from .choices import IncidentStatus
from .models import (
    IncidentTicket,
    IncidentTicketGroupObjectPermission,
    IncidentTicketUserObjectPermission,
    IncidentType,
    ServiceTicket,
    ServiceTicketGroupObjectPermission,
    ServiceTicketUserObjectPermission,
    TicketNote,
)
from .sla import SlaState, incident_sla_q


def incident_types_list(*, active_only: bool = False) -> QuerySet[IncidentType]:
    """Incident types are reference data: everyone may read them."""
    queryset = IncidentType.objects.all()
    return queryset.filter(is_active=True) if active_only else queryset


@register_selector(IncidentType)
def incident_types_visible_to(*, user) -> QuerySet[IncidentType]:
    """Reference data: every signed-in person reads every incident type."""
    return incident_types_list() if is_live(user) else IncidentType.objects.none()


@register_selector(IncidentTicket)
def incidents_visible_to(*, user) -> QuerySet[IncidentTicket]:
    queryset = IncidentTicket.objects.select_related("incident_type", "facility__location", "reporter", "assignee")
    return scoped(
        queryset,
        user=user,
        location="facility__location",
        own=lambda person: Q(reporter=person) | Q(assignee=person),
        shared=(IncidentTicketUserObjectPermission, IncidentTicketGroupObjectPermission),
    )


# --- urgency: the order a supervisor works through incidents in --------------------------------------------------

BREACHED, AT_RISK, OPEN, FINISHED = range(4)


def incident_urgency(*, now: datetime) -> Case:
    """0 breached, 1 at risk, 2 open and on track, 3 the rest (resolved, closed, duplicates): the SLA states of
    apps.tickets.sla, in SQL."""
    return Case(
        When(incident_sla_q(SlaState.BREACHED, now=now), then=Value(BREACHED)),
        When(incident_sla_q(SlaState.AT_RISK, now=now), then=Value(AT_RISK)),
        When(status__in=IncidentStatus.open_values(), then=Value(OPEN)),
        default=Value(FINISHED),
        output_field=IntegerField(),
    )


# the deadline that runs next on an open ticket: responding until someone acknowledges it, then resolving
NEXT_DUE = Case(
    When(~Q(status__in=IncidentStatus.open_values()), then=None),
    When(acknowledged_at__isnull=True, then=F("response_due_at")),
    default=F("resolve_due_at"),
)


def incident_urgency_ordering(*, now: datetime) -> list[OrderBy]:
    """Breached first, then at risk, then the other open ones, then the finished; within each, SEV1 before SEV4,
    then the nearest running deadline; finished tickets the most recent first."""
    return [
        incident_urgency(now=now).asc(),
        F("severity").asc(),
        NEXT_DUE.asc(nulls_last=True),
        F("occurred_at").desc(),
        F("pk").desc(),
    ]


def incident_urgency_tiers(*, now: datetime) -> list[tuple[Q, list[OrderBy]]]:
    """The order of urgency in two tiers, for a list's pages (apps.console.paging): the open tickets by urgency (a few
    thousand at most), then the finished ones, which that order sorts by severity and date alone (their urgency is
    FINISHED and their next deadline none): an order the `incident_finished_order_idx` index walks."""
    is_open = Q(status__in=IncidentStatus.open_values())
    finished = [F("severity").asc(), F("occurred_at").desc(), F("pk").desc()]
    return [(is_open, incident_urgency_ordering(now=now)), (~is_open, finished)]


def incidents_by_urgency(queryset: QuerySet[IncidentTicket], *, now: datetime) -> QuerySet[IncidentTicket]:
    return queryset.order_by(*incident_urgency_ordering(now=now))


@register_selector(ServiceTicket)
def service_tickets_visible_to(*, user) -> QuerySet[ServiceTicket]:
    queryset = ServiceTicket.objects.select_related("facility__location", "requested_by", "assignee", "scheduled_event")
    return scoped(
        queryset,
        user=user,
        location="facility__location",
        own=lambda person: Q(requested_by=person) | Q(assignee=person),
        shared=(ServiceTicketUserObjectPermission, ServiceTicketGroupObjectPermission),
    )


@register_selector(TicketNote)
def ticket_notes_visible_to(*, user) -> QuerySet[TicketNote]:
    """Notes on the tickets the user can see: the tickets' own scope, as subqueries."""
    queryset = TicketNote.objects.select_related("incident", "service_ticket", "author")
    return scoped(
        queryset,
        user=user,
        own=lambda person: (
            Q(incident__in=incidents_visible_to(user=person).values("pk"))
            | Q(service_ticket__in=service_tickets_visible_to(user=person).values("pk"))
        ),
    )
