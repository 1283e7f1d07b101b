"""Time entries: one per worked (past, published) shift, plus time on incidents, service work and training."""

from datetime import time, timedelta

from apps.core.roles import Role
from apps.scheduling.choices import ShiftStatus
from apps.tickets.choices import IncidentStatus, ServiceStatus
from apps.timesheets.choices import Activity, TimeEntryStatus
from apps.timesheets.models import MINUTES_PER_DAY, TimeEntry

from .context import Person, SeedContext, World

TRAINING = ("Fire warden training", "IP video fundamentals", "First aid refresher", "Working at height course")
ADMIN_WORK = ("Roster planning", "Appraisals", "Budget review", "Incident review write-up")
LINKS = ("shift", "incident", "service_ticket")  # the items an entry may be about
REJECTION_NOTES = ("Overtime not pre-approved; please split it out.", "Wrong day; please resubmit.")


class Timesheet:
    """The entries so far, keeping each one unique and each person's day within 24 hours."""

    def __init__(self, ctx: SeedContext, world: World):
        self.ctx, self.world = ctx, world
        self.entries: list[TimeEntry] = []
        self.keys: set[tuple] = set()
        self.day_minutes: dict[tuple, int] = {}

    def add(self, person: Person, *, work_date, minutes, activity, finished_at, notes="", **link) -> None:
        ctx, rng = self.ctx, self.ctx.rng
        link_key = tuple(id(link.get(name)) if link.get(name) is not None else 0 for name in LINKS)
        key = (id(person.user), work_date, activity, link_key)
        day = (id(person.user), work_date)
        if key in self.keys or self.day_minutes.get(day, 0) + minutes > MINUTES_PER_DAY:
            return
        self.keys.add(key)
        self.day_minutes[day] = self.day_minutes.get(day, 0) + minutes
        age = ctx.now - finished_at
        if age > timedelta(days=9):
            status = rng.choices(TimeEntryStatus.values, weights=[6, 88, 6])[0]
        elif age > timedelta(days=3):
            status = rng.choices(TimeEntryStatus.values, weights=[40, 55, 5])[0]
        else:
            status = TimeEntryStatus.SUBMITTED
        entry = TimeEntry(
            user=person.user,
            work_date=work_date,
            minutes=minutes,
            activity=activity,
            status=status,
            notes=notes,
            **link,
        )
        created = finished_at + timedelta(minutes=rng.randint(5, 180))
        updated = created
        if status != TimeEntryStatus.SUBMITTED:
            reviewers = [p for p in self.world.supervisors_at(person.site) if p is not person] or [self.world.admin]
            entry.reviewed_by = rng.choice(reviewers).user
            entry.reviewed_at = updated = ctx.between(created + timedelta(hours=12), created + timedelta(days=4))
            if status == TimeEntryStatus.REJECTED:
                entry.notes = rng.choice(REJECTION_NOTES)
        self.entries.append(ctx.stamp(entry, created, updated))


def seed_time_entries(ctx: SeedContext, world: World) -> None:
    rng, now = ctx.rng, ctx.now
    sheet = Timesheet(ctx, world)
    person_of = {id(person.user): person for person in world.people}

    for shift, person in zip(world.shifts, world.shift_people, strict=True):
        if shift.status != ShiftStatus.PUBLISHED or shift.ends_at > now or rng.random() < 0.08:
            continue  # not worked yet, or not submitted yet
        minutes = int((shift.ends_at - shift.starts_at).total_seconds() // 60)
        notes = ""
        if rng.random() < 0.1:
            minutes += rng.choice((30, 60, 90))
            notes = "Stayed on for the overrun."
        sheet.add(
            person,
            work_date=person.site.local_date(shift.starts_at),
            minutes=min(minutes, MINUTES_PER_DAY),
            activity=Activity.SHIFT,
            finished_at=shift.ends_at,
            notes=notes,
            shift=shift,
        )

    window_start = now - timedelta(days=21)  # time sheets cover the rostered weeks
    for incident in world.incidents:
        person = person_of.get(id(incident.assignee))
        if (
            person is None
            or incident.status not in (IncidentStatus.RESOLVED, IncidentStatus.CLOSED)
            or incident.resolved_at < window_start
            or rng.random() < 0.4
        ):
            continue
        sheet.add(
            person,
            work_date=person.site.local_date(incident.resolved_at),
            minutes=rng.randint(2, 16) * 15,
            activity=Activity.INCIDENT,
            finished_at=incident.resolved_at,
            incident=incident,
        )
    for ticket in world.services:
        person = person_of.get(id(ticket.assignee))
        if person is None or ticket.status != ServiceStatus.DONE or ticket.updated_at < window_start:
            continue
        sheet.add(
            person,
            work_date=person.site.local_date(ticket.updated_at),
            minutes=rng.randint(2, 16) * 15,
            activity=Activity.SERVICE,
            finished_at=ticket.updated_at,
            service_ticket=ticket,
        )
    for person in world.people:
        if rng.random() < 0.25:
            day = person.site.local_date(now) - timedelta(days=rng.randint(1, 20))
            if day in world.approved_days.get(person.index, ()):
                continue  # on leave that day
            activity, titles = (
                (Activity.TRAINING, TRAINING) if person.role == Role.STAFF else (Activity.ADMIN, ADMIN_WORK)
            )
            sheet.add(
                person,
                work_date=day,
                minutes=rng.randint(4, 14) * 30,
                activity=activity,
                finished_at=person.site.local(day, time(17)),
                notes=rng.choice(titles),
            )
    ctx.write(TimeEntry, sheet.entries)
