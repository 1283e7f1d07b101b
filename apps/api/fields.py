"""Serializer fields shared by every resource: UTC datetimes with `Z`, sane date ranges, labels, scoped ids."""

from datetime import UTC
from operator import attrgetter

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from rest_framework import serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject

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


class ChoiceLabelField(serializers.CharField):
    """The human label of a choice field's value (what `get_<field>_display()` says), read from the field's choices."""

    def __init__(self, field: str, **kwargs):
        kwargs.setdefault("help_text", f"The human label of `{field}`.")
        super().__init__(source=field, read_only=True, **kwargs)
        self.choice_field = field
        self.labels: dict = {}

    def bind(self, field_name, parent):
        super().bind(field_name, parent)
        model_field = parent.Meta.model._meta.get_field(self.choice_field)
        self.labels = {value: str(text) for value, text in model_field.flatchoices}

    def to_representation(self, value):
        return self.labels.get(value, str(value))


def choice_label(field: str) -> ChoiceLabelField:
    return ChoiceLabelField(field)


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


def walks_fields_only(model, attrs: list[str]) -> bool:
    """True when `attrs` ("facility", "location_id") walks concrete model fields and forward links only.

    Such a source is read with a plain attribute getter: nothing on the way is a method to call or a
    reverse relation that may raise, so the value is exactly the one DRF's own lookup would find.
    """
    for position, attr in enumerate(attrs):
        if model is None:
            return False
        try:
            field = model._meta.get_field(attr)
        except FieldDoesNotExist:
            field = next((each for each in model._meta.concrete_fields if each.attname == attr), None)
            if field is None:
                return False
            model = None  # `<link>_id`: a value, the end of the path
            continue
        if not field.concrete or field.many_to_many:
            return False
        model = field.related_model if field.is_relation else None
        if not field.is_relation and position != len(attrs) - 1:
            return False
    return True


def _read_plan(serializer) -> list[tuple]:
    """(name, getter or None, convert or None, field) per readable field: DRF's lookup, compiled once per serializer.

    A getter is an `attrgetter` where the source walks model fields only; a foreign key's id is read from its
    `<link>_id` attribute. Anything else (a method field, a callable, `*`) has no getter and is read by DRF.
    """
    model = serializer.Meta.model
    plan = []
    for field in serializer._readable_fields:
        attrs = field.source_attrs
        getter = convert = None
        if isinstance(field, serializers.PrimaryKeyRelatedField) and len(attrs) == 1:
            link = model._meta.get_field(attrs[0])
            if link.concrete and link.many_to_one:
                getter = attrgetter(link.attname)
        elif (
            attrs
            and not isinstance(field, serializers.SerializerMethodField | serializers.Serializer)
            and walks_fields_only(model, attrs)
        ):
            getter = attrgetter(".".join(attrs))
            convert = field.to_representation
        plan.append((field.field_name, getter, convert, field))
    return plan


def _read_by_drf(field, instance, into: dict) -> None:
    """DRF's own reading of one field (Serializer.to_representation's loop body)."""
    try:
        attribute = field.get_attribute(instance)
    except SkipField:
        return
    check_for_none = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
    into[field.field_name] = None if check_for_none is None else field.to_representation(attribute)


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
        data = self.read(instance)
        for link in self.hidden_links:
            if not getattr(instance, f"{link}_visible", True):
                data[link] = None
                data[f"{link}_label"] = None
        return data

    def read(self, instance) -> dict:
        """The row as DRF's `to_representation` gives it, read through a plan compiled once (`_read_plan`).

        DRF looks every field up afresh for every row (and inspects each value for callability); a page of
        50 incidents spent most of its time there. The plan reads the same attributes with plain getters and
        leaves DRF the fields it alone knows how to read; `tests/api/test_read_plan.py` holds the two equal.
        """
        plan = self.__dict__.get("_plan")
        if plan is None:
            plan = self.__dict__["_plan"] = _read_plan(self)
        data = {}
        for name, getter, convert, field in plan:
            if getter is None:
                _read_by_drf(field, instance, data)
                continue
            try:
                value = getter(instance)
            except AttributeError:  # a link on the way is empty: DRF decides (null, default or left out)
                _read_by_drf(field, instance, data)
                continue
            data[name] = value if value is None or convert is None else convert(value)
        return data
