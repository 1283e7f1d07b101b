"""Writes on time entries, with the rules across rows: a day holds at most 24 hours, links agree."""

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from apps.core.saving import instance_validate_and_save, person_lock, reject_unknown_fields
from apps.core.scope import check_row_in_scope
from apps.scheduling.models import Shift
from apps.scheduling.services import day_label, person_name

from .choices import Activity, TimeEntryStatus
from .models import MINUTES_PER_DAY, TimeEntry

TIME_ENTRY_FIELDS = frozenset(
    {"user", "work_date", "minutes", "activity", "shift", "incident", "service_ticket", "notes", "status"}
)

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


def _in_scope_then(time_entry: TimeEntry, *, by) -> None:
    """Entries of people outside `by`'s locations are refused (their own entries excepted), then the rules."""
    check_row_in_scope(
        by=by, row=time_entry, location_path="user__home_location", field="user", owner=time_entry.user_id
    )
    time_entry_validate(time_entry=time_entry)


def _time_entry_save(*, time_entry: TimeEntry, by) -> TimeEntry:
    person_lock(time_entry.user_id)  # the day total has no database constraint: queue one person's writes
    instance_validate_and_save(instance=time_entry, validate=lambda: _in_scope_then(time_entry, by=by), by=by)
    return time_entry


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
    by=None,
) -> TimeEntry:
    time_entry = TimeEntry(
        user=user,
        work_date=work_date,
        minutes=minutes,
        activity=activity,
        shift=shift,
        incident=incident,
        service_ticket=service_ticket,
        notes=notes,
    )
    return _time_entry_save(time_entry=time_entry, by=by)


@transaction.atomic
def time_entry_update(*, time_entry: TimeEntry, by=None, **fields: Any) -> TimeEntry:
    """Change any of user, work_date, minutes, activity, shift, incident, service_ticket, notes, status."""
    reject_unknown_fields(fields, TIME_ENTRY_FIELDS, "time_entry_update")
    for name, value in fields.items():
        setattr(time_entry, name, value)
    return _time_entry_save(time_entry=time_entry, by=by)


# --- review --------------------------------------------------------------------------------------------------


def _time_entry_review(*, time_entry: TimeEntry, status: str, by) -> TimeEntry:
    if time_entry.status != TimeEntryStatus.SUBMITTED:
        raise ValidationError(
            f"it is {time_entry.get_status_display().lower()}, not submitted.", code="time_entry_not_submitted"
        )
    if by is not None and time_entry.user_id == by.pk:
        raise ValidationError("nobody reviews their own time.", code="time_entry_own")
    time_entry.status, time_entry.reviewed_by, time_entry.reviewed_at = status, by, timezone.now()
    return _time_entry_save(time_entry=time_entry, by=by)


@transaction.atomic
def time_entry_approve(*, time_entry: TimeEntry, by) -> TimeEntry:
    """Approve a submitted entry (scope and the day's rules checked again), stamping who and when."""
    return _time_entry_review(time_entry=time_entry, status=TimeEntryStatus.APPROVED, by=by)


@transaction.atomic
def time_entry_reject(*, time_entry: TimeEntry, by) -> TimeEntry:
    return _time_entry_review(time_entry=time_entry, status=TimeEntryStatus.REJECTED, by=by)
