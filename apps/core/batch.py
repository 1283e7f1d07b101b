"""Running one step on many rows, each in its own savepoint: a refused row is skipped with the reason, the others go
ahead, and the caller gets one `Outcome` per row to report (bulk actions on tickets, shifts, time entries)."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import capfirst


@dataclass(frozen=True)
class Outcome:
    item: object
    done: bool
    message: str  # what happened, or why the row was skipped


def for_each(items: Iterable, step: Callable[[object], str]) -> list[Outcome]:
    """Run `step` on each item in its own savepoint: one refused item is skipped, the others go ahead.

    `step` returns what it did ("assigned to Alex Doe"); a ValidationError it raises becomes the reason
    the item was skipped. The caller's request (and its change context) makes every change of the run
    share one request id in history.
    """
    outcomes = []
    for item in items:
        try:
            with transaction.atomic():
                message = step(item)
        except ValidationError as error:
            outcomes.append(Outcome(item=item, done=False, message=error_text(error)))
        else:
            outcomes.append(Outcome(item=item, done=True, message=message))
    return outcomes


def error_text(error: ValidationError) -> str:
    """A ValidationError as one sentence or a few, without field names a user never sees."""
    if hasattr(error, "error_dict"):
        return " ".join(capfirst(str(message)) for messages in error.message_dict.values() for message in messages)
    return " ".join(str(message) for message in error.messages)
