"""The service-ticket workflow: open → scheduled → in progress ⇄ waiting → done; cancelled from any open status.

Scheduling links the ticket to its maintenance window (a ScheduledEvent at the same location). The same
table, checks and history as the incident workflow (`transitions.py`).
"""

from django.db import transaction

from apps.core.actors import writes
from apps.core.saving import instance_save
from apps.core.scope import visible_rows
from apps.scheduling.models import ScheduledEvent

from .changes import history_reason, ticket_copy_state
from .choices import ServiceStatus
from .models import ServiceTicket
from .rules import maintenance_window_problem, person_label, ticket_assignee_problem
from .services import ticket_note_add
from .transitions import Transition, WorkflowError, check_supervisor, check_transition, transition_table

OPEN = tuple(ServiceStatus.open_values())
CHANGE_PERMISSION = "tickets.change_serviceticket"

SERVICE_TRANSITIONS = transition_table(
    Transition("schedule", "schedule", (ServiceStatus.OPEN, ServiceStatus.SCHEDULED), ServiceStatus.SCHEDULED),
    Transition("start", "start", (ServiceStatus.OPEN, ServiceStatus.SCHEDULED), ServiceStatus.IN_PROGRESS),
    Transition("wait", "set waiting", (ServiceStatus.IN_PROGRESS,), ServiceStatus.WAITING),
    Transition("resume", "resume", (ServiceStatus.WAITING,), ServiceStatus.IN_PROGRESS),
    Transition("complete", "complete", (ServiceStatus.IN_PROGRESS, ServiceStatus.WAITING), ServiceStatus.DONE),
    Transition("cancel", "cancel", OPEN, ServiceStatus.CANCELLED, supervisor_only=True),
)


def _status_label(value: str) -> str:
    return ServiceStatus(value).label


def _check(ticket: ServiceTicket, name: str, by) -> Transition:
    transition = SERVICE_TRANSITIONS[name]
    check_transition(ticket, transition, by=by, permission=CHANGE_PERMISSION, status_label=_status_label)
    return transition


def service_ticket_allowed_transitions(*, ticket: ServiceTicket, by) -> list[Transition]:
    allowed = []
    for name, transition in SERVICE_TRANSITIONS.items():
        try:
            _check(ticket, name, by)
        except WorkflowError:
            continue
        allowed.append(transition)
    return allowed


def _move(ticket: ServiceTicket, name: str, *, by, reason: str, change=None) -> ServiceTicket:
    with transaction.atomic():
        current = ServiceTicket.objects.select_for_update().select_related("facility__location").get(pk=ticket.pk)
        transition = _check(current, name, by)
        if change is not None:
            change(current)
        current.status = transition.target
        _finish(current, by=by, reason=reason)
    ticket_copy_state(source=current, target=ticket)
    return ticket


def _finish(current: ServiceTicket, *, by, reason: str) -> None:
    current.full_clean()
    instance_save(instance=current, by=by, reason=history_reason(reason))


@writes
def service_ticket_schedule(*, ticket: ServiceTicket, event, by) -> ServiceTicket:
    """Open (or re-scheduled) → scheduled in the maintenance window `event`, at the ticket's location."""
    if event is None:
        raise WorkflowError({"scheduled_event": "Pick the maintenance window the work is done in."}, code="required")
    problem = maintenance_window_problem(ticket=ticket, event=event)
    if problem:
        raise WorkflowError({"scheduled_event": problem}, code="invalid")
    if not visible_rows(ScheduledEvent.objects.filter(pk=event.pk), user=by).exists():
        raise WorkflowError({"scheduled_event": f"“{event}” is not an event you can see."}, code="invalid")

    def link(current):
        current.scheduled_event = event

    return _move(ticket, "schedule", by=by, reason=f"Scheduled in “{event}”", change=link)


@writes
def service_ticket_start(*, ticket: ServiceTicket, by) -> ServiceTicket:
    return _move(ticket, "start", by=by, reason="Work started")


@writes
def service_ticket_wait(*, ticket: ServiceTicket, by, reason: str = "") -> ServiceTicket:
    """In progress → waiting (for parts, access, a supplier); the reason, when given, goes in the journal."""
    why = (reason or "").strip()
    _move(ticket, "wait", by=by, reason=f"Waiting: {why}" if why else "Waiting")
    if why:
        ticket_note_add(ticket=ticket, text=f"Waiting: {why}", by=by)
    return ticket


@writes
def service_ticket_resume(*, ticket: ServiceTicket, by) -> ServiceTicket:
    return _move(ticket, "resume", by=by, reason="Work resumed")


@writes
def service_ticket_complete(*, ticket: ServiceTicket, by) -> ServiceTicket:
    return _move(ticket, "complete", by=by, reason="Done")


@writes
def service_ticket_cancel(*, ticket: ServiceTicket, by, reason: str = "") -> ServiceTicket:
    why = (reason or "").strip()
    _move(ticket, "cancel", by=by, reason=f"Cancelled: {why}" if why else "Cancelled")
    if why:
        ticket_note_add(ticket=ticket, text=f"Cancelled: {why}", by=by)
    return ticket


@writes
def service_ticket_assign(*, ticket: ServiceTicket, assignee, by) -> ServiceTicket:
    """Give an open service ticket to `assignee` (supervisors of its location): an active person `by` can see."""
    if assignee is None:
        raise WorkflowError({"assignee": "Pick who should handle it."}, code="required")
    with transaction.atomic():
        current = ServiceTicket.objects.select_for_update().select_related("facility__location").get(pk=ticket.pk)
        if current.status not in OPEN:
            raise WorkflowError(
                f"{current.reference} is “{current.get_status_display()}”: only an open ticket can be assigned.",
                code="invalid_transition",
            )
        check_supervisor(current, by=by, permission=CHANGE_PERMISSION, doing="assign")
        problem = ticket_assignee_problem(assignee=assignee, by=by)
        if problem:
            raise WorkflowError({"assignee": problem}, code="invalid")
        if current.assignee_id == assignee.pk:
            raise WorkflowError(
                f"{current.reference} is already assigned to {person_label(assignee)}.", code="unchanged"
            )
        current.assignee = assignee
        _finish(current, by=by, reason=f"Assigned to {person_label(assignee)}")
    ticket_copy_state(source=current, target=ticket)
    return ticket
