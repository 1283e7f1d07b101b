"""Permission-scoped reads on tickets. Every list a user sees (admin, autocomplete, API) starts here.

A ticket is visible to the people covering its facility's location, to its reporter (requester) and
assignee, and to anyone it was shared with one by one (guardian permissions on that ticket). Notes
follow their ticket.
"""

from django.db.models import Q, QuerySet

from apps.core.scope import is_live, register_selector, scoped

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
