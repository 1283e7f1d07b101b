"""Coverage at a glance, for every location a person covers: what the console's home shows of the rosters.

`coverage_overview()` reads the coverage requirements `user` may see and the live shifts at those facilities over
the weeks asked for (two queries, whatever the number of locations), then, per location in its own time zone:

- the coverage gaps of each week, counted exactly as the Roster page counts them (`roster.coverage_gaps`, the
  same function): a gap is one stretch of one local day where fewer people of a position are on shift than the
  requirement asks;
- for the first week, per local day, the hours coverage needs (people × the day's hours: 23 or 25 at a clock
  change) and the hours rostered against it (published and draft shifts of the required positions, cut at local
  midnight).
"""

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from .choices import ShiftStatus
from .roster import DAYS_IN_WEEK, coverage_gaps, local_midnight, position_key, week_start_of
from .selectors import coverage_requirements_visible_to, shifts_visible_to


@dataclass(frozen=True)
class CoveringShift:
    """A live shift as coverage reads it (one row of a `values_list`, not a model object)."""

    facility_id: int
    position: str
    starts_at: datetime
    ends_at: datetime
    status: str


@dataclass
class LocationCoverage:
    location: object
    week_starts: list[date]  # local Mondays
    gaps: list[int]  # per week

    @property
    def total(self) -> int:
        return sum(self.gaps)


@dataclass
class WeekHours:
    """Per local weekday (Monday first) of the first week, summed over the locations."""

    needed: list[float] = field(default_factory=lambda: [0.0] * DAYS_IN_WEEK)
    published: list[float] = field(default_factory=lambda: [0.0] * DAYS_IN_WEEK)
    draft: list[float] = field(default_factory=lambda: [0.0] * DAYS_IN_WEEK)


@dataclass
class CoverageOverview:
    locations: list[LocationCoverage]  # the locations with coverage requirements, by name
    hours: WeekHours
    week_start: date | None  # the first week's Monday at the first location (for labels)


def coverage_overview(*, user, now: datetime, weeks: int = 2) -> CoverageOverview:
    """Gaps per location for `weeks` weeks from the current local week, and the first week's hours (see module)."""
    requirements = list(coverage_requirements_visible_to(user=user).order_by("facility__location__name", "pk"))
    by_location: dict[int, list] = defaultdict(list)
    for requirement in requirements:
        by_location[requirement.facility.location_id].append(requirement)
    if not by_location:
        return CoverageOverview(locations=[], hours=WeekHours(), week_start=None)

    locations = {requirement.facility.location_id: requirement.facility.location for requirement in requirements}
    first_monday = {pk: week_start_of(now.astimezone(location.timezone).date()) for pk, location in locations.items()}
    window_start = min(local_midnight(first_monday[pk], location.timezone) for pk, location in locations.items())
    window_end = max(
        local_midnight(first_monday[pk] + timedelta(weeks=weeks), location.timezone)
        for pk, location in locations.items()
    )
    location_of_facility = {requirement.facility_id: requirement.facility.location_id for requirement in requirements}
    shifts_by_location: dict[int, list[CoveringShift]] = defaultdict(list)
    rows = (
        shifts_visible_to(user=user)
        .filter(facility__in=list(location_of_facility), starts_at__lt=window_end, ends_at__gt=window_start)
        .exclude(status=ShiftStatus.CANCELLED)
        .order_by()
        .values_list("facility_id", "position", "starts_at", "ends_at", "status")
    )
    for row in rows:
        shifts_by_location[location_of_facility[row[0]]].append(CoveringShift(*row))

    overview, hours = [], WeekHours()
    for pk, location in sorted(locations.items(), key=lambda item: (item[1].name, item[0])):
        zone, monday = location.timezone, first_monday[pk]
        week_starts = [monday + timedelta(weeks=number) for number in range(weeks)]
        location_requirements, location_shifts = by_location[pk], shifts_by_location[pk]
        gaps = []
        for week_start in week_starts:
            days = [week_start + timedelta(days=offset) for offset in range(DAYS_IN_WEEK)]
            found = coverage_gaps(requirements=location_requirements, shifts=location_shifts, days=days, zone=zone)
            gaps.append(sum(len(cell) for cell in found.values()))
        overview.append(LocationCoverage(location=location, week_starts=week_starts, gaps=gaps))
        _add_week_hours(hours, location_requirements, location_shifts, monday, zone)
    first = min(locations, key=lambda pk: (locations[pk].name, pk))
    return CoverageOverview(locations=overview, hours=hours, week_start=first_monday[first])


def _add_week_hours(hours: WeekHours, requirements, shifts: Iterable[CoveringShift], monday: date, zone) -> None:
    """Add one location's week to `hours`: needed per local day, and the required positions' shifts cut at midnight."""
    midnights = [
        local_midnight(monday + timedelta(days=offset), zone).astimezone(UTC) for offset in range(DAYS_IN_WEEK + 1)
    ]
    for requirement in requirements:
        for day in range(DAYS_IN_WEEK):
            hours.needed[day] += requirement.people * _hours(midnights[day], midnights[day + 1])
    required = {(requirement.facility_id, position_key(requirement.position)) for requirement in requirements}
    for shift in shifts:
        if (shift.facility_id, position_key(shift.position)) not in required:
            continue
        column = hours.published if shift.status == ShiftStatus.PUBLISHED else hours.draft
        first = max(0, bisect_right(midnights, shift.starts_at) - 1)
        for day in range(first, DAYS_IN_WEEK):
            start, end = max(shift.starts_at, midnights[day]), min(shift.ends_at, midnights[day + 1])
            if start >= shift.ends_at or midnights[day] >= shift.ends_at:
                break
            if start < end:
                column[day] += _hours(start, end)


def _hours(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 3600
