"""Coverage at a glance, for every location a person covers: what the console's home shows of the rosters.

`coverage_overview()` reads the coverage requirements `user` may see and the live shifts at those facilities over
the weeks asked for (two queries, whatever the number of locations), then, per location in its own time zone:

- the coverage gaps of each week, found by the Roster's own rule (`roster.coverage_gap_spans`): a gap is one
  stretch of one local day where fewer people of a position are on shift than the requirement asks;
- for the first week, per local day, the hours coverage needs (people × the day's hours: 23 or 25 at a clock
  change) and the hours rostered against it (published and draft shifts of the required positions, cut at local
  midnight).

`coverage_version()` names the state of what it reads: every save or delete of a shift, a coverage requirement or
a facility moves it on (a signal, at once and again at commit), so an overview kept under a version (the console's
home keeps one a few minutes) is never read after the roster changed.

Moments are read as whole microseconds since 1970 (`EpochMicroseconds`), not datetimes: an administrator's home
reads some 15,000 shifts at `seed_demo --scale 100`, and integers load several times faster (psycopg parses
datetimes in Python). The arithmetic is exact either way.
"""

from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.db import connections, transaction
from django.db.models import BigIntegerField, Func

from .choices import ShiftStatus
from .models import Shift
from .roster import DAYS_IN_WEEK, coverage_gap_spans, covering_spans, local_midnight, position_key, week_start_of
from .selectors import coverage_requirements_visible_to

VERSION_KEY = "scheduling:coverage-version"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECONDS_PER_HOUR = 3_600_000_000
# a requirement's location, as `Place` reads it
PLACE_FIELDS = (
    "facility__location_id",
    "facility__location__code",
    "facility__location__name",
    "facility__location__timezone",
)


def coverage_version() -> int:
    """The current version of what coverage overviews read (see the module)."""
    return cache.get_or_set(VERSION_KEY, 0, None)


def _next_version() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # not there (a cache cleared or restarted): any value but the kept ones' will do
        cache.set(VERSION_KEY, int(datetime.now(UTC).timestamp() * 1000), None)


def coverage_changed(**_signal) -> None:
    """A shift, coverage requirement or facility was written: move the version on now (what this transaction reads
    next is not an older overview) and once it commits (what others read next is not one read meanwhile)."""
    _next_version()
    transaction.on_commit(_next_version)


class EpochMicroseconds(Func):
    """An aware datetime column as whole microseconds since 1970-01-01 UTC (exact, on both databases)."""

    arity = 1
    output_field = BigIntegerField()

    def as_postgresql(self, compiler, connection, **extra):
        template = "CAST(EXTRACT(EPOCH FROM %(expressions)s) * 1000000 AS BIGINT)"
        return self.as_sql(compiler, connection, template=template, **extra)

    def as_sqlite(self, compiler, connection, **extra):
        # Django's own SQLite function for datetime arithmetic: the difference in microseconds
        template = "django_timestamp_diff(%(expressions)s, '1970-01-01 00:00:00')"
        return self.as_sql(compiler, connection, template=template, **extra)


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


class Requirement(NamedTuple):
    """A coverage requirement as coverage reads it (`roster.coverage_gap_spans`)."""

    facility_id: int
    position: str
    people: int


class Place(NamedTuple):
    """A location as the home shows it."""

    pk: int
    code: str
    name: str
    timezone: ZoneInfo


def coverage_overview(*, user, now: datetime, weeks: int = 2) -> CoverageOverview:
    """Gaps per location for `weeks` weeks from the current local week, and the first week's hours (see module)."""
    places: dict[int, Place] = {}
    by_location: dict[int, list[Requirement]] = defaultdict(list)
    location_of_facility: dict[int, int] = {}
    for facility_id, position, people, *place in (
        coverage_requirements_visible_to(user=user)
        .order_by("facility__location__name", "pk")
        .values_list("facility_id", "position", "people", *PLACE_FIELDS)
    ):
        place = places.setdefault(place[0], Place(*place))
        by_location[place.pk].append(Requirement(facility_id, position, people))
        location_of_facility[facility_id] = place.pk
    if not places:
        return CoverageOverview(locations=[], hours=WeekHours(), week_start=None)
    # each location's days from its own current Monday, as epoch microseconds (locations share a handful of zones)
    by_zone: dict[ZoneInfo, list[int]] = {}
    for zone in {place.timezone for place in places.values()}:
        by_zone[zone] = _midnights(week_start_of(now.astimezone(zone).date()), weeks, zone)
    window_start = min(days[0] for days in by_zone.values())
    window_end = max(days[-1] for days in by_zone.values())
    # The requirements' facilities are the ones in scope (their selector), and every shift at a facility in scope is
    # the person's to see (`shifts_visible_to`: a covered location's shifts, plus their own anywhere else): read
    # through that selector again, an auditor's 400 locations would cost a union of every shift id for nothing.
    shifts = (
        Shift.objects.filter(
            facility__in=list(location_of_facility),
            starts_at__lt=EPOCH + timedelta(microseconds=window_end),
            ends_at__gt=EPOCH + timedelta(microseconds=window_start),
        )
        .exclude(status=ShiftStatus.CANCELLED)
        .order_by()
        .values_list("facility_id", "position", EpochMicroseconds("starts_at"), EpochMicroseconds("ends_at"), "status")
    )
    # (facility id, position, start, end, status) rows, as `roster.covering_spans` reads them
    shifts_by_location: dict[int, list[tuple]] = defaultdict(list)
    for row in _rows(shifts):
        shifts_by_location[location_of_facility[row[0]]].append(row)

    overview, hours = [], WeekHours()
    for place in sorted(places.values(), key=lambda place: (place.name, place.pk)):
        days, requirements, location_shifts = (
            by_zone[place.timezone],
            by_location[place.pk],
            shifts_by_location[place.pk],
        )
        gaps = [0] * weeks
        spans = coverage_gap_spans(requirements=requirements, covering=covering_spans(location_shifts), midnights=days)
        for _requirement, day, _start, _end in spans:
            gaps[day // DAYS_IN_WEEK] += 1
        monday = week_start_of(now.astimezone(place.timezone).date())
        week_starts = [monday + timedelta(weeks=number) for number in range(weeks)]
        overview.append(LocationCoverage(location=place, week_starts=week_starts, gaps=gaps))
        _add_week_hours(hours, requirements, location_shifts, days[: DAYS_IN_WEEK + 1])
    return CoverageOverview(locations=overview, hours=hours, week_start=overview[0].week_starts[0])


def _rows(queryset) -> list[tuple]:
    """The rows of a `values_list` as the database driver returns them: thousands of plain tuples, none of Django's
    per-row work (there are no conversions to make: integers and text)."""
    sql, params = queryset.query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _midnights(monday: date, weeks: int, zone) -> list[int]:
    return [
        _microseconds(local_midnight(monday + timedelta(days=offset), zone))
        for offset in range(weeks * DAYS_IN_WEEK + 1)
    ]


def _microseconds(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(microseconds=1)


def _add_week_hours(hours: WeekHours, requirements, shifts: list[tuple], midnights: list[int]) -> None:
    """Add one location's week to `hours`: needed per local day, and the required positions' shifts cut at midnight."""
    for requirement in requirements:
        for day in range(DAYS_IN_WEEK):
            hours.needed[day] += requirement.people * (midnights[day + 1] - midnights[day]) / MICROSECONDS_PER_HOUR
    required = {(requirement.facility_id, position_key(requirement.position)) for requirement in requirements}
    week_end = midnights[-1]
    for facility_id, position, starts_at, ends_at, status in shifts:
        if starts_at >= week_end or (facility_id, position_key(position)) not in required:
            continue
        column = hours.published if status == ShiftStatus.PUBLISHED else hours.draft
        for day in range(max(0, bisect_right(midnights, starts_at) - 1), DAYS_IN_WEEK):
            if midnights[day] >= ends_at:
                break
            start, end = max(starts_at, midnights[day]), min(ends_at, midnights[day + 1])
            if start < end:
                column[day] += (end - start) / MICROSECONDS_PER_HOUR
