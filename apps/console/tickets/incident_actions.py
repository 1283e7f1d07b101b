"""The incident workflow in the console: each step one call of its service in apps.tickets.workflow."""

from apps.tickets.services import ticket_note_add
from apps.tickets.workflow import (
    CHANGE_PERMISSION,
    OPEN,
    incident_acknowledge,
    incident_allowed_transitions,
    incident_assign,
    incident_assign_on_call,
    incident_close,
    incident_hold,
    incident_mark_duplicate,
    incident_reopen,
    incident_resolve,
    incident_resume,
    incident_set_severity,
    incident_start,
)

from .actions import TicketActionsMixin, TicketStep, assign_steps, person, step_actions
from .forms import DuplicateForm, NoteForm, ReasonForm, ResolveForm, SeverityForm


def _assign_on_call(incident, *, by, data):
    incident_assign_on_call(incident=incident, by=by)
    return person(incident.assignee)  # on call differs by facility: the report names whom each went to


def _add_note(incident, *, by, data):
    return ticket_note_add(ticket=incident, text=data["text"], by=by)


def _resolve(incident, *, by, data):
    return incident_resolve(
        incident=incident, by=by, resolution=data["resolution"], off_air_minutes=data.get("off_air_minutes")
    )


ASSIGN_TO_ME, ASSIGN_TO = assign_steps(lambda ticket, **given: incident_assign(incident=ticket, **given))
ASSIGN_ON_CALL = TicketStep(
    "assign_on_call",
    "Assign to on-call",
    "Assigned",
    run=_assign_on_call,
    tail=lambda data: " to whoever is on call",
    icon="support_agent",
    open_only=True,
)
SET_SEVERITY = TicketStep(
    "set_severity",
    "Set severity…",
    "Changed the severity of",
    run=lambda incident, *, by, data: incident_set_severity(incident=incident, severity=data["severity"], by=by),
    form=SeverityForm,
    tail=lambda data: f" to {data['severity']}",
    icon="priority_high",
    open_only=True,
)
ACKNOWLEDGE = TicketStep(
    "acknowledge",
    "Acknowledge",
    "Acknowledged",
    run=lambda incident, *, by, data: incident_acknowledge(incident=incident, by=by),
    icon="visibility",
    transition="acknowledge",
)
START = TicketStep(
    "start",
    "Start work",
    "Started work on",
    run=lambda incident, *, by, data: incident_start(incident=incident, by=by),
    icon="play_arrow",
    transition="start",
)
HOLD = TicketStep(
    "hold",
    "Put on hold",
    "Put",
    run=lambda incident, *, by, data: incident_hold(incident=incident, by=by),
    tail=lambda data: " on hold",
    icon="pause",
    transition="hold",
)
RESUME = TicketStep(
    "resume",
    "Resume work",
    "Resumed work on",
    run=lambda incident, *, by, data: incident_resume(incident=incident, by=by),
    icon="resume",
    transition="resume",
)
RESOLVE = TicketStep(
    "resolve", "Resolve…", "Resolved", run=_resolve, form=ResolveForm, icon="task_alt", transition="resolve"
)
CLOSE = TicketStep(
    "close",
    "Close",
    "Closed",
    run=lambda incident, *, by, data: incident_close(incident=incident, by=by),
    icon="lock",
    transition="close",
)
REOPEN = TicketStep(
    "reopen",
    "Reopen…",
    "Reopened",
    run=lambda incident, *, by, data: incident_reopen(incident=incident, by=by, reason=data["reason"]),
    form=ReasonForm,
    icon="lock_open",
    transition="reopen",
)
MARK_DUPLICATE = TicketStep(
    "mark_duplicate",
    "Mark duplicate of…",
    "Marked",
    run=lambda incident, *, by, data: incident_mark_duplicate(incident=incident, of=data["duplicate_of"], by=by),
    form=DuplicateForm,
    tail=lambda data: f" duplicate of {data['duplicate_of'].reference}",
    icon="content_copy",
    transition="mark_duplicate",
)
ADD_NOTE = TicketStep("add_note", "Add note…", "Added a note to", run=_add_note, form=NoteForm, icon="sticky_note_2")


class IncidentActionsMixin(TicketActionsMixin):
    """The incident steps: in bulk from the list, one at a time from an incident's page."""

    change_permission = CHANGE_PERMISSION
    open_statuses = OPEN
    steps = (
        ASSIGN_TO_ME,
        ASSIGN_TO,
        ASSIGN_ON_CALL,
        SET_SEVERITY,
        ACKNOWLEDGE,
        START,
        HOLD,
        RESUME,
        RESOLVE,
        CLOSE,
        REOPEN,
        MARK_DUPLICATE,
        ADD_NOTE,
    )

    assign_to_me, assign_to_me_detail = step_actions(ASSIGN_TO_ME)
    assign_to, assign_to_detail = step_actions(ASSIGN_TO)
    assign_on_call, assign_on_call_detail = step_actions(ASSIGN_ON_CALL)
    set_severity, set_severity_detail = step_actions(SET_SEVERITY)
    acknowledge, acknowledge_detail = step_actions(ACKNOWLEDGE)
    start, start_detail = step_actions(START)
    hold, hold_detail = step_actions(HOLD)
    resume, resume_detail = step_actions(RESUME)
    resolve, resolve_detail = step_actions(RESOLVE)
    close, close_detail = step_actions(CLOSE)
    reopen, reopen_detail = step_actions(REOPEN)
    mark_duplicate, mark_duplicate_detail = step_actions(MARK_DUPLICATE)
    add_note, add_note_detail = step_actions(ADD_NOTE)

    actions = [step.name for step in steps]
    actions_detail = [
        ACKNOWLEDGE.detail_name,
        START.detail_name,
        HOLD.detail_name,
        RESUME.detail_name,
        RESOLVE.detail_name,
        CLOSE.detail_name,
        REOPEN.detail_name,
        {
            "title": "Assign",
            "icon": "person_add",
            "items": [ASSIGN_TO_ME.detail_name, ASSIGN_TO.detail_name, ASSIGN_ON_CALL.detail_name],
        },
        {
            "title": "More",
            "icon": "more_horiz",
            "items": [SET_SEVERITY.detail_name, MARK_DUPLICATE.detail_name, ADD_NOTE.detail_name],
        },
    ]

    transitions_for = staticmethod(lambda ticket, user: incident_allowed_transitions(incident=ticket, by=user))
