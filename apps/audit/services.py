"""Writes of the Activity log. Called for every history row simple-history writes (see receivers)."""

from collections.abc import Iterable, Sequence

from django.contrib.contenttypes.models import ContentType

from .models import ActivityEntry

OBJECT_REPR_LENGTH = 200


def _entry(*, content_type: ContentType, history_row, instance) -> ActivityEntry:
    return ActivityEntry(
        content_type=content_type,
        object_id=history_row.instance_type._meta.pk.value_from_object(history_row),
        history_id=history_row.pk,
        history_type=history_row.history_type,
        history_date=history_row.history_date,
        user_id=history_row.history_user_id,
        change_reason=history_row.history_change_reason or "",
        request_id=getattr(history_row, "request_id", "") or "",
        object_repr=str(instance)[:OBJECT_REPR_LENGTH],
    )


def activity_record(*, history_row, instance) -> ActivityEntry:
    """Index one history row on the Activity page."""
    content_type = ContentType.objects.get_for_model(history_row.instance_type)
    entry = _entry(content_type=content_type, history_row=history_row, instance=instance)
    entry.save()
    return entry


def activity_record_many(*, history_rows: Sequence, instances: Iterable) -> list[ActivityEntry]:
    """Index history rows written in bulk (same order as `instances`), in one INSERT per batch."""
    if not history_rows:
        return []
    content_type = ContentType.objects.get_for_model(history_rows[0].instance_type)
    entries = [
        _entry(content_type=content_type, history_row=row, instance=instance)
        for row, instance in zip(history_rows, instances, strict=False)
    ]
    return ActivityEntry.objects.bulk_create(entries, batch_size=2000)
