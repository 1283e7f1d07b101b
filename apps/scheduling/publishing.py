"""The shift's workflow steps and roster actions on many shifts: publish, cancel, restore, copy a week, reassign.

Each shift is handled in its own savepoint (`apps.core.batch.for_each`): a shift a rule
refuses is skipped with the rule's message, the others go ahead, and the caller gets one `Outcome` per shift.

Publishing locks the people concerned (their user rows, in id order, so two publishes never deadlock) and
then the selected shifts, and re-reads the published roster after the locks: of two supervisors publishing
conflicting shifts at the same moment, the second waits, then sees the first's shifts and is refused. The
database's exclusion constraint stays the last guard against overlaps from any other path. Every step locks the
people concerned first (as shift_create / shift_update do), so the rest rule cannot be broken by a race either.
"""

import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet

from apps.core.actors import writes
from apps.core.batch import Outcome, for_each
from apps.core.saving import instance_validate_and_save
from apps.core.scope import check_row_in_scope

from .choices import ShiftStatus
from .models import Shift
from .notifications import shifts_published_notify
from .rules import ShiftRuleBook, local_midnight, shift_warnings
from .selectors import shifts_visible_to
from .services import SHIFT_SCOPE, adopt, people_lock, shift_checks, shift_update, step_row
from .steps import SHIFT_STEPS, step_named

__all__ = [
    "Outcome",
    "shift_cancel",
    "shift_copy_week",
    "shift_publish",
    "shift_reassign",
    "shift_restore",
    "shifts_of_week",
]

PUBLISH, CANCEL, RESTORE = (step_named(SHIFT_STEPS, verb) for verb in ("publish", "cancel", "restore as a draft"))


def week_bounds(week_of: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """Monday 00:00 to the next Monday 00:00 in `zone`, of the week holding `week_of`."""
    monday = week_of - timedelta(days=week_of.weekday())
    return local_midnight(monday, zone), local_midnight(monday + timedelta(days=7), zone)


def shifts_of_week(*, location, week_of: date, by, statuses: Iterable[str]) -> QuerySet[Shift]:
    """`by`'s visible shifts at `location` starting in the Monday–Sunday week of `week_of` (local time)."""
    begins, ends = week_bounds(week_of, location.timezone)
    return shifts_visible_to(user=by).filter(
        facility__location=location, starts_at__gte=begins, starts_at__lt=ends, status__in=list(statuses)
    )


def _save_checked(shift: Shift, *, book: ShiftRuleBook, by) -> str:
    """Scope, the book's rules, full_clean(), save; the weekly-hours warnings as the outcome's message."""
    check_row_in_scope(by=by, row=shift, **SHIFT_SCOPE)
    instance_validate_and_save(instance=shift, validate=lambda: book.check(shift), by=by)
    book.add(shift)
    return " ".join(shift_warnings(shift=shift))


@writes
@transaction.atomic
def shift_publish(*, shifts: Iterable[Shift], by) -> list[Outcome]:
    """Publish the draft shifts among `shifts`; each person is e-mailed once with their newly published ones.

    The rules are checked again against the published roster (drafts are plans; a draft that breaks a
    rule against another draft is refused when that other one is published first).
    """
    ids = {shift.pk for shift in shifts}
    if not ids:
        return []
    people_lock(Shift.objects.filter(pk__in=ids).values_list("user_id", flat=True))
    locked = list(
        Shift.objects.select_for_update(of=("self",))
        .filter(pk__in=ids)
        .select_related("user", "facility__location")
        .order_by("starts_at", "pk")
    )
    book = ShiftRuleBook.for_shifts(locked, statuses=(ShiftStatus.PUBLISHED,), viewer=by)

    def publish(shift: Shift) -> str:
        PUBLISH.check(shift.status, ShiftStatus)
        shift.status = ShiftStatus.PUBLISHED
        try:
            return _save_checked(shift, book=book, by=by)
        except ValidationError:
            shift.status = ShiftStatus.DRAFT
            raise

    outcomes = for_each(locked, publish)
    published: dict[int, list[Shift]] = defaultdict(list)
    for outcome in outcomes:
        if outcome.done:
            published[outcome.item.user_id].append(outcome.item)
    batch = uuid.uuid4().hex
    for person_shifts in published.values():
        shifts_published_notify(person=person_shifts[0].user, shifts=person_shifts, batch=batch, by=by)
    return outcomes


def _same_local_time(moment: datetime, zone: ZoneInfo, days: int) -> datetime:
    """`moment` `days` later at the same local wall-clock time in `zone` (not 24 h × days: DST moves it)."""
    local = moment.astimezone(zone)
    return datetime.combine(local.date() + timedelta(days=days), local.time(), tzinfo=zone)


@writes
@transaction.atomic
def shift_copy_week(*, location, week_of: date, weeks: int, by) -> list[Outcome]:
    """Copy the live shifts of `location`'s week of `week_of` into each of the next `weeks` weeks, as drafts.

    Copies keep their local start and end times. A copy that would break a rule is skipped with the
    reason (the outcome's `ticket` is the unsaved copy).
    """
    if weeks < 1:
        raise ValidationError("Copy to at least one week.", code="weeks")
    source = list(
        shifts_of_week(
            location=location, week_of=week_of, by=by, statuses=(ShiftStatus.DRAFT, ShiftStatus.PUBLISHED)
        ).order_by("starts_at", "pk")
    )
    zone = location.timezone
    copies = [
        Shift(
            user=shift.user,
            facility=shift.facility,
            position=shift.position,
            starts_at=_same_local_time(shift.starts_at, zone, 7 * week),
            ends_at=_same_local_time(shift.ends_at, zone, 7 * week),
            status=ShiftStatus.DRAFT,
            notes=shift.notes,
        )
        for week in range(1, weeks + 1)
        for shift in source
    ]
    if not copies:
        return []
    people_lock(copy.user_id for copy in copies)
    book = ShiftRuleBook.for_shifts(copies, viewer=by)
    return for_each(copies, lambda copy: _save_checked(copy, book=book, by=by))


def _shift_step(*, shift: Shift, by, step) -> Shift:
    people_lock([shift.user_id])
    row = step_row(shift, by=by, scope=SHIFT_SCOPE)
    step.check(row.status, ShiftStatus)
    row.status = step.target
    instance_validate_and_save(instance=row, validate=shift_checks(shift=row, by=by), by=by)
    adopt(shift, row)
    return shift


@writes
@transaction.atomic
def shift_cancel(*, shift: Shift, by) -> Shift:
    """Draft or published → cancelled: off the roster, kept in history (and its start stays taken: restore it)."""
    return _shift_step(shift=shift, by=by, step=CANCEL)


@writes
@transaction.atomic
def shift_restore(*, shift: Shift, by) -> Shift:
    """Cancelled → draft, with every rule checked again (publish it again to tell the person)."""
    return _shift_step(shift=shift, by=by, step=RESTORE)


@writes
@transaction.atomic
def shift_reassign(*, shift: Shift, user, by) -> Shift:
    """Give `shift` to `user`, with every rule checked for them (overlap, rest, time off, scope)."""
    if shift.status == ShiftStatus.CANCELLED:
        raise ValidationError("it is cancelled.", code="cancelled")
    if shift.user_id == user.pk:
        raise ValidationError("it is already theirs.", code="same_person")
    people_lock([shift.user_id, user.pk])
    return shift_update(shift=shift, user=user, by=by)
