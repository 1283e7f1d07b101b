"""Incident types and their SLA clocks."""

from django.contrib import admin
from unfold.contrib.filters.admin import ChoicesDropdownFilter
from unfold.decorators import display

from apps.console.base import PortalModelAdmin
from apps.tickets.choices import Severity
from apps.tickets.models import IncidentType
from apps.tickets.resources import IncidentTypeResource
from apps.tickets.sla import severity_factor

from .common import RECORD_FIELDSET, SEVERITY_COLOURS, minutes_label


@admin.register(IncidentType)
class IncidentTypeAdmin(PortalModelAdmin):
    resource_classes = [IncidentTypeResource]
    list_display = ["name", "code", "default_severity_label", "response_sla", "resolve_sla", "is_active"]
    list_filter = [("default_severity", ChoicesDropdownFilter), "is_active"]
    search_fields = ["code", "name"]
    ordering = ["name"]
    readonly_fields = ["sla_by_severity", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["name", "code", "is_active"]}),
        ("SLA", {"fields": ["default_severity", "response_sla_minutes", "resolve_sla_minutes", "sla_by_severity"]}),
        RECORD_FIELDSET,
    ]

    @display(description="Default severity", ordering="default_severity", label=SEVERITY_COLOURS)
    def default_severity_label(self, obj):
        return obj.default_severity, obj.default_severity

    @display(description="Respond within", ordering="response_sla_minutes")
    def response_sla(self, obj):
        return minutes_label(obj.response_sla_minutes)

    @display(description="Resolve within", ordering="resolve_sla_minutes")
    def resolve_sla(self, obj):
        return minutes_label(obj.resolve_sla_minutes)

    @display(description="At each severity")
    def sla_by_severity(self, obj):
        if obj.pk is None or not (obj.response_sla_minutes and obj.resolve_sla_minutes):
            return "Shown once saved."
        lines = []
        for severity in Severity:
            factor = severity_factor(severity=severity, default_severity=obj.default_severity)
            lines.append(
                f"{severity.value}: respond within {minutes_label(obj.response_sla_minutes * factor)}, "
                f"resolve within {minutes_label(obj.resolve_sla_minutes * factor)}"
            )
        return "\n".join(lines)
