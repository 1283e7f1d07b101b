"""Console page for time entries; writes go through apps.timesheets.services (see apps.scheduling.admin)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from unfold.contrib.filters.admin import (
    ChoicesDropdownFilter,
    RangeDateFilter,
)
from unfold.decorators import display

from apps.core.admin import PortalModelAdmin
from apps.core.admin_forms import ServiceAdminMixin
from apps.core.admin_scope import ScopedAutocompleteSelectFilter, ScopedRelatedDropdownFilter
from apps.scheduling.admin import local_day_time
from apps.scheduling.services import person_name

from .choices import Activity, TimeEntryStatus
from .models import TimeEntry
from .resources import TimeEntryResource
from .selectors import time_entries_visible_to
from .services import TIME_ENTRY_FIELDS, hours_label, time_entry_create, time_entry_update, time_entry_validate

TIME_ENTRY_STATUS_COLOURS = {
    TimeEntryStatus.SUBMITTED: "warning",
    TimeEntryStatus.APPROVED: "success",
    TimeEntryStatus.REJECTED: "danger",
}
ACTIVITY_COLOURS = {
    Activity.SHIFT: "primary",
    Activity.INCIDENT: "danger",
    Activity.SERVICE: "warning",
    Activity.TRAINING: "info",
    Activity.ADMIN: "info",
}


@admin.register(TimeEntry)
class TimeEntryAdmin(ServiceAdminMixin, PortalModelAdmin):
    resource_classes = [TimeEntryResource]
    list_display = ("person", "work_date", "activity_label", "duration", "linked_item", "status_label", "reviewed_by")
    list_select_related = ("user", "shift__facility__location", "incident", "service_ticket", "reviewed_by")
    list_filter = (
        ("status", ChoicesDropdownFilter),
        ("activity", ChoicesDropdownFilter),
        ("user__home_location", ScopedRelatedDropdownFilter),
        ("user", ScopedAutocompleteSelectFilter),
        ("work_date", RangeDateFilter),
    )
    search_fields = (
        "user__first_name",
        "user__last_name",
        "user__username",
        "user__employee_id",
        "incident__reference",
        "service_ticket__reference",
        "notes",
    )
    autocomplete_fields = ("user", "shift", "incident", "service_ticket", "reviewed_by")
    date_hierarchy = "work_date"
    ordering = ("-work_date", "user__last_name")
    # Reviews are stamped by the approval workflow (a later change), never typed in.
    readonly_fields = ("reviewed_by", "reviewed_at", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("user", "work_date", "minutes", "activity")}),
        (
            _("Worked on"),
            {"fields": ("shift", "incident", "service_ticket", "notes"), "description": _("Link one item at most.")},
        ),
        (_("Review"), {"fields": ("status", "reviewed_by", "reviewed_at")}),
        (_("Record"), {"fields": ("created_at", "updated_at"), "classes": ["collapse"]}),
    )

    def visible_to(self, user):
        return time_entries_visible_to(user=user).select_related("reviewed_by")

    @display(description=_("person"), ordering="user__last_name", header=True)
    def person(self, obj: TimeEntry) -> list[str]:
        return [person_name(obj.user), obj.user.employee_id]

    @display(description=_("activity"), ordering="activity", label=ACTIVITY_COLOURS)
    def activity_label(self, obj: TimeEntry) -> tuple[str, str]:
        return obj.activity, obj.get_activity_display()

    @display(description=_("time"), ordering="minutes")
    def duration(self, obj: TimeEntry) -> str:
        return hours_label(obj.minutes)

    @display(description=_("worked on"))
    def linked_item(self, obj: TimeEntry) -> str:
        if obj.shift_id:
            day, time = local_day_time(obj.shift.starts_at, obj.shift.facility.location.timezone)
            return f"{obj.shift.position} at {obj.shift.facility.code}, {day} {time}"
        if obj.incident_id:
            return str(obj.incident)
        if obj.service_ticket_id:
            return str(obj.service_ticket)
        return "—"

    @display(description=_("status"), ordering="status", label=TIME_ENTRY_STATUS_COLOURS)
    def status_label(self, obj: TimeEntry) -> tuple[str, str]:
        return obj.status, obj.get_status_display()

    def get_fieldsets(self, request, obj=None):
        if obj is None:  # a new entry is submitted; its review happens on the change form
            return self.fieldsets[:2]
        return super().get_fieldsets(request, obj)

    def run_service(self, request, form, *, dry_run):
        if dry_run:
            return form.check_unsaved_copy(lambda entry: time_entry_validate(time_entry=entry))
        fields = self.service_fields(form, TIME_ENTRY_FIELDS)
        if form.instance._state.adding:
            return time_entry_create(by=request.user, **fields)
        return time_entry_update(time_entry=form.instance, by=request.user, **fields)
