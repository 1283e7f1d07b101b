"""What every step of the demo generator shares: the random source, the clock, the writer, the world so far."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import islice
from zoneinfo import ZoneInfo

from django.db import models
from simple_history.utils import bulk_create_with_history

from apps.core.roles import Role
from apps.facilities.choices import FacilityStatus

BATCH_SIZE = 2000
CHANGE_REASON = "Demo data"
DEMO_EMAIL_DOMAIN = "broadcast.example"  # every seeded person's address: how --clear finds them


def batched(items: Sequence, size: int) -> Iterator[Sequence]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


@contextmanager
def given_timestamps(model_classes: Iterable[type[models.Model]]):
    """Let the seed write its own `created_at` / `updated_at` instead of "now".

    A believable console needs tickets opened last month and rosters built before their week,
    but `auto_now_add` / `auto_now` overwrite whatever the object carries on insert. The flags
    are switched off on the given models for the length of the block and restored after; the
    seed sets both timestamps on every object it writes.
    """
    switched = []
    for model_class in model_classes:
        for model_field in model_class._meta.concrete_fields:
            if getattr(model_field, "auto_now", False) or getattr(model_field, "auto_now_add", False):
                switched.append((model_field, model_field.auto_now, model_field.auto_now_add))
                model_field.auto_now = model_field.auto_now_add = False
    try:
        yield
    finally:
        for model_field, auto_now, auto_now_add in switched:
            model_field.auto_now, model_field.auto_now_add = auto_now, auto_now_add


@dataclass
class Site:
    """A location being seeded, with what the generator needs to know about it."""

    location: models.Model
    zone: ZoneInfo
    kind: str  # "hq", "studios", "transmitter", "bureau": which facilities and people it has
    locale: str  # "gb", "fr", "us": names and phone numbers
    phone_format: str
    facilities: list = field(default_factory=list)
    people: list = field(default_factory=list)  # Person

    def facilities_of(self, *kinds: str, working: bool = False) -> list:
        """Facilities of these kinds here; with `working`, those not down or in maintenance (if any)."""
        found = [f for f in self.facilities if f.kind in kinds]
        if working:
            found = [f for f in found if f.status not in (FacilityStatus.DOWN, FacilityStatus.MAINTENANCE)] or found
        return found

    def local(self, day: date, at: time) -> datetime:
        """The UTC instant of wall-clock `at` on `day` here (zoneinfo applies the day's DST offset)."""
        return datetime.combine(day, at, tzinfo=self.zone).astimezone(UTC)

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()


@dataclass
class Person:
    """A seeded person: the unsaved (then saved) user, their role and what they do."""

    user: models.Model
    role: str  # apps.core.roles.Role value
    discipline: str  # key of catalogue.DISCIPLINES
    site: Site
    index: int  # position in the seed order: spreads days off and shift rotations


@dataclass
class World:
    """Everything seeded so far; later steps draw on earlier ones."""

    sites: list[Site] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    admin: Person | None = None
    admin_user: models.Model | None = None
    admin_is_new: bool = False
    incident_types: list = field(default_factory=list)
    time_off: list = field(default_factory=list)
    approved_days: dict[int, set[date]] = field(default_factory=dict)  # Person.index -> days on approved leave
    shifts: list = field(default_factory=list)
    shift_people: list[Person] = field(default_factory=list)  # parallel to shifts
    events: list = field(default_factory=list)
    maintenance_windows: list = field(default_factory=list)  # (event, Site)
    incidents: list = field(default_factory=list)
    services: list = field(default_factory=list)

    def supervisors_at(self, site: Site) -> list[Person]:
        return [p for p in site.people if p.role == Role.SUPERVISOR]


class SeedContext:
    """The random source, the fixed "now", and the one place that writes (or, in a dry run, only counts)."""

    def __init__(self, *, scale: int, seed: int, dry_run: bool, now: datetime, log=None):
        self.scale = scale
        self.rng_seed = seed
        self.rng = random.Random(seed)
        self.dry_run = dry_run
        self.now = now
        self.today = now.date()
        self.counts: Counter[str] = Counter()
        self.history_user = None  # the `admin` user, once it exists: every history row names it
        self.password_hash = ""  # the demo password, hashed once for every demo account
        self.directory = None  # people.Directory: usernames and employee IDs still free
        self.log = log or (lambda message: None)

    def stamp(self, obj: models.Model, created: datetime, updated: datetime | None = None) -> models.Model:
        """Give `obj` its creation and last-change times (never in the future)."""
        created = min(created, self.now)
        obj.created_at = created
        obj.updated_at = max(created, min(updated or created, self.now))
        return obj

    def between(self, start: datetime, end: datetime) -> datetime:
        """A random instant in [start, end] (end clamped to now), to the minute."""
        end = min(end, self.now)
        if end <= start:
            return min(start, self.now)
        seconds = int((end - start).total_seconds())
        return start + timedelta(seconds=self.rng.randint(0, seconds) // 60 * 60)

    def count(self, label: str, number: int) -> None:
        self.counts[label] += number

    def write(self, model_class: type[models.Model], objs: Sequence[models.Model], *, label: str | None = None):
        """Insert `objs` in batches, each with its history row ("Demo data", dated at its creation)."""
        self.count(label or str(model_class._meta.verbose_name_plural), len(objs))
        if self.dry_run or not objs:
            return
        for chunk in batched(objs, BATCH_SIZE):
            for obj in chunk:
                obj._history_date = obj.created_at
            bulk_create_with_history(
                chunk,
                model_class,
                batch_size=BATCH_SIZE,
                default_user=self.history_user,
                default_change_reason=CHANGE_REASON,
            )

    def write_plain(self, model_class: type[models.Model], objs: Sequence[models.Model], *, label: str):
        """Insert rows of a table that keeps no history (an m2m through table)."""
        self.count(label, len(objs))
        if not self.dry_run and objs:
            model_class._default_manager.bulk_create(objs, batch_size=BATCH_SIZE)
