"""The rules a ticket write checks before it saves, on every path: the form, the import, the API, the workflow.

- what may change (`INCIDENT_EDITABLE_FIELDS`, `SERVICE_TICKET_EDITABLE_FIELDS`): a status only through the
  workflow (`STATUS_BY_WORKFLOW` says where), the stamps and clocks only by the portal;
- the rules across rows (`incident_validate`, `service_ticket_validate`): with `full_clean()` they are
  `apps.core.saving.instance_validate`, the one way to check without writing — the services before they save,
  the console's forms for their dry run, the import for each row;
- who may name what (`ticket_check_scope`): the facility's location and every person or maintenance window a
  ticket names must be in the writer's scope (the import checks the same in bulk, through its scoped lookups).

Nothing here writes: the services (`services.py`) and the workflows call these, then save.
"""

from collections.abc import Collection
from datetime import timedelta

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.utils import timezone
from django.utils.text import capfirst

from apps.core.actors import is_system
from apps.core.scope import check_location_in_scope, sees_everything, visible_rows
from apps.scheduling.choices import EventKind, EventStatus

from .choices import IncidentStatus, ServiceStatus
from .models import IncidentTicket, ServiceTicket
from .sla import incident_set_clocks

INCIDENT_EDITABLE_FIELDS = frozenset(
    {
        "title",
        "description",
        "facility",
        "incident_type",
        "severity",
        "assignee",
        "occurred_at",
        "off_air_seconds",
        "resolution",
    }
)

# a change to any of these moves the SLA clocks
INCIDENT_SLA_FIELDS = ("incident_type", "severity", "occurred_at")

SERVICE_TICKET_EDITABLE_FIELDS = frozenset(
    {"title", "description", "facility", "category", "priority", "assignee", "due_on", "scheduled_event"}
)

# the related rows a ticket names, each of which must be one its writer can see
TICKET_RELATED_FIELDS = ("reporter", "requested_by", "assignee", "scheduled_event")

# a new ticket's reference while it is checked and not yet saved: the counter gives the real one on saving
NEW_REFERENCE = "(new)"

NOT_EDITABLE_WHY = "the portal sets it, or the ticket workflow changes it."

STATUS_AFTER_CREATE = "the ticket workflow changes its status after that."

# where a status is changed instead: the list's actions and the ticket page's steps
STATUS_BY_WORKFLOW = {
    IncidentTicket: (
        "Status changes only through the incident workflow: select the incidents in the incident list and pick "
        "the step among its actions (Acknowledge, Start work, Resolve…, Close…), or take it on the incident's page."
    ),
    ServiceTicket: (
        "Status changes only through the service ticket workflow: select the tickets in the service ticket list "
        "and pick the step among its actions (Schedule…, Start work, Complete, Cancel…), or take it on the "
        "ticket's page."
    ),
}

# clocks drift; a fault reported "now" from a laptop a little ahead is not in the future
OCCURRED_AT_TOLERANCE = timedelta(minutes=5)


# --- incidents --------------------------------------------------------------------------------


def incident_validate(*, incident: IncidentTicket, changed: Collection[str] | None = None) -> None:
    """The rules across rows `incident_create` (`changed` None: a new ticket) or `incident_update` (`changed`:
    the fields set since the ticket was read) check before saving; the import checks each row with it.

    Raises ValidationError naming every broken rule. `full_clean()` (see `apps.core.saving.instance_validate`)
    and the writer's scope (`ticket_check_scope`) are checked beside it.
    """
    if changed is None:
        errors = _incident_rule_errors(incident, changed=(*INCIDENT_SLA_FIELDS, "assignee"))
        if incident.status != IncidentStatus.NEW:
            errors["status"] = f"A new incident starts as “{IncidentStatus.NEW.label}”; {STATUS_AFTER_CREATE}"
    else:
        check_editable(IncidentTicket, dict.fromkeys(changed), INCIDENT_EDITABLE_FIELDS)
        _refuse_closed(incident)
        errors = _incident_rule_errors(incident, changed=changed)
    _raise(errors)


def incident_fill_defaults(*, incident: IncidentTicket) -> None:
    """An incident without a severity (a new one not given any) takes its type's default severity."""
    if incident.severity in (None, "") and incident.incident_type_id is not None:
        incident.severity = incident.incident_type.default_severity


def incident_refresh_due_times(*, incident: IncidentTicket, changed: Collection[str] | None = None) -> bool:
    """Set the SLA due times when they move (a new ticket; type, severity or start changed) or are missing.

    `changed`: the fields set since the ticket was read, None for a new ticket. True when the times were set.
    A clock moved into the future may breach again, and then its supervisors are told again.
    """
    moved = changed is None or any(name in changed for name in INCIDENT_SLA_FIELDS)
    if not (moved or incident.response_due_at is None or incident.resolve_due_at is None):
        return False
    incident_set_clocks(incident)
    now = timezone.now()
    if incident.response_due_at and incident.response_due_at > now:
        incident.response_breach_notified_at = None
    if incident.resolve_due_at and incident.resolve_due_at > now:
        incident.resolve_breach_notified_at = None
    return True


def ticket_note_refusal(ticket: IncidentTicket | ServiceTicket) -> str | None:
    """Why no note may be added to `ticket` now, or None: a closed incident is read-only, its journal too."""
    if isinstance(ticket, IncidentTicket) and ticket.status == IncidentStatus.CLOSED:
        return f"{ticket.reference} is closed: reopen it to add notes."
    return None


def _refuse_closed(incident: IncidentTicket) -> None:
    if incident.status == IncidentStatus.CLOSED:
        raise ValidationError(f"{incident.reference} is closed; reopen it to change it.", code="closed")


def _incident_rule_errors(incident: IncidentTicket, *, changed) -> dict[str, str]:
    """Rules the model's own validation does not know, checked for the fields that changed."""
    errors = _assignee_rule_errors(incident, changed=changed)
    if "incident_type" in changed and incident.incident_type_id and not incident.incident_type.is_active:
        errors["incident_type"] = f"“{incident.incident_type}” is no longer in use; pick an active incident type."
    if (
        "occurred_at" in changed
        and incident.occurred_at
        and incident.occurred_at > timezone.now() + OCCURRED_AT_TOLERANCE
    ):
        errors["occurred_at"] = "An incident cannot have occurred in the future."
    return errors


# --- service tickets --------------------------------------------------------------------------


def service_ticket_validate(*, ticket: ServiceTicket, changed: Collection[str] | None = None) -> None:
    """The rules across rows `service_ticket_create` (`changed` None) or `service_ticket_update` check before
    saving; the import checks each row with it. `full_clean()` and the scope are checked beside it."""
    if changed is None:
        errors = _service_rule_errors(ticket, changed=("assignee", "scheduled_event"))
        if ticket.status != ServiceStatus.OPEN:
            errors["status"] = f"A new service ticket starts as “{ServiceStatus.OPEN.label}”; {STATUS_AFTER_CREATE}"
    else:
        check_editable(ServiceTicket, dict.fromkeys(changed), SERVICE_TICKET_EDITABLE_FIELDS)
        errors = _service_rule_errors(ticket, changed=changed)
    _raise(errors)


def maintenance_window_problem(*, ticket: ServiceTicket, event) -> str | None:
    """Why `event` cannot be the maintenance window of `ticket` (None when it can): cancelled, at another
    location, or not a maintenance. The same sentence from the form, the import and the Schedule step."""
    if event.status == EventStatus.CANCELLED:
        return f"“{event}” is cancelled."
    if ticket.facility_id is not None and event.facility.location_id != ticket.facility.location_id:
        return f"“{event}” is at {event.facility.location}, not at {ticket.facility.location}."
    if event.kind != EventKind.MAINTENANCE:
        return f"“{event}” is a {event.get_kind_display().lower()}, not a maintenance window."
    return None


def _service_rule_errors(ticket: ServiceTicket, *, changed) -> dict[str, str]:
    errors = _assignee_rule_errors(ticket, changed=changed)
    if "scheduled_event" in changed and ticket.scheduled_event_id is not None:
        problem = maintenance_window_problem(ticket=ticket, event=ticket.scheduled_event)
        if problem:
            errors["scheduled_event"] = problem
    return errors


# --- who may name what ------------------------------------------------------------------------


def ticket_check_scope(*, ticket: IncidentTicket | ServiceTicket, by, changed: Collection[str] | None = None) -> None:
    """Refuse a ticket `by` may not put where it is, or that names someone or something `by` cannot see.

    - its facility (on a new ticket, or moved) must be at a location `by` covers; whoever reports (requests) a
      new ticket may open it at any facility they can pick (`ticket_scope_owner`): staff report where they
      work without covering the location;
    - every person (reporter, requester, assignee) and maintenance window it names, new or changed, must be one
      `by` can see: the same choices as the forms offer. Unchanged values are kept, whatever they are.

    `changed`: the fields set since the ticket was read; None for a new ticket. The import checks the same in
    bulk: the location in memory (`location_scope_checker`), the related rows by its scoped lookups.
    """
    named = _named_fields(ticket) if changed is None else changed
    errors: dict[str, str] = {}
    if "facility" in named and ticket.facility_id is not None:
        try:
            check_location_in_scope(
                by=by, location=ticket.facility.location, field="facility", owner=ticket_scope_owner(ticket)
            )
        except ValidationError as error:
            errors["facility"] = error.message_dict["facility"][0]
    for name in TICKET_RELATED_FIELDS:
        if name in named and getattr(ticket, f"{name}_id", None) is not None:
            related = getattr(ticket, name)
            if not can_see(by, related):
                errors[name] = not_visible_message(related)
    _raise(errors)


def ticket_scope_owner(ticket: IncidentTicket | ServiceTicket):
    """Whose own ticket is exempt from the location scope: whoever reports (requests) a new one, at any facility."""
    if ticket.pk is not None:
        return None
    return ticket.reporter_id if isinstance(ticket, IncidentTicket) else ticket.requested_by_id


def ticket_assignee_problem(*, assignee, by) -> str | None:
    """Why `by` cannot give a ticket to `assignee` (None when they can): an inactive person, or one outside
    the people `by` can see. The same sentences as a form or an import naming that assignee."""
    if not assignee.is_active:
        return f"{person_label(assignee)} is no longer active."
    if not can_see(by, assignee):
        return not_visible_message(assignee)
    return None


def person_label(person) -> str:
    """A person as the tickets' messages name them: "Alex Doe" (their username when they have no name)."""
    return person.get_full_name() or person.get_username()


def can_see(by, row) -> bool:
    """Whether `row` is one of the rows its model's selector shows `by` (the system and administrators: all)."""
    if is_system(by) or sees_everything(by):
        return True
    return visible_rows(row._meta.model._default_manager.filter(pk=row.pk), user=by).exists()


def not_visible_message(row) -> str:
    """The refusal of a row `by` cannot see, in the words the workflow's steps use too."""
    if isinstance(row, IncidentTicket | ServiceTicket):
        return f"{row.reference} is not a ticket you can see."
    if hasattr(row, "get_full_name"):
        return f"{person_label(row)} is not one of the people of your locations."
    return f"“{row}” is not an event you can see."


def _assignee_rule_errors(ticket, *, changed) -> dict[str, str]:
    if "assignee" in changed and ticket.assignee_id is not None and not ticket.assignee.is_active:
        return {"assignee": f"{person_label(ticket.assignee)} is no longer active."}
    return {}


def _named_fields(ticket) -> list[str]:
    return [field.name for field in ticket._meta.concrete_fields]


# --- shared -----------------------------------------------------------------------------------


def check_editable(model: type[models.Model], fields: dict, editable: frozenset) -> None:
    """A typo is a programming error (TypeError); a real field that is not editable is refused, saying why."""
    refused = {}
    for name in fields:
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            raise TypeError(f"{model.__name__} has no field {name!r}") from None
        if name == "status":
            refused[name] = ValidationError(STATUS_BY_WORKFLOW[model], code="workflow_only")
        elif name not in editable:
            refused[name] = ValidationError(
                f"{capfirst(field.verbose_name)} cannot be edited directly; {NOT_EDITABLE_WHY}", code="not_editable"
            )
    if refused:
        raise ValidationError(refused)


def _raise(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationError({field: ValidationError(message, code="invalid") for field, message in errors.items()})
