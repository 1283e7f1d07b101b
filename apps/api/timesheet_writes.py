"""Writes on time entries through the timesheets services, as the console makes them.

Anyone logs their own time, supervisors the time of the people they cover (`time_entry_create`); PATCH edits
an entry (`time_entry_update`: once reviewed, only its notes) and a `status` is the review step (`approved`,
`rejected`: never one's own). Staff change their own entries only while submitted (API.md).
"""

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers

from apps.scheduling.models import Shift
from apps.tickets.models import IncidentTicket, ServiceTicket
from apps.timesheets.choices import Activity, TimeEntryStatus
from apps.timesheets.services import time_entry_approve, time_entry_create, time_entry_reject, time_entry_update

from . import rows
from .accounts import User
from .base import Creates, Updates
from .fields import BoundedDateField, VisibleRowField
from .permissions import reads_reference_only
from .timesheets import TimeEntryReads, TimeEntrySerializer
from .writing import check_acting_for, no_step_to

OWN_SUBMITTED_ONLY = "You can change your own time entries only while they are submitted (not yet reviewed)."


def _link(rows_of, model, noun: str):
    return VisibleRowField(rows=rows_of, model=model, noun=noun, required=False, allow_null=True)


class LinkedItems(serializers.Serializer):
    """At most one item an entry is for (the service says so when there are more)."""

    shift = _link(rows.shifts, Shift, "shift")
    incident = _link(rows.incidents, IncidentTicket, "incident")
    service_ticket = _link(rows.service_tickets, ServiceTicket, "service ticket")


class TimeEntryInput(LinkedItems):
    user = VisibleRowField(
        rows=rows.people, model=User, noun="person", required=False, help_text="Default: the caller."
    )
    work_date = BoundedDateField()
    minutes = serializers.IntegerField(min_value=-(2**31), max_value=2**31 - 1)
    activity = serializers.ChoiceField(choices=Activity.choices)
    notes = serializers.CharField(required=False, allow_blank=True)


class TimeEntryChange(LinkedItems):
    work_date = BoundedDateField(required=False)
    minutes = serializers.IntegerField(required=False, min_value=-(2**31), max_value=2**31 - 1)
    activity = serializers.ChoiceField(choices=Activity.choices, required=False)
    notes = serializers.CharField(required=False, allow_blank=True)
    status = serializers.ChoiceField(
        choices=TimeEntryStatus.choices, required=False, help_text="`approved` / `rejected`: the review step."
    )


ENTRY_PLAIN = ("work_date", "minutes", "activity", "notes", "shift", "incident", "service_ticket")


@extend_schema_view(
    create=extend_schema(summary="Log time", tags=["time entries"], responses={201: TimeEntrySerializer}),
    partial_update=extend_schema(
        summary="Change an entry, or review it (`status`)", tags=["time entries"], responses={200: TimeEntrySerializer}
    ),
)
class TimeEntryViewSet(Creates, Updates, TimeEntryReads):
    """Time entries: minutes a person worked on a day, reviewed by a supervisor of their location."""

    create_input = TimeEntryInput
    update_input = TimeEntryChange

    def perform_create(self, data):
        by = self.request.user
        person = data.pop("user", None) or by
        check_acting_for(by=by, person=person, doing="log time")
        return time_entry_create(user=person, by=by, **data)

    def perform_update(self, instance, data):
        by = self.request.user
        if reads_reference_only(by) and (instance.user_id != by.pk or instance.status != TimeEntryStatus.SUBMITTED):
            raise PermissionDenied(OWN_SUBMITTED_ONLY)
        plain = {name: data[name] for name in ENTRY_PLAIN if name in data}
        if plain:
            time_entry_update(time_entry=instance, by=by, **plain)
        if "status" in data and data["status"] != instance.status:
            if data["status"] == TimeEntryStatus.APPROVED:
                time_entry_approve(time_entry=instance, by=by)
            elif data["status"] == TimeEntryStatus.REJECTED:
                time_entry_reject(time_entry=instance, by=by)
            else:
                raise no_step_to(TimeEntryStatus(data["status"]).label)
        return instance
