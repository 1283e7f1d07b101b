"""Spreadsheets of locations and facilities, keyed by their codes."""

from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from django.db.models.functions import Upper
from import_export import fields, widgets

from apps.core.scope import check_location_in_scope
from apps.dataio.resources import PortalResource
from apps.dataio.widgets import ChoiceWidget, NaturalKeyWidget, TextWidget, YesNoWidget

from .choices import FacilityKind, FacilityStatus
from .models import Facility, Location

LOOKUP_CHUNK = 5000


class CaseInsensitiveKeyMixin:
    """Existing rows found by a one-column text key (a code, an employee ID, a reference) typed in any case.

    The base index matches the cell exactly, so "lon-hq" would not find LON-HQ and would be taken for a
    new row; here both sides are compared upper-cased, in one query per few thousand keys.
    """

    def existing_index(self, dataset):
        (name,) = self.get_import_id_fields()
        field = self.fields[name]
        keys = {self._clean_or_none(field, {field.column_name: value}) for value in dataset[field.column_name]}
        wanted = sorted({str(key).upper() for key in keys if key not in (None, "")})
        index = {}
        for start in range(0, len(wanted), LOOKUP_CHUNK):
            chunk = wanted[start : start + LOOKUP_CHUNK]
            queryset = self.import_queryset().alias(natural_key_upper=Upper(field.attribute))
            for obj in queryset.filter(natural_key_upper__in=chunk):
                index[self.instance_key(obj)] = obj
        return index


@cache
def _zone_names() -> dict[str, str]:
    return {name.casefold(): name for name in available_timezones()}


class TimeZoneWidget(widgets.Widget):
    """An IANA time zone name (Europe/London), in any case."""

    def clean(self, value, row=None, **kwargs):
        text = "" if value is None else str(value).strip()
        if not text:
            return None
        name = _zone_names().get(text.casefold())
        if name is None:
            raise ValueError(f"“{text}” is not a time zone; write its IANA name, e.g. Europe/London.")
        return ZoneInfo(name)

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


def location_widget() -> NaturalKeyWidget:
    return NaturalKeyWidget(Location, "code", noun="location")


class LocationResource(CaseInsensitiveKeyMixin, PortalResource):
    """One row per location, keyed by its code."""

    code = fields.Field(attribute="code", column_name="Code", widget=TextWidget())
    name = fields.Field(attribute="name", column_name="Name", widget=TextWidget())
    address = fields.Field(attribute="address", column_name="Address", widget=TextWidget())
    timezone = fields.Field(attribute="timezone", column_name="Time Zone", widget=TimeZoneWidget())
    is_active = fields.Field(attribute="is_active", column_name="Active", widget=YesNoWidget())

    # a location is its own scope, and no lookup leads from a row to itself: see check_scope
    scope_field = "code"
    batch_checks_uniqueness = True

    class Meta(PortalResource.Meta):
        model = Location
        name = "Locations"
        import_id_fields = ("code",)
        fields = ("code", "name", "address", "timezone", "is_active")

    def check_scope(self, instance):
        """Only a location the importing user covers may change; creating one is for administrators."""
        check_location_in_scope(by=self.user, location=instance, field=self.scope_field)


class FacilityResource(CaseInsensitiveKeyMixin, PortalResource):
    """One row per facility, keyed by its code; its location by code, kind and status by label."""

    code = fields.Field(attribute="code", column_name="Code", widget=TextWidget())
    location = fields.Field(attribute="location", column_name="Location", widget=location_widget())
    name = fields.Field(attribute="name", column_name="Name", widget=TextWidget())
    kind = fields.Field(attribute="kind", column_name="Kind", widget=ChoiceWidget(FacilityKind.choices))
    status = fields.Field(attribute="status", column_name="Status", widget=ChoiceWidget(FacilityStatus.choices))
    on_air_critical = fields.Field(attribute="on_air_critical", column_name="On Air Critical", widget=YesNoWidget())

    scope_location_path = "location"
    scope_field = "location"
    batch_checks_uniqueness = True

    class Meta(PortalResource.Meta):
        model = Facility
        name = "Facilities"
        import_id_fields = ("code",)
        fields = ("code", "location", "name", "kind", "status", "on_air_critical")

    def get_queryset(self):
        return Facility.objects.select_related("location")

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("location")
