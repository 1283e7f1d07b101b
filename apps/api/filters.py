"""The list query parameters every resource shares: `?search=`, `?ordering=`, ids, `?mine=true`, date ranges.

A filter naming an id that does not exist, or a row out of the caller's scope, gives the same answer: 200 with
an empty list (the ids are compared as numbers on rows already scoped, never looked up on their own).
"""

from datetime import UTC

import django_filters
from django import forms
from django.db.models import Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import filters
from rest_framework.exceptions import ValidationError

from .fields import EARLIEST_YEAR, LATEST_YEAR, MAX_ID, OUT_OF_RANGE

MAX_SEARCH_LENGTH = 200


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.NumberFilter):
    """`?facility=12`: rows whose foreign key is 12; an unknown or out-of-scope id matches nothing."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", -MAX_ID)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class MineFilter(django_filters.BooleanFilter):
    """`?mine=true`: the caller's own rows, as the resource defines them (`own(user) -> Q`)."""

    def __init__(self, *, own, **kwargs):
        self.own = own
        kwargs.setdefault("label", "Only the caller's own rows")
        kwargs.setdefault("widget", django_filters.widgets.BooleanWidget())
        kwargs.setdefault("method", self.only_mine)
        super().__init__(**kwargs)

    def only_mine(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(self.own(self.parent.request.user))


def mine(own, help_text: str) -> MineFilter:
    return MineFilter(own=own, help_text=help_text)


def own_by(*fields: str):
    """`own` for MineFilter: rows where any of `fields` is the caller."""

    def own(user) -> Q:
        condition = Q()
        for field in fields:
            condition |= Q(**{field: user})
        return condition

    return own


class PortalSearchFilter(filters.SearchFilter):
    """DRF's search, with its fields named in the schema and input a database can take (no NUL, bounded)."""

    def get_search_terms(self, request):
        value = request.query_params.get(self.search_param, "")
        if "\x00" in value:
            raise ValidationError({self.search_param: ["Null characters are not allowed."]})
        if len(value) > MAX_SEARCH_LENGTH:
            raise ValidationError({self.search_param: [f"Search for at most {MAX_SEARCH_LENGTH} characters."]})
        return super().get_search_terms(request)

    def get_schema_operation_parameters(self, view):
        fields = ", ".join(f"`{field.lstrip('^=@$')}`" for field in getattr(view, "search_fields", ()))
        return [
            {
                "name": self.search_param,
                "required": False,
                "in": "query",
                "description": f"Rows whose {fields} contain every word given (case-insensitive).",
                "schema": {"type": "string", "maxLength": MAX_SEARCH_LENGTH},
            }
        ]


class PortalOrderingFilter(filters.OrderingFilter):
    """DRF's ordering over the fields the view lists (`-field` descending, comma-separated); others ignored."""

    def get_schema_operation_parameters(self, view):
        names = list(getattr(view, "ordering_fields", ()))
        default = ", ".join(getattr(view, "ordering", ()) or ())
        choices = ", ".join(f"`{name}`" for name in names)
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": f"Order by {choices}; prefix `-` for descending, comma-separate several"
                + (f" (default `{default}`)." if default else "."),
                "schema": {"type": "string"},
            }
        ]


class BoundedDateTimeField(django_filters.fields.IsoDateTimeField):
    """An ISO 8601 moment a database can compare: within the API's years, its offset a real one."""

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is None:
            return None
        try:
            year = moment.astimezone(UTC).year
        except (OverflowError, ValueError):
            year = None
        if year is None or not EARLIEST_YEAR <= year <= LATEST_YEAR:
            raise forms.ValidationError(OUT_OF_RANGE, code="out_of_range")
        return moment


class BoundedDateField(forms.DateField):
    def to_python(self, value):
        day = super().to_python(value)
        if day is not None and not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
            raise forms.ValidationError(OUT_OF_RANGE, code="out_of_range")
        return day


class MomentFilter(django_filters.IsoDateTimeFilter):
    field_class = BoundedDateTimeField


class DayFilter(django_filters.DateFilter):
    field_class = BoundedDateField


class DateRangeFilterSet(django_filters.FilterSet):
    """Adds `<field>__gte` / `<field>__lt` for each name in `Meta.date_ranges`."""

    @classmethod
    def get_filters(cls):
        filters = super().get_filters()
        model = cls._meta.model
        for name in getattr(getattr(cls, "Meta", None), "date_ranges", ()):
            field = model._meta.get_field(name)
            kind = MomentFilter if field.get_internal_type() == "DateTimeField" else DayFilter
            filters[f"{name}__gte"] = kind(field_name=name, lookup_expr="gte", label=f"{name} on or after")
            filters[f"{name}__lt"] = kind(field_name=name, lookup_expr="lt", label=f"{name} before")
        return filters
