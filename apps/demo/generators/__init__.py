"""The demo station generator behind `manage.py seed_demo`.

One module per domain, run in dependency order over a shared `World`: places, coverage
requirements, people, time off, shifts (kept clear of approved leave), scheduled events,
incidents, service tickets, time entries, the outbox. Every row obeys the rules of DESIGN.md
and is written in bulk with its history row. In a dry run the same plan is built and counted,
and nothing is written.
"""

from collections.abc import Callable
from time import perf_counter

from apps.accounts.models import User
from apps.facilities.models import Facility, Location
from apps.notifications.models import OutboundEmail
from apps.scheduling.models import CoverageRequirement, ScheduledEvent, Shift, TimeOffRequest
from apps.tickets.models import IncidentTicket, ServiceTicket, TicketNote
from apps.timesheets.models import TimeEntry

from .catalogue import BASE_SITE_CODES
from .clear import demo_clear, demo_clear_counts
from .context import SeedContext, World, given_timestamps
from .coverage import seed_coverage
from .events import seed_events
from .incidents import seed_incidents
from .outbox import seed_outbox
from .people import seed_admin, seed_people
from .places import seed_places
from .rosters import seed_shifts, seed_time_off
from .service_tickets import seed_service_tickets
from .timesheets import seed_time_entries

__all__ = ["SeedContext", "demo_clear", "demo_clear_counts", "demo_seed", "existing_demo_site"]

STEPS: tuple[tuple[str, Callable[[SeedContext, World], None]], ...] = (
    ("admin", seed_admin),
    ("locations and facilities", seed_places),
    ("coverage requirements", seed_coverage),
    ("people", seed_people),
    ("time off", seed_time_off),
    ("shifts", seed_shifts),
    ("scheduled events", seed_events),
    ("incident tickets", seed_incidents),
    ("service tickets", seed_service_tickets),
    ("time entries", seed_time_entries),
    ("outbound e-mails", seed_outbox),
)
STAMPED_MODELS = (
    User,
    Location,
    Facility,
    CoverageRequirement,
    TimeOffRequest,
    Shift,
    ScheduledEvent,
    IncidentTicket,
    ServiceTicket,
    TicketNote,
    TimeEntry,
    OutboundEmail,
)


def existing_demo_site() -> str | None:
    """The code of a demo location already in the database, if the demo has been seeded."""
    return Location.objects.filter(code__in=BASE_SITE_CODES).order_by("code").values_list("code", flat=True).first()


def demo_seed(ctx: SeedContext) -> World:
    """Run every step; must be called inside `transaction.atomic()` (the reference counters lock rows)."""
    world = World()
    with given_timestamps(STAMPED_MODELS):
        for name, step in STEPS:
            # each step draws from its own stream: what one step does (say, reuse an existing
            # `admin`) never shifts the random choices of the next
            ctx.rng.seed(f"{ctx.rng_seed}:{name}")
            started = perf_counter()
            step(ctx, world)
            ctx.log(f"  {name}: {perf_counter() - started:.2f} s")
    return world
