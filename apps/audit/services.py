"""Writes of the Activity log (called for every history row simple-history writes, see receivers) and
the pruning of old history."""

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone

from apps.core.actors import is_system, writes
from apps.core.scope import sees_everything

from .history import HistoricalChangeContext
from .models import ActivityEntry

OBJECT_REPR_LENGTH = 200
PRUNE_BATCH_SIZE = 2000


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


def historical_models() -> list[type[models.Model]]:
    """The history model of every model kept with `PortalHistoricalRecords` (m2m history models aside)."""
    return [model for model in apps.get_models() if issubclass(model, HistoricalChangeContext)]


def _m2m_history_models(history_model) -> list[type[models.Model]]:
    # simple-history's m2m rows point at their history row with no database constraint
    # (on_delete=DO_NOTHING): they go first, explicitly, or they would be left dangling.
    return [getattr(history_model, field.name).model for field in history_model._history_m2m_fields]


def _prunable(history_model, *, cutoff: datetime):
    """History rows older than `cutoff`, except a live object's creation record and its latest record."""
    model = history_model.instance_type
    object_id = model._meta.pk.attname
    latest = (
        history_model._default_manager.filter(**{object_id: OuterRef(object_id)})
        .order_by("-history_date", "-history_id")
        .values("history_id")[:1]
    )
    alive = Exists(model._base_manager.filter(pk=OuterRef(object_id)))
    kept = alive & (Q(history_type="+") | Q(history_id=Subquery(latest)))
    return history_model._default_manager.filter(history_date__lt=cutoff).exclude(kept)


@writes
def history_prune(*, older_than_days: int, by, now: datetime | None = None) -> dict[str, int]:
    """Delete history older than `older_than_days`, with its m2m history rows and Activity entries.

    A live object keeps its creation record and its latest record however old they are: who created
    it, and its state since its last change, stay answerable. A deleted object's old rows all go.
    (simple-history's `clean_old_history` is not enough: it deletes every old row, creation records
    included, and leaves the m2m history rows and the Activity entries pointing at nothing.)

    Set operations, in batches of `PRUNE_BATCH_SIZE` history rows walked in history id order, one
    transaction each, so that a large first prune never holds its locks for long. Returns the number
    of rows deleted per model label.
    """
    if not (is_system(by) or sees_everything(by)):
        raise PermissionDenied("Only administrators and the portal's own schedule prune history.")
    if older_than_days < 0:
        raise ValueError("older_than_days must be 0 or more")
    cutoff = (now or timezone.now()) - timedelta(days=older_than_days)
    deleted: Counter[str] = Counter()
    for history_model in historical_models():
        prunable = _prunable(history_model, cutoff=cutoff).order_by("history_id")
        content_type = ContentType.objects.get_for_model(history_model.instance_type)
        m2m_models = _m2m_history_models(history_model)
        after = 0
        while True:
            with transaction.atomic():
                ids = list(
                    prunable.filter(history_id__gt=after).values_list("history_id", flat=True)[:PRUNE_BATCH_SIZE]
                )
                if not ids:
                    break
                for m2m_model in m2m_models:
                    deleted[m2m_model._meta.label] += m2m_model._default_manager.filter(history_id__in=ids).delete()[0]
                deleted[ActivityEntry._meta.label] += ActivityEntry.objects.filter(
                    content_type=content_type, history_id__in=ids
                ).delete()[0]
                deleted[history_model._meta.label] += history_model._default_manager.filter(
                    history_id__in=ids
                ).delete()[0]
            if len(ids) < PRUNE_BATCH_SIZE:
                break
            after = ids[-1]
    return {label: count for label, count in deleted.items() if count}
