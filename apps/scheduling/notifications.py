"""E-mails of the roster: published shifts, reviewed and cancelled time off, through the outbox (apps.notifications).

Each message is queued in the caller's transaction (nothing is sent if it rolls back) under an idempotency
key naming the event, so a retried request never sends the same news twice. They name who acted (`by`), and
are the only side effects of the steps: the console's actions and the import call the same functions.
"""

from collections.abc import Sequence

from django.conf import settings

from apps.core.actors import writes
from apps.notifications.services import email_queue

from .models import Shift, TimeOffRequest
from .rules import days_span, local_span, location_zone, person_name


@writes
def shifts_published_notify(*, person, shifts: Sequence[Shift], batch: str, by):
    """One message to `person` listing their `shifts` newly published in `batch`; None without an address."""
    if not person.email:
        return None
    lines = [
        f"- {shift.position} at {shift.facility.code} ({shift.facility.name}) "
        f"{local_span(shift.starts_at, shift.ends_at, location_zone(shift.facility))}"
        for shift in sorted(shifts, key=lambda shift: shift.starts_at)
    ]
    count = len(lines)
    body = (
        f"Hello {person_name(person)},\n\n"
        f"{'A shift of yours has' if count == 1 else f'{count} shifts of yours have'} been published "
        f"by {person_name(by)}:\n\n" + "\n".join(lines) + f"\n\nYour roster: {settings.PORTAL_BASE_URL}/\n"
    )
    return email_queue(
        by=by,
        recipients=[person.email],
        subject=f"Roster: {count} new shift{'s' if count != 1 else ''} published",
        body=body,
        idempotency_key=f"shifts-published:{batch}:{person.pk}",
    )


@writes
def time_off_reviewed_notify(*, time_off_request: TimeOffRequest, cancelled_shifts: Sequence[Shift] = (), by):
    """Tell the requester their request was approved or denied, with the reviewer's note."""
    request = time_off_request
    person = request.user
    if not person.email:
        return None
    decision = request.get_status_display().lower()
    body = (
        f"Hello {person_name(person)},\n\n"
        f"Your {request.get_kind_display().lower()} time off {days_span(request.starts_on, request.ends_on)} "
        f"has been {decision} by {person_name(by)}.\n"
    )
    if request.review_note:
        body += f"\nNote: {request.review_note}\n"
    if cancelled_shifts:
        body += "\nThese shifts of yours have been cancelled:\n" + "\n".join(
            f"- {shift.position} at {shift.facility.code} "
            f"{local_span(shift.starts_at, shift.ends_at, location_zone(shift.facility))}"
            for shift in cancelled_shifts
        )
        body += "\n"
    body += f"\n{settings.PORTAL_BASE_URL}/\n"
    return email_queue(
        by=by,
        recipients=[person.email],
        subject=f"Time off {decision}: {days_span(request.starts_on, request.ends_on)}",
        body=body,
        idempotency_key=f"time-off:{request.pk}:{request.status}:{request.reviewed_at.isoformat()}",
    )


@writes
def time_off_cancelled_notify(*, time_off_request: TimeOffRequest, by):
    """Tell the requester that `by` (someone else) cancelled their request."""
    request = time_off_request
    person = request.user
    if not person.email:
        return None
    days = days_span(request.starts_on, request.ends_on)
    body = (
        f"Hello {person_name(person)},\n\n"
        f"Your {request.get_kind_display().lower()} time off {days} has been cancelled by {person_name(by)}.\n"
        f"\n{settings.PORTAL_BASE_URL}/\n"
    )
    return email_queue(
        by=by,
        recipients=[person.email],
        subject=f"Time off cancelled: {days}",
        body=body,
        idempotency_key=f"time-off:{request.pk}:cancelled",
    )
