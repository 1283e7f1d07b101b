"""Coverage at a glance (apps/scheduling/overview.py), what the console's home shows: the same gaps as the Roster for
every location and week, across clock changes and time zones, and the hours needed against the hours rostered."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from apps.scheduling.choices import ShiftStatus
from apps.scheduling.models import CoverageRequirement
from apps.scheduling.overview import coverage_overview
from apps.scheduling.roster import roster_week
from tests.factories import FacilityFactory, LocationFactory, ShiftFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")


def site(code: str, zone: str):
    location = LocationFactory(code=code, name=f"Site {code}", timezone=zone)
    facility = FacilityFactory(code=f"{code}-MCR", location=location)
    CoverageRequirement.objects.create(facility=facility, position="MCR operator", people=1)
    CoverageRequirement.objects.create(facility=facility, position="Engineer", people=2)
    people = [UserFactory(home_location=location) for _ in range(3)]
    return location, facility, people


def shift(person, facility, starts_at, hours=8, position="MCR operator", status=ShiftStatus.PUBLISHED):
    return ShiftFactory(
        user=person, facility=facility, position=position, starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=hours), status=status,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("zone", "monday"),
    [
        (LONDON, datetime(2026, 3, 23)),  # the clocks go forward on Sunday 29 March: a 23-hour day
        (LONDON, datetime(2026, 10, 19)),  # and back on Sunday 25 October: a 25-hour day
        (NEW_YORK, datetime(2026, 11, 2)),  # New York's clocks went back on Sunday 1 November
    ],
)
def test_each_weeks_gaps_are_the_rosters_across_clock_changes(root, zone, monday):
    location, facility, (ann, bob, cy) = site("SITE", zone.key)
    start = monday.replace(tzinfo=zone)
    for day in range(14):
        local = start + timedelta(days=day)
        shift(ann if day % 2 else bob, facility, local.replace(hour=6))  # 06:00-14:00, some weeks not all days
        if day % 3 == 0:
            shift(cy, facility, local.replace(hour=22), hours=9)  # a night into the next day (across a change too)
        if day % 4 == 0:
            shift(ann if day % 2 == 0 else bob, facility, local.replace(hour=15), position="engineer  ")  # spacing
            shift(cy, facility, local.replace(hour=14), position="Engineer", status=ShiftStatus.DRAFT)
    shift(bob, facility, start.replace(hour=14) + timedelta(days=1), status=ShiftStatus.CANCELLED)  # counts nothing

    overview = coverage_overview(user=root, now=(start + timedelta(days=2, hours=12)).astimezone(zone))

    [row] = overview.locations
    assert row.week_starts == [start.date(), (start + timedelta(days=7)).date()]
    expected = [roster_week(user=root, location=location, week_start=week).gap_count for week in row.week_starts]
    assert row.gaps == expected and all(expected)


def test_the_weeks_hours_count_the_required_positions_cut_at_local_midnight(root):
    location, facility, (ann, bob, cy) = site("HRS", "Europe/London")
    monday = datetime(2026, 3, 23, tzinfo=LONDON)  # Sunday 29 March has 23 hours
    shift(ann, facility, monday.replace(hour=20))  # Monday 20:00 to Tuesday 04:00: 4 h on each day
    shift(bob, facility, monday.replace(hour=6) + timedelta(days=1), status=ShiftStatus.DRAFT)
    shift(cy, facility, monday.replace(hour=6), position="Camera operator")  # no requirement: not counted
    shift(cy, facility, monday.replace(hour=6) + timedelta(days=6), position="Engineer", hours=10)

    hours = coverage_overview(user=root, now=monday + timedelta(hours=12)).hours

    assert hours.needed == [72, 72, 72, 72, 72, 72, 69]  # 1 + 2 people around the clock; 23 hours on Sunday
    assert hours.published == [4, 4, 0, 0, 0, 0, 10]
    assert hours.draft == [0, 8, 0, 0, 0, 0, 0]


def test_only_the_locations_in_scope_are_read(supervisor, london_hq):
    here = FacilityFactory(code="HERE-MCR", location=london_hq)
    CoverageRequirement.objects.create(facility=here, position="MCR operator", people=1)
    site("AWAY", "Europe/Paris")

    overview = coverage_overview(user=supervisor, now=datetime(2026, 3, 25, 12, tzinfo=LONDON))

    assert [row.location.code for row in overview.locations] == [london_hq.code]
    assert overview.locations[0].gaps == [7, 7]  # nobody on shift: every day one gap
