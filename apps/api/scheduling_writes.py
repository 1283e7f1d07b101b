"""Writes on the roster through the scheduling services, as the console makes them.

Shifts: supervisors add drafts (`shift_create`; publishing is the roster's). Events: supervisors add and edit
them (`scheduled_event_create` / `_update`); a `status` is the step leading there (confirm, cancel, restore).
Time off: anyone requests it for themselves, supervisors for the people they cover (`time_off_request_create`);
a `status` is the review step (`approved`, `denied`: never one's own) or the owner's `cancelled`. Staff change
their own request only while it is pending (API.md). A refused step answers 400 with the service's sentence.
"""

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers

from apps.scheduling.choices import EventKind, EventStatus, TimeOffKind, TimeOffStatus
from apps.scheduling.services import (
    scheduled_event_cancel,
    scheduled_event_confirm,
    scheduled_event_create,
    scheduled_event_restore,
    scheduled_event_update,
    shift_create,
    time_off_request_create,
    time_off_request_update,
)
from apps.scheduling.time_off import time_off_request_approve, time_off_request_cancel, time_off_request_deny

from . import rows
from .accounts import User
from .base import Creates, Updates
from .facilities import Facility
from .fields import BoundedDateField, UTCDateTimeField, VisibleRowField
from .permissions import reads_reference_only
from .scheduling import (
    ScheduledEventReads,
    ScheduledEventSerializer,
    ShiftReads,
    ShiftSerializer,
    TimeOffRequestReads,
    TimeOffRequestSerializer,
)
from .writing import check_acting_for, no_step_to

OWN_PENDING_ONLY = "You can change your own time off only while it is pending."


def _person(**kwargs):
    return VisibleRowField(rows=rows.people, model=User, noun="person", **kwargs)


def _facility(**kwargs):
    return VisibleRowField(rows=rows.facilities, model=Facility, noun="facility", **kwargs)


# --- shifts ---------------------------------------------------------------------------------------------------


class ShiftInput(serializers.Serializer):
    user = _person()
    facility = _facility()
    position = serializers.CharField()
    starts_at = UTCDateTimeField()
    ends_at = UTCDateTimeField()
    notes = serializers.CharField(required=False, allow_blank=True)


@extend_schema_view(
    create=extend_schema(summary="Add a draft shift (supervisors)", tags=["shifts"], responses={201: ShiftSerializer})
)
class ShiftViewSet(Creates, ShiftReads):
    """Shifts: the supervisors' roster (drafts included); a person's own once published."""

    create_input = ShiftInput

    def perform_create(self, data):
        return shift_create(by=self.request.user, **data)


# --- scheduled events -----------------------------------------------------------------------------------------


class ScheduledEventInput(serializers.Serializer):
    title = serializers.CharField()
    kind = serializers.ChoiceField(choices=EventKind.choices)
    facility = _facility()
    starts_at = UTCDateTimeField()
    ends_at = UTCDateTimeField()
    crew = serializers.ListField(child=_person(), required=False, max_length=200)


class ScheduledEventChange(serializers.Serializer):
    title = serializers.CharField(required=False)
    kind = serializers.ChoiceField(choices=EventKind.choices, required=False)
    facility = _facility(required=False)
    starts_at = UTCDateTimeField(required=False)
    ends_at = UTCDateTimeField(required=False)
    crew = serializers.ListField(child=_person(), required=False, max_length=200, help_text="Replaces the crew.")
    status = serializers.ChoiceField(
        choices=EventStatus.choices, required=False, help_text="The step that leads there: confirm, cancel, restore."
    )


EVENT_PLAIN = ("title", "kind", "facility", "starts_at", "ends_at")


def event_step(event, target: str, *, by):
    if target == EventStatus.CONFIRMED:
        return scheduled_event_confirm(event=event, by=by)
    if target == EventStatus.CANCELLED:
        return scheduled_event_cancel(event=event, by=by)
    if target == EventStatus.TENTATIVE:
        return scheduled_event_restore(event=event, by=by)
    raise no_step_to(EventStatus(target).label)


@extend_schema_view(
    create=extend_schema(
        summary="Add a scheduled event (supervisors)",
        tags=["scheduled events"],
        responses={201: ScheduledEventSerializer},
    ),
    partial_update=extend_schema(
        summary="Change an event, or confirm, cancel or restore it (`status`)",
        tags=["scheduled events"],
        responses={200: ScheduledEventSerializer},
    ),
)
class ScheduledEventViewSet(Creates, Updates, ScheduledEventReads):
    """Scheduled events: live broadcasts, recordings, maintenance windows at a facility, with their crew."""

    create_input = ScheduledEventInput
    update_input = ScheduledEventChange

    def perform_create(self, data):
        return scheduled_event_create(by=self.request.user, **data)

    def perform_update(self, instance, data):
        by = self.request.user
        plain = {name: data[name] for name in EVENT_PLAIN if name in data}
        if plain or "crew" in data:
            scheduled_event_update(event=instance, by=by, crew=data.get("crew"), **plain)
        if "status" in data and data["status"] != instance.status:
            event_step(instance, data["status"], by=by)
        return instance


# --- time off ---------------------------------------------------------------------------------------------------


class TimeOffInput(serializers.Serializer):
    user = _person(required=False, help_text="Default: the caller. Staff request for themselves only.")
    kind = serializers.ChoiceField(choices=TimeOffKind.choices)
    starts_on = BoundedDateField()
    ends_on = BoundedDateField(help_text="The last day away (inclusive).")
    reason = serializers.CharField(required=False, allow_blank=True)


class TimeOffChange(serializers.Serializer):
    kind = serializers.ChoiceField(choices=TimeOffKind.choices, required=False)
    starts_on = BoundedDateField(required=False)
    ends_on = BoundedDateField(required=False)
    reason = serializers.CharField(required=False, allow_blank=True)
    status = serializers.ChoiceField(
        choices=TimeOffStatus.choices,
        required=False,
        help_text="`approved` / `denied`: the review (never one's own); `cancelled`: the owner's cancellation.",
    )
    review_note = serializers.CharField(required=False, allow_blank=True, help_text="With `approved` or `denied`.")
    cancel_overlapping = serializers.BooleanField(
        required=False, help_text="With `approved`: cancel the person's shifts on those days."
    )


TIME_OFF_PLAIN = ("kind", "starts_on", "ends_on", "reason")


def time_off_step(time_off, data: dict, *, by):
    target = data["status"]
    if target == TimeOffStatus.APPROVED:
        return time_off_request_approve(
            time_off_request=time_off,
            by=by,
            note=data.get("review_note", ""),
            cancel_overlapping=data.get("cancel_overlapping", False),
        )
    if target == TimeOffStatus.DENIED:
        return time_off_request_deny(time_off_request=time_off, by=by, note=data.get("review_note", ""))
    if target == TimeOffStatus.CANCELLED:
        return time_off_request_cancel(time_off_request=time_off, by=by)
    raise no_step_to(TimeOffStatus(target).label)


@extend_schema_view(
    create=extend_schema(
        summary="Request time off (for oneself; supervisors for the people they cover)",
        tags=["time off requests"],
        responses={201: TimeOffRequestSerializer},
    ),
    partial_update=extend_schema(
        summary="Change a request, or review or cancel it (`status`)",
        tags=["time off requests"],
        responses={200: TimeOffRequestSerializer},
    ),
)
class TimeOffRequestViewSet(Creates, Updates, TimeOffRequestReads):
    """Time off: requested by a person (or their supervisor), reviewed by a supervisor of their location."""

    create_input = TimeOffInput
    update_input = TimeOffChange

    def perform_create(self, data):
        by = self.request.user
        person = data.pop("user", None) or by
        check_acting_for(by=by, person=person, doing="request time off")
        return time_off_request_create(user=person, by=by, **data)

    def perform_update(self, instance, data):
        by = self.request.user
        if reads_reference_only(by) and (instance.user_id != by.pk or instance.status != TimeOffStatus.PENDING):
            raise PermissionDenied(OWN_PENDING_ONLY)
        plain = {name: data[name] for name in TIME_OFF_PLAIN if name in data}
        if plain:
            time_off_request_update(time_off_request=instance, by=by, **plain)
        if "status" in data and data["status"] != instance.status:
            time_off_step(instance, data, by=by)
        return instance
