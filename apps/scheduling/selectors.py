"""Permission-scoped reads of shifts, scheduled events and time off (filtered in SQL)."""

from django.db.models import Exists, OuterRef, QuerySet

from apps.core.roles import sees_all_rows

from .models import ScheduledEvent, Shift, TimeOffRequest


def shifts_visible_to(*, user) -> QuerySet[Shift]:
    """Console roles see every shift; anyone else their own."""
    shifts = Shift.objects.select_related("user", "facility__location")
    if sees_all_rows(user):
        return shifts
    if not (user.is_authenticated and user.is_active):
        return shifts.none()
    return shifts.filter(user=user)


def scheduled_events_visible_to(*, user) -> QuerySet[ScheduledEvent]:
    """Console roles see every event; anyone else the events they crew.

    Crew membership is an EXISTS, not a join, so annotations over `crew` (a crew count) still count
    the whole crew.
    """
    events = ScheduledEvent.objects.select_related("facility__location")
    if sees_all_rows(user):
        return events
    if not (user.is_authenticated and user.is_active):
        return events.none()
    crewing = ScheduledEvent.crew.through.objects.filter(scheduledevent=OuterRef("pk"), user=user)
    return events.filter(Exists(crewing))


def time_off_requests_visible_to(*, user) -> QuerySet[TimeOffRequest]:
    """Console roles see every request; anyone else their own."""
    requests = TimeOffRequest.objects.select_related("user", "reviewed_by")
    if sees_all_rows(user):
        return requests
    if not (user.is_authenticated and user.is_active):
        return requests.none()
    return requests.filter(user=user)
