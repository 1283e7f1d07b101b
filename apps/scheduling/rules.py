"""The shift rules across rows, checked in memory for one shift or 100,000 (imports), and their wording.

Blocking (`ShiftRuleBook.check`, used by `shift_validate`, the roster actions and the shift import):
- a shift ends after it starts and lasts at most SHIFT_MAX_HOURS;
- a person's live (non-cancelled) shifts do not overlap, and between two of them there are at least
  SHIFT_MIN_REST_HOURS of rest (back-to-back shifts are one stretch of work, not a rest);
- a published shift does not overlap an approved time off of its person.
Not blocking (`shift_warnings`): more than SHIFT_WEEKLY_HOURS_WARNING hours in a Monday–Sunday week.

Durations are elapsed time between aware datetimes: a 22:00–06:00 night over a DST change lasts 7 or 9 h.
"""

import bisect
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from apps.core.actors import is_system
from apps.core.scope import covered_location_ids, sees_everything
from apps.facilities.models import Facility

from .choices import ShiftStatus, TimeOffStatus
from .models import Shift, TimeOffRequest

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


def local_moment(moment: datetime, zone: ZoneInfo) -> str:
    """'Tue 3 Mar 22:00' in `zone`."""
    local = moment.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b} {local:%H:%M}"


def days_span(starts_on: date, ends_on: date) -> str:
    if starts_on == ends_on:
        return f"on {day_label(starts_on)} {starts_on.year}"
    return f"from {day_label(starts_on)} to {day_label(ends_on)} {ends_on.year}"


def duration_words(delta: timedelta) -> str:
    """'6 h 30 min', '8 h', '45 min'."""
    minutes = int(delta.total_seconds() // 60)
    hours, rest = divmod(minutes, 60)
    if not rest:
        return f"{hours} h"
    return f"{hours} h {rest} min" if hours else f"{rest} min"


def utc(moment: datetime) -> datetime:
    """In UTC: Python compares and subtracts two datetimes of the same zone by their wall clocks (a night over
    a DST change would come out as 8 h), so every duration and order here is taken in UTC."""
    return moment.astimezone(UTC)


def min_rest() -> timedelta:
    return timedelta(hours=settings.SHIFT_MIN_REST_HOURS)


def max_length() -> timedelta:
    return timedelta(hours=settings.SHIFT_MAX_HOURS)


def weekly_warning() -> timedelta:
    return timedelta(hours=settings.SHIFT_WEEKLY_HOURS_WARNING)


# --- the rule book -------------------------------------------------------------------------------------------


class ShiftRuleBook:
    """The shift rules for many shifts at once: the people's live shifts and approved time off in the
    period are read in two queries, then each shift is checked in memory (imports of 100,000 rows).

    `check(shift)` raises what `shift_validate` raises; `add(shift)` records an accepted shift, so the
    next ones are checked against it too (two rows of one file cannot overlap either).

    The rules read every shift of the people concerned, wherever it is (a person cannot work two places at
    once), but the refusals are worded for `viewer`: a clashing shift at a location they do not cover is
    told as "a shift at a location you do not cover" at its time in the checked shift's zone, never by its
    facility, so the form, the actions and the import say the same and reveal no more than that.
    """

    def __init__(self, *, shifts: Iterable[Shift] = (), time_off: Iterable[TimeOffRequest] = (), viewer):
        self._viewer = viewer
        self._covered: frozenset[int] | None = None  # location ids the viewer covers, read on first need
        self._facilities: dict[int, Facility] = {}
        # per person: the start times, sorted, and beside them (start, end, pk, shift) of each live shift
        self._by_user: dict[int, tuple[list[datetime], list[tuple]]] = {}
        self._entry_of: dict[int, tuple] = {}
        self._time_off: dict[int, list[TimeOffRequest]] = {}
        self._min_rest, self._max_length = min_rest(), max_length()
        for existing in shifts:
            self.add(existing)
        for request in time_off:
            self._time_off.setdefault(request.user_id, []).append(request)

    @classmethod
    def for_period(
        cls,
        *,
        user_ids: Iterable[int],
        starts_at: datetime,
        ends_at: datetime,
        statuses: Iterable[str] = (ShiftStatus.DRAFT, ShiftStatus.PUBLISHED),
        viewer,
    ) -> "ShiftRuleBook":
        """A book over the people's shifts of `statuses` in the period, widened by the minimum rest."""
        user_ids = list(user_ids)
        starts_at, ends_at = starts_at - min_rest(), ends_at + min_rest()
        shifts = Shift.objects.filter(
            user_id__in=user_ids, starts_at__lt=ends_at, ends_at__gt=starts_at, status__in=list(statuses)
        ).select_related("user", "facility__location")
        return cls.with_shifts(shifts, user_ids=user_ids, period=(starts_at, ends_at), viewer=viewer)

    @classmethod
    def with_shifts(
        cls, shifts: Iterable[Shift], *, user_ids: Iterable[int], period: tuple[datetime, datetime], viewer
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
        return cls(shifts=shifts, time_off=time_off, viewer=viewer)

    @classmethod
    def for_shifts(cls, shifts: list[Shift], *, viewer, **kwargs) -> "ShiftRuleBook":
        return cls.for_period(
            user_ids={shift.user_id for shift in shifts},
            starts_at=min(utc(shift.starts_at) for shift in shifts),
            ends_at=max(utc(shift.ends_at) for shift in shifts),
            viewer=viewer,
            **kwargs,
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
            entry = (utc(shift.starts_at), utc(shift.ends_at), shift.pk, shift)
            index = bisect.bisect_right(starts, entry[0])
            starts.insert(index, entry[0])
            entries.insert(index, entry)
            if shift.pk is not None:
                self._entry_of[shift.pk] = entry

    def _neighbours(self, shift: Shift) -> tuple[tuple | None, list[tuple]]:
        """The nearest live shift starting before this one, and those starting from its start until its end
        (and the first one after), other than the shift itself."""
        starts, entries = self._by_user.get(shift.user_id, ((), ()))
        starts_at, ends_at = utc(shift.starts_at), utc(shift.ends_at)
        index = bisect.bisect_left(starts, starts_at)
        before = index - 1
        while before >= 0 and shift.pk is not None and entries[before][2] == shift.pk:
            before -= 1
        later = []
        count = len(entries)
        while index < count:
            entry = entries[index]
            index += 1
            if shift.pk is not None and entry[2] == shift.pk:
                continue
            later.append(entry)
            if entry[0] >= ends_at:
                break  # the first one after: the rest after this shift is measured to it
        return (entries[before] if before >= 0 else None), later

    def check(self, shift: Shift) -> None:
        if utc(shift.ends_at) <= utc(shift.starts_at):
            raise ValidationError({"ends_at": ValidationError("A shift must end after it starts.", code="ends_before")})
        errors: dict[str, list[ValidationError]] = {}

        def add_error(field: str, message: str, code: str) -> None:
            errors.setdefault(field, []).append(ValidationError(message, code=code))

        if shift.status != ShiftStatus.CANCELLED:
            self._check_length(shift, add_error)
            self._check_neighbours(shift, add_error)
        if shift.status == ShiftStatus.PUBLISHED and shift.facility_id is not None:
            self._check_time_off(shift, add_error)
        if errors:
            raise ValidationError(errors)

    def _check_length(self, shift: Shift, add_error) -> None:
        length = utc(shift.ends_at) - utc(shift.starts_at)
        if length > self._max_length:
            zone = location_zone(self._facility(shift))
            add_error(
                "ends_at",
                f"{person_name(shift.user)}'s shift {local_span(shift.starts_at, shift.ends_at, zone)} would last "
                f"{duration_words(length)}; the maximum is {duration_words(self._max_length)}.",
                "shift_too_long",
            )

    def _visible(self, other: Shift) -> bool:
        """May the viewer see `other` (the shift a refusal names)? Their scope, or their own shift."""
        viewer = self._viewer
        if is_system(viewer) or sees_everything(viewer) or other.user_id == getattr(viewer, "pk", None):
            return True
        if self._covered is None:
            self._covered = frozenset(covered_location_ids(viewer).values_list("pk", flat=True))
        return other.facility.location_id in self._covered

    def _zone_for(self, shift: Shift) -> ZoneInfo:
        if shift.facility_id is None:
            return ZoneInfo(settings.TIME_ZONE)
        return location_zone(self._facility(shift))

    def _where(self, other: Shift, shift: Shift, *, article: str = "the") -> tuple[str, ZoneInfo]:
        """How `other` is named in a refusal about `shift`: 'the shift at LON-MCR1', told in its own zone, or,
        when the viewer cannot see it, 'a shift at a location you do not cover', told in `shift`'s zone."""
        if self._visible(other):
            return f"{article} shift at {other.facility.code}", location_zone(other.facility)
        return "a shift at a location you do not cover", self._zone_for(shift)

    def _check_neighbours(self, shift: Shift, add_error) -> None:
        before, later = self._neighbours(shift)
        starts_at, ends_at = utc(shift.starts_at), utc(shift.ends_at)
        overlapping = [entry for entry in later if entry[0] < ends_at]
        if before is not None and before[1] > starts_at:
            overlapping.insert(0, before)
        if overlapping:
            clash = overlapping[0][3]
            where, zone = self._where(clash, shift, article="a")
            add_error(
                "starts_at",
                f"{person_name(clash.user)} already has {where} {local_span(clash.starts_at, clash.ends_at, zone)}.",
                "shift_overlap",
            )
            return
        if before is not None and timedelta(0) < starts_at - before[1] < self._min_rest:
            where, zone = self._where(before[3], shift)
            add_error(
                "starts_at",
                f"{person_name(shift.user)} would have {duration_words(starts_at - before[1])} of rest after "
                f"{where} ending {local_moment(before[3].ends_at, zone)}"
                f"; the minimum is {duration_words(self._min_rest)}.",
                "shift_min_rest",
            )
        after = later[0] if later else None
        if after is not None and timedelta(0) < after[0] - ends_at < self._min_rest:
            where, zone = self._where(after[3], shift)
            add_error(
                "ends_at",
                f"{person_name(shift.user)} would have {duration_words(after[0] - ends_at)} of rest before "
                f"{where} starting {local_moment(after[3].starts_at, zone)}"
                f"; the minimum is {duration_words(self._min_rest)}.",
                "shift_min_rest",
            )

    def _check_time_off(self, shift: Shift, add_error) -> None:
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
            # not keyed on "status": full_clean() would then skip that field, and the overlap constraint's
            # condition (status != cancelled) cannot be checked without it
            add_error(
                NON_FIELD_ERRORS,
                f"{person_name(time_off.user)} has approved {time_off.get_kind_display().lower()} time off "
                f"{days_span(time_off.starts_on, time_off.ends_on)}: a published shift cannot overlap it "
                f"(keep it as a draft, or change the dates).",
                "shift_over_time_off",
            )


# --- who could work a slot --------------------------------------------------------------------------------------


def people_free_for(
    *, candidates: Iterable, facility: Facility, position: str, starts_at: datetime, ends_at: datetime, viewer
) -> list:
    """The people among `candidates` for whom a shift at `facility` from `starts_at` to `ends_at` breaks no rule,
    even once published: not too long, no overlap, enough rest before and after, no approved time off.

    One rule book for all of them (two queries, however many people), the same book every shift save checks.
    `facility` should come with its location (select_related), which the rules read for its time zone.
    """
    people = list(candidates)
    if not people or ends_at <= starts_at:
        return []
    book = ShiftRuleBook.for_period(
        user_ids=[person.pk for person in people], starts_at=utc(starts_at), ends_at=utc(ends_at), viewer=viewer
    )
    free = []
    for person in people:
        shift = Shift(
            user=person,
            facility=facility,
            position=position,
            starts_at=starts_at,
            ends_at=ends_at,
            status=ShiftStatus.PUBLISHED,  # a draft that could never be published fills no gap
        )
        try:
            book.check(shift)
        except ValidationError:
            continue
        free.append(person)
    return free


# --- warnings ----------------------------------------------------------------------------------------------


def week_start(moment: datetime, zone: ZoneInfo) -> date:
    """The Monday of `moment`'s week in `zone`."""
    local_day = moment.astimezone(zone).date()
    return local_day - timedelta(days=local_day.weekday())


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


def shift_warnings(*, shift: Shift) -> list[str]:
    """What deserves a second look but does not block: more than SHIFT_WEEKLY_HOURS_WARNING hours of live
    shifts in a Monday–Sunday week (in the time zone of the shift's location), this shift included."""
    if shift.status == ShiftStatus.CANCELLED or shift.starts_at is None or shift.ends_at is None:
        return []
    facility = Facility.objects.select_related("location").get(pk=shift.facility_id)
    zone = location_zone(facility)
    limit = weekly_warning()
    warnings = []
    monday = week_start(shift.starts_at, zone)
    while utc(local_midnight(monday, zone)) < utc(shift.ends_at):
        begins, ends = local_midnight(monday, zone), local_midnight(monday + timedelta(days=7), zone)
        spans = list(
            Shift.objects.filter(user_id=shift.user_id, starts_at__lt=ends, ends_at__gt=begins)
            .exclude(status=ShiftStatus.CANCELLED)
            .exclude(pk=shift.pk)
            .values_list("starts_at", "ends_at")
        )
        spans.append((shift.starts_at, shift.ends_at))
        begins, ends = utc(begins), utc(ends)
        total = sum((min(utc(end), ends) - max(utc(start), begins) for start, end in spans), timedelta(0))
        if total > limit:
            warnings.append(
                f"{person_name(shift.user)} has {duration_words(total)} of shifts in the week of Mon "
                f"{day_label(monday)} {monday.year} ({zone}), more than the {duration_words(limit)} warning level."
            )
        monday += timedelta(days=7)
    return warnings
