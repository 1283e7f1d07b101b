"""Console page for coverage requirements ("MCR needs 1 operator 24/7"), read by the Roster's gap finder.

The facility choices come from the facilities selector (ScopedAdminMixin), so a supervisor can only ask for
coverage at the locations they cover; the rows need no rule across rows beyond the database's constraints.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from unfold.decorators import display

from apps.console.base import PortalModelAdmin
from apps.console.scope import ScopedRelatedDropdownFilter
from apps.scheduling.models import CoverageRequirement


@admin.register(CoverageRequirement)
class CoverageRequirementAdmin(PortalModelAdmin):
    list_display = ("facility_column", "position", "people")
    list_select_related = ("facility__location",)
    list_filter = (("facility__location", ScopedRelatedDropdownFilter),)
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
