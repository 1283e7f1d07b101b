"""Who writes: every writing service names its actor (`by`), and a missing or anonymous actor is refused.

There is no "nobody" that skips the rules. A person acts as themself; the portal's own work (Celery
tasks, management commands, the demo seed) acts as the system account, passed explicitly
(`by=system_user()`), which is the only actor that is not held to a location scope.
"""

import functools
import inspect
from collections.abc import Callable
from typing import TypeVar

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError

from .saving import instance_save

SYSTEM_USERNAME = "system"
SYSTEM_EMPLOYEE_ID = "SYSTEM"

_system_user_pk: int | None = None

F = TypeVar("F", bound=Callable)


def is_system(by) -> bool:
    """True for the portal's own account (tasks, commands): history names it, nobody logs in as it."""
    return by is not None and getattr(by, "username", None) == SYSTEM_USERNAME and getattr(by, "pk", None) is not None


def actor_check(by) -> None:
    """Refuse a write with no actor, an anonymous one or a deactivated person's."""
    if by is None:
        raise PermissionDenied("A change must name who makes it; nobody was given.")
    if is_system(by):
        return
    if not getattr(by, "is_authenticated", False):
        raise PermissionDenied("You must be logged in to change anything.")
    if not getattr(by, "is_active", False):
        raise PermissionDenied(f"{by} is not active and cannot change anything.")


def writes(service: F) -> F:
    """Mark `service` as a writing service: `by` is keyword-only with no default, and checked first.

    The check runs before anything else, so a missing or anonymous actor fails closed on every path.
    """
    parameter = inspect.signature(service).parameters.get("by")
    if parameter is None or parameter.kind is not inspect.Parameter.KEYWORD_ONLY:
        raise TypeError(f"{service.__qualname__}() must take a keyword-only `by`.")
    if parameter.default is not inspect.Parameter.empty:
        raise TypeError(f"{service.__qualname__}() must not give `by` a default.")

    @functools.wraps(service)
    def checked(*args, **kwargs):
        if "by" not in kwargs:
            raise TypeError(f"{service.__qualname__}() missing required keyword-only argument: 'by'")
        actor_check(kwargs["by"])
        return service(*args, **kwargs)

    checked.writes = True
    return checked  # type: ignore[return-value]


def system_user():
    """The account the portal's own changes (Celery tasks, management commands) are made and recorded as.

    Created on first use: inactive, with an unusable password (and `User.check_password` refuses it
    anyway), so it can never log in. Its key is remembered per process, but looked up again on every
    call (one primary-key query): a test database flushed between tests, or a transaction rolled back
    after creating it, must not leave history rows pointing at a row that is gone.
    """
    global _system_user_pk
    user_model = get_user_model()
    if _system_user_pk is not None:
        user = user_model.objects.filter(pk=_system_user_pk, username=SYSTEM_USERNAME).first()
        if user is not None:
            return user
    user = user_model.objects.filter(username=SYSTEM_USERNAME).first()
    if user is None:
        try:
            user = _system_user_create(user_model)
        except (IntegrityError, ValidationError):  # another process created it first
            user = user_model.objects.get(username=SYSTEM_USERNAME)
    _system_user_pk = user.pk
    return user


def _system_user_create(user_model):
    account = user_model(
        username=SYSTEM_USERNAME,
        employee_id=SYSTEM_EMPLOYEE_ID,
        first_name="Portal",
        last_name="(automatic)",
        title="Automatic changes: tasks and commands",
        is_active=False,
    )
    account.set_unusable_password()
    account._change_reason = "System account created for the portal's automatic changes"
    account.full_clean()
    # recorded as created by itself: it has its primary key by the time the history row is written
    instance_save(instance=account, by=account)
    return account
