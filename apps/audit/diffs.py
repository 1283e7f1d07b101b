"""Field-level differences a person can read: labels, names and local times instead of raw values and ids.

simple-history compares two history rows and hands each change to a `HistoricalRecordContextHelper`;
this one turns every value into the words the console shows elsewhere.
"""

from datetime import date, datetime, time
from typing import Any

from django.db import models
from django.utils import timezone
from simple_history.models import DeletedObject, ModelChange
from simple_history.template_utils import HistoricalRecordContextHelper
from simple_history.utils import get_m2m_reverse_field_name

EMPTY = "—"


def local_moment(moment: datetime) -> str:
    """'Tue 3 Mar 2026 14:05 GMT', in the portal's time zone."""
    local = timezone.localtime(moment) if timezone.is_aware(moment) else moment
    zone = f" {local.tzname()}" if local.tzname() else ""
    return f"{local:%a} {local.day} {local:%b %Y %H:%M}{zone}"


def local_day(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def deleted_object_label(deleted: DeletedObject) -> str:
    """The last name a deleted row had (from its own history when it has one), marked as deleted."""
    manager_name = getattr(deleted.model._meta, "simple_history_manager_attribute", None)
    last = None
    if manager_name is not None:
        history = getattr(deleted.model, manager_name)
        last = history.filter(**{deleted.model._meta.pk.attname: deleted.pk}).order_by("-history_date").first()
    name = str(last.instance) if last is not None else f"{deleted.model._meta.verbose_name} #{deleted.pk}"
    return f"{name} (deleted)"


def _related_name(value: Any) -> str:
    if isinstance(value, DeletedObject):
        # simple-history reports an empty foreign key as a deleted object without a key
        return EMPTY if value.pk is None else deleted_object_label(value)
    return str(value)


def readable(field: models.Field, value: Any) -> str:
    """One value of `field` as the console would show it."""
    if isinstance(value, DeletedObject | models.Model):
        return _related_name(value)
    if value is None or value == "" or value == [] or value == {}:
        return EMPTY
    if field.flatchoices and not isinstance(value, list | dict):
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        return local_moment(value)
    if isinstance(value, date):
        return local_day(value)
    if isinstance(value, time):
        return f"{value:%H:%M}"
    if isinstance(value, list | tuple):
        return ", ".join(readable(field, item) for item in value) or EMPTY
    return str(value)


class ReadableRecordContextHelper(HistoricalRecordContextHelper):
    """Choices by label, Yes/No, "—" for empty, local times, related rows by name (deleted ones marked)."""

    def prepare_delta_change_value(self, change: ModelChange, value: Any) -> str:
        field = self.model._meta.get_field(change.field)
        if isinstance(field, models.ManyToManyField):
            # rows of the through table; show the related objects they point at, by name
            reverse_name = get_m2m_reverse_field_name(field)
            names = sorted(_related_name(row[reverse_name]) for row in value or [])
            return ", ".join(names) or EMPTY
        return readable(field, value)
