"""Writes on locations and facilities, for every path (admin, import, API, commands)."""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from apps.core.actors import is_system, writes
from apps.core.saving import instance_delete, instance_validate_and_save
from apps.core.scope import check_location_in_scope, sees_everything

from .models import Facility, Location


def _location_of(instance) -> Location | None:
    return instance if isinstance(instance, Location) else instance.location if instance.location_id else None


def _save(instance, *, by, fields: dict[str, Any]):
    """Apply `fields` and save, when the place is `by`'s to change both where it was and where it goes."""
    field = "location" if isinstance(instance, Facility) else "code"
    if instance.pk is not None:
        related = ["location"] if field == "location" else []
        stored = type(instance).objects.select_related(*related).get(pk=instance.pk)
        check_location_in_scope(by=by, location=_location_of(stored), field=field)
    for name, value in fields.items():
        setattr(instance, name, value)

    def in_scope() -> None:
        location = _location_of(instance)
        if location is not None and location.pk is None and not sees_everything(by) and not is_system(by):
            raise ValidationError({field: "Only administrators add locations."}, code="out_of_scope")
        check_location_in_scope(by=by, location=location, field=field)

    instance_validate_and_save(instance=instance, validate=in_scope, by=by)
    return instance


@writes
@transaction.atomic
def location_create(*, by, location: Location | None = None, **fields: Any) -> Location:
    """Create a location from `fields`, or save the unsaved `location` a form has built."""
    return _save(location if location is not None else Location(), by=by, fields=fields)


@writes
@transaction.atomic
def location_update(*, location: Location, by, **changes: Any) -> Location:
    """Apply `changes` to a location (a form may have applied them already) and save it."""
    return _save(location, by=by, fields=changes)


@writes
@transaction.atomic
def facility_create(*, by, facility: Facility | None = None, **fields: Any) -> Facility:
    """Create a facility from `fields`, or save the unsaved `facility` a form has built."""
    return _save(facility if facility is not None else Facility(), by=by, fields=fields)


@writes
@transaction.atomic
def facility_update(*, facility: Facility, by, **changes: Any) -> Facility:
    """Apply `changes` to a facility (a form may have applied them already) and save it."""
    return _save(facility, by=by, fields=changes)


def _administrators_only(by, what: str) -> None:
    if not (is_system(by) or sees_everything(by)):
        raise PermissionDenied(f"Only administrators delete {what}.")


@writes
@transaction.atomic
def location_delete(*, location: Location, by) -> None:
    """Delete a location (administrators only); one that still has facilities or people is refused."""
    _administrators_only(by, "locations")
    instance_delete(instance=location, by=by)


@writes
@transaction.atomic
def facility_delete(*, facility: Facility, by) -> None:
    """Delete a facility (administrators only); one that tickets, shifts or events still name is refused."""
    _administrators_only(by, "facilities")
    instance_delete(instance=facility, by=by)
