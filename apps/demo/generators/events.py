"""Scheduled events: programmes, recordings, rehearsals, outside broadcasts and maintenance windows, with crew.

Confirmed events never overlap on one facility: each facility keeps a book of its confirmed
slots, and an event that would clash is booked as tentative instead.
"""

from datetime import datetime, time, timedelta

from django.apps import apps

from apps.facilities.choices import FacilityKind as K
from apps.facilities.choices import FacilityStatus
from apps.scheduling.choices import EventKind, EventStatus
from apps.scheduling.models import ScheduledEvent

from .context import BATCH_SIZE, SeedContext, Site, World, batched
from .rosters import ROSTER_WEEKS, roster_start

# facility suffix -> (title, starts, minutes, weekdays)
PROGRAMMES = {
    "STA": ("Evening News", time(18), 30, (0, 1, 2, 3, 4)),
    "STB": ("Morning Live", time(9, 15), 45, (0, 2, 4)),
    "ST1": ("Regional Tonight", time(18, 30), 30, (0, 1, 2, 3, 4)),
    "ST2": ("Saturday Sport", time(12), 120, (5,)),
    "LIVE": ("Correspondent live hit", time(12), 15, (0, 2, 4)),
}
RECORDINGS = (
    "Gardeners' Question Hour",
    "The Week in Westminster",
    "Panel show pilot",
    "Live music session",
    "Cookery special",
    "Documentary voice-over",
    "Children's magazine",
    "Quiz night",
)
OUTSIDE_BROADCASTS = (
    "Premier League: home fixture",
    "County cricket",
    "Remembrance parade",
    "Marathon coverage",
    "Music festival main stage",
    "Election count",
    "Rugby union: cup quarter-final",
)
MAINTENANCE_WORK = {
    K.TRANSMITTER: ("Transmitter PA module swap", "Antenna feeder inspection", "Combiner retune"),
    K.MASTER_CONTROL: ("Playout server patching", "Router firmware upgrade", "Vision mixer service"),
    K.DATA_CENTRE: ("UPS battery replacement", "Core switch firmware upgrade", "Air-conditioning service"),
    K.STUDIO: ("Lighting rig inspection", "Camera channel recalibration", "Talkback matrix upgrade"),
    K.OB_VAN: ("Generator service", "Truck MOT and safety check", "Fibre reel replacement"),
    K.EDIT_SUITE: ("Grading monitor calibration", "Storage array upgrade", "Acoustic panel repair"),
}
CREW = {
    K.STUDIO: ("studio", "camera", "studio_lead"),
    K.OB_VAN: ("ob", "camera"),
    K.TRANSMITTER: ("tx", "tx_lead"),
    K.MASTER_CONTROL: ("mcr", "mcr_lead"),
    K.DATA_CENTRE: ("it",),
}


class FacilityBook:
    """The confirmed slots of each facility, so that confirmed events never overlap."""

    def __init__(self):
        self.slots: dict[int, list[tuple[datetime, datetime]]] = {}
        self.keys: set[tuple] = set()

    def is_free(self, facility, starts_at, ends_at) -> bool:
        return all(ends_at <= s or starts_at >= e for s, e in self.slots.get(id(facility), ()))

    def book(self, facility, starts_at, ends_at) -> None:
        self.slots.setdefault(id(facility), []).append((starts_at, ends_at))


class EventPlanner:
    def __init__(self, ctx: SeedContext):
        self.ctx = ctx
        self.book = FacilityBook()
        self.events: list[ScheduledEvent] = []
        self.crews: list[list] = []  # parallel to events: the users on each

    def add(self, site: Site, facility, title, kind, starts_at, ends_at, *, status=None, crew_size=(2, 4)):
        ctx, rng = self.ctx, self.ctx.rng
        key = (id(facility), starts_at, title)
        if key in self.book.keys:
            return None
        if status is None:
            if ends_at <= ctx.now:
                status = EventStatus.CONFIRMED if rng.random() < 0.92 else EventStatus.CANCELLED
            else:
                status = rng.choices(EventStatus.values, weights=[20, 70, 10])[0]
        if status == EventStatus.CONFIRMED:
            if not self.book.is_free(facility, starts_at, ends_at):
                status = EventStatus.TENTATIVE
            else:
                self.book.book(facility, starts_at, ends_at)
        self.book.keys.add(key)
        event = ScheduledEvent(
            title=title, kind=kind, facility=facility, starts_at=starts_at, ends_at=ends_at, status=status
        )
        created = starts_at - timedelta(days=rng.randint(7, 30), minutes=rng.randint(0, 600))
        updated = starts_at - timedelta(days=rng.randint(0, 3)) if status == EventStatus.CANCELLED else created
        ctx.stamp(event, created, updated)
        disciplines = CREW.get(facility.kind, ())
        pool = [p.user for p in site.people if p.discipline in disciplines]
        crew = rng.sample(pool, min(len(pool), rng.randint(*crew_size))) if pool else []
        self.events.append(event)
        self.crews.append(crew)
        return event


def _current_window(planner: EventPlanner, world: World, site: Site, facility) -> None:
    """A facility in maintenance is in its window now; the service ticket behind it comes later."""
    rng, today = planner.ctx.rng, site.local_date(planner.ctx.now)
    work = rng.choice(MAINTENANCE_WORK.get(facility.kind, MAINTENANCE_WORK[K.STUDIO]))
    starts_at = site.local(today - timedelta(days=rng.randint(1, 3)), time(8))
    ends_at = site.local(today + timedelta(days=rng.randint(1, 4)), time(18))
    event = planner.add(
        site, facility, f"Maintenance: {work}", EventKind.MAINTENANCE, starts_at, ends_at, status=EventStatus.CONFIRMED
    )
    if event is not None:
        world.maintenance_windows.append((event, site))


def _studio_bookings(planner: EventPlanner, site: Site, facility, days: list) -> None:
    rng = planner.ctx.rng
    programme = PROGRAMMES.get(facility.code.rsplit("-", 1)[-1])
    if programme:
        title, starts, minutes, weekdays = programme
        for day in days:
            if day.weekday() in weekdays:
                starts_at = site.local(day, starts)
                ends_at = starts_at + timedelta(minutes=minutes)
                planner.add(site, facility, title, EventKind.LIVE_BROADCAST, starts_at, ends_at)
    for _ in range(2):
        day, title = rng.choice(days), rng.choice(RECORDINGS)
        starts_at = site.local(day, rng.choice((time(10), time(14))))
        ends_at = starts_at + timedelta(hours=3)
        recording = planner.add(site, facility, f"Recording: {title}", EventKind.RECORDING, starts_at, ends_at)
        if recording is not None and rng.random() < 0.5:
            starts_at = site.local(day - timedelta(days=1), time(15))
            ends_at = starts_at + timedelta(hours=2)
            kind, status = EventKind.REHEARSAL, EventStatus.TENTATIVE
            planner.add(site, facility, f"Rehearsal: {title}", kind, starts_at, ends_at, status=status)


def _outside_broadcasts(planner: EventPlanner, site: Site, facility, days: list) -> None:
    rng = planner.ctx.rng
    for day in rng.sample([day for day in days if day.weekday() >= 5], 3):
        starts_at = site.local(day, rng.choice((time(11), time(13), time(17))))
        ends_at = starts_at + timedelta(hours=rng.randint(4, 7))
        title = f"OB: {rng.choice(OUTSIDE_BROADCASTS)}"
        planner.add(site, facility, title, EventKind.LIVE_BROADCAST, starts_at, ends_at, crew_size=(3, 5))


def _night_windows(planner: EventPlanner, world: World, site: Site, facility, days: list) -> None:
    """Overnight maintenance (01:00-05:00 local, on weekdays: DST changes happen on Sundays)."""
    rng = planner.ctx.rng
    for _ in range(rng.randint(1, 2)):
        day = rng.choice([day for day in days if day.weekday() < 5])
        title = f"Maintenance: {rng.choice(MAINTENANCE_WORK[facility.kind])}"
        starts_at, ends_at = site.local(day, time(1)), site.local(day, time(5))
        event = planner.add(site, facility, title, EventKind.MAINTENANCE, starts_at, ends_at, crew_size=(1, 2))
        if event is not None:
            world.maintenance_windows.append((event, site))


def seed_events(ctx: SeedContext, world: World) -> None:
    planner = EventPlanner(ctx)
    for site in world.sites:
        first_day = roster_start(site.local_date(ctx.now))
        days = [first_day + timedelta(days=n) for n in range(ROSTER_WEEKS * 7)]
        for facility in site.facilities:
            if facility.status == FacilityStatus.MAINTENANCE:
                _current_window(planner, world, site, facility)
                continue
            if facility.kind == K.STUDIO:
                _studio_bookings(planner, site, facility, days)
            elif facility.kind == K.OB_VAN:
                _outside_broadcasts(planner, site, facility, days)
            if facility.kind in MAINTENANCE_WORK and ctx.rng.random() < 0.6:
                _night_windows(planner, world, site, facility, days)

    world.events = planner.events
    ctx.write(ScheduledEvent, planner.events)
    _write_crew(ctx, planner.events, planner.crews)


def _write_crew(ctx: SeedContext, events: list, crews: list) -> None:
    """The crew rows, and their copies in the events' first history rows (as if booked with the event)."""
    through = ScheduledEvent.crew.through
    rows = [
        through(scheduledevent=event, user=user) for event, crew in zip(events, crews, strict=True) for user in crew
    ]
    ctx.write_plain(through, rows, label="crew assignments")
    if ctx.dry_run or not rows:
        return
    historical_crew = apps.get_model("scheduling", "HistoricalScheduledEvent_crew")
    history_ids = {}
    for chunk in batched([event.pk for event in events], BATCH_SIZE):
        history_ids.update(
            ScheduledEvent.history.filter(id__in=chunk, history_type="+").values_list("id", "history_id")
        )
    historical_crew.objects.bulk_create(
        [
            historical_crew(
                id=row.pk,
                history_id=history_ids[row.scheduledevent_id],
                scheduledevent_id=row.scheduledevent_id,
                user_id=row.user_id,
            )
            for row in rows
        ],
        batch_size=BATCH_SIZE,
    )
