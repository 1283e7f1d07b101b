"""The incident workflow: every status change, assignment and severity change of an incident comes through here.

new → triaged → in progress ⇄ on hold → resolved → closed; duplicate (of another incident) from any open
status; reopen (supervisors only) from resolved or closed. Each step locks the ticket's row, checks the
transition table and who is asking (`transitions.py`), sets its timestamp, moves the SLA clocks where the
step affects them, saves with a reason in history, and queues the e-mails the step calls for.
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from apps.core.actors import writes
from apps.core.saving import instance_save
from apps.core.scope import visible_rows
from apps.scheduling.selectors import on_call_at

from .changes import history_reason, ticket_copy_state
from .choices import IncidentStatus, Severity
from .models import IncidentTicket, TicketNote
from .notifications import incident_notify_resolved
from .rules import incident_refresh_due_times, person_label, ticket_assignee_problem
from .services import incident_announce, incident_update, ticket_note_add
from .transitions import Transition, WorkflowError, check_supervisor, check_transition, transition_table

OPEN = tuple(IncidentStatus.open_values())
CHANGE_PERMISSION = "tickets.change_incidentticket"

INCIDENT_TRANSITIONS = transition_table(
    Transition("acknowledge", "acknowledge", (IncidentStatus.NEW,), IncidentStatus.TRIAGED),
    Transition("start", "start work on", (IncidentStatus.NEW, IncidentStatus.TRIAGED), IncidentStatus.IN_PROGRESS),
    Transition("hold", "put on hold", (IncidentStatus.IN_PROGRESS,), IncidentStatus.ON_HOLD),
    Transition("resume", "resume", (IncidentStatus.ON_HOLD,), IncidentStatus.IN_PROGRESS),
    Transition(
        "resolve",
        "resolve",
        (IncidentStatus.TRIAGED, IncidentStatus.IN_PROGRESS, IncidentStatus.ON_HOLD),
        IncidentStatus.RESOLVED,
    ),
    Transition("close", "close", (IncidentStatus.RESOLVED,), IncidentStatus.CLOSED, supervisor_only=True),
    Transition(
        "reopen",
        "reopen",
        (IncidentStatus.RESOLVED, IncidentStatus.CLOSED),
        IncidentStatus.IN_PROGRESS,
        supervisor_only=True,
    ),
    Transition("mark_duplicate", "mark as a duplicate", OPEN, IncidentStatus.DUPLICATE, supervisor_only=True),
)


def incident_allowed_transitions(*, incident: IncidentTicket, by) -> list[Transition]:
    """The steps `by` may take on `incident` now (the ticket page offers these)."""
    allowed = []
    for transition in INCIDENT_TRANSITIONS.values():
        try:
            _check(incident, transition.name, by)
        except WorkflowError:
            continue
        allowed.append(transition)
    return allowed


def _status_label(value: str) -> str:
    return IncidentStatus(value).label


def _check(incident: IncidentTicket, name: str, by) -> Transition:
    transition = INCIDENT_TRANSITIONS[name]
    check_transition(incident, transition, by=by, permission=CHANGE_PERMISSION, status_label=_status_label)
    return transition


def _locked(incident: IncidentTicket) -> IncidentTicket:
    return IncidentTicket.objects.select_for_update().select_related("facility__location").get(pk=incident.pk)


def _finish(current: IncidentTicket, target: IncidentTicket, *, by, reason: str) -> IncidentTicket:
    current.full_clean()
    instance_save(instance=current, by=by, reason=history_reason(reason))
    ticket_copy_state(source=current, target=target)
    return target


def _end_hold(incident: IncidentTicket, now: datetime) -> None:
    """Add the time just spent on hold to the ticket and push its resolve clock back by as much."""
    if incident.on_hold_since is None:
        return
    incident.held_seconds += max(0, int((now - incident.on_hold_since).total_seconds()))
    incident.on_hold_since = None
    incident_refresh_due_times(incident=incident)


# --- status -------------------------------------------------------------------------------------------------------


def _step(incident: IncidentTicket, name: str, *, by, reason: str, change=None) -> IncidentTicket:
    """Lock, check `name` is allowed, apply `change(current)`, move to the transition's target and save."""
    with transaction.atomic():
        current = _locked(incident)
        transition = _check(current, name, by)
        if change is not None:
            change(current)
        current.status = transition.target
        return _finish(current, incident, by=by, reason=reason)


def _acknowledging(now: datetime | None):
    def stamp(current: IncidentTicket) -> None:
        current.acknowledged_at = current.acknowledged_at or now or timezone.now()

    return stamp


@writes
def incident_acknowledge(*, incident: IncidentTicket, by, now: datetime | None = None) -> IncidentTicket:
    """New → triaged: someone has looked at it; the response clock stops."""
    return _step(incident, "acknowledge", by=by, reason="Acknowledged", change=_acknowledging(now))


@writes
def incident_start(*, incident: IncidentTicket, by, now: datetime | None = None) -> IncidentTicket:
    """New or triaged → in progress (acknowledging it too, if nobody had)."""
    return _step(incident, "start", by=by, reason="Work started", change=_acknowledging(now))


@writes
def incident_hold(*, incident: IncidentTicket, by, now: datetime | None = None) -> IncidentTicket:
    """In progress → on hold: the resolve clock stops until work resumes."""

    def pause(current):
        current.on_hold_since = now or timezone.now()

    return _step(incident, "hold", by=by, reason="Put on hold", change=pause)


@writes
def incident_resume(*, incident: IncidentTicket, by, now: datetime | None = None) -> IncidentTicket:
    """On hold → in progress: the resolve due time moves later by the time spent on hold."""
    with transaction.atomic():
        current = _locked(incident)
        transition = _check(current, "resume", by)
        moment = now or timezone.now()
        held = moment - current.on_hold_since if current.on_hold_since else timedelta()
        _end_hold(current, moment)
        current.status = transition.target
        return _finish(current, incident, by=by, reason=f"Work resumed after {_duration(held)} on hold")


@writes
def incident_resolve(
    *,
    incident: IncidentTicket,
    by,
    resolution: str,
    off_air_minutes: int | None = None,
    now: datetime | None = None,
) -> IncidentTicket:
    """→ resolved, with what was done (required) and, when given, the minutes of output lost. Tells the reporter."""
    resolution = (resolution or "").strip()
    if not resolution:
        raise WorkflowError({"resolution": "Say how it was resolved: a resolution is required."}, code="required")
    if off_air_minutes is not None and off_air_minutes < 0:
        raise WorkflowError({"off_air_seconds": "Minutes off air cannot be negative."}, code="invalid")
    with transaction.atomic():
        current = _locked(incident)
        transition = _check(current, "resolve", by)
        moment = now or timezone.now()
        _end_hold(current, moment)
        current.acknowledged_at = current.acknowledged_at or moment
        current.resolved_at = moment
        current.resolution = resolution
        if off_air_minutes is not None:
            current.off_air_seconds = off_air_minutes * 60
        current.status = transition.target
        _finish(current, incident, by=by, reason="Resolved")
        incident_notify_resolved(incident=current, by=by)
    return incident


@writes
def incident_close(*, incident: IncidentTicket, by, now: datetime | None = None) -> IncidentTicket:
    """Resolved → closed (supervisors): the ticket becomes read-only."""

    def stamp(current):
        current.closed_at = now or timezone.now()

    return _step(incident, "close", by=by, reason="Closed", change=stamp)


@writes
def incident_reopen(*, incident: IncidentTicket, by, reason: str = "") -> IncidentTicket:
    """Resolved or closed → in progress (supervisors). The resolution text stays until it is resolved again."""
    with transaction.atomic():
        current = _locked(incident)
        transition = _check(current, "reopen", by)
        current.resolved_at = current.closed_at = None
        current.status = transition.target
        why = (reason or "").strip()
        _finish(current, incident, by=by, reason=f"Reopened: {why}" if why else "Reopened")
        if why:
            ticket_note_add(ticket=current, text=f"Reopened: {why}", by=by)
    return incident


@writes
def incident_mark_duplicate(*, incident: IncidentTicket, of: IncidentTicket, by) -> IncidentTicket:
    """Open → duplicate of `of` (supervisors): its notes move to `of`, and a note on each names the other.

    Tickets already marked duplicates of this one follow it to `of`, so that a chain is never more than one
    link long.
    """
    if of is None:
        raise WorkflowError({"duplicate_of": "Pick the ticket this one duplicates."}, code="required")
    if of.pk == incident.pk:
        raise WorkflowError({"duplicate_of": "A ticket cannot be a duplicate of itself."}, code="invalid")
    with transaction.atomic():
        # both rows locked, in one order, so that two supervisors merging a pair both ways cannot deadlock
        locked = {
            ticket.pk: ticket
            for ticket in IncidentTicket.objects.select_for_update()
            .select_related("facility__location")
            .filter(pk__in=[incident.pk, of.pk])
            .order_by("pk")
        }
        current, survivor = locked[incident.pk], locked[of.pk]
        transition = _check(current, "mark_duplicate", by)
        _check_survivor(survivor, by=by)

        moved = list(TicketNote.objects.filter(incident=current))
        for note in moved:
            note.incident = survivor
            instance_save(instance=note, by=by, reason=history_reason(f"Moved from {current.reference} (duplicate)"))
        followers = list(IncidentTicket.objects.select_for_update().filter(duplicate_of=current))
        for follower in followers:
            follower.duplicate_of = survivor
            reason = history_reason(f"{current.reference} was merged into {survivor.reference}")
            instance_save(instance=follower, by=by, reason=reason)

        current.status = transition.target
        current.duplicate_of = survivor
        current.on_hold_since = None
        _finish(current, incident, by=by, reason=f"Duplicate of {survivor.reference}")
        notes = f"{len(moved)} note{'s' if len(moved) != 1 else ''}"
        ticket_note_add(ticket=current, text=f"Marked duplicate of {survivor.reference}; {notes} moved there.", by=by)
        ticket_note_add(
            ticket=survivor, text=f"{current.reference} marked duplicate of this ticket; {notes} moved here.", by=by
        )
    return incident


def _check_survivor(survivor: IncidentTicket, *, by) -> None:
    if survivor.status == IncidentStatus.CLOSED:
        raise WorkflowError(
            {"duplicate_of": f"{survivor.reference} is closed; reopen it first to merge tickets into it."},
            code="invalid",
        )
    if survivor.status == IncidentStatus.DUPLICATE:
        raise WorkflowError(
            {
                "duplicate_of": f"{survivor.reference} is itself a duplicate of "
                f"{survivor.duplicate_of.reference}; mark it a duplicate of that one."
            },
            code="invalid",
        )
    if not visible_rows(IncidentTicket.objects.filter(pk=survivor.pk), user=by).exists():
        raise WorkflowError({"duplicate_of": f"{survivor.reference} is not a ticket you can see."}, code="invalid")


# --- assignment and severity --------------------------------------------------------------------------------------


@writes
def incident_assign(*, incident: IncidentTicket, assignee, by, now: datetime | None = None) -> IncidentTicket:
    """Give an open ticket to `assignee` (supervisors). A new ticket assigned is triaged: its response clock stops.

    The assignee must be active and someone `by` can see (a person of their locations, or themselves); they
    are e-mailed unless they assigned it to themselves.
    """
    if assignee is None:
        raise WorkflowError({"assignee": "Pick who should handle it."}, code="required")
    with transaction.atomic():
        current = _locked(incident)
        _check_open(current, doing="be assigned")
        check_supervisor(current, by=by, permission=CHANGE_PERMISSION, doing="assign")
        problem = ticket_assignee_problem(assignee=assignee, by=by)
        if problem:
            raise WorkflowError({"assignee": problem}, code="invalid")
        if current.assignee_id == assignee.pk:
            raise WorkflowError(
                f"{current.reference} is already assigned to {person_label(assignee)}.", code="unchanged"
            )
        current.assignee = assignee
        if current.status == IncidentStatus.NEW:
            current.status = IncidentStatus.TRIAGED
            current.acknowledged_at = current.acknowledged_at or now or timezone.now()
        _finish(current, incident, by=by, reason=f"Assigned to {person_label(assignee)}")
        incident_announce(incident=current, changed=["assignee"], by=by)
    return incident


@writes
def incident_assign_on_call(*, incident: IncidentTicket, by, at: datetime | None = None) -> IncidentTicket:
    """Assign to whoever is on a published shift at the ticket's facility now; refuse, saying so, if nobody is."""
    moment = at or timezone.now()
    shift = on_call_at(facility=incident.facility, at=moment).first()
    if shift is None:
        zone = incident.facility.location.timezone
        raise WorkflowError(
            f"Nobody is on a published shift at {incident.facility} now "
            f"({timezone.localtime(moment, zone):%a %d %b %H:%M} {zone}); pick someone with “Assign to…”.",
            code="nobody_on_call",
        )
    return incident_assign(incident=incident, assignee=shift.user, by=by, now=moment)


@writes
def incident_set_severity(*, incident: IncidentTicket, severity: str, by) -> IncidentTicket:
    """Change an open ticket's severity (supervisors): the SLA clocks move; a rise to SEV1/SEV2 is e-mailed."""
    if severity not in Severity.values:
        raise WorkflowError({"severity": f"“{severity}” is not a severity."}, code="invalid")
    with transaction.atomic():
        current = _locked(incident)
        _check_open(current, doing="have its severity changed")
        check_supervisor(current, by=by, permission=CHANGE_PERMISSION, doing="change the severity of")
        if current.severity == severity:
            raise WorkflowError(f"{current.reference} is already {severity}.", code="unchanged")
        incident_update(incident=current, severity=severity, by=by)  # moves the clocks, tells of a SEV1/SEV2
    ticket_copy_state(source=current, target=incident)
    return incident


def _check_open(incident: IncidentTicket, *, doing: str) -> None:
    """Refuse a change to a ticket that is no longer open; `doing`: "be assigned", "have its severity changed"."""
    if incident.status not in OPEN:
        raise WorkflowError(
            f"{incident.reference} is “{incident.get_status_display()}”: only an open ticket can {doing}.",
            code="invalid_transition",
        )


def _duration(held: timedelta) -> str:
    minutes = int(held.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"
