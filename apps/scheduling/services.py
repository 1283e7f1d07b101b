"""Writes on shifts, scheduled events and time off, with the rules across rows that `Model.clean()` cannot see.

Each entity has a `<entity>_validate` (the rules across rows, run on every backend; the admin form calls
it too) and `_create` / `_update` services that validate, `full_clean()` and save inside a transaction.
On PostgreSQL the exclusion constraints are the last guard against two concurrent saves: their
IntegrityError is turned back into the constraint's message (apps.core.saving), in a savepoint so the caller's
transaction stays usable.
"""

import bisect
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction

from apps.core.saving import instance_validate_and_save, person_lock, reject_unknown_fields
from apps.core.scope import check_row_in_scope
from apps.facilities.models import Facility

from .choices import EventStatus, ShiftStatus, TimeOffStatus
from .models import ScheduledEvent, Shift, TimeOffRequest

SHIFT_FIELDS = frozenset({"user", "facility", "position", "starts_at", "ends_at", "status", "notes"})
EVENT_FIELDS = frozenset({"title", "kind", "facility", "starts_at", "ends_at", "status"})
TIME_OFF_FIELDS = frozenset({"user", "kind", "starts_on", "ends_on", "reason", "status", "review_note"})

# Time off that stands in the way of a new request; denied and cancelled requests do not.
LIVE_TIME_OFF_STATUSES = (TimeOffStatus.PENDING, TimeOffStatus.APPROVED)


# --- wording ------------------------------------------------------------------------------------------


def person_name(user) -> str:
    return user.get_full_name() or user.username


def day_label(day: date) -> str:
    return f"{day.day} {day:%b}"


def location_zone(facility: Facility) -> ZoneInfo:
    return facility.location.timezone


def local_span(starts_at: datetime, ends_at: datetime, zone: ZoneInfo) -> str:
    """'from 06:00 to 14:00 on 3 Mar (Europe/London)', or with both days when it crosses midnight."""
    start, end = starts_at.astimezone(zone), ends_at.astimezone(zone)
    if start.date() == end.date():
        span = f"from {start:%H:%M} to {end:%H:%M} on {day_label(start.date())}"
    else:
        span = f"from {start:%H:%M} on {day_label(start.date())} to {end:%H:%M} on {day_label(end.date())}"
    return f"{span} ({zone})"


def _days_span(starts_on: date, ends_on: date) -> str:
    if starts_on == ends_on:
        return f"on {day_label(starts_on)} {starts_on.year}"
    return f"from {day_label(starts_on)} to {day_label(ends_on)} {ends_on.year}"


# --- shifts -------------------------------------------------------------------------------------------


def shift_validate(*, shift: Shift) -> None:
    """Rules across rows for a shift about to be saved; raises ValidationError naming what clashes.

    - it ends after it starts;
    - unless cancelled, it does not overlap another non-cancelled shift of the same person
      (half-open: a shift may start when the previous one ends);
    - if published, it does not overlap an approved time off of the same person (time off days are
      whole days in the time zone of the shift's location).
    """
    if shift.starts_at is None or shift.ends_at is None or shift.user_id is None:
        return  # full_clean() reports the missing fields
    ShiftRuleBook.for_shifts([shift]).check(shift)


class ShiftRuleBook:
    """The shift rules for many shifts at once: the people's live shifts and approved time off in the
    period are read in two queries, then each shift is checked in memory (imports of 100,000 rows).

    `check(shift)` raises what `shift_validate` raises; `add(shift)` records an accepted shift, so the
    next ones are checked against it too (two rows of one file cannot overlap either).
    """

    def __init__(self, *, shifts: Iterable[Shift] = (), time_off: Iterable[TimeOffRequest] = ()):
        self._facilities: dict[int, Facility] = {}
        # per person: the start times, sorted, and beside them (start, end, pk, shift) of each live shift
        self._by_user: dict[int, tuple[list[datetime], list[tuple]]] = {}
        self._entry_of: dict[int, tuple] = {}
        self._time_off: dict[int, list[TimeOffRequest]] = {}
        for existing in shifts:
            self.add(existing)
        for request in time_off:
            self._time_off.setdefault(request.user_id, []).append(request)

    @classmethod
    def for_period(cls, *, user_ids: Iterable[int], starts_at: datetime, ends_at: datetime) -> "ShiftRuleBook":
        user_ids = list(user_ids)
        shifts = (
            Shift.objects.filter(user_id__in=user_ids, starts_at__lt=ends_at, ends_at__gt=starts_at)
            .exclude(status=ShiftStatus.CANCELLED)
            .select_related("user", "facility__location")
        )
        return cls.with_shifts(shifts, user_ids=user_ids, period=(starts_at, ends_at))

    @classmethod
    def with_shifts(
        cls, shifts: Iterable[Shift], *, user_ids: Iterable[int], period: tuple[datetime, datetime]
    ) -> "ShiftRuleBook":
        """A book over `shifts` (already read: all live shifts of `user_ids` in `period`) and their time off."""
        starts_at, ends_at = period
        # time off days are local: a day either side covers every time zone
        time_off = TimeOffRequest.objects.filter(
            user_id__in=list(user_ids),
            status=TimeOffStatus.APPROVED,
            starts_on__lte=(ends_at + timedelta(days=1)).date(),
            ends_on__gte=(starts_at - timedelta(days=1)).date(),
        ).select_related("user")
        return cls(shifts=shifts, time_off=time_off)

    @classmethod
    def for_shifts(cls, shifts: list[Shift]) -> "ShiftRuleBook":
        return cls.for_period(
            user_ids={shift.user_id for shift in shifts},
            starts_at=min(shift.starts_at for shift in shifts),
            ends_at=max(shift.ends_at for shift in shifts),
        )

    def _facility(self, shift: Shift) -> Facility:
        facility = self._facilities.get(shift.facility_id)
        if facility is None:
            cached = (
                Shift.facility.is_cached(shift)
                and shift.facility.location_id
                and Facility.location.is_cached(shift.facility)
            )
            facility = (
                shift.facility if cached else Facility.objects.select_related("location").get(pk=shift.facility_id)
            )
            self._facilities[shift.facility_id] = facility
        return facility

    def add(self, shift: Shift) -> None:
        starts, entries = self._by_user.setdefault(shift.user_id, ([], []))
        previous = self._entry_of.pop(shift.pk, None) if shift.pk is not None else None
        if previous is not None:  # the shift moved or changed: forget where it was
            index = bisect.bisect_left(starts, previous[0])
            while entries[index] is not previous:
                index += 1
            del starts[index], entries[index]
        if shift.status != ShiftStatus.CANCELLED:
            entry = (shift.starts_at, shift.ends_at, shift.pk, shift)
            index = bisect.bisect_right(starts, shift.starts_at)
            starts.insert(index, shift.starts_at)
            entries.insert(index, entry)
            if shift.pk is not None:
                self._entry_of[shift.pk] = entry

    def _clash(self, shift: Shift) -> Shift | None:
        starts, entries = self._by_user.get(shift.user_id, ((), ()))
        index = bisect.bisect_left(starts, shift.starts_at)
        # live shifts of one person never overlap, so only the nearest earlier one can reach into this one
        before = index - 1
        while before >= 0 and shift.pk is not None and entries[before][2] == shift.pk:
            before -= 1
        if before >= 0 and entries[before][1] > shift.starts_at:
            return entries[before][3]
        count = len(entries)
        while index < count and entries[index][0] < shift.ends_at:
            if shift.pk is None or entries[index][2] != shift.pk:
                return entries[index][3]
            index += 1
        return None

    def check(self, shift: Shift) -> None:
        if shift.ends_at <= shift.starts_at:
            raise ValidationError({"ends_at": ValidationError("A shift must end after it starts.", code="ends_before")})
        errors: dict[str, list[ValidationError]] = {}
        if shift.status != ShiftStatus.CANCELLED:
            clash = self._clash(shift)
            if clash is not None:
                message = (
                    f"{person_name(clash.user)} already has a shift at {clash.facility.code} "
                    f"{local_span(clash.starts_at, clash.ends_at, location_zone(clash.facility))}."
                )
                errors.setdefault("starts_at", []).append(ValidationError(message, code="shift_overlap"))
        if shift.status == ShiftStatus.PUBLISHED and shift.facility_id is not None:
            zone = location_zone(self._facility(shift))
            first_day = shift.starts_at.astimezone(zone).date()
            last_day = (shift.ends_at - timedelta(microseconds=1)).astimezone(zone).date()  # the end is exclusive
            time_off = min(
                (
                    request
                    for request in self._time_off.get(shift.user_id, ())
                    if request.starts_on <= last_day and request.ends_on >= first_day
                ),
                key=lambda request: request.starts_on,
                default=None,
            )
            if time_off is not None:
                message = (
                    f"{person_name(time_off.user)} has approved {time_off.get_kind_display().lower()} time off "
                    f"{_days_span(time_off.starts_on, time_off.ends_on)}: a published shift cannot overlap it "
                    f"(keep it as a draft, or change the dates)."
                )
                # not keyed on "status": full_clean() would then skip that field, and the overlap constraint's
                # condition (status != cancelled) cannot be checked without it
                errors.setdefault(NON_FIELD_ERRORS, []).append(ValidationError(message, code="shift_over_time_off"))
        if errors:
            raise ValidationError(errors)


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
            f"{clash.get_kind_display().lower()} time off {_days_span(clash.starts_on, clash.ends_on)}."
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
