"""Service tickets: the work behind each maintenance window, then everyday requests in every status."""

from datetime import timedelta

from apps.core.services import reference_allocate_block
from apps.scheduling.choices import EventStatus
from apps.tickets.choices import ServiceCategory, ServicePriority, ServiceStatus
from apps.tickets.models import SERVICE_PREFIX, ServiceTicket, TicketNote

from .context import SeedContext, World
from .incidents import add_notes, reporters_at, shares, staff_for
from .ticket_text import SERVICE_DESCRIPTIONS, SERVICE_TITLES

SERVICES_PER_SCALE = 150
STATUS_SHARE = {
    ServiceStatus.OPEN: 15,
    ServiceStatus.SCHEDULED: 10,
    ServiceStatus.IN_PROGRESS: 14,
    ServiceStatus.WAITING: 10,
    ServiceStatus.DONE: 41,
    ServiceStatus.CANCELLED: 10,
}
AGE_DAYS = {
    ServiceStatus.OPEN: (0, 10),
    ServiceStatus.SCHEDULED: (1, 15),
    ServiceStatus.IN_PROGRESS: (1, 20),
    ServiceStatus.WAITING: (2, 30),
    ServiceStatus.DONE: (5, 90),
    ServiceStatus.CANCELLED: (5, 90),
}
CATEGORY_SHARE = {
    ServiceCategory.MAINTENANCE: 30,
    ServiceCategory.EQUIPMENT: 25,
    ServiceCategory.ACCESS: 15,
    ServiceCategory.IT: 20,
    ServiceCategory.OTHER: 10,
}
PRIORITY_SHARE = {
    ServicePriority.LOW: 20,
    ServicePriority.NORMAL: 50,
    ServicePriority.HIGH: 22,
    ServicePriority.URGENT: 8,
}


def _window_status(ctx: SeedContext, event) -> str:
    if event.status == EventStatus.CANCELLED:
        return ServiceStatus.CANCELLED
    if event.ends_at <= ctx.now:
        return ServiceStatus.DONE
    if event.starts_at <= ctx.now:
        return ServiceStatus.IN_PROGRESS
    return ServiceStatus.SCHEDULED if event.status == EventStatus.CONFIRMED else ServiceStatus.WAITING


def _window_tickets(ctx: SeedContext, world: World) -> list:
    """One maintenance ticket per maintenance window, its status following the window's."""
    rng, tickets = ctx.rng, []
    for event, site in world.maintenance_windows:
        status = _window_status(ctx, event)
        ticket = ServiceTicket(
            title=event.title.removeprefix("Maintenance: "),
            description="Planned work; the maintenance window is booked on the facility.",
            facility=event.facility,
            category=ServiceCategory.MAINTENANCE,
            priority=rng.choice((ServicePriority.NORMAL, ServicePriority.HIGH)),
            status=status,
            requested_by=rng.choice(world.supervisors_at(site) or [world.admin]).user,
            assignee=rng.choice(staff_for(site, event.facility.kind, world)).user,
            due_on=site.local_date(event.ends_at),
            scheduled_event=event,
        )
        created = event.created_at - timedelta(days=rng.randint(1, 5))
        updated = min(event.ends_at, ctx.now) if status != ServiceStatus.SCHEDULED else event.created_at
        tickets.append((ctx.stamp(ticket, created, updated), site))
    return tickets


def _request_tickets(ctx: SeedContext, world: World, count: int) -> list:
    rng, tickets = ctx.rng, []
    statuses = shares(count, STATUS_SHARE)
    categories = shares(count, CATEGORY_SHARE)
    priorities = shares(count, PRIORITY_SHARE)
    for sequence in (statuses, categories, priorities):
        rng.shuffle(sequence)
    for status, category, priority in zip(statuses, categories, priorities, strict=True):
        site = rng.choice(world.sites)
        facility = rng.choice(site.facilities)
        low, high = AGE_DAYS[status]
        created = ctx.now - timedelta(days=rng.uniform(low, high))
        created = created.replace(second=0, microsecond=0)
        ticket = ServiceTicket(
            title=rng.choice(SERVICE_TITLES[category]),
            description=rng.choice(SERVICE_DESCRIPTIONS),
            facility=facility,
            category=category,
            priority=priority,
            status=status,
            requested_by=rng.choice(reporters_at(site, world)).user,
            due_on=site.local_date(created) + timedelta(days=rng.randint(3, 30)),
        )
        if status != ServiceStatus.OPEN or rng.random() < 0.4:
            ticket.assignee = rng.choice(staff_for(site, facility.kind, world)).user
        updated = created if status == ServiceStatus.OPEN else ctx.between(created, created + timedelta(days=10))
        tickets.append((ctx.stamp(ticket, created, updated), site))
    return tickets


def seed_service_tickets(ctx: SeedContext, world: World) -> None:
    rng = ctx.rng
    planned = _window_tickets(ctx, world)
    requests = _request_tickets(ctx, world, max(0, SERVICES_PER_SCALE * ctx.scale - len(planned)))
    tickets = planned + requests

    notes: list[TicketNote] = []
    for ticket, site in tickets:
        count = rng.randint(0, 3) if ticket.status != ServiceStatus.OPEN else rng.randint(0, 1)
        if count:
            handler = ticket.assignee or rng.choice(world.supervisors_at(site) or [world.admin]).user
            end = ctx.now if ticket.status in ServiceStatus.open_values() else ticket.updated_at
            first = ticket.created_at + timedelta(seconds=rng.randint(60, 3600))
            later = sorted(ctx.between(first, end) for _ in range(count - 1))
            entries = [(first, "service", ticket.requested_by), *[(moment, "service", handler) for moment in later]]
            add_notes(ctx, notes, "service_ticket", ticket, entries)

    in_order = sorted((ticket for ticket, _ in tickets), key=lambda ticket: ticket.created_at)
    if not ctx.dry_run:
        references = reference_allocate_block(prefix=SERVICE_PREFIX, count=len(in_order))
        for ticket, reference in zip(in_order, references, strict=True):
            ticket.reference = reference
    ctx.write(ServiceTicket, in_order, label="service tickets")
    ctx.write(TicketNote, notes, label="ticket notes")
    world.services = in_order
