"""What the permission matrix knows about each role and each model in the console, and how to build its rows.

Every model registered in the admin needs a `ModelSpec` in `MODEL_SPECS`: its scope kind, the facts its admin
states whatever the role's permissions (read-only pages, the model permission behind a custom action
permission) and a builder. A model added to the console without one fails `test_the_spec_covers_the_console`.

What each role may *do* is not written here: it is read from fixtures/roles.json, the roles' source.

A builder gets a `Place` and returns one row "placed" there:
- at the "in" place (location A, covered by the supervisor and the auditor; `owner` is the role's own user),
  the row is in the role's scope;
- at the "out" place (location B, covered by nobody; `owner` is a person based at B), it is out of scope.
"""

import itertools
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)
from guardian.shortcuts import assign_perm

from apps.accounts.models import User
from apps.audit.models import ActivityEntry
from apps.core.roles import Role
from apps.dataio.models import ImportJob
from apps.facilities.models import Facility, Location
from apps.notifications.models import OutboundEmail
from apps.scheduling.models import CoverageRequirement, ScheduledEvent, Shift, TimeOffRequest
from apps.tickets.models import IncidentTicket, IncidentType, ServiceTicket, TicketNote
from apps.timesheets.models import TimeEntry
from tests import factories as f

IN, OUT = "in", "out"


# --- roles -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoleFacts:
    console: bool  # is_staff: the console is theirs
    covers: bool = False  # holds facilities.cover_location on location A
    sees_everything: bool = False


ROLES = {
    Role.ADMINISTRATOR: RoleFacts(console=True, sees_everything=True),
    Role.SUPERVISOR: RoleFacts(console=True, covers=True),
    Role.AUDITOR: RoleFacts(console=True, covers=True),
    Role.STAFF: RoleFacts(console=False),
}


def role_permissions() -> dict[str, frozenset[str]]:
    """{role: {"app_label.codename", ...}} as fixtures/roles.json grants them."""
    entries = json.loads((Path(settings.BASE_DIR) / "fixtures" / "roles.json").read_text(encoding="utf-8"))
    groups = (entry["fields"] for entry in entries if entry["model"] == "auth.group")
    return {
        group["name"]: frozenset(f"{app}.{codename}" for codename, app, _model in group["permissions"])
        for group in groups
    }


# --- models ------------------------------------------------------------------------------------------------


class Scope(StrEnum):
    LOCATION = "location"  # hangs below a location (or follows a row that does); coverers see it
    OWN = "own"  # the person's own rows only
    MEMBER = "member"  # groups: the person's own
    REFERENCE = "reference"  # every signed-in person reads every row
    ADMIN_ONLY = "admin-only"  # administrators only

    def sides(self) -> tuple[str, ...]:
        if self is Scope.REFERENCE:
            return (IN,)  # nothing is out of scope
        if self is Scope.ADMIN_ONLY:
            return (OUT,)  # nothing is in a non-administrator's scope
        return (IN, OUT)


@dataclass
class Place:
    location: Location
    facility: Facility
    person: User  # someone based at the location, not the role's user
    owner: User  # whose own rows are built here
    coverers: tuple[User, ...]  # who covers `location`

    def new_location(self) -> Location:
        location = f.LocationFactory()
        for user in self.coverers:
            assign_perm("facilities.cover_location", user, location)
        return location


@dataclass(frozen=True)
class ModelSpec:
    scope: Scope
    build: Callable[[Place], object]
    # "add" / "change" / "delete" the admin refuses to everyone, whatever the role's permissions
    read_only: frozenset[str] = frozenset()
    # what the admin leaves to administrators, whatever other roles' permissions (roster rows are cancelled)
    administrators_only: frozenset[str] = frozenset()
    # a custom permission name in an action's `permissions` -> the "app_label.codename" its has_<name>_permission checks
    action_permissions: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    # guardian's "Object permissions" page (<id>/permissions/): the "app_label.codename" it needs, None without one
    object_permissions: str | None = None


_n = itertools.count(1)
READ_ONLY = frozenset({"add", "change", "delete"})
DELETE = frozenset({"delete"})  # cancelled (or rejected) by everyone but administrators


def _user(place):
    return f.UserFactory(home_location=place.location)


def _incident(place):
    return f.IncidentTicketFactory(facility=place.facility, reporter=place.person)


def _group(place):
    group = Group.objects.create(name=f"Matrix team {next(_n)}")
    place.owner.groups.add(group)
    return group


def _import_job(place):
    return ImportJob.objects.create(
        resource="shifts", file=f"imports/matrix{next(_n)}.csv", format="csv", created_by=place.owner
    )


def _time_entry(place):
    return f.TimeEntryFactory(user=place.person, work_date=timezone.localdate() - timedelta(days=next(_n)))


def _activity_entry(place):
    """An entry follows its object: the creation of a facility at the place."""
    facility = f.FacilityFactory(location=place.location)
    content_type = ContentType.objects.get_for_model(Facility)
    return ActivityEntry.objects.filter(content_type=content_type, object_id=facility.pk).latest("history_date")


def _periodic_task(place):
    n = next(_n)
    interval = IntervalSchedule.objects.create(every=1000 + n, period=IntervalSchedule.SECONDS)
    return PeriodicTask.objects.create(name=f"matrix task {n}", task="portal.noop", interval=interval)


MODEL_SPECS: dict[type, ModelSpec] = {
    Location: ModelSpec(
        Scope.LOCATION, Place.new_location, object_permissions="facilities.add_locationuserobjectpermission"
    ),
    Facility: ModelSpec(Scope.LOCATION, lambda place: f.FacilityFactory(location=place.location)),
    User: ModelSpec(  # home_location (and the user themself)
        Scope.LOCATION,
        _user,
        action_permissions={"calendar": "accounts.change_user"},  # UserAdmin.has_calendar_permission
    ),
    Group: ModelSpec(Scope.MEMBER, _group),
    IncidentType: ModelSpec(Scope.REFERENCE, lambda place: f.IncidentTypeFactory()),
    IncidentTicket: ModelSpec(
        Scope.LOCATION,
        _incident,
        object_permissions="tickets.add_incidentticketuserobjectpermission",
        action_permissions={"triage": "tickets.change_incidentticket"},  # TicketActionsMixin.has_triage_permission
    ),
    ServiceTicket: ModelSpec(
        Scope.LOCATION,
        lambda place: f.ServiceTicketFactory(facility=place.facility, requested_by=place.person),
        object_permissions="tickets.add_serviceticketuserobjectpermission",
        action_permissions={"triage": "tickets.change_serviceticket"},
    ),
    TicketNote: ModelSpec(  # follows its ticket; append-only
        Scope.LOCATION,
        lambda place: f.TicketNoteFactory(incident=_incident(place), author=place.person),
        read_only=frozenset({"change"}),
    ),
    Shift: ModelSpec(
        Scope.LOCATION,
        lambda place: f.ShiftFactory(user=place.person, facility=place.facility),
        administrators_only=DELETE,
    ),
    ScheduledEvent: ModelSpec(
        Scope.LOCATION, lambda place: f.ScheduledEventFactory(facility=place.facility), administrators_only=DELETE
    ),
    TimeOffRequest: ModelSpec(
        Scope.LOCATION,
        lambda place: f.TimeOffRequestFactory(user=place.person),
        action_permissions={"review": "scheduling.change_timeoffrequest"},  # TimeOffActionsMixin
        administrators_only=DELETE,
    ),
    CoverageRequirement: ModelSpec(
        Scope.LOCATION,
        lambda place: CoverageRequirement.objects.create(facility=place.facility, position=f"Operator {next(_n)}"),
    ),
    TimeEntry: ModelSpec(Scope.LOCATION, _time_entry, administrators_only=DELETE),
    OutboundEmail: ModelSpec(
        Scope.ADMIN_ONLY,
        lambda place: f.OutboundEmailFactory(),
        read_only=READ_ONLY,
        action_permissions={"retry": "notifications.change_outboundemail"},  # OutboundEmailAdmin.has_retry_permission
    ),
    ImportJob: ModelSpec(Scope.OWN, _import_job, read_only=READ_ONLY),  # jobs are the import flow's record
    PeriodicTask: ModelSpec(Scope.ADMIN_ONLY, _periodic_task),
    IntervalSchedule: ModelSpec(
        Scope.ADMIN_ONLY,
        lambda place: IntervalSchedule.objects.create(every=5000 + next(_n), period=IntervalSchedule.SECONDS),
    ),
    CrontabSchedule: ModelSpec(
        Scope.ADMIN_ONLY, lambda place: CrontabSchedule.objects.create(minute=str(next(_n) % 60), hour="4")
    ),
    SolarSchedule: ModelSpec(
        Scope.ADMIN_ONLY,
        lambda place: SolarSchedule.objects.create(event="sunset", latitude=48.85, longitude=2.35 + next(_n) / 1000),
    ),
    ClockedSchedule: ModelSpec(
        Scope.ADMIN_ONLY,
        lambda place: ClockedSchedule.objects.create(clocked_time=timezone.now() + timedelta(days=next(_n))),
    ),
    ActivityEntry: ModelSpec(Scope.LOCATION, _activity_entry, read_only=READ_ONLY),
}
