"""Writes on people: every path (admin, import, API, commands) creates and changes users here."""

import hashlib
import secrets
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from apps.core.actors import is_system, writes
from apps.core.saving import instance_save, instance_validate_and_save
from apps.core.scope import check_location_in_scope, sees_everything

from .models import CalendarFeed, User

# what a person may change on their own profile; everything else is the administrators'
SELF_SERVICE_FIELDS = frozenset({"phone", "avatar"})
BOOKKEEPING_FIELDS = frozenset({"password", "last_login", "updated_at", "created_at"})


def _user_save(*, user: User, by, groups: Iterable[Group] | None) -> User:
    """Save a person who is `by`'s to manage (based at a location they cover), roles by administrators only."""
    # a person's own profile is theirs to change wherever they are based; moving it is the scope's to allow
    own = user.pk is not None and user.pk == getattr(by, "pk", None)
    stored_location_id = None
    if user.pk is not None:
        stored = User.objects.select_related("home_location").get(pk=user.pk)
        stored_location_id = stored.home_location_id
        check_location_in_scope(
            by=by, location=stored.home_location, field="home_location", owner=user if own else None
        )
    # judged on `by` as stored: a person editing themself holds the very object being changed
    administrator = is_system(by) or sees_everything(stored if own else by)
    if groups is not None and not administrator:
        raise PermissionDenied("Only administrators give people their roles.")
    if user.pk is not None and not administrator:
        changed = {
            field.name
            for field in User._meta.concrete_fields
            if field.name not in BOOKKEEPING_FIELDS and getattr(stored, field.attname) != getattr(user, field.attname)
        }
        if changed - (SELF_SERVICE_FIELDS if own else set()):
            raise PermissionDenied(
                "You may change only your own phone and photo; administrators change everything else."
            )
    staying = own and user.home_location_id == stored_location_id
    instance_validate_and_save(
        instance=user,
        validate=lambda: check_location_in_scope(
            by=by, location=user.home_location, field="home_location", owner=user if staying else None
        ),
        by=by,
    )
    if groups is not None:
        user.groups.set(groups)
    return user


@writes
@transaction.atomic
def user_create(
    *,
    by,
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


@writes
@transaction.atomic
def user_update(
    *,
    user: User,
    by,
    groups: Iterable[Group] | None = None,
    **changes: Any,
) -> User:
    """Change a person's fields (and roles, when `groups` is given). Passwords change elsewhere."""
    for name, value in changes.items():
        setattr(user, name, value)
    return _user_save(user=user, by=by, groups=groups)


# --- calendar links -------------------------------------------------------------------------------------------------


def calendar_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _check_may_manage_calendar(*, user: User, by) -> None:
    """The person themself, or an administrator of people who can see them."""
    if is_system(by) or by.pk == user.pk:
        return
    from .selectors import users_visible_to

    if by.has_perm("accounts.change_user") and users_visible_to(user=by).filter(pk=user.pk).exists():
        return
    raise PermissionDenied(f"You may not manage the calendar link of {user}.")


@writes
@transaction.atomic
def calendar_feed_issue(*, user: User, by) -> str:
    """A new private calendar link for `user`; any earlier link stops working. Returns the token (shown once)."""
    _check_may_manage_calendar(user=user, by=by)
    if not user.is_active:
        raise ValidationError(f"{user} is not active: an inactive person has no calendar.")
    token = secrets.token_urlsafe(32)
    CalendarFeed.objects.filter(user=user).delete()
    feed = CalendarFeed(user=user, token_hash=calendar_token_hash(token))
    feed.full_clean(exclude=["token_hash"])
    instance_save(instance=feed, by=by)
    return token


@writes
@transaction.atomic
def calendar_feed_revoke(*, user: User, by) -> bool:
    """Stop `user`'s calendar link working. False when they had none."""
    _check_may_manage_calendar(user=user, by=by)
    feed = CalendarFeed.objects.filter(user=user).first()
    if feed is None:
        return False
    feed._history_user = by
    feed.delete()
    return True
