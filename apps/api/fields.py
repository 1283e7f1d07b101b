"""Serializer fields shared by every resource: UTC datetimes with `Z`, sane date ranges, labels, scoped ids."""

from datetime import UTC

from django.db import models
from rest_framework import serializers

EARLIEST_YEAR, LATEST_YEAR = 1900, 2999
LOCATION_HELP = "The id of the facility's location."
TIMEZONE_HELP = "The IANA time zone of the facility's location, to show local times."
# a primary key is a 64-bit integer: a bigger number names nothing (and a database cannot even compare it)
MAX_ID = 2**63 - 1
OUT_OF_RANGE = f"Give a date between the years {EARLIEST_YEAR} and {LATEST_YEAR}."


class UTCDateTimeField(serializers.DateTimeField):
    """ISO 8601 in UTC with `Z` out, whatever TIME_ZONE says; in, any offset (a naive value is UTC)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("default_timezone", UTC)
        super().__init__(**kwargs)

    def to_representation(self, value):
        if value is None:
            return None
        if isinstance(value, str):
            return value
        text = value.astimezone(UTC).isoformat()
        return text.removesuffix("+00:00") + "Z"

    def to_internal_value(self, value):
        parsed = super().to_internal_value(value)
        # years at the edges of the calendar cannot be moved into a location's time zone: refused as input
        if not EARLIEST_YEAR <= parsed.astimezone(UTC).year <= LATEST_YEAR:
            raise serializers.ValidationError(OUT_OF_RANGE, code="out_of_range")
        return parsed


class BoundedDateField(serializers.DateField):
    def to_internal_value(self, value):
        parsed = super().to_internal_value(value)
        if not EARLIEST_YEAR <= parsed.year <= LATEST_YEAR:
            raise serializers.ValidationError(OUT_OF_RANGE, code="out_of_range")
        return parsed


def label(source: str, *, nullable: bool = False, help_text: str = "") -> serializers.CharField:
    """A read-only label beside an id or a choice value: `str(<fk>)` or `get_<field>_display`."""
    return serializers.CharField(source=source, read_only=True, allow_null=nullable, help_text=help_text)


def choice_label(field: str) -> serializers.CharField:
    return label(f"get_{field}_display", help_text=f"The human label of `{field}`.")


class VisibleRowField(serializers.PrimaryKeyRelatedField):
    """An id in a request body, looked up among the rows the caller may see (`rows(user)`).

    A row out of the caller's scope reads exactly like a row that does not exist (API.md, Errors).
    """

    def __init__(self, *, rows, model, noun: str, **kwargs):
        self.rows = rows
        kwargs.setdefault("queryset", model._default_manager.none())
        kwargs.setdefault("error_messages", {})
        kwargs["error_messages"].setdefault("does_not_exist", f"No {noun} with id {{pk_value}}.")
        kwargs["error_messages"].setdefault("incorrect_type", f"A {noun} is named by its id (an integer).")
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        return self.rows(request.user if request is not None else None)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if isinstance(data, int) and not -MAX_ID <= data <= MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


class LinkCheckingList(serializers.ListSerializer):
    def to_representation(self, data):
        items = list(data.all() if hasattr(data, "all") else data)
        self.child.check_links(items)
        return super().to_representation(items)


class ModelOutput(serializers.ModelSerializer):
    """The base of every output serializer: it lists its fields; datetimes in UTC with `Z`.

    `hidden_links` (`{field: rows(user)}`): linked rows shown only where the caller may see them
    (`apps.api.rows.visible_links`, one query per page); otherwise their id and label are null, as if unlinked.
    """

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: UTCDateTimeField,
    }
    hidden_links: dict = {}

    @classmethod
    def many_init(cls, *args, **kwargs):
        """DRF's list of this serializer, checking a whole page's links at once."""
        options = {key: value for key, value in kwargs.items() if key in serializers.LIST_SERIALIZER_KWARGS}
        own = {key: value for key, value in kwargs.items() if key not in serializers.LIST_SERIALIZER_KWARGS_REMOVE}
        return LinkCheckingList(*args, child=cls(*args, **own), **options)

    def check_links(self, items: list) -> None:
        if not self.hidden_links:
            return
        from .rows import visible_links  # rows imports permissions, which this module must not pull in at import

        request = self.context.get("request")
        visible_links(items, getattr(request, "user", None), self.hidden_links)

    def to_representation(self, instance):
        if self.hidden_links and not hasattr(instance, f"{next(iter(self.hidden_links))}_visible"):
            self.check_links([instance])
        data = super().to_representation(instance)
        for link in self.hidden_links:
            if not getattr(instance, f"{link}_visible", True):
                data[link] = None
                data[f"{link}_label"] = None
        return data
