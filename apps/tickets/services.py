"""Writes on tickets: opening, editing and deleting incidents and service tickets, and their notes.

The console's forms, imports, the API and the workflows (`workflow.py`, `service_workflow.py`) all come
through here, and every write names who makes it (`@writes`: `by` is required; the portal's own work passes
the system account). Each write checks the rules of `rules.py` — who may name what (`ticket_check_scope`),
the rules across rows (`incident_validate`, `service_ticket_validate`) and the model's own validation,
together `apps.core.saving.instance_validate` — and saves with `apps.core.saving.instance_save` (history
names `by` and the reason).

What follows a save — the SEV1/SEV2 alert to the location's supervisors, the assignee's e-mail — is
`incident_announce`, which the import calls too, once per row it wrote: a rule added there holds on both paths.

Status and the workflow's timestamps are changed only by the workflow; a ticket is deleted only by an
administrator (everyone else cancels or closes it).
"""

from collections.abc import Callable, Collection
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction

from apps.core.actors import is_system, writes
from apps.core.saving import instance_delete, instance_save, instance_validate
from apps.core.scope import sees_everything
from apps.core.services import reference_allocate

from .changes import history_reason, ticket_copy_state
from .choices import IncidentStatus, ServiceCategory, ServicePriority
from .models import INCIDENT_PREFIX, SERVICE_PREFIX, IncidentTicket, IncidentType, ServiceTicket, TicketNote
from .notifications import incident_notify_assigned, incident_notify_severe
from .rules import (
    INCIDENT_EDITABLE_FIELDS,
    INCIDENT_SLA_FIELDS,
    NEW_REFERENCE,
    SERVICE_TICKET_EDITABLE_FIELDS,
    can_see,
    check_editable,
    incident_fill_defaults,
    incident_refresh_due_times,
    incident_validate,
    not_visible_message,
    service_ticket_validate,
    ticket_check_scope,
    ticket_note_refusal,
)

ADMINISTRATORS_DELETE = "Only an administrator can delete {reference}; cancel or close it through its workflow instead."


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
    check_editable(IncidentTicket, fields, INCIDENT_EDITABLE_FIELDS)
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
    check_editable(ServiceTicket, fields, SERVICE_TICKET_EDITABLE_FIELDS)
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
    refusal = ticket_note_refusal(ticket)
    if refusal:
        raise ValidationError(refusal, code="closed")
    if isinstance(ticket, IncidentTicket):
        note = TicketNote(incident=ticket, author=by, text=text)
    else:
        note = TicketNote(service_ticket=ticket, author=by, text=text)
    note.full_clean()
    instance_save(instance=note, by=by, reason=history_reason())
    return note


# --- shared -----------------------------------------------------------------------------------


def _check_visible(ticket, *, by) -> None:
    """A ticket is changed only by someone who can see it (its location's people, reporter, assignee, shares)."""
    if not can_see(by, ticket):
        raise PermissionDenied(not_visible_message(ticket))


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
