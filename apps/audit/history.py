"""Who changed what, in which request, and why: the context every history row is written with.

A change context is set once per unit of work — a web request (middleware), a Celery task (task
signals), a management command, an import — and every history row written inside it carries its user,
its reason and its request id, whether the write is a `save()`, a `delete()`, an m2m change or a bulk
helper (`bulk_create_with_history` / `bulk_update_with_history`). An explicit `_history_user` or
`_change_reason` on an instance still wins.
"""

import contextvars
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import models
from simple_history.manager import HistoryManager
from simple_history.models import HistoricalRecords

from apps.core.bulk import copy_supported


def new_request_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True)
class ChangeContext:
    """The unit of work writes happen in. `request` (if any) supplies the user lazily, after auth."""

    request_id: str
    reason: str = ""
    user: Any = None
    request: Any = None

    @property
    def acting_user(self):
        if self.user is not None:
            return self.user
        user = getattr(self.request, "user", None)
        return user if user is not None and user.is_authenticated else None


_current: contextvars.ContextVar[ChangeContext | None] = contextvars.ContextVar("portal_change_context", default=None)


def current_change() -> ChangeContext | None:
    return _current.get()


@contextmanager
def change_context(
    *, user=None, reason: str = "", request_id: str | None = None, request=None
) -> Iterator[ChangeContext]:
    """Record every write inside as made by `user`, for `reason`, under one request id.

    Nested contexts inherit what they do not set: an admin action inside a request keeps the request's
    id and user and only names its own reason.
    """
    outer = _current.get()
    context = ChangeContext(
        request_id=request_id or (outer.request_id if outer else new_request_id()),
        reason=reason or (outer.reason if outer else ""),
        user=user if user is not None else (outer.user if outer else None),
        request=request if request is not None else (outer.request if outer else None),
    )
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)


class HistoricalChangeContext(models.Model):
    """Fields every historical model adds to simple-history's own."""

    request_id = models.CharField(
        "request id", max_length=64, blank=True, default="", help_text="Shared by every change of one request or task."
    )

    class Meta:
        abstract = True


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
            from .bulk_history import copy_history  # the audit models import this module

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
            from .services import activity_record_many  # the audit models import this module

            activity_record_many(history_rows=rows, instances=objs)
        return rows


class PortalHistoricalRecords(HistoricalRecords):
    """simple-history's HistoricalRecords reading the user and reason from the change context."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("bases", (HistoricalChangeContext,))
        kwargs.setdefault("history_manager", PortalHistoryManager)
        super().__init__(*args, **kwargs)

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
