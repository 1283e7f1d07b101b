"""Time off's workflow steps: approve or deny a pending request (and what happens to the shifts on its days),
cancel a pending or approved one.

Every step locks the person, checks the caller's scope over them and the rules across requests, and saves
through `apps.core.saving`, as the services do; the requester is e-mailed (through the outbox, once the
transaction commits) when someone else decides.
"""

from datetime import UTC, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.core.actors import writes
from apps.core.saving import instance_validate_and_save, person_lock

from .choices import ShiftStatus, TimeOffStatus
from .models import Shift, TimeOffRequest
from .notifications import time_off_cancelled_notify, time_off_reviewed_notify
from .publishing import shift_cancel, shift_reassign
from .rules import local_span, location_zone, person_name
from .services import TIME_OFF_SCOPE, adopt, step_row, time_off_request_checks
from .steps import TIME_OFF_STEPS, step_named

APPROVE, DENY, CANCEL = (step_named(TIME_OFF_STEPS, verb) for verb in ("approve", "deny", "cancel"))


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


def _time_off_step(*, time_off_request: TimeOffRequest, step, by, review_note: str | None = None) -> None:
    """Run `step` on the request as stored: the person's lock, scope, status (never one's own review), rules, save."""
    person_lock(time_off_request.user_id)
    row = step_row(time_off_request, by=by, scope=TIME_OFF_SCOPE, owner_attname="user_id")
    step.check(row.status, TimeOffStatus)
    if review_note is not None:
        if row.user_id == by.pk:
            raise ValidationError("nobody reviews their own request.", code="own_request")
        row.reviewed_by, row.reviewed_at, row.review_note = by, timezone.now(), review_note
    row.status = step.target
    instance_validate_and_save(instance=row, validate=time_off_request_checks(time_off_request=row, by=by), by=by)
    adopt(time_off_request, row)
    time_off_request.reviewed_by = row.reviewed_by


@writes
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
    _time_off_step(time_off_request=time_off_request, step=APPROVE, by=by, review_note=note)
    overlapping = shifts_over_time_off(time_off_request=time_off_request)
    for shift in overlapping:
        if cancel_overlapping:
            shift_cancel(shift=shift, by=by)
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
        time_off_request=time_off_request, cancelled_shifts=overlapping if cancel_overlapping else (), by=by
    )
    return overlapping


@writes
@transaction.atomic
def time_off_request_deny(*, time_off_request: TimeOffRequest, by, note: str = "") -> TimeOffRequest:
    """Deny a pending request (never one's own) and e-mail the requester with the note."""
    _time_off_step(time_off_request=time_off_request, step=DENY, by=by, review_note=note)
    time_off_reviewed_notify(time_off_request=time_off_request, by=by)
    return time_off_request


@writes
@transaction.atomic
def time_off_request_cancel(*, time_off_request: TimeOffRequest, by) -> TimeOffRequest:
    """Cancel a pending or approved request: its owner, or someone covering them (who e-mails the owner).

    The days are free again; shifts cancelled when it was approved stay cancelled (restore them on the roster).
    """
    _time_off_step(time_off_request=time_off_request, step=CANCEL, by=by)
    if time_off_request.user_id != by.pk:
        time_off_cancelled_notify(time_off_request=time_off_request, by=by)
    return time_off_request
