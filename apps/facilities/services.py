"""Writes on locations and facilities, for every path (admin, import, API, commands)."""

from typing import Any

from django.db import transaction

from apps.accounts.models import User

from .models import Facility, Location


def _save(instance, *, by: User | None, fields: dict[str, Any]):
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.full_clean()
    instance._history_user = by
    instance.save()
    return instance


@transaction.atomic
def location_create(*, by: User | None, location: Location | None = None, **fields: Any) -> Location:
    """Create a location from `fields`, or save the unsaved `location` a form has built."""
    return _save(location if location is not None else Location(), by=by, fields=fields)


@transaction.atomic
def location_update(*, location: Location, by: User | None, **changes: Any) -> Location:
    """Apply `changes` to a location (a form may have applied them already) and save it."""
    return _save(location, by=by, fields=changes)


@transaction.atomic
def facility_create(*, by: User | None, facility: Facility | None = None, **fields: Any) -> Facility:
    """Create a facility from `fields`, or save the unsaved `facility` a form has built."""
    return _save(facility if facility is not None else Facility(), by=by, fields=fields)


@transaction.atomic
def facility_update(*, facility: Facility, by: User | None, **changes: Any) -> Facility:
    """Apply `changes` to a facility (a form may have applied them already) and save it."""
    return _save(facility, by=by, fields=changes)
