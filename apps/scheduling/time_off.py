"""Reviewing time off: approve or deny a pending request, and what happens to the shifts on its days."""

from datetime import UTC, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .choices import ShiftStatus, TimeOffStatus
from .models import Shift, TimeOffRequest
from .notifications import time_off_reviewed_notify
from .publishing import shift_reassign
from .rules import local_span, location_zone, person_name
from .services import _time_off_request_save, shift_update


def shifts_over_time_off(*, time_off_request: TimeOffRequest) -> list[Shift]:
    """The person's live shifts on any of the request's days (days in each shift's location time zone)."""
    request = time_off_request
    begins = datetime.combine(request.starts_on - timedelta(days=1), time(0), tzinfo=UTC)
    ends = datetime.combine(request.ends_on + timedelta(days=2), time(0), tzinfo=UTC)
    candidates = (
        Shift.objects.filter(user_id=request.user_id, starts_at__lt=ends, ends_at__gt=begins)
        .exclude(status=ShiftStatus.CANCELLED)
        .select_related("user", "facility__location")
        .order_by("starts_at")
    )
    overlapping = []
    for shift in candidates:
        zone = location_zone(shift.facility)
        first_day = shift.starts_at.astimezone(zone).date()
        last_day = (shift.ends_at - timedelta(microseconds=1)).astimezone(zone).date()
        if first_day <= request.ends_on and last_day >= request.starts_on:
            overlapping.append(shift)
    return overlapping


def _time_off_review(*, time_off_request: TimeOffRequest, status: str, by, note: str) -> None:
    request = time_off_request
    if request.status != TimeOffStatus.PENDING:
        raise ValidationError(f"it is {request.get_status_display().lower()}, not pending.", code="not_pending")
    if by is not None and request.user_id == by.pk:
        raise ValidationError("nobody reviews their own request.", code="own_request")
    request.status, request.reviewed_by, request.reviewed_at = status, by, timezone.now()
    request.review_note = note
    _time_off_request_save(time_off_request=request, by=by)


@transaction.atomic
def time_off_request_approve(
    *,
    time_off_request: TimeOffRequest,
    by,
    note: str = "",
    cancel_overlapping: bool = False,
    reassign_to=None,
) -> list[Shift]:
    """Approve a pending request and e-mail the requester; return the person's live shifts on those days.

    Those shifts are cancelled first with `cancel_overlapping`, or given to `reassign_to` (every rule checked
    for them: if one shift cannot go to them, nothing is approved and the error says which and why);
    otherwise they stay, and the console lists them.
    """
    if cancel_overlapping and reassign_to is not None:
        raise ValidationError("Cancel the overlapping shifts or reassign them, not both.", code="invalid")
    _time_off_review(time_off_request=time_off_request, status=TimeOffStatus.APPROVED, by=by, note=note)
    overlapping = shifts_over_time_off(time_off_request=time_off_request)
    for shift in overlapping:
        if cancel_overlapping:
            shift_update(shift=shift, status=ShiftStatus.CANCELLED, by=by)
        elif reassign_to is not None:
            try:
                shift_reassign(shift=shift, user=reassign_to, by=by)
            except ValidationError as error:
                reason = " ".join(error.messages)
                raise ValidationError(
                    f"The shift {local_span(shift.starts_at, shift.ends_at, location_zone(shift.facility))} "
                    f"cannot go to {person_name(reassign_to)}: {reason}",
                    code="reassign_refused",
                ) from error
    time_off_reviewed_notify(
        time_off_request=time_off_request, cancelled_shifts=overlapping if cancel_overlapping else ()
    )
    return overlapping


@transaction.atomic
def time_off_request_deny(*, time_off_request: TimeOffRequest, by, note: str = "") -> TimeOffRequest:
    _time_off_review(time_off_request=time_off_request, status=TimeOffStatus.DENIED, by=by, note=note)
    time_off_reviewed_notify(time_off_request=time_off_request)
    return time_off_request
