"""Who changed what, in which request, and why: the context every history row is written with.

A change context is set once per unit of work — a web request (middleware), a Celery task (task
signals), a management command, an import — and every history row written inside it carries its user,
its reason and its request id, whether the write is a `save()`, a `delete()`, an m2m change or a bulk
helper (`bulk_create_with_history` / `bulk_update_with_history`). An explicit `_history_user` or
`_change_reason` on an instance still wins. The records that read it are in `apps.audit.records`.
"""

import contextvars
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import models


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
