"""Console pages for locations and facilities. Other admins autocomplete both through these."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from unfold.admin import TabularInline
from unfold.contrib.filters.admin import (
    BooleanRadioFilter,
    ChoicesDropdownFilter,
)
from unfold.decorators import display

from apps.console.base import PortalModelAdmin
from apps.console.scope import ScopedAutocompleteSelectFilter, ScopedFieldsMixin
from apps.facilities.choices import FacilityStatus
from apps.facilities.models import Facility, Location
from apps.facilities.resources import FacilityResource, LocationResource
from apps.facilities.selectors import facilities_visible_to, locations_with_facility_count
from apps.facilities.services import (
    facility_create,
    facility_delete,
    facility_update,
    location_create,
    location_delete,
    location_update,
)

FACILITY_STATUS_COLOURS = {
    FacilityStatus.OPERATIONAL: "success",
    FacilityStatus.DEGRADED: "warning",
    FacilityStatus.DOWN: "danger",
    FacilityStatus.MAINTENANCE: "info",
}


def _ordered(admin_obj, request, queryset):
    ordering = admin_obj.get_ordering(request)
    return queryset.order_by(*ordering) if ordering else queryset


class FacilityInline(ScopedFieldsMixin, TabularInline):
    model = Facility
    fields = ("code", "name", "kind", "status", "on_air_critical")
    extra = 0
    show_change_link = True
    tab = True
    per_page = 20


@admin.register(Location)
class LocationAdmin(PortalModelAdmin):
    resource_classes = [LocationResource]
    object_permissions = True  # scope is granted per location (django-guardian)

    list_display = ("code", "name", "timezone", "facility_count", "is_active")
    list_display_links = ("code", "name")
    list_filter = (("is_active", BooleanRadioFilter),)
    search_fields = ["code", "name"]
    ordering = ("name",)
    fields = ("code", "name", "address", "timezone", "is_active")
    inlines = (FacilityInline,)

    def get_queryset(self, request):
        return _ordered(self, request, locations_with_facility_count(user=request.user))

    @display(description=_("facilities"), ordering="facility_count")
    def facility_count(self, obj: Location) -> int:
        return obj.facility_count

    def save_model(self, request, obj, form, change):
        if change:
            location_update(location=obj, by=request.user)
        else:
            location_create(location=obj, by=request.user)

    def delete_model(self, request, obj):
        location_delete(location=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for location in queryset:
            location_delete(location=location, by=request.user)

    def save_formset(self, request, form, formset, change):
        if formset.model is not Facility:
            return super().save_formset(request, form, formset, change)
        facilities = formset.save(commit=False)
        for facility in formset.deleted_objects:
            facility_delete(facility=facility, by=request.user)
        for facility in facilities:
            if facility.pk is None or facility._state.adding:
                facility_create(facility=facility, by=request.user)
            else:
                facility_update(facility=facility, by=request.user)
        formset.save_m2m()


@admin.register(Facility)
class FacilityAdmin(PortalModelAdmin):
    resource_classes = [FacilityResource]
    list_display = ("code", "name", "location", "kind", "status_label", "on_air_critical")
    list_display_links = ("code", "name")
    list_filter = (
        ("kind", ChoicesDropdownFilter),
        ("status", ChoicesDropdownFilter),
        ("location", ScopedAutocompleteSelectFilter),
        ("on_air_critical", BooleanRadioFilter),
    )
    list_select_related = ("location",)
    search_fields = ["code", "name", "location__code", "location__name"]
    ordering = ("location__name", "name")
    autocomplete_fields = ("location",)
    fields = ("location", "code", "name", "kind", "status", "on_air_critical")

    def get_queryset(self, request):
        return _ordered(self, request, facilities_visible_to(user=request.user))

    @display(description=_("status"), ordering="status", label=FACILITY_STATUS_COLOURS)
    def status_label(self, obj: Facility):
        return obj.status, obj.get_status_display()

    def save_model(self, request, obj, form, change):
        if change:
            facility_update(facility=obj, by=request.user)
        else:
            facility_create(facility=obj, by=request.user)

    def delete_model(self, request, obj):
        facility_delete(facility=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for facility in queryset:
            facility_delete(facility=facility, by=request.user)
