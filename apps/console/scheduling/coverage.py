"""Console page for coverage requirements ("MCR needs 1 operator 24/7"), read by the Roster's gap finder.

Saved and deleted through apps.scheduling.coverage (the form's dry run asks the same check the save makes);
the facility choices come from the facilities selector (ScopedAdminMixin), so a supervisor can only ask for
coverage at the locations they cover.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from unfold.decorators import display

from apps.console.base import PortalModelAdmin
from apps.console.forms import ServiceAdminMixin
from apps.console.history import DELETED
from apps.console.scope import ScopedAutocompleteSelectFilter
from apps.scheduling.coverage import (
    COVERAGE_FIELDS,
    coverage_requirement_check,
    coverage_requirement_create,
    coverage_requirement_delete,
    coverage_requirement_update,
)
from apps.scheduling.models import CoverageRequirement


@admin.register(CoverageRequirement)
class CoverageRequirementAdmin(ServiceAdminMixin, PortalModelAdmin):
    list_display = ("facility_column", "position", "people")
    list_select_related = ("facility__location",)
    list_filter = (("facility__location", ScopedAutocompleteSelectFilter),)
    search_fields = ("facility__code", "facility__name", "position")
    autocomplete_fields = ("facility",)
    ordering = ("facility__code", "position")
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("facility", "position", "people")}),
        (_("Record"), {"fields": ("created_at", "updated_at"), "classes": ["collapse"]}),
    )

    @display(description=_("facility"), ordering="facility__code", header=True)
    def facility_column(self, obj: CoverageRequirement) -> list[str]:
        return [obj.facility.code, f"{obj.facility.name} · {obj.facility.location}"]

    def run_service(self, request, form, *, dry_run):
        if dry_run:
            return form.check_unsaved_copy(
                lambda requirement: coverage_requirement_check(requirement=requirement, by=request.user)
            )
        fields = self.service_fields(form, COVERAGE_FIELDS)
        if form.instance._state.adding:
            return coverage_requirement_create(by=request.user, **fields)
        return coverage_requirement_update(requirement=form.instance, by=request.user, **fields)

    def delete_model(self, request, obj):
        coverage_requirement_delete(requirement=obj, by=request.user, reason=DELETED)

    def delete_queryset(self, request, queryset):
        for requirement in queryset.order_by("pk"):
            self.delete_model(request, requirement)
