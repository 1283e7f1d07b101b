"""Incident tickets across the whole workflow, with SLA clocks, consistent timestamps and notes."""

from datetime import timedelta

from apps.core.roles import Role
from apps.core.services import reference_allocate_block
from apps.facilities.choices import FacilityKind as K
from apps.tickets.choices import IncidentStatus, Severity
from apps.tickets.models import INCIDENT_PREFIX, IncidentTicket, IncidentType, TicketNote
from apps.tickets.sla import incident_breaches, incident_set_clocks

from .context import Person, SeedContext, Site, World
from .events import CREW
from .ticket_text import (
    DESCRIPTIONS,
    INCIDENT_TITLES,
    INCIDENT_WEIGHT,
    NOTES,
    RESOLUTIONS,
    TYPES_BY_FACILITY,
)

INCIDENTS_PER_SCALE = 300
STATUS_SHARE = {
    IncidentStatus.NEW: 7,
    IncidentStatus.TRIAGED: 8,
    IncidentStatus.IN_PROGRESS: 12,
    IncidentStatus.ON_HOLD: 6,
    IncidentStatus.RESOLVED: 14,
    IncidentStatus.CLOSED: 46,
    IncidentStatus.DUPLICATE: 7,
}
# how long ago a ticket in each status began (hours, low..high)
AGE_HOURS = {
    IncidentStatus.NEW: (0.1, 10),
    IncidentStatus.TRIAGED: (0.5, 48),
    IncidentStatus.IN_PROGRESS: (1, 144),
    IncidentStatus.ON_HOLD: (24, 480),
    IncidentStatus.RESOLVED: (6, 240),
    IncidentStatus.CLOSED: (72, 2880),
    IncidentStatus.DUPLICATE: (1, 1440),
}
NOTE_COUNT = {
    IncidentStatus.NEW: (0, 1),
    IncidentStatus.TRIAGED: (1, 2),
    IncidentStatus.IN_PROGRESS: (1, 3),
    IncidentStatus.ON_HOLD: (2, 3),
    IncidentStatus.RESOLVED: (2, 4),
    IncidentStatus.CLOSED: (2, 4),
    IncidentStatus.DUPLICATE: (1, 1),
}
OFF_AIR_KINDS = (K.TRANSMITTER, K.MASTER_CONTROL)
SEVERITIES = list(Severity.values)


def shares(total: int, weights: dict) -> list:
    """`total` values laid out in proportion to `weights`, every value at least once (when total allows)."""
    keys = list(weights)
    counts = {key: max(1, round(total * weights[key] / sum(weights.values()))) for key in keys}
    biggest = max(keys, key=lambda key: weights[key])
    counts[biggest] += total - sum(counts.values())
    return [key for key in keys for _ in range(counts[key])]


def staff_for(site: Site, facility_kind: str, world: World) -> list[Person]:
    """Who would be assigned a fault on this kind of facility here: its engineers, else the supervisors."""
    disciplines = CREW.get(facility_kind, ("studio", "it"))
    return [p for p in site.people if p.discipline in disciplines] or world.supervisors_at(site) or [world.admin]


def reporters_at(site: Site, world: World) -> list[Person]:
    return [p for p in site.people if p.role in (Role.STAFF, Role.SUPERVISOR)] or [world.admin]


def add_notes(ctx: SeedContext, notes: list, ticket_field: str, ticket, entries: list) -> None:
    """Journal lines (moment, phase, author) on `ticket`, in order and a second apart at least (a note's
    natural key is its ticket and time); the ticket's last change is its latest note, if later."""
    previous = None
    for moment, phase, author in entries:
        moment = moment.replace(microsecond=0)
        if previous is not None and moment <= previous:
            moment = previous + timedelta(seconds=1)
        note = TicketNote(author=author, text=ctx.rng.choice(NOTES[phase]), **{ticket_field: ticket})
        notes.append(ctx.stamp(note, moment))
        previous = moment
    if previous is not None and previous > ticket.updated_at:
        ticket.updated_at = min(previous, ctx.now)


def minute(moment):
    return moment.replace(second=0, microsecond=0)


def _facility_pool(world: World):
    facilities, weights, sites = [], [], []
    for site in world.sites:
        for facility in site.facilities:
            facilities.append(facility)
            weights.append(INCIDENT_WEIGHT.get(facility.kind, 1))
            sites.append(site)
    return facilities, weights, sites


def _severity(ctx: SeedContext, incident_type: IncidentType) -> str:
    default = SEVERITIES.index(incident_type.default_severity)
    if ctx.rng.random() < 0.65:
        return incident_type.default_severity
    return SEVERITIES[min(len(SEVERITIES) - 1, max(0, default + ctx.rng.choice((-1, 1))))]


def _timeline(ctx: SeedContext, incident: IncidentTicket, status: str) -> None:
    """Acknowledged, resolved and closed times that follow the workflow and mostly meet the SLA."""
    rng, now = ctx.rng, ctx.now
    occurred = incident.occurred_at
    created = min(occurred + timedelta(minutes=rng.randint(1, 15)), now)
    response = incident.response_due_at - occurred
    resolve = incident.resolve_due_at - occurred
    acknowledged = resolved = closed = None
    if status != IncidentStatus.NEW:
        factor = rng.uniform(0.3, 0.95) if rng.random() < 0.88 else rng.uniform(1.2, 4)
        acknowledged = max(created, minute(occurred + response * factor))
        if acknowledged > now:
            acknowledged = ctx.between(created, now)
    if status in (IncidentStatus.RESOLVED, IncidentStatus.CLOSED):
        factor = rng.uniform(0.3, 0.95) if rng.random() < 0.8 else rng.uniform(1.1, 3)
        resolved = max(acknowledged + timedelta(minutes=5), minute(occurred + resolve * factor))
        if resolved > now:
            resolved = ctx.between(acknowledged, now)
    if status == IncidentStatus.CLOSED:
        closed = ctx.between(resolved + timedelta(hours=4), resolved + timedelta(days=5))
    incident.acknowledged_at, incident.resolved_at, incident.closed_at = acknowledged, resolved, closed
    if status == IncidentStatus.ON_HOLD:
        incident.on_hold_since = ctx.between(acknowledged, now)
    # breaches before today were told at the time: the first scan only reports what breaches from now on
    for clock in incident_breaches(incident, now=now):
        due = incident.response_due_at if clock == "response" else incident.resolve_due_at
        setattr(incident, f"{clock}_breach_notified_at", min(due + timedelta(minutes=1), now))
    ctx.stamp(incident, created, closed or resolved or acknowledged or created)


def _incident(ctx: SeedContext, world: World, site: Site, facility, status: str, types: dict) -> IncidentTicket:
    rng = ctx.rng
    codes = [code for code in TYPES_BY_FACILITY.get(facility.kind, ()) if code in types] or list(types)
    incident_type = types[rng.choice(codes)]
    low, high = AGE_HOURS[status]
    occurred = ctx.now - timedelta(minutes=int(rng.uniform(low, high) * 60))
    severity = _severity(ctx, incident_type)
    titles = INCIDENT_TITLES.get(incident_type.code, (incident_type.name,))
    incident = IncidentTicket(
        title=f"{rng.choice(titles)} — {facility.name}",
        description=rng.choice(DESCRIPTIONS),
        incident_type=incident_type,
        facility=facility,
        severity=severity,
        status=status,
        reporter=rng.choice(reporters_at(site, world)).user,
        occurred_at=occurred,
    )
    incident_set_clocks(incident)
    if status != IncidentStatus.NEW or rng.random() < 0.3:
        incident.assignee = rng.choice(staff_for(site, facility.kind, world)).user
    _timeline(ctx, incident, status)
    if status in (IncidentStatus.RESOLVED, IncidentStatus.CLOSED):
        incident.resolution = rng.choice(RESOLUTIONS)
    live = status in (IncidentStatus.IN_PROGRESS, IncidentStatus.RESOLVED, IncidentStatus.CLOSED)
    if facility.kind in OFF_AIR_KINDS and severity in (Severity.SEV1, Severity.SEV2) and live and rng.random() < 0.7:
        until = incident.resolved_at or ctx.now
        incident.off_air_seconds = rng.randint(15, max(15, min(1800, int((until - occurred).total_seconds()))))
    return incident


def _duplicate(ctx: SeedContext, original: IncidentTicket) -> IncidentTicket:
    rng = ctx.rng
    occurred = min(original.occurred_at + timedelta(minutes=rng.randint(1, 30)), ctx.now)
    duplicate = IncidentTicket(
        title=original.title,
        description="Reported again from another desk.",
        incident_type=original.incident_type,
        facility=original.facility,
        severity=original.severity,
        status=IncidentStatus.DUPLICATE,
        reporter=original.reporter,
        assignee=original.assignee,
        occurred_at=occurred,
        duplicate_of=original,
    )
    incident_set_clocks(duplicate)
    created = min(occurred + timedelta(minutes=rng.randint(1, 10)), ctx.now)
    duplicate.acknowledged_at = ctx.between(created, created + timedelta(minutes=rng.randint(2, 30)))
    return ctx.stamp(duplicate, created, duplicate.acknowledged_at)


def _incident_notes(ctx: SeedContext, world: World, incident: IncidentTicket, site: Site, notes: list) -> None:
    """Notes at the moments of the workflow: reported, acknowledged, worked on, resolved, closed."""
    rng, status = ctx.rng, incident.status
    count = rng.randint(*NOTE_COUNT[status])
    if not count:
        return
    handler = incident.assignee or rng.choice(world.supervisors_at(site) or [world.admin]).user
    reported = incident.created_at + timedelta(seconds=rng.randint(20, 240))
    acknowledged = incident.acknowledged_at or reported
    if status == IncidentStatus.DUPLICATE:
        add_notes(ctx, notes, "incident", incident, [(acknowledged, "duplicate", handler)])
        return
    last = {IncidentStatus.RESOLVED: "resolved", IncidentStatus.CLOSED: "closed"}.get(status)
    before_last = count - (1 if last else 0)
    entries = [(reported, "report", incident.reporter)][:before_last]
    if before_last >= 2:
        entries.append((acknowledged + timedelta(seconds=rng.randint(0, 120)), "triage", handler))
    middle = "hold" if status == IncidentStatus.ON_HOLD else "work"
    worked = sorted(ctx.between(acknowledged, incident.resolved_at or ctx.now) for _ in range(before_last - 2))
    entries += [(moment, middle, handler) for moment in worked]
    if last:
        entries.append((incident.closed_at or incident.resolved_at, last, handler))
    add_notes(ctx, notes, "incident", incident, entries)


def seed_incidents(ctx: SeedContext, world: World) -> None:
    rng = ctx.rng
    types = {t.code: t for t in IncidentType.objects.filter(is_active=True).order_by("code")}
    if not types:
        raise RuntimeError("No incident types: run `manage.py load_reference_data` first.")
    facilities, weights, sites = _facility_pool(world)
    site_of = {id(facility): site for facility, site in zip(facilities, sites, strict=True)}
    statuses = shares(INCIDENTS_PER_SCALE * ctx.scale, STATUS_SHARE)
    rng.shuffle(statuses)
    originals_needed = [s for s in statuses if s != IncidentStatus.DUPLICATE]
    chosen = rng.choices(range(len(facilities)), weights=weights, k=len(originals_needed))

    originals = []
    for status, index in zip(originals_needed, chosen, strict=True):
        originals.append(_incident(ctx, world, sites[index], facilities[index], status, types))
    candidates = [o for o in originals if o.occurred_at < ctx.now - timedelta(hours=1)] or originals
    duplicates = [_duplicate(ctx, rng.choice(candidates)) for _ in range(len(statuses) - len(originals))]

    notes: list[TicketNote] = []
    for incident in originals + duplicates:
        _incident_notes(ctx, world, incident, site_of[id(incident.facility)], notes)

    everything = originals + duplicates
    if not ctx.dry_run:
        # numbered in the order the faults began, from one locked block of the counter
        in_order = sorted(everything, key=lambda incident: incident.occurred_at)
        references = reference_allocate_block(prefix=INCIDENT_PREFIX, count=len(in_order))
        for incident, reference in zip(in_order, references, strict=True):
            incident.reference = reference
    ctx.write(IncidentTicket, originals, label="incident tickets")
    ctx.write(IncidentTicket, duplicates, label="incident tickets")  # after the tickets they point to
    ctx.write(TicketNote, notes, label="ticket notes")
    world.incidents = everything
