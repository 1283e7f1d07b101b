"""simple-history's records and manager, reading who, why and which request from the change context.

Every domain model keeps its history with `PortalHistoricalRecords()`; bulk writers go through
`PortalHistoryManager.bulk_history_create`, which writes large batches by COPY (`bulk_history`) and
indexes every row on the Activity page (`services`).
"""

from simple_history.manager import HistoryManager
from simple_history.models import HistoricalRecords

from apps.core.bulk import copy_supported

from .bulk_history import copy_history
from .history import HistoricalChangeContext, current_change
from .services import activity_record_many


class PortalHistoryManager(HistoryManager):
    def bulk_history_create(
        self,
        objs,
        batch_size=None,
        update=False,
        default_user=None,
        default_change_reason="",
        default_date=None,
        custom_historical_attrs=None,
    ):
        """simple-history's bulk writer, with the change context's user, reason and request id as defaults."""
        context = current_change()
        if context is not None:
            default_user = default_user or context.acting_user
            default_change_reason = default_change_reason or context.reason
            custom_historical_attrs = {"request_id": context.request_id, **(custom_historical_attrs or {})}
        objs = list(objs)
        if copy_supported(self.model.objects.db, len(objs)):
            copy_history(
                self.model,
                objs,
                update=update,
                default_user=default_user,
                default_change_reason=default_change_reason or "",
                default_date=default_date,
                custom_historical_attrs=custom_historical_attrs or {},
            )
            return []
        rows = super().bulk_history_create(
            objs,
            batch_size=batch_size,
            update=update,
            default_user=default_user,
            default_change_reason=default_change_reason,
            default_date=default_date,
            custom_historical_attrs=custom_historical_attrs,
        )
        if rows:
            activity_record_many(history_rows=rows, instances=objs)
        return rows


class PortalHistoricalRecords(HistoricalRecords):
    """simple-history's HistoricalRecords reading the user and reason from the change context."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("bases", (HistoricalChangeContext,))
        kwargs.setdefault("history_manager", PortalHistoryManager)
        super().__init__(*args, **kwargs)

    def post_save(self, instance, created, using=None, **kwargs):
        """No history row for a save that wrote only untracked columns: a login's `last_login` (Django's
        `update_last_login` saves with update_fields=["last_login"]) is not a change anyone made to the person,
        and would bury the Activity page under "changed User" rows."""
        update_fields = kwargs.get("update_fields")
        if not created and update_fields and set(update_fields) <= set(self.excluded_fields):
            return
        super().post_save(instance, created, using=using, **kwargs)

    def get_history_user(self, instance):
        explicit = getattr(instance, "_history_user", None)
        if explicit is not None:
            return explicit
        context = current_change()
        if context is not None and context.acting_user is not None:
            return context.acting_user
        return super().get_history_user(instance)

    def get_change_reason_for_object(self, instance, history_type, using):
        reason = super().get_change_reason_for_object(instance, history_type, using)
        if reason:
            return reason
        context = current_change()
        return context.reason if context is not None else None
