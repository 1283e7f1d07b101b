"""Writes on tickets: opening, editing and deleting incidents and service tickets, and their notes.

The console's forms, imports, the API and the workflows (`workflow.py`, `service_workflow.py`) all come
through here, and every write names who makes it (`@writes`: `by` is required; the portal's own work passes
the system account). Each write checks, in this order of ideas:

- who may put the ticket where, naming whom (`ticket_check_scope`: the facility's location, and every person
  or maintenance window the ticket names, must be in the writer's scope);
- the rules across rows (`incident_validate`, `service_ticket_validate`), then the model's own validation —
  together `apps.core.saving.instance_validate`, the one way to check without writing: the console's forms
  run it for their dry run, the import for each row;
- and saves with `apps.core.saving.instance_save` (history names `by` and the reason).

What follows a save — the SEV1/SEV2 alert to the location's supervisors, the assignee's e-mail — is
`incident_announce`, which the import calls too, once per row it wrote: a rule added there holds on both paths.

Status and the workflow's timestamps are changed only by the workflow; a ticket is deleted only by an
administrator (everyone else cancels or closes it).
"""

from collections.abc import Callable, Collection
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.text import capfirst

from apps.audit.history import current_change
from apps.core.actors import is_system, writes
from apps.core.saving import instance_delete, instance_save, instance_validate
from apps.core.scope import check_location_in_scope, sees_everything, visible_rows
from apps.core.services import reference_allocate
from apps.scheduling.choices import EventKind, EventStatus

from .choices import IncidentStatus, ServiceCategory, ServicePriority, ServiceStatus
from .models import INCIDENT_PREFIX, SERVICE_PREFIX, IncidentTicket, IncidentType, ServiceTicket, TicketNote
from .notifications import incident_notify_assigned, incident_notify_severe
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
ADMINISTRATORS_DELETE = "Only an administrator can delete {reference}; cancel or close it through its workflow instead."

# clocks drift; a fault reported "now" from a laptop a little ahead is not in the future
OCCURRED_AT_TOLERANCE = timedelta(minutes=5)


# --- incidents --------------------------------------------------------------------------------


@writes
@transaction.atomic
def incident_create(
    *,
    title: str,
    incident_type: IncidentType,
    facility,
    reporter,
    occurred_at: datetime,
    severity: str | None = None,
    description: str = "",
    assignee=None,
    by,
) -> IncidentTicket:
    """Open an incident: reference INC-000123, severity (the type's default unless given), SLA due times.

    The location's supervisors are told of a SEV1/SEV2, and the assignee (if any, and not `by`) that it is theirs.
    """
    incident = IncidentTicket(
        reference=NEW_REFERENCE,
        title=title,
        description=description,
        incident_type=incident_type,
        facility=facility,
        severity=severity,
        status=IncidentStatus.NEW,
        reporter=reporter,
        assignee=assignee,
        occurred_at=occurred_at,
    )
    incident_fill_defaults(incident=incident)
    instance_validate(
        instance=incident,
        validate=_every(
            lambda: ticket_check_scope(ticket=incident, by=by),
            lambda: incident_validate(incident=incident),
        ),
    )
    # the counter row stays locked until the transaction ends; a failure below rolls the number back
    incident.reference = reference_allocate(prefix=INCIDENT_PREFIX)
    incident_refresh_due_times(incident=incident)
    instance_save(instance=incident, by=by, reason=history_reason("Reported"))
    incident_announce(incident=incident, changed=None, by=by)
    return incident


@writes
@transaction.atomic
def incident_update(*, incident: IncidentTicket, by, **fields: Any) -> IncidentTicket:
    """Edit an open incident's plain fields; the SLA due times follow severity, type and start time.

    The ticket is re-read under a row lock, so a supervisor editing a stale page cannot undo a
    concurrent workflow change or edit a ticket closed a moment ago. The passed object is
    brought up to date with what was saved, and returned. A rise to SEV1/SEV2 and a new assignee are told
    (`incident_announce`).
    """
    _check_editable(IncidentTicket, fields, INCIDENT_EDITABLE_FIELDS)
    current = IncidentTicket.objects.select_for_update().get(pk=incident.pk)
    _check_visible(current, by=by)
    changed = _apply(current, fields)
    instance_validate(
        instance=current,
        validate=_every(
            lambda: ticket_check_scope(ticket=current, by=by, changed=changed),
            lambda: incident_validate(incident=current, changed=changed),
        ),
    )
    clocks_set = incident_refresh_due_times(incident=current, changed=changed)
    if changed or clocks_set:  # saving nothing new would only add an empty history row
        sla_changed = [name for name in INCIDENT_SLA_FIELDS if name in changed]
        reason = f"SLA due times recomputed ({', '.join(sla_changed)} changed)" if sla_changed else ""
        instance_save(instance=current, by=by, reason=history_reason(reason))
    incident_announce(incident=current, changed=changed, by=by)
    ticket_copy_state(source=current, target=incident)
    return incident


@writes
@transaction.atomic
def incident_delete(*, incident: IncidentTicket, by, reason: str = "") -> None:
    """Delete an incident for good, its notes with it (administrators only; everyone else closes it).

    History keeps a deletion row naming `by` and the reason, as it does for every note deleted with it.
    """
    _delete(IncidentTicket, incident, by=by, reason=reason)


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
        _check_editable(IncidentTicket, dict.fromkeys(changed), INCIDENT_EDITABLE_FIELDS)
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


@writes
def incident_announce(*, incident: IncidentTicket, changed: Collection[str] | None, by) -> None:
    """Tell whoever must know of an incident just saved by `by`, on every path that saves one.

    New (`changed` None) or raised to SEV1/SEV2: the location's supervisors. New with an assignee, or given to
    someone else: the assignee, unless they did it themselves. Queued in the caller's transaction (the outbox
    sends after it commits): the form and the workflow call it after their save, the import once per row
    it wrote, after its bulk write. Each message is keyed by its event, so telling twice sends one e-mail.
    """
    if changed is None or "severity" in changed:
        incident_notify_severe(incident=incident, by=by)
    if incident.assignee_id is not None and (changed is None or "assignee" in changed):
        incident_notify_assigned(incident=incident, by=by)


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


@writes
@transaction.atomic
def service_ticket_create(
    *,
    title: str,
    facility,
    requested_by,
    category: str = ServiceCategory.OTHER,
    priority: str = ServicePriority.NORMAL,
    description: str = "",
    assignee=None,
    due_on: date | None = None,
    scheduled_event=None,
    by,
) -> ServiceTicket:
    """Open a service ticket with the next SRV-000123 reference."""
    ticket = ServiceTicket(
        reference=NEW_REFERENCE,
        title=title,
        description=description,
        facility=facility,
        category=category,
        priority=priority,
        requested_by=requested_by,
        assignee=assignee,
        due_on=due_on,
        scheduled_event=scheduled_event,
    )
    instance_validate(
        instance=ticket,
        validate=_every(
            lambda: ticket_check_scope(ticket=ticket, by=by),
            lambda: service_ticket_validate(ticket=ticket),
        ),
    )
    ticket.reference = reference_allocate(prefix=SERVICE_PREFIX)
    instance_save(instance=ticket, by=by, reason=history_reason("Requested"))
    return ticket


@writes
@transaction.atomic
def service_ticket_update(*, ticket: ServiceTicket, by, **fields: Any) -> ServiceTicket:
    """Edit a service ticket's plain fields (re-read under a row lock, like `incident_update`)."""
    _check_editable(ServiceTicket, fields, SERVICE_TICKET_EDITABLE_FIELDS)
    current = ServiceTicket.objects.select_for_update().get(pk=ticket.pk)
    _check_visible(current, by=by)
    changed = _apply(current, fields)
    instance_validate(
        instance=current,
        validate=_every(
            lambda: ticket_check_scope(ticket=current, by=by, changed=changed),
            lambda: service_ticket_validate(ticket=current, changed=changed),
        ),
    )
    if changed:
        instance_save(instance=current, by=by, reason=history_reason())
    ticket_copy_state(source=current, target=ticket)
    return ticket


@writes
@transaction.atomic
def service_ticket_delete(*, ticket: ServiceTicket, by, reason: str = "") -> None:
    """Delete a service ticket for good, its notes with it (administrators only; everyone else cancels it)."""
    _delete(ServiceTicket, ticket, by=by, reason=reason)


def service_ticket_validate(*, ticket: ServiceTicket, changed: Collection[str] | None = None) -> None:
    """The rules across rows `service_ticket_create` (`changed` None) or `service_ticket_update` check before
    saving; the import checks each row with it. `full_clean()` and the scope are checked beside it."""
    if changed is None:
        errors = _service_rule_errors(ticket, changed=("assignee", "scheduled_event"))
        if ticket.status != ServiceStatus.OPEN:
            errors["status"] = f"A new service ticket starts as “{ServiceStatus.OPEN.label}”; {STATUS_AFTER_CREATE}"
    else:
        _check_editable(ServiceTicket, dict.fromkeys(changed), SERVICE_TICKET_EDITABLE_FIELDS)
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


# --- notes ------------------------------------------------------------------------------------


@writes
@transaction.atomic
def ticket_note_add(*, ticket: IncidentTicket | ServiceTicket, text: str, by) -> TicketNote:
    """Append a journal line by `by` to an incident or a service ticket. Notes are never edited."""
    if not isinstance(ticket, IncidentTicket | ServiceTicket):
        raise TypeError(f"ticket must be an IncidentTicket or a ServiceTicket, not {type(ticket).__name__}")
    if ticket.pk is None:
        raise ValidationError("Save the ticket before adding notes to it.", code="unsaved")
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": ValidationError("A note needs some text.", code="blank")})
    if isinstance(ticket, IncidentTicket) and ticket.status == IncidentStatus.CLOSED:
        # a closed ticket is read-only, its journal too
        raise ValidationError(f"{ticket.reference} is closed: reopen it to add notes.", code="closed")
    if isinstance(ticket, IncidentTicket):
        note = TicketNote(incident=ticket, author=by, text=text)
    else:
        note = TicketNote(service_ticket=ticket, author=by, text=text)
    note.full_clean()
    instance_save(instance=note, by=by, reason=history_reason())
    return note


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
            if not _sees(by, related):
                errors[name] = _not_visible(related)
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
    if not _sees(by, assignee):
        return _not_visible(assignee)
    return None


def person_label(person) -> str:
    return person.get_full_name() or person.get_username()


def _assignee_rule_errors(ticket, *, changed) -> dict[str, str]:
    if "assignee" in changed and ticket.assignee_id is not None and not ticket.assignee.is_active:
        return {"assignee": f"{person_label(ticket.assignee)} is no longer active."}
    return {}


def _named_fields(ticket) -> list[str]:
    return [field.name for field in ticket._meta.concrete_fields]


def _sees(by, row) -> bool:
    if is_system(by) or sees_everything(by):
        return True
    return visible_rows(row._meta.model._default_manager.filter(pk=row.pk), user=by).exists()


def _not_visible(row) -> str:
    if isinstance(row, IncidentTicket | ServiceTicket):
        return f"{row.reference} is not a ticket you can see."
    if hasattr(row, "get_full_name"):
        return f"{person_label(row)} is not one of the people of your locations."
    return f"“{row}” is not an event you can see."


def _check_visible(ticket, *, by) -> None:
    """A ticket is changed only by someone who can see it (its location's people, reporter, assignee, shares)."""
    if not _sees(by, ticket):
        raise PermissionDenied(_not_visible(ticket))


# --- shared -----------------------------------------------------------------------------------


def history_reason(reason: str = "") -> str:
    """The reason a ticket's history row gives: the unit of work's own first ("Added in the console", "Import
    job …", "Reverted to …"), then the service's ("Reported")."""
    context = current_change()
    outer = context.reason if context is not None else ""
    return "; ".join(part for part in (outer, reason) if part)


def ticket_copy_state(*, source: models.Model, target: models.Model) -> None:
    """Bring the caller's object up to date with the row a service just saved (from a locked copy of it)."""
    if target is source:
        return
    for field in source._meta.concrete_fields:
        # setting a foreign key's id drops its stale cached object
        setattr(target, field.attname, getattr(source, field.attname))
    target._state.adding = False
    target._state.db = source._state.db


def _delete(model: type[models.Model], ticket, *, by, reason: str) -> None:
    if not (is_system(by) or sees_everything(by)):
        raise PermissionDenied(ADMINISTRATORS_DELETE.format(reference=ticket.reference))
    current = model.objects.select_for_update().get(pk=ticket.pk)
    why = history_reason(reason.strip()) or "Deleted"
    _delete_cascading_rows(current, by=by, reason=why)
    instance_delete(instance=current, by=by, reason=why)


def _delete_cascading_rows(ticket, *, by, reason: str) -> None:
    """What the database would do to the rows pointing at `ticket`, done first, one by one, each with its history.

    Its notes and shares are deleted, each knowing its ticket: left to the cascade, a note's history row could be
    written after its ticket is gone (a nullable cascade's order is free), and naming the note ("INC-000123: …")
    would read a ticket that no longer exists. Rows that only lose the link (a time entry spent on it) are saved
    without it, so their history says so too. Should the ticket itself be refused (another row still refers to
    it), the caller's transaction rolls all of this back.
    """
    for relation in ticket._meta.related_objects:
        if not relation.one_to_many or relation.on_delete not in (models.CASCADE, models.SET_NULL):
            continue
        for row in getattr(ticket, relation.get_accessor_name()).all():
            if relation.on_delete is models.CASCADE:
                setattr(row, relation.field.name, ticket)
                instance_delete(instance=row, by=by, reason=reason)
            else:
                setattr(row, relation.field.name, None)
                instance_save(instance=row, by=by, reason=reason)


def _check_editable(model: type[models.Model], fields: dict, editable: frozenset) -> None:
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


def _apply(instance: models.Model, fields: dict[str, Any]) -> list[str]:
    """Set `fields` on `instance`; return the names whose value really changed (foreign keys by id)."""
    changed = []
    for name, value in fields.items():
        attname = instance._meta.get_field(name).attname
        before = getattr(instance, attname)
        setattr(instance, name, value)
        if getattr(instance, attname) != before:
            changed.append(name)
    return changed


def _raise(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationError({field: ValidationError(message, code="invalid") for field, message in errors.items()})


def _every(*checks: Callable[[], None]) -> Callable[[], None]:
    """One check running each of `checks`, raising all their errors together."""

    def check() -> None:
        errors: dict = {}
        for each in checks:
            try:
                each()
            except ValidationError as error:
                errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    return check
