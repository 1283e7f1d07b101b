"""Writes on time entries, with the rules across rows: a day holds at most 24 hours, links agree.

Every writing service names its actor (`by`, keyword-only, no default). The status moves by the review steps
only (submitted → approved or rejected, never one's own, stamped with the reviewer and the time); a reviewed
entry keeps what was reviewed (its notes aside). Only administrators delete an entry; others reject it.
"""

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from apps.core.actors import writes
from apps.core.saving import instance_delete, instance_validate_and_save, person_lock, reject_unknown_fields
from apps.core.scope import check_row_in_scope
from apps.scheduling.models import Shift
from apps.scheduling.services import (
    administrator_check,
    adopt,
    changed_fields,
    day_label,
    keep_stored,
    people_lock,
    person_name,
    step_row,
    stored_in_scope,
)
from apps.scheduling.steps import Step

from .choices import Activity, TimeEntryStatus
from .models import MINUTES_PER_DAY, TimeEntry

TIME_ENTRY_FIELDS = frozenset(
    {"user", "work_date", "minutes", "activity", "shift", "incident", "service_ticket", "notes"}
)
# what a reviewer approved or rejected: fixed once the entry is reviewed (its notes may still be edited)
TIME_ENTRY_REVIEWED_FIELDS = ("user", "work_date", "minutes", "activity", "shift", "incident", "service_ticket")
TIME_ENTRY_SCOPE = {"location_path": "user__home_location", "field": "user"}
TIME_ENTRY_STEPS = (
    Step("approve", (TimeEntryStatus.SUBMITTED,), TimeEntryStatus.APPROVED, "submitted"),
    Step("reject", (TimeEntryStatus.SUBMITTED,), TimeEntryStatus.REJECTED, "submitted"),
)
APPROVE, REJECT = TIME_ENTRY_STEPS

# Which activity a linked item implies.
LINK_ACTIVITIES = {"shift": Activity.SHIFT, "incident": Activity.INCIDENT, "service_ticket": Activity.SERVICE}
LINK_LABELS = {"shift": "a shift", "incident": "an incident", "service_ticket": "a service ticket"}


def hours_label(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return f"{hours}h{rest:02d}"


def time_entry_validate(*, time_entry: TimeEntry, pending: Iterable[TimeEntry] = ()) -> None:
    """Rules across fields and rows; raises ValidationError naming what is wrong.

    - minutes are 1..1,440;
    - one person's entries on one day (rejected ones aside) add up to at most 24 hours;
    - at most one linked item (shift, incident or service ticket), and the activity agrees with it;
    - a linked shift is the same person's.

    `pending`: entries accepted earlier in the same batch but not saved yet (an import writes them at the
    end); they count towards the day as if saved, in place of their stored versions.
    """
    entry = time_entry
    errors: dict[str, list[ValidationError]] = {}

    linked = [name for name in LINK_ACTIVITIES if getattr(entry, f"{name}_id") is not None]
    if len(linked) > 1:
        labels = " and ".join(LINK_LABELS[name] for name in linked)
        errors.setdefault(NON_FIELD_ERRORS, []).append(
            ValidationError(
                f"An entry links to one item at most; this one links {labels}.", code="time_entry_many_links"
            )
        )
    elif linked:
        name = linked[0]
        expected = LINK_ACTIVITIES[name]
        if entry.activity != expected:
            errors.setdefault("activity", []).append(
                ValidationError(
                    f"An entry linked to {LINK_LABELS[name]} must have the activity “{expected.label}”.",
                    code="time_entry_activity_mismatch",
                )
            )
    if entry.shift_id is not None and entry.user_id is not None:
        shift = Shift.objects.select_related("user", "facility").get(pk=entry.shift_id)
        if shift.user_id != entry.user_id:
            errors.setdefault("shift", []).append(
                ValidationError(
                    f"That shift ({shift.position} at {shift.facility.code}) is {person_name(shift.user)}'s, "
                    f"not this person's.",
                    code="time_entry_shift_of_other",
                )
            )

    if entry.minutes is not None:
        if not 0 < entry.minutes <= MINUTES_PER_DAY:
            errors.setdefault("minutes", []).append(
                ValidationError("Minutes must be more than 0 and at most 1,440 (one day).", code="minutes_range")
            )
        elif entry.user_id is not None and entry.work_date is not None and entry.status != TimeEntryStatus.REJECTED:
            others = [other for other in pending if other is not entry and (other.pk is None or other.pk != entry.pk)]
            logged = (
                TimeEntry.objects.filter(user_id=entry.user_id, work_date=entry.work_date)
                .exclude(status=TimeEntryStatus.REJECTED)
                .exclude(pk=entry.pk)
                .exclude(pk__in=[other.pk for other in others if other.pk is not None])
                .aggregate(total=Sum("minutes"))["total"]
                or 0
            )
            logged += sum(
                other.minutes
                for other in others
                if other.user_id == entry.user_id
                and other.work_date == entry.work_date
                and other.status != TimeEntryStatus.REJECTED
            )
            if logged + entry.minutes > MINUTES_PER_DAY:
                errors.setdefault("minutes", []).append(
                    ValidationError(
                        f"{person_name(entry.user)} already has {hours_label(logged)} logged on "
                        f"{_day(entry.work_date)}; {hours_label(entry.minutes)} more would make "
                        f"{hours_label(logged + entry.minutes)}, more than a day (24h00).",
                        code="time_entry_day_full",
                    )
                )

    if errors:
        raise ValidationError(errors)


def _day(day: date) -> str:
    return f"{day_label(day)} {day.year}"


def time_entry_checks(*, time_entry: TimeEntry, by) -> Callable[[], None]:
    """Entries of people outside `by`'s locations are refused (their own entries excepted), then the rules."""

    def check() -> None:
        check_row_in_scope(by=by, row=time_entry, owner=time_entry.user_id, **TIME_ENTRY_SCOPE)
        time_entry_validate(time_entry=time_entry)

    return check


def time_entry_change_check(*, time_entry: TimeEntry, changed: Iterable[str]) -> None:
    """A reviewed entry keeps what was reviewed (the form, the import, the service); its notes may change."""
    if time_entry.status == TimeEntryStatus.SUBMITTED:
        return
    fixed = [name for name in TIME_ENTRY_REVIEWED_FIELDS if name in set(changed)]
    if fixed:
        status = time_entry.get_status_display().lower()
        raise ValidationError(
            {
                name: ValidationError(
                    f"The entry is {status}: it stays as reviewed (log a new entry for the difference).",
                    code="reviewed",
                )
                for name in fixed
            }
        )


@writes
@transaction.atomic
def time_entry_create(
    *,
    user,
    work_date: date,
    minutes: int,
    activity: str,
    shift=None,
    incident=None,
    service_ticket=None,
    notes: str = "",
    by,
) -> TimeEntry:
    """A new submitted entry (reviewed with `time_entry_approve` / `time_entry_reject`)."""
    time_entry = TimeEntry(
        user=user,
        work_date=work_date,
        minutes=minutes,
        activity=activity,
        shift=shift,
        incident=incident,
        service_ticket=service_ticket,
        notes=notes,
        status=TimeEntryStatus.SUBMITTED,
    )
    person_lock(time_entry.user_id)  # the day total has no database constraint: queue one person's writes
    instance_validate_and_save(instance=time_entry, validate=time_entry_checks(time_entry=time_entry, by=by), by=by)
    return time_entry


@writes
@transaction.atomic
def time_entry_update(*, time_entry: TimeEntry, by, **fields: Any) -> TimeEntry:
    """Change any of user, work_date, minutes, activity, shift, incident, service_ticket, notes; once reviewed,
    only the notes. The status and the review stamps move by the review steps only."""
    reject_unknown_fields(fields, TIME_ENTRY_FIELDS, "time_entry_update")
    stored = stored_in_scope(time_entry, by=by, owner_attname="user_id", **TIME_ENTRY_SCOPE)
    keep_stored(time_entry, stored, ("status", "reviewed_by", "reviewed_at"))
    time_entry_change_check(time_entry=time_entry, changed=changed_fields(time_entry, fields))
    people_lock([time_entry.user_id, getattr(fields.get("user"), "pk", None)])
    for name, value in fields.items():
        setattr(time_entry, name, value)
    instance_validate_and_save(instance=time_entry, validate=time_entry_checks(time_entry=time_entry, by=by), by=by)
    return time_entry


@writes
@transaction.atomic
def time_entry_delete(*, time_entry: TimeEntry, by, reason: str) -> None:
    """An administrator's delete, kept in history with `reason`."""
    administrator_check(by=by, noun="time entries", instead="reject the entry instead")
    stored_in_scope(time_entry, by=by, owner_attname="user_id", **TIME_ENTRY_SCOPE)
    instance_delete(instance=time_entry, by=by, reason=reason)


# --- review --------------------------------------------------------------------------------------------------


def _time_entry_review(*, time_entry: TimeEntry, step: Step, by) -> TimeEntry:
    """Run `step` on the entry as stored: the person's lock, scope, status, never one's own, rules, save."""
    person_lock(time_entry.user_id)
    row = step_row(time_entry, by=by, scope=TIME_ENTRY_SCOPE, owner_attname="user_id")
    step.check(row.status, TimeEntryStatus)
    if row.user_id == by.pk:
        raise ValidationError("nobody reviews their own time.", code="time_entry_own")
    row.status, row.reviewed_by, row.reviewed_at = step.target, by, timezone.now()
    instance_validate_and_save(instance=row, validate=time_entry_checks(time_entry=row, by=by), by=by)
    adopt(time_entry, row)
    time_entry.reviewed_by = row.reviewed_by
    return time_entry


@writes
@transaction.atomic
def time_entry_approve(*, time_entry: TimeEntry, by) -> TimeEntry:
    """Approve a submitted entry (scope and the day's rules checked again), stamping who and when."""
    return _time_entry_review(time_entry=time_entry, step=APPROVE, by=by)


@writes
@transaction.atomic
def time_entry_reject(*, time_entry: TimeEntry, by) -> TimeEntry:
    """Reject a submitted entry (it no longer counts towards the day), stamping who and when."""
    return _time_entry_review(time_entry=time_entry, step=REJECT, by=by)
