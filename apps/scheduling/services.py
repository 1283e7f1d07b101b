"""Writes on shifts, scheduled events and time off, with the rules across rows that `Model.clean()` cannot see.

Each entity has a `<entity>_validate` (the rules across rows, run on every backend; the admin form calls
it too) and `_create` / `_update` services that validate, `full_clean()` and save inside a transaction.
On PostgreSQL the exclusion constraints are the last guard against two concurrent saves: their
IntegrityError is turned back into the constraint's message (apps.core.saving), in a savepoint so the caller's
transaction stays usable.
"""

from collections.abc import Iterable
from datetime import date, datetime
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from apps.core.saving import instance_validate_and_save, person_lock, reject_unknown_fields
from apps.core.scope import check_row_in_scope
from apps.facilities.models import Facility

from .choices import EventStatus, ShiftStatus, TimeOffStatus
from .models import ScheduledEvent, Shift, TimeOffRequest
from .rules import (  # re-exported: the admin, the resources and the timesheets import them from here
    ShiftRuleBook,
    day_label,
    days_span,
    local_span,
    location_zone,
    person_name,
    shift_warnings,
)

__all__ = ["ShiftRuleBook", "day_label", "local_span", "location_zone", "person_name", "shift_warnings"]

SHIFT_FIELDS = frozenset({"user", "facility", "position", "starts_at", "ends_at", "status", "notes"})
EVENT_FIELDS = frozenset({"title", "kind", "facility", "starts_at", "ends_at", "status"})
TIME_OFF_FIELDS = frozenset({"user", "kind", "starts_on", "ends_on", "reason", "status", "review_note"})

# Time off that stands in the way of a new request; denied and cancelled requests do not.
LIVE_TIME_OFF_STATUSES = (TimeOffStatus.PENDING, TimeOffStatus.APPROVED)


# --- shifts -------------------------------------------------------------------------------------------


def shift_validate(*, shift: Shift) -> None:
    """Rules across rows for a shift about to be saved; raises ValidationError naming what clashes.

    - it ends after it starts;
    - unless cancelled, it lasts at most SHIFT_MAX_HOURS, does not overlap another non-cancelled shift of
      the same person (half-open: a shift may start when the previous one ends) and leaves at least
      SHIFT_MIN_REST_HOURS of rest to that person's shifts before and after it (apps.scheduling.rules);
    - if published, it does not overlap an approved time off of the same person (time off days are
      whole days in the time zone of the shift's location).
    """
    if shift.starts_at is None or shift.ends_at is None or shift.user_id is None:
        return  # full_clean() reports the missing fields
    ShiftRuleBook.for_shifts([shift]).check(shift)


def _in_scope_then(*, by, row, location_path="facility__location", field="facility", owner=None, validate) -> None:
    """The scope rule first (nothing else matters if the place is not `by`'s), then the service's rules."""
    check_row_in_scope(by=by, row=row, location_path=location_path, field=field, owner=owner)
    validate()


def _shift_save(*, shift: Shift, by) -> Shift:
    instance_validate_and_save(
        instance=shift,
        validate=lambda: _in_scope_then(by=by, row=shift, validate=partial(shift_validate, shift=shift)),
        by=by,
    )
    return shift


@transaction.atomic
def shift_create(
    *,
    user,
    facility: Facility,
    position: str,
    starts_at: datetime,
    ends_at: datetime,
    status: str = ShiftStatus.DRAFT,
    notes: str = "",
    by=None,
) -> Shift:
    shift = Shift(
        user=user,
        facility=facility,
        position=position,
        starts_at=starts_at,
        ends_at=ends_at,
        status=status,
        notes=notes,
    )
    return _shift_save(shift=shift, by=by)


@transaction.atomic
def shift_update(*, shift: Shift, by=None, **fields: Any) -> Shift:
    """Change any of user, facility, position, starts_at, ends_at, status, notes."""
    reject_unknown_fields(fields, SHIFT_FIELDS, "shift_update")
    for name, value in fields.items():
        setattr(shift, name, value)
    return _shift_save(shift=shift, by=by)


# --- scheduled events ----------------------------------------------------------------------------------


def _others(candidate, pending: Iterable) -> tuple[list, list[int]]:
    """`pending` without `candidate` itself, and the ids of the stored rows the pending ones replace."""
    others = [other for other in pending if other is not candidate and (other.pk is None or other.pk != candidate.pk)]
    return others, [other.pk for other in others if other.pk is not None]


def scheduled_event_validate(*, event: ScheduledEvent, pending: Iterable[ScheduledEvent] = ()) -> None:
    """It ends after it starts; a confirmed event does not overlap another confirmed one at its facility.

    `pending`: events accepted earlier in the same batch but not saved yet (an import writes them at the
    end); they count as if saved, in place of their stored versions.
    """
    if event.starts_at is None or event.ends_at is None or event.facility_id is None:
        return
    if event.ends_at <= event.starts_at:
        raise ValidationError({"ends_at": ValidationError("An event must end after it starts.", code="ends_before")})
    if event.status != EventStatus.CONFIRMED:
        return
    others, replaced = _others(event, pending)
    stored = (
        ScheduledEvent.objects.filter(
            facility_id=event.facility_id,
            status=EventStatus.CONFIRMED,
            starts_at__lt=event.ends_at,
            ends_at__gt=event.starts_at,
        )
        .exclude(pk=event.pk)
        .exclude(pk__in=replaced)
        .select_related("facility__location")
        .order_by("starts_at")
        .first()
    )
    clashes = [stored] if stored is not None else []
    clashes += [
        other
        for other in others
        if other.facility_id == event.facility_id
        and other.status == EventStatus.CONFIRMED
        and other.starts_at < event.ends_at
        and other.ends_at > event.starts_at
    ]
    clash = min(clashes, key=lambda other: other.starts_at, default=None)
    if clash is not None:
        message = (
            f"{clash.facility.code} already has a confirmed {clash.get_kind_display().lower()}, "
            f"“{clash.title}”, {local_span(clash.starts_at, clash.ends_at, location_zone(clash.facility))}."
        )
        raise ValidationError({"starts_at": ValidationError(message, code="event_overlap")})


def _scheduled_event_save(*, event: ScheduledEvent, crew: Iterable | None, by) -> ScheduledEvent:
    instance_validate_and_save(
        instance=event,
        validate=lambda: _in_scope_then(by=by, row=event, validate=partial(scheduled_event_validate, event=event)),
        by=by,
    )
    if crew is not None:
        event.crew.set(crew)
    return event


@transaction.atomic
def scheduled_event_create(
    *,
    title: str,
    kind: str,
    facility: Facility,
    starts_at: datetime,
    ends_at: datetime,
    status: str = EventStatus.TENTATIVE,
    crew: Iterable = (),
    by=None,
) -> ScheduledEvent:
    event = ScheduledEvent(
        title=title, kind=kind, facility=facility, starts_at=starts_at, ends_at=ends_at, status=status
    )
    return _scheduled_event_save(event=event, crew=list(crew), by=by)


@transaction.atomic
def scheduled_event_update(*, event: ScheduledEvent, by=None, crew: Iterable | None = None, **fields: Any):
    """Change any of title, kind, facility, starts_at, ends_at, status; `crew` replaces the crew when given."""
    reject_unknown_fields(fields, EVENT_FIELDS, "scheduled_event_update")
    for name, value in fields.items():
        setattr(event, name, value)
    return _scheduled_event_save(event=event, crew=None if crew is None else list(crew), by=by)


# --- time off --------------------------------------------------------------------------------------------


def time_off_request_validate(*, time_off_request: TimeOffRequest, pending: Iterable[TimeOffRequest] = ()) -> None:
    """It ends on or after the day it starts; a live (pending/approved) request overlaps no other live one.

    `pending`: requests accepted earlier in the same batch, not saved yet (see `scheduled_event_validate`).
    """
    candidate = time_off_request
    if candidate.starts_on is None or candidate.ends_on is None or candidate.user_id is None:
        return
    if candidate.ends_on < candidate.starts_on:
        raise ValidationError({"ends_on": ValidationError("Time off cannot end before it starts.", code="ends_before")})
    if candidate.status not in LIVE_TIME_OFF_STATUSES:
        return
    others, replaced = _others(candidate, pending)
    stored = (
        TimeOffRequest.objects.filter(
            user_id=candidate.user_id,
            status__in=LIVE_TIME_OFF_STATUSES,
            starts_on__lte=candidate.ends_on,
            ends_on__gte=candidate.starts_on,
        )
        .exclude(pk=candidate.pk)
        .exclude(pk__in=replaced)
        .select_related("user")
        .order_by("starts_on")
        .first()
    )
    clashes = [stored] if stored is not None else []
    clashes += [
        other
        for other in others
        if other.user_id == candidate.user_id
        and other.status in LIVE_TIME_OFF_STATUSES
        and other.starts_on <= candidate.ends_on
        and other.ends_on >= candidate.starts_on
    ]
    clash = min(clashes, key=lambda other: other.starts_on, default=None)
    if clash is not None:
        message = (
            f"{person_name(clash.user)} already has {clash.get_status_display().lower()} "
            f"{clash.get_kind_display().lower()} time off {days_span(clash.starts_on, clash.ends_on)}."
        )
        raise ValidationError({"starts_on": ValidationError(message, code="time_off_overlap")})


def _time_off_request_save(*, time_off_request: TimeOffRequest, by) -> TimeOffRequest:
    person_lock(time_off_request.user_id)
    instance_validate_and_save(
        instance=time_off_request,
        validate=lambda: _in_scope_then(
            by=by,
            row=time_off_request,
            location_path="user__home_location",
            field="user",
            owner=time_off_request.user_id,
            validate=partial(time_off_request_validate, time_off_request=time_off_request),
        ),
        by=by,
    )
    return time_off_request


@transaction.atomic
def time_off_request_create(
    *, user, kind: str, starts_on: date, ends_on: date, reason: str = "", by=None
) -> TimeOffRequest:
    time_off_request = TimeOffRequest(user=user, kind=kind, starts_on=starts_on, ends_on=ends_on, reason=reason)
    return _time_off_request_save(time_off_request=time_off_request, by=by)


@transaction.atomic
def time_off_request_update(*, time_off_request: TimeOffRequest, by=None, **fields: Any) -> TimeOffRequest:
    """Change any of user, kind, starts_on, ends_on, reason, status, review_note (no review workflow here)."""
    reject_unknown_fields(fields, TIME_OFF_FIELDS, "time_off_request_update")
    for name, value in fields.items():
        setattr(time_off_request, name, value)
    return _time_off_request_save(time_off_request=time_off_request, by=by)
