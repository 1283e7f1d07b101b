"""E-mails of the roster: published shifts and reviewed time off, through the outbox (apps.notifications).

Each message is queued in the caller's transaction (nothing is sent if it rolls back) under an idempotency
key naming the event, so a retried request never sends the same news twice.
"""

from collections.abc import Sequence

from django.conf import settings

from apps.core.actors import system_user
from apps.notifications.services import email_queue

from .models import Shift, TimeOffRequest
from .rules import days_span, local_span, location_zone, person_name


def shifts_published_notify(*, person, shifts: Sequence[Shift], batch: str):
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
        f"{'A shift of yours has' if count == 1 else f'{count} shifts of yours have'} been published:\n\n"
        + "\n".join(lines)
        + f"\n\nYour roster: {settings.PORTAL_BASE_URL}/\n"
    )
    return email_queue(
        by=system_user(),
        recipients=[person.email],
        subject=f"Roster: {count} new shift{'s' if count != 1 else ''} published",
        body=body,
        idempotency_key=f"shifts-published:{batch}:{person.pk}",
    )


def time_off_reviewed_notify(*, time_off_request: TimeOffRequest, cancelled_shifts: Sequence[Shift] = ()):
    """Tell the requester their request was approved or denied, with the reviewer's note."""
    request = time_off_request
    person = request.user
    if not person.email:
        return None
    decision = request.get_status_display().lower()
    body = (
        f"Hello {person_name(person)},\n\n"
        f"Your {request.get_kind_display().lower()} time off {days_span(request.starts_on, request.ends_on)} "
        f"has been {decision} by {person_name(request.reviewed_by)}.\n"
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
        by=system_user(),
        recipients=[person.email],
        subject=f"Time off {decision}: {days_span(request.starts_on, request.ends_on)}",
        body=body,
        idempotency_key=f"time-off:{request.pk}:{request.status}:{request.reviewed_at.isoformat()}",
    )
