"""Permission-scoped reads of shifts, scheduled events and time off (filtered in SQL)."""

from django.db.models import Exists, OuterRef, Q, QuerySet

from apps.core.scope import register_selector, scoped

from .choices import TimeOffStatus
from .models import CoverageRequirement, ScheduledEvent, Shift, TimeOffRequest


@register_selector(Shift)
def shifts_visible_to(*, user) -> QuerySet[Shift]:
    """Shifts at the facilities of the locations `user` covers, and `user`'s own shifts anywhere."""
    shifts = Shift.objects.select_related("user", "facility__location")
    return scoped(shifts, user=user, location="facility__location", own=lambda person: Q(user=person))


@register_selector(ScheduledEvent)
def scheduled_events_visible_to(*, user) -> QuerySet[ScheduledEvent]:
    """Events at the locations `user` covers, and the events they crew.

    Crew membership is an EXISTS, not a join, so annotations over `crew` (a crew count) still count
    the whole crew.
    """
    events = ScheduledEvent.objects.select_related("facility__location")
    return scoped(events, user=user, location="facility__location", own=_crewing)


@register_selector(TimeOffRequest)
def time_off_requests_visible_to(*, user) -> QuerySet[TimeOffRequest]:
    """Requests of the people based at the locations `user` covers, and `user`'s own."""
    requests = TimeOffRequest.objects.select_related("user", "reviewed_by")
    return scoped(requests, user=user, location="user__home_location", own=lambda person: Q(user=person))


def time_off_awaiting_review_q(*, user) -> Q:
    """The requests waiting for `user`'s decision: pending, and not their own (nobody reviews their own request).

    Narrows a scoped list (`time_off_requests_visible_to`): the console's home counts these, and the time off
    list's "Waiting for me" filter shows them.
    """
    return Q(status=TimeOffStatus.PENDING) & ~Q(user=user)


def _crewing(user) -> Q:
    return Q(Exists(ScheduledEvent.crew.through.objects.filter(scheduledevent=OuterRef("pk"), user=user)))


def on_call_at(*, facility, at) -> QuerySet[Shift]:
    """Who is on a published shift at `facility` at the moment `at` (aware: any zone gives the same answer).

    Earliest-started first: someone halfway through a shift before someone who has just come on. The
    roster keeps a person's shifts from overlapping, not a facility's, so there may be several.
    """
    from .choices import ShiftStatus

    return (
        Shift.objects.select_related("user")
        .filter(
            facility=facility, status=ShiftStatus.PUBLISHED, starts_at__lte=at, ends_at__gt=at, user__is_active=True
        )
        .order_by("starts_at", "user__last_name", "pk")
    )


@register_selector(CoverageRequirement)
def coverage_requirements_visible_to(*, user) -> QuerySet[CoverageRequirement]:
    """The requirements of the facilities at the locations `user` covers (administrators: all of them)."""
    requirements = CoverageRequirement.objects.select_related("facility__location")
    return scoped(requirements, user=user, location="facility__location")
