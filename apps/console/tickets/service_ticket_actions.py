"""The service-ticket workflow in the console: each step one call of its service in apps.tickets.service_workflow."""

from apps.tickets.service_workflow import (
    CHANGE_PERMISSION,
    OPEN,
    service_ticket_allowed_transitions,
    service_ticket_assign,
    service_ticket_cancel,
    service_ticket_complete,
    service_ticket_resume,
    service_ticket_schedule,
    service_ticket_start,
    service_ticket_wait,
)
from apps.tickets.services import ticket_note_add

from .actions import TicketActionsMixin, TicketStep, assign_steps, step_actions
from .forms import NoteForm, ReasonForm, ScheduleForm

ASSIGN_TO_ME, ASSIGN_TO = assign_steps(lambda ticket, **given: service_ticket_assign(ticket=ticket, **given))
SCHEDULE = TicketStep(
    "schedule",
    "Schedule…",
    "Scheduled",
    run=lambda ticket, *, by, data: service_ticket_schedule(ticket=ticket, event=data["scheduled_event"], by=by),
    form=ScheduleForm,
    tail=lambda data: f" in “{data['scheduled_event'].title}”",
    icon="event",
    transition="schedule",
)
START = TicketStep(
    "start",
    "Start work",
    "Started work on",
    run=lambda ticket, *, by, data: service_ticket_start(ticket=ticket, by=by),
    icon="play_arrow",
    transition="start",
)
WAIT = TicketStep(
    "wait",
    "Set waiting…",
    "Set",
    run=lambda ticket, *, by, data: service_ticket_wait(ticket=ticket, by=by, reason=data["reason"]),
    form=ReasonForm,
    tail=lambda data: " waiting",
    icon="hourglass_empty",
    transition="wait",
)
RESUME = TicketStep(
    "resume",
    "Resume work",
    "Resumed work on",
    run=lambda ticket, *, by, data: service_ticket_resume(ticket=ticket, by=by),
    icon="resume",
    transition="resume",
)
COMPLETE = TicketStep(
    "complete",
    "Complete",
    "Completed",
    run=lambda ticket, *, by, data: service_ticket_complete(ticket=ticket, by=by),
    icon="task_alt",
    transition="complete",
)
CANCEL = TicketStep(
    "cancel",
    "Cancel…",
    "Cancelled",
    run=lambda ticket, *, by, data: service_ticket_cancel(ticket=ticket, by=by, reason=data["reason"]),
    form=ReasonForm,
    icon="cancel",
    transition="cancel",
)
ADD_NOTE = TicketStep(
    "add_note",
    "Add note…",
    "Added a note to",
    run=lambda ticket, *, by, data: ticket_note_add(ticket=ticket, text=data["text"], by=by),
    form=NoteForm,
    icon="sticky_note_2",
)


class ServiceTicketActionsMixin(TicketActionsMixin):
    """The service-ticket steps: in bulk from the list, one at a time from a ticket's page."""

    change_permission = CHANGE_PERMISSION
    open_statuses = OPEN
    steps = (ASSIGN_TO_ME, ASSIGN_TO, SCHEDULE, START, WAIT, RESUME, COMPLETE, CANCEL, ADD_NOTE)

    assign_to_me, assign_to_me_detail = step_actions(ASSIGN_TO_ME)
    assign_to, assign_to_detail = step_actions(ASSIGN_TO)
    schedule, schedule_detail = step_actions(SCHEDULE)
    start, start_detail = step_actions(START)
    wait, wait_detail = step_actions(WAIT)
    resume, resume_detail = step_actions(RESUME)
    complete, complete_detail = step_actions(COMPLETE)
    cancel, cancel_detail = step_actions(CANCEL)
    add_note, add_note_detail = step_actions(ADD_NOTE)

    actions = [step.name for step in steps]
    actions_detail = [
        SCHEDULE.detail_name,
        START.detail_name,
        WAIT.detail_name,
        RESUME.detail_name,
        COMPLETE.detail_name,
        CANCEL.detail_name,
        {"title": "Assign", "icon": "person_add", "items": [ASSIGN_TO_ME.detail_name, ASSIGN_TO.detail_name]},
        ADD_NOTE.detail_name,
    ]

    transitions_for = staticmethod(lambda ticket, user: service_ticket_allowed_transitions(ticket=ticket, by=user))
