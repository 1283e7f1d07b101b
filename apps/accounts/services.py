"""Writes on people: every path (admin, import, API, commands) creates and changes users here."""

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import Group
from django.db import transaction

from .models import User


def _user_save(*, user: User, by: User | None, groups: Iterable[Group] | None) -> User:
    user.full_clean()
    user._history_user = by
    user.save()
    if groups is not None:
        user.groups.set(groups)
    return user


@transaction.atomic
def user_create(
    *,
    by: User | None,
    user: User | None = None,
    password: str | None = None,
    groups: Iterable[Group] | None = None,
    **fields: Any,
) -> User:
    """Create a person.

    `user` is an unsaved instance to start from (the one a bound admin form built); `fields`
    are set on it. Without a password (and none already set by a form) the account gets an
    unusable password: it cannot log in until one is set.
    """
    user = user if user is not None else User()
    for name, value in fields.items():
        setattr(user, name, value)
    if password is not None:
        user.set_password(password)
    elif not user.password:
        user.set_unusable_password()
    return _user_save(user=user, by=by, groups=groups)


@transaction.atomic
def user_update(
    *,
    user: User,
    by: User | None,
    groups: Iterable[Group] | None = None,
    **changes: Any,
) -> User:
    """Change a person's fields (and roles, when `groups` is given). Passwords change elsewhere."""
    for name, value in changes.items():
        setattr(user, name, value)
    return _user_save(user=user, by=by, groups=groups)
