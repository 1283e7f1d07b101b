"""Writes on tickets. The admin, the API, imports and tasks all come through here.

Every service validates with `full_clean()` and saves inside `transaction.atomic()`. The create
and update services take `dry_run=True` to run every check and return the unsaved object
without writing anything: the admin validates its forms that way, so a rule broken here shows
on the form, next to its field, rather than as a server error.

Status and the workflow timestamps are changed only by the workflow (`workflow.py`).
"""

from collections.abc import Collection
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.text import capfirst

from apps.audit.history import current_change
from apps.core.scope import check_location_in_scope
from apps.core.services import reference_allocate

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

NOT_EDITABLE_WHY = "the portal sets it, or the ticket workflow changes it."
STATUS_AFTER_CREATE = "the ticket workflow changes its status after that."

# clocks drift; a fault reported "now" from a laptop a little ahead is not in the future
OCCURRED_AT_TOLERANCE = timedelta(minutes=5)


# --- incidents --------------------------------------------------------------------------------


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
    by=None,
    dry_run: bool = False,
) -> IncidentTicket:
    """Open an incident: reference INC-000123, severity (the type's default unless given), SLA due times."""
    incident = IncidentTicket(
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
    rule_errors = {**_incident_rule_errors(incident, changed=INCIDENT_SLA_FIELDS), **_scope_errors(incident, by=by)}
    if dry_run:
        _validate(incident, rule_errors=rule_errors, exclude=["reference"])
        _incident_set_due_times(incident)
        return incident

    with transaction.atomic():
        # the counter row stays locked until this block ends; a failure below rolls the number back
        incident.reference = reference_allocate(prefix=INCIDENT_PREFIX)
        _validate(incident, rule_errors=rule_errors)
        _incident_set_due_times(incident)
        _save(incident, by=by, reason="Reported")
        incident_notify_severe(incident=incident)
    return incident


def incident_update(*, incident: IncidentTicket, by=None, dry_run: bool = False, **fields: Any) -> IncidentTicket:
    """Edit an open incident's plain fields; the SLA due times follow severity, type and start time.

    The ticket is re-read under a row lock, so a supervisor editing a stale page cannot undo a
    concurrent workflow change or edit a ticket closed a moment ago. The passed object is
    brought up to date with what was saved, and returned.
    """
    _check_editable(IncidentTicket, fields, INCIDENT_EDITABLE_FIELDS)
    with transaction.atomic():
        queryset = IncidentTicket.objects.all() if dry_run else IncidentTicket.objects.select_for_update()
        current = queryset.get(pk=incident.pk)
        _refuse_closed(current)

        changed = _apply(current, fields)
        sla_changed = [name for name in INCIDENT_SLA_FIELDS if name in changed]
        rule_errors = _incident_rule_errors(current, changed=sla_changed)
        _validate(current, rule_errors={**rule_errors, **_scope_errors(current, by=by, changed=changed)})
        clocks_set = incident_refresh_due_times(incident=current, changed=changed)
        if dry_run:
            return current
        if changed or clocks_set:  # saving nothing new would only add an empty history row
            reason = f"SLA due times recomputed ({', '.join(sla_changed)} changed)" if sla_changed else None
            _save(current, by=by, reason=reason)
        if "severity" in changed:
            incident_notify_severe(incident=current)
        if "assignee" in changed:
            incident_notify_assigned(incident=current, by=by)

    _copy_state(source=current, target=incident)
    return incident


def _scope_errors(ticket: IncidentTicket | ServiceTicket, *, by, changed=("facility",)) -> dict[str, str]:
    """A ticket may not be opened at, or moved to, a facility outside the location scope of `by`.

    Whoever reports an incident (requests a service) may do so at any facility they can pick: staff
    report where they work without covering the location.
    """
    if "facility" not in changed or ticket.facility_id is None:
        return {}
    try:
        check_location_in_scope(
            by=by, location=ticket.facility.location, field="facility", owner=ticket_scope_owner(ticket)
        )
    except ValidationError as error:
        return {"facility": error.message_dict["facility"][0]}
    return {}


def ticket_scope_owner(ticket: IncidentTicket | ServiceTicket):
    """Whose own ticket is exempt from the location scope: whoever reports (requests) a new one, at any facility."""
    if ticket.pk is not None:
        return None
    return ticket.reporter_id if isinstance(ticket, IncidentTicket) else ticket.requested_by_id


def incident_fill_defaults(*, incident: IncidentTicket) -> None:
    """An incident without a severity (a new one not given any) takes its type's default severity."""
    if incident.severity in (None, "") and incident.incident_type_id is not None:
        incident.severity = incident.incident_type.default_severity


def incident_refresh_due_times(*, incident: IncidentTicket, changed: Collection[str] | None = None) -> bool:
    """Set the SLA due times when they move (a new ticket; type, severity or start changed) or are missing.

    `changed`: the fields set since the ticket was read, None for a new ticket. True when the times were set.
    """
    moved = changed is None or any(name in changed for name in INCIDENT_SLA_FIELDS)
    if moved or incident.response_due_at is None or incident.resolve_due_at is None:
        _incident_set_due_times(incident)
        return True
    return False


def incident_validate(*, incident: IncidentTicket, changed: Collection[str] | None = None) -> None:
    """The rules `incident_create` (`changed` None: a new ticket) or `incident_update` (`changed`: the fields
    set since the ticket was read) run before saving, for a caller that saves in bulk (an import).

    Raises ValidationError naming every broken rule. `full_clean()` and the location scope are the
    caller's to run (an import checks them for a whole file at once, see `ticket_scope_owner`).
    """
    if changed is None:
        errors = _incident_rule_errors(incident, changed=INCIDENT_SLA_FIELDS)
        if incident.status != IncidentStatus.NEW:
            errors["status"] = f"A new incident starts as “{IncidentStatus.NEW.label}”; {STATUS_AFTER_CREATE}"
    else:
        _check_editable(IncidentTicket, dict.fromkeys(changed), INCIDENT_EDITABLE_FIELDS)
        _refuse_closed(incident)
        errors = _incident_rule_errors(incident, changed=changed)
    if errors:
        raise ValidationError({field: ValidationError(message, code="invalid") for field, message in errors.items()})


def _refuse_closed(incident: IncidentTicket) -> None:
    if incident.status == IncidentStatus.CLOSED:
        raise ValidationError(f"{incident.reference} is closed; reopen it to change it.", code="closed")


def _incident_rule_errors(incident: IncidentTicket, *, changed) -> dict[str, str]:
    """Rules the model's own validation does not know, checked for the fields that changed."""
    errors = {}
    if "incident_type" in changed and incident.incident_type_id and not incident.incident_type.is_active:
        errors["incident_type"] = f"“{incident.incident_type}” is no longer in use; pick an active incident type."
    if (
        "occurred_at" in changed
        and incident.occurred_at
        and incident.occurred_at > timezone.now() + OCCURRED_AT_TOLERANCE
    ):
        errors["occurred_at"] = "An incident cannot have occurred in the future."
    return errors


def _incident_set_due_times(incident: IncidentTicket) -> None:
    incident_set_clocks(incident)
    # a clock that moved into the future may breach again, and then its supervisors are told again
    now = timezone.now()
    if incident.response_due_at and incident.response_due_at > now:
        incident.response_breach_notified_at = None
    if incident.resolve_due_at and incident.resolve_due_at > now:
        incident.resolve_breach_notified_at = None


# --- service tickets --------------------------------------------------------------------------


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
    by=None,
    dry_run: bool = False,
) -> ServiceTicket:
    """Open a service ticket with the next SRV-000123 reference."""
    ticket = ServiceTicket(
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
    rule_errors = _scope_errors(ticket, by=by)
    if dry_run:
        _validate(ticket, rule_errors=rule_errors, exclude=["reference"])
        return ticket

    with transaction.atomic():
        ticket.reference = reference_allocate(prefix=SERVICE_PREFIX)
        _validate(ticket, rule_errors=rule_errors)
        _save(ticket, by=by, reason="Requested")
    return ticket


def service_ticket_validate(*, ticket: ServiceTicket, changed: Collection[str] | None = None) -> None:
    """The rules `service_ticket_create` (`changed` None) or `service_ticket_update` run before saving, for a
    caller that saves in bulk (an import); `full_clean()` and the location scope are the caller's."""
    if changed is None:
        if ticket.status != ServiceStatus.OPEN:
            message = f"A new service ticket starts as “{ServiceStatus.OPEN.label}”; {STATUS_AFTER_CREATE}"
            raise ValidationError({"status": ValidationError(message, code="invalid")})
        return
    _check_editable(ServiceTicket, dict.fromkeys(changed), SERVICE_TICKET_EDITABLE_FIELDS)


def service_ticket_update(*, ticket: ServiceTicket, by=None, dry_run: bool = False, **fields: Any) -> ServiceTicket:
    """Edit a service ticket's plain fields (re-read under a row lock, like `incident_update`)."""
    _check_editable(ServiceTicket, fields, SERVICE_TICKET_EDITABLE_FIELDS)
    with transaction.atomic():
        queryset = ServiceTicket.objects.all() if dry_run else ServiceTicket.objects.select_for_update()
        current = queryset.get(pk=ticket.pk)
        changed = _apply(current, fields)
        _validate(current, rule_errors=_scope_errors(current, by=by, changed=changed))
        if dry_run:
            return current
        if changed:
            _save(current, by=by)

    _copy_state(source=current, target=ticket)
    return ticket


# --- notes ------------------------------------------------------------------------------------


def ticket_note_add(*, ticket: IncidentTicket | ServiceTicket, author, text: str) -> TicketNote:
    """Append a journal line to an incident or a service ticket. Notes are never edited."""
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
        note = TicketNote(incident=ticket, author=author, text=text)
    else:
        note = TicketNote(service_ticket=ticket, author=author, text=text)

    with transaction.atomic():
        _validate(note)
        _save(note, by=author)
    return note


# --- shared -----------------------------------------------------------------------------------


def _check_editable(model: type[models.Model], fields: dict, editable: frozenset) -> None:
    """A typo is a programming error (TypeError); a real field that is not editable is refused."""
    refused = {}
    for name in fields:
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            raise TypeError(f"{model.__name__} has no field {name!r}") from None
        if name not in editable:
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


def _validate(instance: models.Model, *, rule_errors: dict[str, str] | None = None, exclude=None) -> None:
    """full_clean() plus the service's own rules, reported together, each under its field."""
    errors: dict = {}
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)
    for field, message in (rule_errors or {}).items():
        errors.setdefault(field, []).append(ValidationError(message, code="invalid"))
    if errors:
        raise ValidationError(errors)


def _copy_state(*, source: models.Model, target: models.Model) -> None:
    """Bring the caller's object up to date with the row just saved."""
    if target is source:
        return
    for field in source._meta.concrete_fields:
        # setting a foreign key's id drops its stale cached object
        setattr(target, field.attname, getattr(source, field.attname))
    target._state.adding = False
    target._state.db = source._state.db


def _save(instance: models.Model, *, by=None, reason: str | None = None) -> None:
    """Save, telling simple-history who did it and why; the hints do not outlive this save."""
    if by is not None:
        instance._history_user = by
    if reason:
        # the unit of work's own reason ("Reverted to …", "Import job #12") stays first; the service adds why
        context = current_change()
        instance._change_reason = f"{context.reason}; {reason}" if context and context.reason else reason
    try:
        instance.save()
    finally:
        instance.__dict__.pop("_history_user", None)
        instance.__dict__.pop("_change_reason", None)
