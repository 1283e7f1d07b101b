"""Console page for time entries; writes go through apps.timesheets.services (see apps.console.scheduling.admin).

Supervisors approve or reject the selected entries in bulk (each in its own savepoint, reported per entry), and
the list shows beside each entry its person's total for that Monday–Sunday week (submitted and approved
entries; rejected ones do not count), computed in SQL. The status is read-only on the form (the actions are
its only way), a reviewed entry shows what was reviewed read-only, and only administrators delete.
"""

from datetime import timedelta

from django.contrib import admin, messages
from django.db.models import DateField, ExpressionWrapper, IntegerField, OuterRef, Subquery, Sum
from django.db.models.functions import TruncWeek
from django.utils.translation import gettext_lazy as _
from unfold.contrib.filters.admin import (
    ChoicesDropdownFilter,
    RangeDateFilter,
)
from unfold.decorators import action, display

from apps.console.base import PortalModelAdmin
from apps.console.forms import ServiceAdminMixin
from apps.console.review import waiting_for_me_filter
from apps.console.scheduling.admin import local_day_time
from apps.console.scheduling.deletes import AdministratorDeletesMixin
from apps.console.scope import ScopedAutocompleteSelectFilter
from apps.core.batch import for_each
from apps.scheduling.services import person_name
from apps.timesheets.choices import Activity, TimeEntryStatus
from apps.timesheets.models import TimeEntry
from apps.timesheets.resources import TimeEntryResource
from apps.timesheets.selectors import time_entries_awaiting_review_q, time_entries_visible_to
from apps.timesheets.services import (
    TIME_ENTRY_FIELDS,
    TIME_ENTRY_REVIEWED_FIELDS,
    hours_label,
    time_entry_approve,
    time_entry_create,
    time_entry_delete,
    time_entry_reject,
    time_entry_update,
    time_entry_validate,
)

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


def week_minutes() -> Subquery:
    """The person's minutes (rejected entries aside) in the Monday–Sunday week of the row's work date: a range of
    dates on the (user, work date) index, read for the page's rows only."""
    same_week = (
        TimeEntry.objects.filter(
            user=OuterRef("user"),
            work_date__gte=OuterRef("entry_week"),
            work_date__lt=ExpressionWrapper(OuterRef("entry_week") + timedelta(days=7), output_field=DateField()),
        )
        .exclude(status=TimeEntryStatus.REJECTED)
        .order_by()
        .values("user")
        .annotate(total=Sum("minutes"))
        .values("total")
    )
    return Subquery(same_week, output_field=IntegerField())


@admin.register(TimeEntry)
class TimeEntryAdmin(AdministratorDeletesMixin, ServiceAdminMixin, PortalModelAdmin):
    resource_classes = [TimeEntryResource]
    local_time_via = "user"  # apps/console/localtime: the review and record times in the person's home zone
    list_display = (
        "person",
        "work_date",
        "activity_label",
        "duration",
        "week_total",
        "linked_item",
        "status_label",
        "reviewed_by",
    )
    list_select_related = ("user", "shift__facility__location", "incident", "service_ticket", "reviewed_by")
    list_filter = (
        waiting_for_me_filter(time_entries_awaiting_review_q),
        ("status", ChoicesDropdownFilter),
        ("activity", ChoicesDropdownFilter),
        ("user__home_location", ScopedAutocompleteSelectFilter),
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
    actions = ["approve_selected", "reject_selected"]
    # Reviews are stamped by the approve / reject actions, never typed in.
    readonly_fields = ("status", "reviewed_by", "reviewed_at", "created_at", "updated_at")
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
        return (
            time_entries_visible_to(user=user)
            .select_related("reviewed_by")
            .annotate(entry_week=TruncWeek("work_date"))
            .annotate(week_minutes=week_minutes())
        )

    @display(description=_("person's week"), ordering="week_minutes")
    def week_total(self, obj: TimeEntry) -> str:
        return hours_label(obj.week_minutes or 0)

    @action(description=_("Approve the selected entries"), permissions=["change"], icon="check")
    def approve_selected(self, request, queryset):
        self._review(request, queryset, time_entry_approve, "Approved")

    @action(description=_("Reject the selected entries"), permissions=["change"], icon="block")
    def reject_selected(self, request, queryset):
        self._review(request, queryset, time_entry_reject, "Rejected")

    def _review(self, request, queryset, service, verb: str) -> None:
        outcomes = for_each(list(queryset), lambda entry: service(time_entry=entry, by=request.user) and "")
        done = [outcome.item for outcome in outcomes if outcome.done]
        if done:
            listed = "; ".join(str(entry) for entry in done[:20]) + (" …" if len(done) > 20 else "")
            self.message_user(request, f"{verb} {len(done)}: {listed}.", messages.SUCCESS)
        for outcome in [outcome for outcome in outcomes if not outcome.done][:20]:
            self.message_user(request, f"Skipped {outcome.item}: {outcome.message}", messages.WARNING)

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

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if obj is not None and obj.status != TimeEntryStatus.SUBMITTED:  # what was reviewed stays as it was
            return (*TIME_ENTRY_REVIEWED_FIELDS, *fields)
        return fields

    def delete_row(self, obj, *, by, reason):
        time_entry_delete(time_entry=obj, by=by, reason=reason)

    def run_service(self, request, form, *, dry_run):
        if dry_run:
            return form.check_unsaved_copy(lambda entry: time_entry_validate(time_entry=entry))
        fields = self.service_fields(form, TIME_ENTRY_FIELDS)
        if form.instance._state.adding:
            return time_entry_create(by=request.user, **fields)
        return time_entry_update(time_entry=form.instance, by=request.user, **fields)
