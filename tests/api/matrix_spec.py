"""What the API matrix knows about each endpoint: its path, how to build a row in and out of a role's scope,
and which sides each role sees. What each role may *call* is not written here: it is the API's one table,
`apps.api.permissions.VERBS`, which this matrix reads (a new endpoint = one line in ENDPOINTS).

A builder gets a `Place` and returns one row placed there:
- "in": location A, covered by the supervisor and the auditor; `owner` is the role's own user;
- "out": location B, covered by nobody; `owner` is a person based at B.
"""

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone
from guardian.shortcuts import assign_perm

from apps.core.roles import Role
from apps.scheduling.choices import ShiftStatus
from tests import factories as f

IN, OUT = "in", "out"
ROLES = (Role.ADMINISTRATOR, Role.SUPERVISOR, Role.AUDITOR, Role.STAFF)
_n = itertools.count(1)


@dataclass
class Place:
    location: object
    facility: object
    owner: object
    coverers: tuple

    def new_location(self):
        location = f.LocationFactory(code=f"MX-{next(_n)}")
        for user in self.coverers:
            assign_perm("facilities.cover_location", user, location)
        return location


def _sees_own_side(role: str, side: str) -> bool:
    return role == Role.ADMINISTRATOR or side == IN


@dataclass(frozen=True)
class Endpoint:
    resource: str
    build: Callable[[Place], object]
    sees: Callable[[str, str], bool] = _sees_own_side
    search: Callable[[object], str] | None = None  # a word that finds the row by ?search=
    filters: Callable[[Place], dict] = field(default=lambda place: {"location": place.location.pk})

    @property
    def path(self) -> str:
        return f"/api/{self.resource}/"


def _reference(role: str, side: str) -> bool:
    """Locations and facilities: staff read every active one (API.md), the others their scope."""
    return role in (Role.ADMINISTRATOR, Role.STAFF) or side == IN


def _incident_types(role: str, side: str) -> bool:
    """Everyone reads every incident type, but staff the active ones only (the "out" one is retired)."""
    return role != Role.STAFF or side == IN


def _person(place):
    return f.UserFactory(home_location=place.location)


def _incident_type(place):
    return f.IncidentTypeFactory(is_active=place.location.code.endswith("A"))


def _event(place):
    event = f.ScheduledEventFactory(facility=place.facility)
    event.crew.add(place.owner)
    return event


ENDPOINTS = [
    Endpoint("profiles", _person, search=lambda row: row.employee_id),
    Endpoint("locations", Place.new_location, sees=_reference, search=lambda row: row.code, filters=lambda p: {}),
    Endpoint(
        "facilities", lambda place: f.FacilityFactory(location=place.location), sees=_reference, search=lambda r: r.code
    ),
    Endpoint(
        "shifts",
        lambda place: f.ShiftFactory(user=place.owner, facility=place.facility, status=ShiftStatus.PUBLISHED),
        search=lambda row: row.user.employee_id,
    ),
    Endpoint("incident-types", _incident_type, sees=_incident_types, search=lambda r: r.code, filters=lambda p: {}),
    Endpoint(
        "incident-tickets",
        lambda place: f.IncidentTicketFactory(facility=place.facility, reporter=place.owner),
        search=lambda row: row.reference,
    ),
    Endpoint(
        "service-tickets",
        lambda place: f.ServiceTicketFactory(facility=place.facility, requested_by=place.owner),
        search=lambda row: row.reference,
    ),
    Endpoint(
        "time-entries",
        lambda place: f.TimeEntryFactory(user=place.owner, work_date=timezone.localdate() - timedelta(days=next(_n))),
        search=lambda row: row.user.employee_id,
    ),
    Endpoint("scheduled-events", _event, search=lambda row: row.title),
    Endpoint(
        "time-off-requests",
        lambda place: f.TimeOffRequestFactory(user=place.owner),
        search=lambda r: r.user.employee_id,
    ),
]
