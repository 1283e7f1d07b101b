"""Permission-scoped reads on tickets. Every list a user sees (admin, autocomplete, API) starts here.

Console roles (administrators, supervisors, auditors) see every ticket; anyone else sees the
tickets they reported or requested, or are assigned to, and the notes on those. Location scope
narrows the console roles later, in `apps.core.roles.sees_all_rows` and here, nowhere else.
"""

from django.db.models import Q, QuerySet

from apps.core.roles import sees_all_rows

from .models import IncidentTicket, IncidentType, ServiceTicket, TicketNote


def incident_types_list(*, active_only: bool = False) -> QuerySet[IncidentType]:
    """Incident types are reference data: everyone may read them."""
    queryset = IncidentType.objects.all()
    return queryset.filter(is_active=True) if active_only else queryset


def incidents_visible_to(*, user) -> QuerySet[IncidentTicket]:
    queryset = IncidentTicket.objects.select_related("incident_type", "facility", "reporter", "assignee")
    if sees_all_rows(user):
        return queryset
    if not _is_live(user):
        return queryset.none()
    return queryset.filter(Q(reporter=user) | Q(assignee=user))


def service_tickets_visible_to(*, user) -> QuerySet[ServiceTicket]:
    queryset = ServiceTicket.objects.select_related("facility", "requested_by", "assignee", "scheduled_event")
    if sees_all_rows(user):
        return queryset
    if not _is_live(user):
        return queryset.none()
    return queryset.filter(Q(requested_by=user) | Q(assignee=user))


def ticket_notes_visible_to(*, user) -> QuerySet[TicketNote]:
    """Notes on the tickets the user can see: the tickets' own scope, as subqueries."""
    queryset = TicketNote.objects.select_related("incident", "service_ticket", "author")
    if sees_all_rows(user):
        return queryset
    if not _is_live(user):
        return queryset.none()
    return queryset.filter(
        Q(incident__in=incidents_visible_to(user=user).values("pk"))
        | Q(service_ticket__in=service_tickets_visible_to(user=user).values("pk"))
    )


def _is_live(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)
