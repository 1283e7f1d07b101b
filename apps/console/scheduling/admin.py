"""Console pages for shifts, scheduled events and time off.

Every write goes through apps.scheduling.services (see apps.console.forms): the form's dry run asks the
service's `<entity>_validate` so a clash shows on the form, and save_model() calls the `_create` / `_update`
service. A rule that still fails at save (a concurrent save won the race; PostgreSQL's exclusion constraint
refused the row) re-renders the form with the message instead of a server error.

The status is read-only on every form: it moves by the list's actions (publish, cancel, restore; confirm;
approve, deny, cancel), each a workflow step (apps.scheduling.steps). A reviewed request shows what was
reviewed read-only too. Only administrators delete, through the delete services (deletes.py).
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib import admin
from django.db.models import Case, Count, F, Value, When
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from unfold.contrib.filters.admin import (
    ChoicesDropdownFilter,
    RangeDateFilter,
)
from unfold.decorators import display

from apps.console.base import PortalModelAdmin
from apps.console.forms import LocalRangeDateTimeFilter, ServiceAdminMixin
from apps.console.review import waiting_for_me_filter
from apps.console.scheduling.actions import EventActionsMixin, ShiftActionsMixin
from apps.console.scheduling.deletes import AdministratorDeletesMixin
from apps.console.scheduling.shift_form import RosterShiftFormMixin
from apps.console.scheduling.time_off_actions import TimeOffActionsMixin, overlapping_shift_lines
from apps.console.scope import ScopedAutocompleteSelectFilter
from apps.scheduling.choices import EventStatus, ShiftStatus, TimeOffStatus
from apps.scheduling.models import ScheduledEvent, Shift, TimeOffRequest
from apps.scheduling.resources import ScheduledEventResource, ShiftResource, TimeOffRequestResource
from apps.scheduling.selectors import scheduled_events_visible_to, time_off_awaiting_review_q
from apps.scheduling.services import (
    EVENT_FIELDS,
    SHIFT_FIELDS,
    TIME_OFF_FIELDS,
    TIME_OFF_REVIEWED_FIELDS,
    local_span,
    person_name,
    scheduled_event_create,
    scheduled_event_delete,
    scheduled_event_delete_blockers,
    scheduled_event_update,
    scheduled_event_validate,
    shift_create,
    shift_delete,
    shift_delete_blockers,
    shift_update,
    shift_validate,
    time_off_request_create,
    time_off_request_delete,
    time_off_request_update,
    time_off_request_validate,
)
from apps.scheduling.time_off import shifts_over_time_off

SHIFT_STATUS_COLOURS = {
    ShiftStatus.DRAFT: "info",
    ShiftStatus.PUBLISHED: "success",
    ShiftStatus.CANCELLED: "danger",
}
EVENT_STATUS_COLOURS = {
    EventStatus.TENTATIVE: "warning",
    EventStatus.CONFIRMED: "success",
    EventStatus.CANCELLED: "danger",
}
TIME_OFF_STATUS_COLOURS = {
    TimeOffStatus.PENDING: "warning",
    TimeOffStatus.APPROVED: "success",
    TimeOffStatus.DENIED: "danger",
    TimeOffStatus.CANCELLED: "info",
}

TIMES_ENTERED_IN = _("Times are the facility's local time, typed and shown alike.")
RECORD_FIELDSET = (_("Record"), {"fields": ("created_at", "updated_at"), "classes": ["collapse"]})


# --- shared by the scheduling and timesheets admins ------------------------------------------------------


def local_day_time(moment: datetime, zone: ZoneInfo) -> list[str]:
    """['Tue 3 Mar 2026', '06:00 GMT'] for a two-line list cell."""
    local = moment.astimezone(zone)
    return [f"{local:%a} {local.day} {local:%b %Y}", f"{local:%H:%M} {local.tzname()}"]


def duration_label(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    hours, rest = divmod(minutes, 60)
    return f"{hours}h{rest:02d}"


class TimedRowDisplayMixin:
    local_time_via = "facility"  # apps/console/localtime: forms read and take the facility's local time

    """List columns shared by shifts and events: facility, local start/end, duration, local times on the form."""

    @display(description=_("facility"), ordering="facility__code", header=True)
    def facility_column(self, obj) -> list[str]:
        return [obj.facility.code, f"{obj.facility.name} · {obj.facility.location.timezone}"]

    @display(description=_("starts (local)"), ordering="starts_at", header=True)
    def local_starts(self, obj) -> list[str]:
        return local_day_time(obj.starts_at, obj.facility.location.timezone)

    @display(description=_("ends (local)"), ordering="ends_at", header=True)
    def local_ends(self, obj) -> list[str]:
        return local_day_time(obj.ends_at, obj.facility.location.timezone)

    @display(description=_("duration"), ordering=F("ends_at") - F("starts_at"))
    def duration(self, obj) -> str:
        return duration_label(obj.ends_at - obj.starts_at)

    @display(description=_("local time"))
    def local_times(self, obj) -> str:
        if obj.pk is None:
            return "—"
        return local_span(obj.starts_at, obj.ends_at, obj.facility.location.timezone)


# --- shifts ------------------------------------------------------------------------------------------------


@admin.register(Shift)
class ShiftAdmin(
    RosterShiftFormMixin,
    AdministratorDeletesMixin,
    ShiftActionsMixin,
    ServiceAdminMixin,
    TimedRowDisplayMixin,
    PortalModelAdmin,
):
    resource_classes = [ShiftResource]
    list_display = (
        "person",
        "facility_column",
        "position",
        "local_starts",
        "local_ends",
        "duration",
        "status_label",
    )
    list_select_related = ("user", "facility__location")
    list_filter = (
        ("status", ChoicesDropdownFilter),
        ("facility__location", ScopedAutocompleteSelectFilter),
        ("facility", ScopedAutocompleteSelectFilter),
        ("user", ScopedAutocompleteSelectFilter),
        ("starts_at", LocalRangeDateTimeFilter),
    )
    search_fields = (
        "user__first_name",
        "user__last_name",
        "user__username",
        "user__employee_id",
        "facility__code",
        "facility__name",
        "position",
    )
    autocomplete_fields = ("user", "facility")
    date_hierarchy = "starts_at"
    ordering = ("-starts_at", "user__last_name")
    # a new shift is a draft; the list's actions publish, cancel and restore it
    readonly_fields = ("status", "local_times", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("user", "facility", "position")}),
        (_("When"), {"fields": ("starts_at", "ends_at", "local_times"), "description": TIMES_ENTERED_IN}),
        (_("Status"), {"fields": ("status", "notes")}),
        RECORD_FIELDSET,
    )

    @display(description=_("person"), ordering="user__last_name", header=True)
    def person(self, obj: Shift) -> list[str]:
        return [person_name(obj.user), obj.user.employee_id]

    @display(description=_("status"), ordering="status", label=SHIFT_STATUS_COLOURS)
    def status_label(self, obj: Shift) -> tuple[str, str]:
        return obj.status, obj.get_status_display()

    def run_service(self, request, form, *, dry_run):
        if dry_run:
            return form.check_unsaved_copy(lambda shift: shift_validate(shift=shift, by=request.user))
        fields = self.service_fields(form, SHIFT_FIELDS)
        if form.instance._state.adding:
            return shift_create(by=request.user, **fields)
        return shift_update(shift=form.instance, by=request.user, **fields)

    def delete_row(self, obj, *, by, reason):
        shift_delete(shift=obj, by=by, reason=reason)

    def delete_blockers(self, obj):
        return shift_delete_blockers(shift=obj)


# --- scheduled events ------------------------------------------------------------------------------------------


@admin.register(ScheduledEvent)
class ScheduledEventAdmin(
    AdministratorDeletesMixin, EventActionsMixin, ServiceAdminMixin, TimedRowDisplayMixin, PortalModelAdmin
):
    resource_classes = [ScheduledEventResource]
    list_display = (
        "title",
        "kind",
        "facility_column",
        "local_starts",
        "local_ends",
        "duration",
        "crew_count",
        "status_label",
    )
    list_select_related = ("facility__location",)
    list_filter = (
        ("status", ChoicesDropdownFilter),
        ("kind", ChoicesDropdownFilter),
        ("facility__location", ScopedAutocompleteSelectFilter),
        ("facility", ScopedAutocompleteSelectFilter),
        ("crew", ScopedAutocompleteSelectFilter),
        ("starts_at", LocalRangeDateTimeFilter),
    )
    search_fields = ("title", "facility__code", "facility__name")
    autocomplete_fields = ("facility", "crew")
    date_hierarchy = "starts_at"
    ordering = ("-starts_at",)
    # a new event is tentative; the list's actions confirm, cancel and restore it
    readonly_fields = ("status", "local_times", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("title", "kind", "facility")}),
        (_("When"), {"fields": ("starts_at", "ends_at", "local_times"), "description": TIMES_ENTERED_IN}),
        (_("Status and crew"), {"fields": ("status", "crew")}),
        RECORD_FIELDSET,
    )

    def visible_to(self, user):
        return scheduled_events_visible_to(user=user).annotate(crew_total=Count("crew", distinct=True))

    @display(description=_("crew"), ordering="crew_total")
    def crew_count(self, obj: ScheduledEvent) -> int:
        return obj.crew_total

    @display(description=_("status"), ordering="status", label=EVENT_STATUS_COLOURS)
    def status_label(self, obj: ScheduledEvent) -> tuple[str, str]:
        return obj.status, obj.get_status_display()

    def run_service(self, request, form, *, dry_run):
        if dry_run:
            return form.check_unsaved_copy(lambda event: scheduled_event_validate(event=event))
        fields = self.service_fields(form, EVENT_FIELDS)
        crew = form.cleaned_data.get("crew")
        if form.instance._state.adding:
            return scheduled_event_create(by=request.user, crew=crew or (), **fields)
        return scheduled_event_update(event=form.instance, by=request.user, crew=crew, **fields)

    def delete_row(self, obj, *, by, reason):
        scheduled_event_delete(event=obj, by=by, reason=reason)

    def delete_blockers(self, obj):
        return scheduled_event_delete_blockers(event=obj)


# --- time off ----------------------------------------------------------------------------------------------------


@admin.register(TimeOffRequest)
class TimeOffRequestAdmin(AdministratorDeletesMixin, TimeOffActionsMixin, ServiceAdminMixin, PortalModelAdmin):
    resource_classes = [TimeOffRequestResource]
    list_display = ("person", "kind", "starts_on", "ends_on", "days", "status_label", "reviewed_by")
    list_select_related = ("user", "reviewed_by")
    list_filter = (
        waiting_for_me_filter(time_off_awaiting_review_q),
        ("status", ChoicesDropdownFilter),
        ("kind", ChoicesDropdownFilter),
        ("user__home_location", ScopedAutocompleteSelectFilter),
        ("user", ScopedAutocompleteSelectFilter),
        ("starts_on", RangeDateFilter),
    )
    search_fields = ("user__first_name", "user__last_name", "user__username", "user__employee_id", "reason")
    autocomplete_fields = ("user", "reviewed_by")
    date_hierarchy = "starts_on"
    # what waits for a decision first, the soonest first; then the rest, latest first
    ordering = (
        Case(When(status=TimeOffStatus.PENDING, then=Value(0)), default=Value(1)).asc(),
        Case(When(status=TimeOffStatus.PENDING, then=F("starts_on"))).asc(nulls_last=True),
        F("starts_on").desc(),
        "user__last_name",
    )
    # Reviews are stamped by the approve / deny / cancel actions, never typed in.
    readonly_fields = (
        "status",
        "shifts_on_these_days",
        "review_note",
        "reviewed_by",
        "reviewed_at",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (None, {"fields": ("user", "kind", "starts_on", "ends_on", "reason")}),
        (_("Review"), {"fields": ("status", "shifts_on_these_days", "review_note", "reviewed_by", "reviewed_at")}),
        RECORD_FIELDSET,
    )

    @display(description=_("shifts on these days"))
    def shifts_on_these_days(self, obj: TimeOffRequest):
        """The person's live shifts on the requested days, before anyone approves (approving asks what to do
        with them)."""
        if obj.pk is None:
            return "—"
        return format_html_join(
            mark_safe("<br>"),
            "{}",
            ((line,) for line in overlapping_shift_lines(shifts_over_time_off(time_off_request=obj))),
        )

    @display(description=_("person"), ordering="user__last_name", header=True)
    def person(self, obj: TimeOffRequest) -> list[str]:
        return [person_name(obj.user), obj.user.employee_id]

    @display(description=_("days"), ordering=F("ends_on") - F("starts_on"))
    def days(self, obj: TimeOffRequest) -> int:
        return (obj.ends_on - obj.starts_on).days + 1

    @display(description=_("status"), ordering="status", label=TIME_OFF_STATUS_COLOURS)
    def status_label(self, obj: TimeOffRequest) -> tuple[str, str]:
        return obj.status, obj.get_status_display()

    def get_fieldsets(self, request, obj=None):
        if obj is None:  # a new request is pending; its review happens on the change form
            return ((None, {"fields": ("user", "kind", "starts_on", "ends_on", "reason")}),)
        return super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if obj is not None and obj.status != TimeOffStatus.PENDING:  # what was reviewed stays as it was
            return (*TIME_OFF_REVIEWED_FIELDS, *fields)
        return fields

    def run_service(self, request, form, *, dry_run):
        if dry_run:
            return form.check_unsaved_copy(lambda request_: time_off_request_validate(time_off_request=request_))
        fields = self.service_fields(form, TIME_OFF_FIELDS)
        if form.instance._state.adding:
            return time_off_request_create(by=request.user, **fields)
        return time_off_request_update(time_off_request=form.instance, by=request.user, **fields)

    def delete_row(self, obj, *, by, reason):
        time_off_request_delete(time_off_request=obj, by=by, reason=reason)


from apps.console.scheduling import coverage  # noqa: E402, F401 - the coverage requirements admin (apps/console/scheduling/coverage.py)
