"""Shared write services."""

from django.db import transaction

from .models import ReferenceCounter


def reference_allocate(*, prefix: str, width: int = 6) -> str:
    """Return the next human reference for `prefix`, e.g. INC-000123.

    Must run inside the transaction that saves the ticket: the counter row stays locked
    until that transaction ends, so concurrent callers queue (no duplicates) and a
    rolled-back ticket returns its number (no gaps).
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("reference_allocate() must be called inside transaction.atomic()")
    ReferenceCounter.objects.get_or_create(prefix=prefix)
    counter = ReferenceCounter.objects.select_for_update().get(prefix=prefix)
    counter.last_value += 1
    counter.save(update_fields=["last_value"])
    return f"{prefix}-{counter.last_value:0{width}d}"


def reference_allocate_block(*, prefix: str, count: int, width: int = 6) -> list[str]:
    """Return the next `count` human references for `prefix`, in order, for a bulk write.

    The same guarantees as reference_allocate(): the counter row is locked and advanced once
    by `count`, so a block is contiguous, never shared with a concurrent caller, and rolled
    back with the transaction that writes the tickets.
    """
    if count < 0:
        raise ValueError("count must not be negative")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("reference_allocate_block() must be called inside transaction.atomic()")
    if count == 0:
        return []
    ReferenceCounter.objects.get_or_create(prefix=prefix)
    counter = ReferenceCounter.objects.select_for_update().get(prefix=prefix)
    first = counter.last_value + 1
    counter.last_value += count
    counter.save(update_fields=["last_value"])
    return [f"{prefix}-{number:0{width}d}" for number in range(first, first + count)]
