"""The roster grid's data: one location's week, in its own time zone, from a fixed handful of queries.

`roster_week()` reads the week's people, shifts, approved time off, events and coverage requirements (one
query each, however many rows) and lays them out in memory as two grids of local days:

- people × days: the people based at the location plus anyone with a shift there that week;
- facilities × days: shifts, scheduled events and coverage gaps per facility.

A shift shows on the local day it starts, with its local times (a 22:00–06:00 shift sits on its first day).
Coverage gaps are computed per facility and local day over half-open intervals of aware datetimes, so a
23- or 25-hour day at a DST change is measured as it really is.
"""

from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.urls import reverse

from apps.accounts.models import User
from apps.facilities.models import Facility

from .choices import EventStatus, ShiftStatus, TimeOffStatus
from .models import CoverageRequirement, ScheduledEvent, Shift, TimeOffRequest
from .selectors import shifts_visible_to

DAYS_IN_WEEK = 7
# where a shift started from a cell's "+" begins, in local time, and how long a new shift is proposed to last
NEW_SHIFT_STARTS = time(6, 0)
NEW_SHIFT_LENGTH = timedelta(hours=8)
# the query parameter that brings the Shift form back to the roster week it was opened from
RETURN_PARAMETER = "roster"


def week_start_of(day: date) -> date:
    """The Monday of `day`'s week."""
    return day - timedelta(days=day.weekday())


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


@dataclass(frozen=True)
class Gap:
    """Local hours of one day where fewer than `needed` people of `position` are on shift."""

    position: str
    needed: int
    starts_at: datetime  # aware, in the location's zone
    ends_at: datetime
    day_ends_at: datetime
    facility_id: int | None = None
    add_url: str = ""  # the Shift form for this facility and these hours (roster_week fills it in)

    @property
    def label(self) -> str:
        end = "24:00" if self.ends_at >= self.day_ends_at else f"{self.ends_at:%H:%M}"
        return f"{self.starts_at:%H:%M}–{end}"

    @property
    def new_shift_ends_at(self) -> datetime:
        """A shift proposed to fill the gap: from its start, NEW_SHIFT_LENGTH long, or shorter when the gap closes
        sooner that day (a gap that runs to midnight goes on into the night: 22:00–24:00 proposes 22:00–06:00)."""
        proposed = self.starts_at.astimezone(UTC) + NEW_SHIFT_LENGTH
        if self.ends_at >= self.day_ends_at:
            return proposed
        return min(self.ends_at.astimezone(UTC), proposed)


@dataclass
class ShiftItem:
    shift: Shift
    starts: datetime  # local
    ends: datetime  # local
    back: str = ""  # the roster week to come back to after saving the shift

    @property
    def times(self) -> str:
        suffix = "" if self.ends.date() == self.starts.date() else " (+1)"
        return f"{self.starts:%H:%M}–{self.ends:%H:%M}{suffix}"

    @property
    def status(self) -> str:
        return self.shift.status

    @property
    def url(self) -> str:
        url = reverse("admin:scheduling_shift_change", args=[self.shift.pk])
        return f"{url}?{urlencode({RETURN_PARAMETER: self.back})}" if self.back else url


@dataclass
class EventItem:
    event: ScheduledEvent
    starts: datetime
    ends: datetime

    @property
    def times(self) -> str:
        return f"{self.starts:%H:%M}–{self.ends:%H:%M}"

    @property
    def url(self) -> str:
        return reverse("admin:scheduling_scheduledevent_change", args=[self.event.pk])


@dataclass
class Cell:
    day: date
    add_url: str = ""
    shifts: list[ShiftItem] = field(default_factory=list)
    time_off: list[TimeOffRequest] = field(default_factory=list)
    events: list[EventItem] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.shifts or self.time_off or self.events)


@dataclass
class Row:
    title: str
    subtitle: str
    cells: list[Cell]
    based_here: bool = True


@dataclass
class RosterWeek:
    location: object
    zone: ZoneInfo
    week_start: date
    days: list[date]
    people: list[Row]
    facilities: list[Row]

    @property
    def previous_week(self) -> date:
        return self.week_start - timedelta(days=DAYS_IN_WEEK)

    @property
    def next_week(self) -> date:
        return self.week_start + timedelta(days=DAYS_IN_WEEK)

    draft_count: int = 0  # drafts starting this week: what "Publish the week" would publish

    @property
    def gap_count(self) -> int:
        return sum(len(cell.gaps) for row in self.facilities for cell in row.cells)


def roster_week(*, user, location, week_start: date, back: str = "") -> RosterWeek:
    """The grids of `location`'s week starting `week_start` (a local Monday), as `user` may see them.

    The caller checks that `location` is one `user` may see (locations_visible_to). `back`: the address of this
    roster page, which every link to the Shift form carries so that saving the shift comes back here.
    """
    zone = location.timezone
    week_start = week_start_of(week_start)
    days = [week_start + timedelta(days=offset) for offset in range(DAYS_IN_WEEK)]
    window_start, window_end = local_midnight(days[0], zone), local_midnight(days[-1] + timedelta(days=1), zone)

    facilities = list(Facility.objects.filter(location=location).order_by("code"))
    shifts = list(
        shifts_visible_to(user=user)
        .filter(facility__location=location, starts_at__lt=window_end, ends_at__gt=window_start)
        .select_related("user", "facility")
        .order_by("starts_at", "pk")
    )
    working_here = {shift.user_id for shift in shifts}
    people = list(
        User.objects.filter(Q(home_location=location, is_active=True) | Q(pk__in=working_here)).order_by(
            "last_name", "first_name", "pk"
        )
    )
    time_off = list(
        TimeOffRequest.objects.filter(
            status=TimeOffStatus.APPROVED,
            user__in=[person.pk for person in people],
            starts_on__lte=days[-1],
            ends_on__gte=days[0],
        ).order_by("starts_on", "pk")
    )
    events = list(
        ScheduledEvent.objects.filter(facility__location=location, starts_at__lt=window_end, ends_at__gt=window_start)
        .exclude(status=EventStatus.CANCELLED)
        .order_by("starts_at", "pk")
    )
    requirements = list(
        CoverageRequirement.objects.filter(facility__location=location).order_by("facility__code", "position")
    )

    shift_items = [
        ShiftItem(shift, shift.starts_at.astimezone(zone), shift.ends_at.astimezone(zone), back) for shift in shifts
    ]
    by_person_day: dict[tuple[int, date], list[ShiftItem]] = defaultdict(list)
    by_facility_day: dict[tuple[int, date], list[ShiftItem]] = defaultdict(list)
    for item in shift_items:
        by_person_day[item.shift.user_id, item.starts.date()].append(item)
        by_facility_day[item.shift.facility_id, item.starts.date()].append(item)

    off_by_person_day: dict[tuple[int, date], list[TimeOffRequest]] = defaultdict(list)
    for request in time_off:
        for day in days:
            if request.starts_on <= day <= request.ends_on:
                off_by_person_day[request.user_id, day].append(request)

    events_by_facility_day: dict[tuple[int, date], list[EventItem]] = defaultdict(list)
    for event in events:
        item = EventItem(event, event.starts_at.astimezone(zone), event.ends_at.astimezone(zone))
        events_by_facility_day[event.facility_id, max(item.starts.date(), days[0])].append(item)

    add_url = reverse("admin:scheduling_shift_add")
    default_facility = facilities[0].pk if len(facilities) == 1 else None

    def shift_form_link(**params) -> str:
        params[RETURN_PARAMETER] = back or None
        return f"{add_url}?{urlencode({key: value for key, value in params.items() if value is not None})}"

    def new_shift_link(day: date, **params) -> str:
        # the cell's day at 06:00 local time, with its offset: ShiftAdmin reads it (and proposes an 8-hour shift)
        return shift_form_link(starts_at=datetime.combine(day, NEW_SHIFT_STARTS, tzinfo=zone).isoformat(), **params)

    def gap_link(gap: Gap) -> str:
        # the gap's own hours at its facility, for its position: ShiftAdmin offers only the people free then
        return shift_form_link(
            facility=gap.facility_id,
            position=gap.position,
            starts_at=gap.starts_at.isoformat(),
            ends_at=gap.new_shift_ends_at.astimezone(zone).isoformat(),
        )

    gaps = {
        key: [replace(gap, add_url=gap_link(gap)) for gap in day_gaps]
        for key, day_gaps in coverage_gaps(requirements=requirements, shifts=shifts, days=days, zone=zone).items()
    }

    person_rows = [
        Row(
            title=_person_name(person),
            subtitle=person.employee_id,
            based_here=person.home_location_id == location.pk,
            cells=[
                Cell(
                    day=day,
                    add_url=new_shift_link(day, user=person.pk, facility=default_facility),
                    shifts=by_person_day.get((person.pk, day), []),
                    time_off=off_by_person_day.get((person.pk, day), []),
                )
                for day in days
            ],
        )
        for person in people
    ]
    facility_rows = [
        Row(
            title=facility.code,
            subtitle=facility.name,
            cells=[
                Cell(
                    day=day,
                    add_url=new_shift_link(day, facility=facility.pk),
                    shifts=by_facility_day.get((facility.pk, day), []),
                    events=events_by_facility_day.get((facility.pk, day), []),
                    gaps=gaps.get((facility.pk, day), []),
                )
                for day in days
            ],
        )
        for facility in facilities
    ]
    drafts = sum(1 for item in shift_items if item.status == ShiftStatus.DRAFT and item.starts.date() in days)
    return RosterWeek(
        location=location,
        zone=zone,
        week_start=week_start,
        days=days,
        people=person_rows,
        facilities=facility_rows,
        draft_count=drafts,
    )


def coverage_gaps(*, requirements, shifts, days: list[date], zone: ZoneInfo) -> dict[tuple[int, date], list[Gap]]:
    """{(facility id, local day): gaps}: where fewer than the required non-cancelled shifts of a position cover.

    Each day is [local midnight, next local midnight) as aware datetimes; shifts are half-open too, so a shift
    ending at 06:00 and the next starting at 06:00 leave no gap.
    """
    # in UTC: aware datetimes sharing one tzinfo compare by wall clock, which a DST fold would mislead
    midnights = [local_midnight(day, zone).astimezone(UTC) for day in [*days, days[-1] + timedelta(days=1)]]
    gaps: dict[tuple[int, date], list[Gap]] = defaultdict(list)
    for requirement, index, start, end in coverage_gap_spans(
        requirements=requirements, covering=covering_spans(map(shift_row, shifts)), midnights=midnights
    ):
        gaps[requirement.facility_id, days[index]].append(
            Gap(
                requirement.position,
                requirement.people,
                start.astimezone(zone),
                end.astimezone(zone),
                midnights[index + 1].astimezone(zone),
                facility_id=requirement.facility_id,
            )
        )
    return gaps


def covering_spans(rows) -> dict[tuple[int, str], list[tuple]]:
    """{(facility id, position key): [(start, end), ...]} of the shifts that count towards coverage (not cancelled).

    `rows` are (facility id, position, start, end, status) tuples: a `values_list` row, or `shift_row(shift)`.
    """
    covering: dict[tuple[int, str], list[tuple]] = defaultdict(list)
    for facility_id, position, starts_at, ends_at, status in rows:
        if status != ShiftStatus.CANCELLED:
            covering[facility_id, position_key(position)].append((starts_at, ends_at))
    return covering


def shift_row(shift) -> tuple:
    """A shift as `covering_spans` reads it."""
    return shift.facility_id, shift.position, shift.starts_at, shift.ends_at, shift.status


def coverage_gap_spans(*, requirements, covering, midnights: list):
    """(requirement, day index, start, end) of every coverage gap, day `i` being [midnights[i], midnights[i + 1]).

    The rule of coverage, in one place: a gap is a maximal stretch of one local day where fewer of the covering
    spans overlap than the requirement's people. The days' span is swept once per requirement and what is
    under-covered is cut at each midnight: the same gaps as day by day, in time linear in the shifts. Moments are
    UTC datetimes (the Roster) or epoch microseconds (the console's home, counting every covered location's gaps for
    two weeks), as long as the spans and the midnights agree.
    """
    for requirement in requirements:
        spans = covering.get((requirement.facility_id, position_key(requirement.position)), ())
        for start, end in _under_covered(spans, midnights[0], midnights[-1], requirement.people):
            for index in range(bisect_right(midnights, start) - 1, len(midnights) - 1):
                day_start, day_end = midnights[index], midnights[index + 1]
                if day_start >= end:
                    break
                yield requirement, index, max(start, day_start), min(end, day_end)


def _under_covered(spans, window_start, window_end, needed: int):
    """The maximal sub-intervals of [window_start, window_end) where fewer than `needed` spans overlap."""
    changes: dict = defaultdict(int)
    for start, end in spans:
        start, end = max(start, window_start), min(end, window_end)
        if start < end:
            changes[start] += 1
            changes[end] -= 1
    moments = sorted({window_start, window_end, *changes})
    count, gap_start = 0, None
    for moment in moments:
        if moment >= window_end:
            break
        count += changes.get(moment, 0)
        if count < needed and gap_start is None:
            gap_start = moment
        elif count >= needed and gap_start is not None:
            yield gap_start, moment
            gap_start = None
    if gap_start is not None:
        yield gap_start, window_end


@lru_cache(maxsize=4096)
def position_key(position: str) -> str:
    """A position as coverage compares it: case and spacing do not matter (a station names a few dozen)."""
    return " ".join(position.split()).casefold()


def _person_name(person) -> str:
    return person.get_full_name() or person.username
