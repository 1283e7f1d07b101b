"""Time off first, then four weeks of shifts (two past, two coming) that keep clear of approved leave."""

from datetime import date, datetime, time, timedelta

from apps.core.roles import Role
from apps.demo.logins import DEMO_USERNAMES
from apps.scheduling.choices import ShiftStatus, TimeOffKind, TimeOffStatus
from apps.scheduling.models import Shift, TimeOffRequest

from .catalogue import DISCIPLINES, SHIFT_KINDS
from .context import Person, SeedContext, World

ROSTER_WEEKS = 4  # two past weeks, this week and next
MIN_REST = timedelta(hours=11)  # between the end of one shift and the start of the next

REASONS = {
    TimeOffKind.VACATION: ("Family holiday", "Summer break", "Wedding abroad", "Visiting family", "Walking holiday"),
    TimeOffKind.SICK: ("Flu", "Migraine", "Back injury", "Stomach bug", "Doctor's advice"),
    TimeOffKind.PERSONAL: ("Moving house", "Child's school event", "Hospital appointment", "Bereavement"),
    TimeOffKind.OTHER: ("Jury service", "Training course", "Union duties", "Blood donation"),
}
DENIAL_NOTES = (
    "Minimum staffing that week; please pick other dates.",
    "Two others in your team are already off then.",
    "Clashes with the election night coverage.",
)
APPROVAL_NOTES = ("", "", "Cover arranged.", "Approved, enjoy.", "Roster updated.")
CANCEL_NOTES = ("Swapped with a colleague.", "Event cancelled; not needed.", "Facility in maintenance.")


def roster_start(site_today: date) -> date:
    """Monday two weeks before the current week."""
    return site_today - timedelta(days=site_today.weekday() + 14)


def _reviewer(world: World, person: Person) -> Person:
    candidates = [p for p in world.supervisors_at(person.site) if p is not person]
    if candidates:
        return candidates[0]
    return next((p for p in world.people if p.role == Role.SUPERVISOR and p is not person), world.admin)


def _time_off_dates(ctx: SeedContext, kind: str) -> tuple[date, date]:
    rng, today = ctx.rng, ctx.today
    if kind == TimeOffKind.VACATION:
        start = today + timedelta(days=rng.randint(-35, 60))
        return start, start + timedelta(days=rng.randint(2, 10))
    if kind == TimeOffKind.SICK:
        start = today + timedelta(days=rng.randint(-35, 0))
        return start, start + timedelta(days=rng.randint(0, 2))
    start = today + timedelta(days=rng.randint(-35, 45))
    return start, start + timedelta(days=rng.randint(0, 1 if kind == TimeOffKind.OTHER else 0))


def _time_off_status(ctx: SeedContext, kind: str, starts_on: date, ends_on: date) -> str:
    rng, today = ctx.rng, ctx.today
    if kind == TimeOffKind.SICK:
        return TimeOffStatus.APPROVED if rng.random() < 0.85 else TimeOffStatus.PENDING
    if ends_on < today:
        return rng.choices(
            [TimeOffStatus.APPROVED, TimeOffStatus.DENIED, TimeOffStatus.CANCELLED], weights=[75, 10, 15]
        )[0]
    if starts_on <= today:
        return TimeOffStatus.APPROVED
    return rng.choices(
        [TimeOffStatus.PENDING, TimeOffStatus.APPROVED, TimeOffStatus.DENIED, TimeOffStatus.CANCELLED],
        weights=[40, 40, 10, 10],
    )[0]


def _ensure_every_status(requests: list) -> None:
    """Small seeds are random too: make sure each status shows up at least once (on future requests)."""
    present = {request.status for request in requests}
    future = [r for r in requests if r.kind != TimeOffKind.SICK and r.status == TimeOffStatus.PENDING]
    future += [r for r in requests if r.kind != TimeOffKind.SICK and r.status == TimeOffStatus.APPROVED]
    for status in TimeOffStatus.values:
        if status not in present and future:
            future.pop().status = status
            present.add(status)


def _pending_over_next_week(ctx: SeedContext, world: World, requests: list, owners: list) -> None:
    """One request still to review that falls on next week's roster at the first site: approving it shows the
    supervisor the shifts it would leave uncovered (an MCR operator's, whose rota runs every week)."""
    site = world.sites[0]
    today = site.local_date(ctx.now)
    tuesday = today - timedelta(days=today.weekday()) + timedelta(days=8)
    days = {tuesday, tuesday + timedelta(days=1)}
    for person in site.people:
        if person.discipline != "mcr" or person.user.username in DEMO_USERNAMES:
            continue
        if {day.weekday() for day in days} & _days_off(person):
            continue  # someone rostered on both days
        theirs = [request for request, owner in zip(requests, owners, strict=True) if owner is person]
        if any(request.starts_on <= max(days) and request.ends_on >= min(days) for request in theirs):
            continue
        requests.append(
            TimeOffRequest(
                user=person.user,
                kind=TimeOffKind.PERSONAL,
                starts_on=min(days),
                ends_on=max(days),
                reason="Moving house",
                status=TimeOffStatus.PENDING,
            )
        )
        owners.append(person)
        return


def seed_time_off(ctx: SeedContext, world: World) -> None:
    rng = ctx.rng
    requests, owners = [], []
    for person in world.people:
        taken: set[date] = set()
        for _ in range(rng.choices([0, 1, 2, 3], weights=[30, 40, 22, 8])[0]):
            kind = rng.choices(TimeOffKind.values, weights=[50, 20, 20, 10])[0]
            for _attempt in range(5):
                starts_on, ends_on = _time_off_dates(ctx, kind)
                days = {starts_on + timedelta(days=n) for n in range((ends_on - starts_on).days + 1)}
                if not days & taken:
                    break
            else:
                continue
            taken |= days
            request = TimeOffRequest(
                user=person.user,
                kind=kind,
                starts_on=starts_on,
                ends_on=ends_on,
                reason=rng.choice(REASONS[kind]),
                status=_time_off_status(ctx, kind, starts_on, ends_on),
            )
            requests.append(request)
            owners.append(person)
    _ensure_every_status(requests)
    _pending_over_next_week(ctx, world, requests, owners)

    for request, person in zip(requests, owners, strict=True):
        site = person.site
        if request.kind == TimeOffKind.SICK:
            created = site.local(request.starts_on, time(6, 30)) + timedelta(minutes=rng.randint(0, 90))
        else:
            created = site.local(request.starts_on - timedelta(days=rng.randint(5, 40)), time(10))
            created += timedelta(minutes=rng.randint(0, 420))
        created = min(created, ctx.now - timedelta(hours=rng.randint(1, 48)))
        updated = created
        if request.status in (TimeOffStatus.APPROVED, TimeOffStatus.DENIED):
            request.reviewed_by = _reviewer(world, person).user
            request.reviewed_at = updated = ctx.between(created + timedelta(hours=1), created + timedelta(days=3))
            notes = DENIAL_NOTES if request.status == TimeOffStatus.DENIED else APPROVAL_NOTES
            request.review_note = rng.choice(notes)
        elif request.status == TimeOffStatus.CANCELLED:
            updated = ctx.between(created + timedelta(hours=2), created + timedelta(days=5))
        ctx.stamp(request, created, updated)
        if request.status == TimeOffStatus.APPROVED:
            days = world.approved_days.setdefault(person.index, set())
            days.update(
                request.starts_on + timedelta(days=n) for n in range((request.ends_on - request.starts_on).days + 1)
            )
    world.time_off = requests
    ctx.write(TimeOffRequest, requests)


def _days_off(person: Person) -> set[int]:
    kinds = DISCIPLINES[person.discipline].shift_kinds
    if kinds == ("day",):
        return {5, 6}
    first = (person.index * 3) % 7
    return {first, (first + 1) % 7}


def _shift_span(person: Person, day: date, kind_name: str) -> tuple[datetime, datetime]:
    kind = SHIFT_KINDS[kind_name]
    end_day = day if kind.ends > kind.starts else day + timedelta(days=1)
    return person.site.local(day, kind.starts), person.site.local(end_day, kind.ends)


def seed_shifts(ctx: SeedContext, world: World) -> None:
    rng, now = ctx.rng, ctx.now
    shifts, owners = [], []
    for site_number, site in enumerate(world.sites):
        first_day = roster_start(site.local_date(now))
        next_week_published = site_number % 2 == 0  # next week's roster: published at half the sites
        for person in site.people:
            spec = DISCIPLINES[person.discipline]
            if not spec.shift_kinds:
                continue
            places = site.facilities_of(*spec.facility_kinds, working=True) or site.facilities
            usual = rng.choice(places)
            days_off, leave = _days_off(person), world.approved_days.get(person.index, set())
            last_end = None
            for offset in range(ROSTER_WEEKS * 7):
                day = first_day + timedelta(days=offset)
                week = offset // 7
                if day.weekday() in days_off:
                    continue
                kind_name = spec.shift_kinds[(week + person.index) % len(spec.shift_kinds)]
                starts_at, ends_at = _shift_span(person, day, kind_name)
                if last_end is not None and starts_at < last_end + MIN_REST:
                    continue  # a rest day after a night
                published = week < ROSTER_WEEKS - 1 or next_week_published
                status, notes = (ShiftStatus.PUBLISHED if published else ShiftStatus.DRAFT), ""
                covered = {site.local_date(starts_at), site.local_date(ends_at - timedelta(microseconds=1))}
                if covered & leave:
                    if rng.random() < 0.5:
                        continue
                    status, notes = ShiftStatus.CANCELLED, "Cancelled: approved leave."
                elif rng.random() < 0.03:
                    status, notes = ShiftStatus.CANCELLED, rng.choice(CANCEL_NOTES)
                else:
                    last_end = ends_at
                facility = usual if rng.random() < 0.8 else rng.choice(places)
                shift = Shift(
                    user=person.user,
                    facility=facility,
                    position=spec.position,
                    starts_at=starts_at,
                    ends_at=ends_at,
                    status=status,
                    notes=notes,
                )
                week_start = site.local(first_day + timedelta(days=7 * week), time(11))
                created = week_start - timedelta(days=10, minutes=rng.randint(0, 300))
                updated = week_start - timedelta(days=7) if status == ShiftStatus.PUBLISHED else created
                if status == ShiftStatus.CANCELLED:
                    updated = starts_at - timedelta(days=rng.randint(1, 3))
                ctx.stamp(shift, created, updated)
                shifts.append(shift)
                owners.append(person)
    world.shifts, world.shift_people = shifts, owners
    ctx.write(Shift, shifts)
