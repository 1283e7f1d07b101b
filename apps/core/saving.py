"""Generic plumbing for services that save one model instance with its rules.

A service validates (its own rules across rows, then `full_clean()`: `instance_validate`, the one way to
check without writing, used by previews and forms too), saves in a savepoint and turns a named
constraint's IntegrityError back into the constraint's message (`instance_save`, the one way to save
with history), so the caller's transaction stays usable and the admin shows the message on the form.
"""

from collections.abc import Callable, Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, OperationalError, models, transaction
from django.db.models import ProtectedError


def instance_validate(*, instance: models.Model, validate: Callable[[], None]) -> None:
    """Run the service's cross-row `validate`, then `full_clean()`; raise every error together.

    A field the service already complained about is left out of `full_clean()`, so the same clash is
    not reported twice (once in the service's words, once in the database constraint's).
    """
    errors: dict[str, list] = {}
    try:
        validate()
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)
    flagged = {name for name in errors if name != NON_FIELD_ERRORS}
    try:
        instance.full_clean(exclude=flagged)
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


def instance_validate_and_save(
    *, instance: models.Model, validate: Callable[[], None], by, reason: str | None = None
) -> None:
    """`instance_validate`, then `instance_save`. Must be called inside `transaction.atomic()`."""
    instance_validate(instance=instance, validate=validate)
    instance_save(instance=instance, by=by, reason=reason)


def instance_save(
    *, instance: models.Model, by, reason: str | None = None, update_fields: Iterable[str] | None = None
) -> None:
    """The one way a service saves a row: `by` and `reason` in its history, a constraint's violation as its message.

    The save runs in a savepoint: when PostgreSQL rejects the row (a concurrent save won the race),
    only the savepoint is rolled back and the caller's transaction can go on, and the refusal reads as
    the constraint's `violation_error_message`, the sentence the form and the import show too.
    """
    instance._history_user = by
    if reason:
        instance._change_reason = reason
    adding, pk = instance._state.adding, instance.pk
    for attempt in range(DEADLOCK_RETRIES + 1):
        try:
            with transaction.atomic():
                instance.save(update_fields=update_fields)
            return
        except IntegrityError as exc:
            constraint = violated_constraint(instance, exc)
            if constraint is None:
                raise
            raise ValidationError(
                constraint.get_violation_error_message(), code=constraint.violation_error_code or constraint.name
            ) from exc
        except OperationalError as exc:
            # Two saves checking an exclusion constraint against each other's new row wait for each other, and
            # PostgreSQL ends one of them with a deadlock. Only its savepoint is rolled back: saved again, the row
            # waits for the other's commit and then meets the constraint (its message above), or goes in.
            if not _deadlocked(exc) or attempt == DEADLOCK_RETRIES:
                raise
            instance._state.adding, instance.pk = adding, pk  # what the rolled-back save set is gone with it


DEADLOCK_RETRIES = 2


def _deadlocked(exc: OperationalError) -> bool:
    return getattr(exc.__cause__, "sqlstate", None) == "40P01"


def instance_delete(*, instance: models.Model, by, reason: str | None = None) -> None:
    """The one way a service deletes a row: `by` and `reason` on its last history row ("-", on Activity).

    A row that others still point at (a protected foreign key) is refused with a sentence naming what
    holds it, and nothing is deleted.
    """
    instance._history_user = by
    if reason:
        instance._change_reason = reason
    try:
        with transaction.atomic():
            instance.delete()
    except ProtectedError as exc:
        holders = sorted({str(obj._meta.verbose_name_plural) for obj in exc.protected_objects})
        raise ValidationError(
            f"{instance} cannot be deleted: {', '.join(holders)} still refer to it.", code="protected"
        ) from exc


def violated_constraint(instance: models.Model, exc: IntegrityError):
    """The model's named constraint that `exc` reports, or None."""
    constraints = {constraint.name: constraint for constraint in instance._meta.constraints}
    diag = getattr(exc.__cause__, "diag", None)  # psycopg 3 names the constraint
    name = getattr(diag, "constraint_name", None)
    if name:
        return constraints.get(name)
    text = str(exc)  # SQLite names CHECK constraints in its message
    return next((constraint for constraint_name, constraint in constraints.items() if constraint_name in text), None)


def reject_unknown_fields(fields: dict[str, Any], allowed: Iterable[str], service: str) -> None:
    """A field the service does not change is a programming error (TypeError), not a validation error."""
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"{service}() cannot change {', '.join(sorted(unknown))}")


def person_lock(user_id) -> None:
    """Queue concurrent writes for one person (rules with no database constraint behind them)."""
    if user_id is not None:
        user_model = get_user_model()
        list(user_model.objects.select_for_update().filter(pk=user_id).values_list("pk", flat=True))
