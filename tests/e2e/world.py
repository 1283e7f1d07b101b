"""The world the browser tests play in: the demo station (`seed_demo`, scale 1), plus a few rows each test
can count on whatever day it runs.

The demo is seeded around the real clock, so who happens to be on shift or which time off is pending changes
with the day. The scenes of a supervisor's day are therefore set at a facility of their own at London HQ
(the demo supervisor's site), written through the services as a person would have written them:

- an on-air-critical transmitter with a SEV1 "off air" incident, and one engineer on a published shift there
  now (the on-call person);
- a 24/7 coverage requirement there, met next Wednesday except from 14:00 to 22:00 (one gap to fill), an
  engineer free that week to fill it, and one busy then (a maintenance shift at the site, 15:00-21:00);
- a pending time off next Thursday–Friday of someone with a published shift on that Thursday;
- a shift whose position an administrator changed by mistake (the change to revert).

London is on UTC in winter and an hour ahead in summer: every time here is a London wall-clock time, except in
the New York scene: a station of its own (NYC-E2E) with a supervisor based there, a coverage gap next Wednesday
14:00–22:00 New York time and an engineer free to fill it, and an incident there a few minutes ago. New York is
four or five hours behind London, so a time read or typed in the wrong zone shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth.models import Group
from django.core.management import call_command
from django.utils import timezone

from apps.accounts.models import User
from apps.audit.history import change_context
from apps.core.roles import Role
from apps.facilities.choices import FacilityKind
from apps.facilities.models import Facility, Location
from apps.scheduling.models import CoverageRequirement, Shift, TimeOffRequest
from apps.scheduling.publishing import shift_publish
from apps.scheduling.services import shift_create, shift_update, time_off_request_create
from apps.tickets.models import IncidentTicket, IncidentType
from apps.tickets.services import incident_create
from tests.conftest import cover
from tests.factories import FacilityFactory, LocationFactory, UserFactory

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
POSITION = "Transmitter engineer"
NY_SUPERVISOR_PASSWORD = "New-York-e2e-1"


@dataclass
class World:
    london: Location
    supervisor: User
    auditor: User
    transmitter: Facility
    on_call: User
    incident: IncidentTicket
    gap_week: date  # the Monday of next week (London)
    gap_day: date  # its Wednesday: a gap 14:00–22:00 there
    gap_filler: User
    busy_in_gap: User  # on another shift during the gap: filling it would overlap
    time_off: TimeOffRequest
    time_off_shift: Shift  # published, on the time off's first day
    mistaken_shift: Shift  # its position changed from POSITION by mistake
    importer: User  # an engineer the import tests put on the roster
    new_york: NewYorkScene


@dataclass
class NewYorkScene:
    location: Location
    studio: Facility
    supervisor: User  # based in New York, covering it (password NY_SUPERVISOR_PASSWORD)
    gap_filler: User
    incident: IncidentTicket


def london_time(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=LONDON)


def next_monday() -> date:
    today = timezone.localtime(timezone=LONDON).date()
    return today + timedelta(days=7 - today.weekday())


def build_world() -> World:
    call_command("load_reference_data", verbosity=0)
    call_command("seed_demo", verbosity=0)
    admin = User.objects.get(username="admin")
    london = Location.objects.get(code="LON-HQ")
    staff = Group.objects.get(name=Role.STAFF)

    def engineer(employee_id: str, first: str, last: str) -> User:
        person = UserFactory(
            username=f"{first}.{last}".lower(),
            first_name=first,
            last_name=last,
            employee_id=employee_id,
            home_location=london,
        )
        person.groups.add(staff)
        return person

    with change_context(user=admin, reason="Browser test world"):
        transmitter = FacilityFactory(
            location=london,
            code="LON-E2E-TX",
            name="Crystal Palace transmitter",
            kind=FacilityKind.TRANSMITTER,
            on_air_critical=True,
        )
        on_call, early, late, night = (
            engineer("E90001", "Jo", "Oncall"),
            engineer("E90002", "Eli", "Early"),
            engineer("E90003", "Lou", "Late"),
            engineer("E90004", "Nik", "Night"),
        )
        gap_filler = engineer("E90005", "Fran", "Filler")
        busy = engineer("E90008", "Pat", "Busy")
        away = engineer("E90006", "Kim", "Away")
        importer = engineer("E90007", "Ira", "Import")

        def shift(person, starts: datetime, hours: int = 8, *, position: str = POSITION) -> Shift:
            made = shift_create(
                user=person,
                facility=transmitter,
                position=position,
                starts_at=starts,
                ends_at=starts + timedelta(hours=hours),
                by=admin,
            )
            shift_publish(shifts=[made], by=admin)
            made.refresh_from_db()
            return made

        now = timezone.now().replace(second=0, microsecond=0)
        shift(on_call, now - timedelta(hours=2))

        # the SEV1, reported by the night engineer a few minutes ago
        incident = incident_create(
            title="Transmitter off air — Crystal Palace",
            incident_type=IncidentType.objects.get(code="transmitter-off-air"),
            facility=transmitter,
            reporter=night,
            occurred_at=now - timedelta(minutes=5),
            description="Main and reserve transmitters tripped; no carrier on 94.9 MHz.",
            by=night,
        )

        # next Wednesday: covered 00:00–14:00 and 22:00–24:00, the gap is 14:00–22:00
        week = next_monday()
        wednesday = week + timedelta(days=2)
        CoverageRequirement.objects.get_or_create(facility=transmitter, position=POSITION, defaults={"people": 1})
        shift(night, london_time(wednesday - timedelta(days=1), 22))
        shift(early, london_time(wednesday, 6))
        shift(night, london_time(wednesday, 22))
        shift(busy, london_time(wednesday, 15), hours=6, position="Maintenance engineer")

        # time off asked for next Thursday and Friday, over a published shift on Thursday
        thursday = week + timedelta(days=3)
        time_off_shift = shift(away, london_time(thursday, 6))
        time_off = time_off_request_create(
            user=away,
            kind="vacation",
            starts_on=thursday,
            ends_on=thursday + timedelta(days=1),
            reason="Family wedding",
            by=away,
        )

        # a shift the week after, whose position an administrator changed by mistake
        mistaken = shift(late, london_time(week + timedelta(days=8), 14))
        new_york = _new_york_scene(admin=admin, week=week, now=now, staff=staff)
    with change_context(user=admin, reason="Changed in the console"):
        shift_update(shift=mistaken, position="Camera operator", by=admin)

    return World(
        london=london,
        supervisor=User.objects.get(username="supervisor"),
        auditor=User.objects.get(username="auditor"),
        transmitter=transmitter,
        on_call=on_call,
        incident=incident,
        gap_week=week,
        gap_day=wednesday,
        gap_filler=gap_filler,
        busy_in_gap=busy,
        time_off=time_off,
        time_off_shift=time_off_shift,
        mistaken_shift=mistaken,
        importer=importer,
        new_york=new_york,
    )


def _new_york_scene(*, admin: User, week: date, now: datetime, staff: Group) -> NewYorkScene:
    """A New York station, its supervisor, a gap next Wednesday 14:00–22:00 New York time, an incident now."""
    location = LocationFactory(code="NYC-E2E", name="New York E2E", timezone="America/New_York")
    studio = FacilityFactory(location=location, code="NYC-E2E-MCR", name="New York master control")
    supervisor = UserFactory(
        username="nysupervisor", first_name="Nia", last_name="York", is_staff=True, home_location=location
    )
    supervisor.set_password(NY_SUPERVISOR_PASSWORD)
    supervisor.save()
    supervisor.groups.add(Group.objects.get(name=Role.SUPERVISOR))
    cover(supervisor, location)
    people = []
    for employee_id, first, last in (("E91001", "Ned", "Night"), ("E91002", "Dee", "Day"), ("E91003", "Gus", "Gap")):
        person = UserFactory(
            username=f"{first}.{last}".lower(), first_name=first, last_name=last, employee_id=employee_id,
            home_location=location,
        )  # fmt: skip
        person.groups.add(staff)
        people.append(person)
    night, day, gap_filler = people
    CoverageRequirement.objects.get_or_create(facility=studio, position=POSITION, defaults={"people": 1})
    wednesday = week + timedelta(days=2)

    def new_york_shift(person, day_: date, hour: int) -> None:
        starts = datetime.combine(day_, time(hour), tzinfo=NEW_YORK)
        made = shift_create(
            user=person, facility=studio, position=POSITION, starts_at=starts, ends_at=starts + timedelta(hours=8),
            by=admin,
        )  # fmt: skip
        shift_publish(shifts=[made], by=admin)

    new_york_shift(night, wednesday - timedelta(days=1), 22)
    new_york_shift(day, wednesday, 6)
    new_york_shift(night, wednesday, 22)
    incident = incident_create(
        title="Master control audio loss — New York",
        incident_type=IncidentType.objects.get(code="transmitter-off-air"),
        facility=studio,
        reporter=night,
        occurred_at=now - timedelta(minutes=7),
        description="Programme audio lost on the main path.",
        by=night,
    )
    return NewYorkScene(
        location=location, studio=studio, supervisor=supervisor, gap_filler=gap_filler, incident=incident
    )
