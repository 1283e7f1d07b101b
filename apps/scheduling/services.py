"""Writes on shifts, scheduled events and time off, with the rules across rows that `Model.clean()` cannot see.

Each entity has a `<entity>_validate` (the rules across rows, run on every backend; the console form's dry run
and the import call it too) and `_create` / `_update` services that check the caller's scope, validate,
`full_clean()` and save inside a transaction through `apps.core.saving`. On PostgreSQL the exclusion
constraints are the last guard against two concurrent saves: their IntegrityError is turned back into the
constraint's message, in a savepoint so the caller's transaction stays usable.

Every writing service names its actor (`by`, keyword-only, no default: `apps.core.actors.writes`). A status is
never a field here: it moves by its workflow's steps (apps.scheduling.steps): publishing.py for shifts, the
`scheduled_event_confirm` / `_cancel` / `_restore` below, time_off.py for time off; `_update` refuses `status`
and the review stamps. Only administrators delete
(`<entity>_delete`); everyone else cancels.
"""

from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction

from apps.core.actors import is_system, writes
from apps.core.saving import instance_delete, instance_validate_and_save, person_lock, reject_unknown_fields
from apps.core.scope import check_row_in_scope, sees_everything
from apps.facilities.models import Facility

from .choices import EventStatus, ShiftStatus, TimeOffStatus
from .models import ScheduledEvent, Shift, TimeOffRequest
from .rules import (  # re-exported: the admin, the resources and the timesheets import them from here
    ShiftRuleBook,
    day_label,
    days_span,
    local_span,
    location_zone,
    person_name,
    shift_warnings,
)
from .steps import EVENT_STEPS, step_named

__all__ = ["ShiftRuleBook", "day_label", "local_span", "location_zone", "person_name", "shift_warnings"]

SHIFT_FIELDS = frozenset({"user", "facility", "position", "starts_at", "ends_at", "notes"})
EVENT_FIELDS = frozenset({"title", "kind", "facility", "starts_at", "ends_at"})
TIME_OFF_FIELDS = frozenset({"user", "kind", "starts_on", "ends_on", "reason"})
# what a reviewer approved or denied: fixed once the request is reviewed (the reason may still be edited)
TIME_OFF_REVIEWED_FIELDS = ("user", "kind", "starts_on", "ends_on")
# what only the review steps write
TIME_OFF_REVIEW_STAMPS = ("status", "reviewed_by", "reviewed_at", "review_note")

# Time off that stands in the way of a new request; denied and cancelled requests do not.
LIVE_TIME_OFF_STATUSES = (TimeOffStatus.PENDING, TimeOffStatus.APPROVED)

SHIFT_SCOPE = {"location_path": "facility__location", "field": "facility"}
EVENT_SCOPE = {"location_path": "facility__location", "field": "facility"}
TIME_OFF_SCOPE = {"location_path": "user__home_location", "field": "user"}


# --- shared ----------------------------------------------------------------------------------------------------


def people_lock(user_ids: Iterable[int | None]) -> None:
    """`person_lock` for several people in one query, in id order: two writers locking the same people queue
    up instead of deadlocking."""
    ids = sorted({user_id for user_id in user_ids if user_id is not None})
    if len(ids) == 1:
        person_lock(ids[0])
    elif ids:
        list(get_user_model().objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk"))


def stored_in_scope(instance: models.Model, *, by, location_path: str, field: str, owner_attname=None):
    """An existing row is `by`'s to change only where it is now, as well as where it goes; returns it as stored."""
    if instance.pk is None:
        return None
    stored = type(instance)._default_manager.select_related(location_path).get(pk=instance.pk)
    owner = getattr(stored, owner_attname) if owner_attname else None
    check_row_in_scope(by=by, row=stored, location_path=location_path, field=field, owner=owner)
    return stored


def keep_stored(instance: models.Model, stored: models.Model | None, names: Iterable[str]) -> None:
    """The workflow's fields as stored, whatever an instance read earlier holds: an update never moves them
    (a shift published since the form was opened stays published)."""
    if stored is not None:
        for name in names:
            field = instance._meta.get_field(name)
            setattr(instance, field.attname, getattr(stored, field.attname))


def step_row(instance: models.Model, *, by, scope: dict, owner_attname=None) -> models.Model:
    """The row a workflow step changes: `instance` as stored (in `by`'s scope), not an earlier read of it,
    so a step writes its status and stamps and nothing an in-memory copy may hold."""
    return stored_in_scope(instance, by=by, owner_attname=owner_attname, **scope)


def adopt(instance: models.Model, saved: models.Model) -> None:
    """Give the caller's `instance` the values of the row a step saved."""
    for field in saved._meta.concrete_fields:
        setattr(instance, field.attname, getattr(saved, field.attname))


def changed_fields(instance: models.Model, fields: dict[str, Any]) -> set[str]:
    """The names among `fields` whose value differs from `instance`'s."""
    return {name for name, value in fields.items() if getattr(instance, name) != value}


def administrator_check(*, by, noun: str, instead: str) -> None:
    """Deletes are the administrators' (and the system's): everyone else cancels, which history keeps."""
    if is_system(by) or sees_everything(by):
        return
    raise PermissionDenied(f"Only administrators delete {noun}; {instead}.")


# --- shifts -------------------------------------------------------------------------------------------------------


def shift_validate(*, shift: Shift, by) -> None:
    """Rules across rows for a shift about to be saved; raises ValidationError naming what clashes.

    - it ends after it starts;
    - unless cancelled, it lasts at most SHIFT_MAX_HOURS, does not overlap another non-cancelled shift of
      the same person (half-open: a shift may start when the previous one ends) and leaves at least
      SHIFT_MIN_REST_HOURS of rest to that person's shifts before and after it (apps.scheduling.rules);
    - if published, it does not overlap an approved time off of the same person (time off days are
      whole days in the time zone of the shift's location).

    Every shift of the person counts, wherever it is; one `by` cannot see is told without its place.
    """
    if shift.starts_at is None or shift.ends_at is None or shift.user_id is None:
        return  # full_clean() reports the missing fields
    ShiftRuleBook.for_shifts([shift], viewer=by).check(shift)


def shift_checks(*, shift: Shift, by) -> Callable[[], None]:
    """What a shift's save checks: the place is `by`'s (nothing else matters if not), then the rules."""

    def check() -> None:
        check_row_in_scope(by=by, row=shift, **SHIFT_SCOPE)
        shift_validate(shift=shift, by=by)

    return check


@writes
@transaction.atomic
def shift_create(
    *,
    user,
    facility: Facility,
    position: str,
    starts_at: datetime,
    ends_at: datetime,
    notes: str = "",
    by,
) -> Shift:
    """A new draft shift (publish it with apps.scheduling.publishing.shift_publish)."""
    shift = Shift(
        user=user,
        facility=facility,
        position=position,
        starts_at=starts_at,
        ends_at=ends_at,
        status=ShiftStatus.DRAFT,
        notes=notes,
    )
    people_lock([shift.user_id])  # the rest rule has no database constraint: queue one person's writes
    instance_validate_and_save(instance=shift, validate=shift_checks(shift=shift, by=by), by=by)
    return shift


@writes
@transaction.atomic
def shift_update(*, shift: Shift, by, **fields: Any) -> Shift:
    """Change any of user, facility, position, starts_at, ends_at, notes (the status moves by its steps)."""
    reject_unknown_fields(fields, SHIFT_FIELDS, "shift_update")
    keep_stored(shift, stored_in_scope(shift, by=by, **SHIFT_SCOPE), ["status"])
    new_user = fields.get("user")
    people_lock([shift.user_id, new_user.pk if new_user is not None else None])
    for name, value in fields.items():
        setattr(shift, name, value)
    instance_validate_and_save(instance=shift, validate=shift_checks(shift=shift, by=by), by=by)
    return shift


def shift_delete_blockers(*, shift: Shift) -> list:
    """What keeps a shift from being deleted: the time entries logged against it (they would lose their link
    without a trace in their history)."""
    return list(shift.time_entries.select_related("user")[:20])


@writes
@transaction.atomic
def shift_delete(*, shift: Shift, by, reason: str) -> None:
    """An administrator's delete, kept in history with `reason`; a shift time entries name is only cancelled."""
    administrator_check(by=by, noun="shifts", instead="cancel the shift instead")
    stored_in_scope(shift, by=by, **SHIFT_SCOPE)
    if shift_delete_blockers(shift=shift):
        raise ValidationError(
            "Time entries name this shift; cancel it instead, so they keep what they were logged against.",
            code="shift_has_time_entries",
        )
    instance_delete(instance=shift, by=by, reason=reason)


# --- scheduled events ----------------------------------------------------------------------------------


def _others(candidate, pending: Iterable) -> tuple[list, list[int]]:
    """`pending` without `candidate` itself, and the ids of the stored rows the pending ones replace."""
    others = [other for other in pending if other is not candidate and (other.pk is None or other.pk != candidate.pk)]
    return others, [other.pk for other in others if other.pk is not None]


def scheduled_event_validate(*, event: ScheduledEvent, pending: Iterable[ScheduledEvent] = ()) -> None:
    """It ends after it starts; a confirmed event does not overlap another confirmed one at its facility.

    `pending`: events accepted earlier in the same batch but not saved yet (an import writes them at the
    end); they count as if saved, in place of their stored versions.
    """
    if event.starts_at is None or event.ends_at is None or event.facility_id is None:
        return
    if event.ends_at <= event.starts_at:
        raise ValidationError({"ends_at": ValidationError("An event must end after it starts.", code="ends_before")})
    if event.status != EventStatus.CONFIRMED:
        return
    others, replaced = _others(event, pending)
    stored = (
        ScheduledEvent.objects.filter(
            facility_id=event.facility_id,
            status=EventStatus.CONFIRMED,
            starts_at__lt=event.ends_at,
            ends_at__gt=event.starts_at,
        )
        .exclude(pk=event.pk)
        .exclude(pk__in=replaced)
        .select_related("facility__location")
        .order_by("starts_at")
        .first()
    )
    clashes = [stored] if stored is not None else []
    clashes += [
        other
        for other in others
        if other.facility_id == event.facility_id
        and other.status == EventStatus.CONFIRMED
        and other.starts_at < event.ends_at
        and other.ends_at > event.starts_at
    ]
    clash = min(clashes, key=lambda other: other.starts_at, default=None)
    if clash is not None:
        message = (
            f"{clash.facility.code} already has a confirmed {clash.get_kind_display().lower()}, "
            f"“{clash.title}”, {local_span(clash.starts_at, clash.ends_at, location_zone(clash.facility))}."
        )
        raise ValidationError({"starts_at": ValidationError(message, code="event_overlap")})


def scheduled_event_checks(*, event: ScheduledEvent, by) -> Callable[[], None]:
    def check() -> None:
        check_row_in_scope(by=by, row=event, **EVENT_SCOPE)
        scheduled_event_validate(event=event)

    return check


@writes
@transaction.atomic
def scheduled_event_create(
    *,
    title: str,
    kind: str,
    facility: Facility,
    starts_at: datetime,
    ends_at: datetime,
    crew: Iterable = (),
    by,
) -> ScheduledEvent:
    """A new tentative event (`scheduled_event_confirm` holds the facility)."""
    event = ScheduledEvent(
        title=title, kind=kind, facility=facility, starts_at=starts_at, ends_at=ends_at, status=EventStatus.TENTATIVE
    )
    instance_validate_and_save(instance=event, validate=scheduled_event_checks(event=event, by=by), by=by)
    event.crew.set(list(crew))
    return event


@writes
@transaction.atomic
def scheduled_event_update(*, event: ScheduledEvent, by, crew: Iterable | None = None, **fields: Any):
    """Change any of title, kind, facility, starts_at, ends_at; `crew` replaces the crew when given."""
    reject_unknown_fields(fields, EVENT_FIELDS, "scheduled_event_update")
    keep_stored(event, stored_in_scope(event, by=by, **EVENT_SCOPE), ["status"])
    for name, value in fields.items():
        setattr(event, name, value)
    instance_validate_and_save(instance=event, validate=scheduled_event_checks(event=event, by=by), by=by)
    if crew is not None:
        event.crew.set(list(crew))
    return event


def _scheduled_event_step(*, event: ScheduledEvent, by, verb: str) -> ScheduledEvent:
    step = step_named(EVENT_STEPS, verb)
    row = step_row(event, by=by, scope=EVENT_SCOPE)
    step.check(row.status, EventStatus)
    row.status = step.target
    instance_validate_and_save(instance=row, validate=scheduled_event_checks(event=row, by=by), by=by)
    adopt(event, row)
    return event


@writes
@transaction.atomic
def scheduled_event_confirm(*, event: ScheduledEvent, by) -> ScheduledEvent:
    """Tentative → confirmed: no other confirmed event at the facility in that time (PostgreSQL guards it too)."""
    return _scheduled_event_step(event=event, by=by, verb="confirm")


@writes
@transaction.atomic
def scheduled_event_cancel(*, event: ScheduledEvent, by) -> ScheduledEvent:
    """Tentative or confirmed → cancelled: the slot is free again; the event stays in the roster's history."""
    return _scheduled_event_step(event=event, by=by, verb="cancel")


@writes
@transaction.atomic
def scheduled_event_restore(*, event: ScheduledEvent, by) -> ScheduledEvent:
    """Cancelled → tentative (confirm it again to hold the facility)."""
    return _scheduled_event_step(event=event, by=by, verb="restore as tentative")


def scheduled_event_delete_blockers(*, event: ScheduledEvent) -> list:
    """What keeps an event from being deleted: the service tickets naming it as their maintenance window."""
    return list(event.service_tickets.order_by("reference")[:20])


@writes
@transaction.atomic
def scheduled_event_delete(*, event: ScheduledEvent, by, reason: str) -> None:
    """An administrator's delete, kept in history with `reason`; an event service tickets name is only cancelled."""
    administrator_check(by=by, noun="events", instead="cancel the event instead")
    stored_in_scope(event, by=by, **EVENT_SCOPE)
    blockers = scheduled_event_delete_blockers(event=event)
    if blockers:
        references = ", ".join(ticket.reference for ticket in blockers[:5])
        raise ValidationError(
            f"Service tickets name this event as their maintenance window ({references}); cancel it instead.",
            code="event_has_service_tickets",
        )
    instance_delete(instance=event, by=by, reason=reason)


# --- time off --------------------------------------------------------------------------------------------


def time_off_request_validate(*, time_off_request: TimeOffRequest, pending: Iterable[TimeOffRequest] = ()) -> None:
    """It ends on or after the day it starts; a live (pending/approved) request overlaps no other live one.

    `pending`: requests accepted earlier in the same batch, not saved yet (see `scheduled_event_validate`).
    """
    candidate = time_off_request
    if candidate.starts_on is None or candidate.ends_on is None or candidate.user_id is None:
        return
    if candidate.ends_on < candidate.starts_on:
        raise ValidationError({"ends_on": ValidationError("Time off cannot end before it starts.", code="ends_before")})
    if candidate.status not in LIVE_TIME_OFF_STATUSES:
        return
    others, replaced = _others(candidate, pending)
    stored = (
        TimeOffRequest.objects.filter(
            user_id=candidate.user_id,
            status__in=LIVE_TIME_OFF_STATUSES,
            starts_on__lte=candidate.ends_on,
            ends_on__gte=candidate.starts_on,
        )
        .exclude(pk=candidate.pk)
        .exclude(pk__in=replaced)
        .select_related("user")
        .order_by("starts_on")
        .first()
    )
    clashes = [stored] if stored is not None else []
    clashes += [
        other
        for other in others
        if other.user_id == candidate.user_id
        and other.status in LIVE_TIME_OFF_STATUSES
        and other.starts_on <= candidate.ends_on
        and other.ends_on >= candidate.starts_on
    ]
    clash = min(clashes, key=lambda other: other.starts_on, default=None)
    if clash is not None:
        message = (
            f"{person_name(clash.user)} already has {clash.get_status_display().lower()} "
            f"{clash.get_kind_display().lower()} time off {days_span(clash.starts_on, clash.ends_on)}."
        )
        raise ValidationError({"starts_on": ValidationError(message, code="time_off_overlap")})


def time_off_request_checks(*, time_off_request: TimeOffRequest, by) -> Callable[[], None]:
    """The person is `by`'s to plan (or `by` themself), then the rules across requests."""

    def check() -> None:
        check_row_in_scope(by=by, row=time_off_request, owner=time_off_request.user_id, **TIME_OFF_SCOPE)
        time_off_request_validate(time_off_request=time_off_request)

    return check


def time_off_request_change_check(*, time_off_request: TimeOffRequest, changed: Iterable[str]) -> None:
    """A reviewed request keeps what was reviewed: its person, kind and days (the form, the import, the service)."""
    if time_off_request.status == TimeOffStatus.PENDING:
        return
    fixed = [name for name in TIME_OFF_REVIEWED_FIELDS if name in set(changed)]
    if fixed:
        status = time_off_request.get_status_display().lower()
        raise ValidationError(
            {
                name: ValidationError(
                    f"The request is {status}: its person, kind and days stay as reviewed "
                    "(cancel it and request the new days instead).",
                    code="reviewed",
                )
                for name in fixed
            }
        )


@writes
@transaction.atomic
def time_off_request_create(*, user, kind: str, starts_on: date, ends_on: date, reason: str = "", by) -> TimeOffRequest:
    """A new pending request (reviewed with apps.scheduling.time_off)."""
    time_off_request = TimeOffRequest(
        user=user, kind=kind, starts_on=starts_on, ends_on=ends_on, reason=reason, status=TimeOffStatus.PENDING
    )
    person_lock(time_off_request.user_id)  # the overlap rule has no database constraint: queue one person's writes
    instance_validate_and_save(
        instance=time_off_request, validate=time_off_request_checks(time_off_request=time_off_request, by=by), by=by
    )
    return time_off_request


@writes
@transaction.atomic
def time_off_request_update(*, time_off_request: TimeOffRequest, by, **fields: Any) -> TimeOffRequest:
    """Change any of user, kind, starts_on, ends_on, reason; once reviewed, only the reason.

    The status and the review stamps move by the steps of apps.scheduling.time_off only.
    """
    reject_unknown_fields(fields, TIME_OFF_FIELDS, "time_off_request_update")
    stored = stored_in_scope(time_off_request, by=by, owner_attname="user_id", **TIME_OFF_SCOPE)
    keep_stored(time_off_request, stored, TIME_OFF_REVIEW_STAMPS)
    time_off_request_change_check(time_off_request=time_off_request, changed=changed_fields(time_off_request, fields))
    people_lock([time_off_request.user_id, getattr(fields.get("user"), "pk", None)])
    for name, value in fields.items():
        setattr(time_off_request, name, value)
    instance_validate_and_save(
        instance=time_off_request, validate=time_off_request_checks(time_off_request=time_off_request, by=by), by=by
    )
    return time_off_request


@writes
@transaction.atomic
def time_off_request_delete(*, time_off_request: TimeOffRequest, by, reason: str) -> None:
    """An administrator's delete, kept in history with `reason`."""
    administrator_check(by=by, noun="time off requests", instead="cancel the request instead")
    stored_in_scope(time_off_request, by=by, owner_attname="user_id", **TIME_OFF_SCOPE)
    instance_delete(instance=time_off_request, by=by, reason=reason)
