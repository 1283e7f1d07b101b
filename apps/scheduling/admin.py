"""Console pages for shifts, scheduled events and time off.

Every write goes through apps.scheduling.services: the form's clean() asks the service's `<entity>_validate`
so a clash shows on the form, and save_model() calls the `_create` / `_update` service. A rule that still
fails at save (a concurrent save won the race; PostgreSQL's exclusion constraint refused the row) re-renders
the form with the message instead of a server error. `ServiceFormAdminMixin` and `ServiceValidatedForm` are
shared with apps.timesheets.admin.
"""

import copy
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.validators import EMPTY_VALUES
from django.db.models import Count, F
from django.forms.models import construct_instance
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from unfold.contrib.filters.admin import (
    AutocompleteSelectFilter,
    ChoicesDropdownFilter,
    RangeDateFilter,
    RangeDateTimeFilter,
    RelatedDropdownFilter,
)
from unfold.decorators import display
from unfold.utils import parse_datetime_str

from apps.core.admin import PortalModelAdmin

from .choices import EventStatus, ShiftStatus, TimeOffStatus
from .models import ScheduledEvent, Shift, TimeOffRequest
from .selectors import scheduled_events_visible_to, shifts_visible_to, time_off_requests_visible_to
from .services import (
    EVENT_FIELDS,
    SHIFT_FIELDS,
    TIME_OFF_FIELDS,
    local_span,
    person_name,
    scheduled_event_create,
    scheduled_event_update,
    scheduled_event_validate,
    shift_create,
    shift_update,
    shift_validate,
    time_off_request_create,
    time_off_request_update,
    time_off_request_validate,
)

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

TIMES_ENTERED_IN = _("Times are entered in %(zone)s; the lists show them in each facility's local time.") % {
    "zone": settings.TIME_ZONE
}
RECORD_FIELDSET = (_("Record"), {"fields": ("created_at", "updated_at"), "classes": ["collapse"]})


# --- shared by the scheduling and timesheets admins ------------------------------------------------------


class ServiceValidatedForm(forms.ModelForm):
    """A ModelForm whose clean() runs the service's rules across rows on the instance as the form would save it."""

    rejected_at_save: ValidationError | None = None  # set when the same POST failed at save (see the mixin)

    def validate_with_service(self, instance) -> None:
        raise NotImplementedError

    def clean(self):
        cleaned_data = super().clean()
        # a copy: the form's own instance is only populated (and model-validated) after clean()
        candidate = construct_instance(self, copy.copy(self.instance), self._meta.fields, self._meta.exclude)
        try:
            self.validate_with_service(candidate)
        except ValidationError as exc:
            self._add_service_errors(exc)
        else:
            if self.rejected_at_save is not None:
                self._add_service_errors(self.rejected_at_save)
        return cleaned_data

    def _add_service_errors(self, exc: ValidationError) -> None:
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc)
            return
        for field, errors in exc.error_dict.items():
            # an error on a field this form does not show (read-only, say) goes to the top of the form
            self.add_error(field if field in self.fields else None, errors)


class _RejectedAtSave(Exception):
    def __init__(self, error: ValidationError):
        super().__init__(error)
        self.error = error


class ServiceFormAdminMixin:
    """save_model() goes through `save_with_service`; a ValidationError there re-renders the form.

    The exception leaves the admin view's transaction (rolling back anything written), and the view is
    run once more on the same POST with the error handed to the form, which then shows it.
    """

    def save_with_service(self, request, obj, form, change) -> None:
        raise NotImplementedError

    def save_model(self, request, obj, form, change):
        try:
            self.save_with_service(request, obj, form, change)
        except ValidationError as exc:
            raise _RejectedAtSave(exc) from exc

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except _RejectedAtSave as rejected:
            request._portal_rejected_at_save = rejected.error
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        rejected = getattr(request, "_portal_rejected_at_save", None)
        if rejected is None:
            return form
        return type(form.__name__, (form,), {"rejected_at_save": rejected})

    @staticmethod
    def service_fields(form, allowed) -> dict[str, Any]:
        return {name: value for name, value in form.cleaned_data.items() if name in allowed}

    @staticmethod
    def adopt(obj, saved) -> None:
        """Make the admin's own instance the saved one: the log entry, save_related() and redirect use it."""
        obj.__dict__.update(saved.__dict__)


def local_day_time(moment: datetime, zone: ZoneInfo) -> list[str]:
    """['Tue 3 Mar 2026', '06:00 GMT'] for a two-line list cell."""
    local = moment.astimezone(zone)
    return [f"{local:%a} {local.day} {local:%b %Y}", f"{local:%H:%M} {local.tzname()}"]


def duration_label(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    hours, rest = divmod(minutes, 60)
    return f"{hours}h{rest:02d}"


class TimedRowDisplayMixin:
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


class AwareRangeDateTimeFilter(RangeDateTimeFilter):
    """unfold's date-time range filter, reading the typed times in the portal's time zone.

    unfold compares with naive datetimes, which Django warns about (and reads as the default zone anyway).
    """

    def queryset(self, request, queryset):
        filters = {}
        for bound, lookup in (("from", "gte"), ("to", "lte")):
            day = self.used_parameters.get(f"{self.parameter_name}_{bound}_0")
            time = self.used_parameters.get(f"{self.parameter_name}_{bound}_1")
            if day in EMPTY_VALUES or time in EMPTY_VALUES:
                continue
            moment = parse_datetime_str(f"{day} {time}")
            if moment is not None:
                filters[f"{self.parameter_name}__{lookup}"] = timezone.make_aware(moment)
        return queryset.filter(**filters)


class SelectorAdminMixin:
    """get_queryset() starts from the app's selector (the user's scope), then applies the admin's ordering."""

    def visible_to(self, user):
        raise NotImplementedError

    def get_queryset(self, request):
        queryset = self.visible_to(request.user)
        ordering = self.get_ordering(request)
        return queryset.order_by(*ordering) if ordering else queryset


# --- shifts ------------------------------------------------------------------------------------------------


class ShiftForm(ServiceValidatedForm):
    def validate_with_service(self, instance) -> None:
        shift_validate(shift=instance)


@admin.register(Shift)
class ShiftAdmin(SelectorAdminMixin, ServiceFormAdminMixin, TimedRowDisplayMixin, PortalModelAdmin):
    form = ShiftForm
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
        ("facility__location", RelatedDropdownFilter),
        ("facility", RelatedDropdownFilter),
        ("user", AutocompleteSelectFilter),
        ("starts_at", AwareRangeDateTimeFilter),
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
    readonly_fields = ("local_times", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("user", "facility", "position")}),
        (_("When"), {"fields": ("starts_at", "ends_at", "local_times"), "description": TIMES_ENTERED_IN}),
        (_("Status"), {"fields": ("status", "notes")}),
        RECORD_FIELDSET,
    )

    def visible_to(self, user):
        return shifts_visible_to(user=user)

    @display(description=_("person"), ordering="user__last_name", header=True)
    def person(self, obj: Shift) -> list[str]:
        return [person_name(obj.user), obj.user.employee_id]

    @display(description=_("status"), ordering="status", label=SHIFT_STATUS_COLOURS)
    def status_label(self, obj: Shift) -> tuple[str, str]:
        return obj.status, obj.get_status_display()

    def save_with_service(self, request, obj, form, change) -> None:
        fields = self.service_fields(form, SHIFT_FIELDS)
        if change:
            shift_update(shift=obj, by=request.user, **fields)
        else:
            self.adopt(obj, shift_create(by=request.user, **fields))


# --- scheduled events ------------------------------------------------------------------------------------------


class ScheduledEventForm(ServiceValidatedForm):
    def validate_with_service(self, instance) -> None:
        scheduled_event_validate(event=instance)


@admin.register(ScheduledEvent)
class ScheduledEventAdmin(SelectorAdminMixin, ServiceFormAdminMixin, TimedRowDisplayMixin, PortalModelAdmin):
    form = ScheduledEventForm
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
        ("facility__location", RelatedDropdownFilter),
        ("facility", RelatedDropdownFilter),
        ("crew", AutocompleteSelectFilter),
        ("starts_at", AwareRangeDateTimeFilter),
    )
    search_fields = ("title", "facility__code", "facility__name")
    autocomplete_fields = ("facility", "crew")
    date_hierarchy = "starts_at"
    ordering = ("-starts_at",)
    readonly_fields = ("local_times", "created_at", "updated_at")
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

    def save_with_service(self, request, obj, form, change) -> None:
        fields = self.service_fields(form, EVENT_FIELDS)
        crew = form.cleaned_data.get("crew")
        if change:
            scheduled_event_update(event=obj, by=request.user, crew=crew, **fields)
        else:
            self.adopt(obj, scheduled_event_create(by=request.user, crew=crew or (), **fields))


# --- time off ----------------------------------------------------------------------------------------------------


class TimeOffRequestForm(ServiceValidatedForm):
    def validate_with_service(self, instance) -> None:
        time_off_request_validate(time_off_request=instance)


@admin.register(TimeOffRequest)
class TimeOffRequestAdmin(SelectorAdminMixin, ServiceFormAdminMixin, PortalModelAdmin):
    form = TimeOffRequestForm
    list_display = ("person", "kind", "starts_on", "ends_on", "days", "status_label", "reviewed_by")
    list_select_related = ("user", "reviewed_by")
    list_filter = (
        ("status", ChoicesDropdownFilter),
        ("kind", ChoicesDropdownFilter),
        ("user__home_location", RelatedDropdownFilter),
        ("user", AutocompleteSelectFilter),
        ("starts_on", RangeDateFilter),
    )
    search_fields = ("user__first_name", "user__last_name", "user__username", "user__employee_id", "reason")
    autocomplete_fields = ("user", "reviewed_by")
    date_hierarchy = "starts_on"
    ordering = ("-starts_on", "user__last_name")
    # Reviews are stamped by the review workflow (a later change), never typed in.
    readonly_fields = ("reviewed_by", "reviewed_at", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("user", "kind", "starts_on", "ends_on", "reason")}),
        (_("Review"), {"fields": ("status", "review_note", "reviewed_by", "reviewed_at")}),
        RECORD_FIELDSET,
    )

    def visible_to(self, user):
        return time_off_requests_visible_to(user=user)

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

    def save_with_service(self, request, obj, form, change) -> None:
        fields = self.service_fields(form, TIME_OFF_FIELDS)
        if change:
            time_off_request_update(time_off_request=obj, by=request.user, **fields)
        else:
            self.adopt(obj, time_off_request_create(by=request.user, **fields))
