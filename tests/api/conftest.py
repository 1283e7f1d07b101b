"""The API's test world: two locations (A covered by the supervisor and the auditor, B by nobody), one person
per role based at A, a person at each location, a facility at each, and a signed-in client per role."""

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client

from apps.core.roles import Role
from tests.conftest import cover
from tests.factories import FacilityFactory, IncidentTypeFactory, LocationFactory, UserFactory

PASSWORD = "pass-Word-123"  # tests/factories.UserFactory's


@dataclass
class World:
    a: object
    b: object
    facility_a: object
    facility_b: object
    users: dict
    person_a: object
    person_b: object
    incident_type: object

    @property
    def admin(self):
        return self.users[Role.ADMINISTRATOR]

    @property
    def supervisor(self):
        return self.users[Role.SUPERVISOR]

    @property
    def staff(self):
        return self.users[Role.STAFF]

    @property
    def auditor(self):
        return self.users[Role.AUDITOR]


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """Throttle counts live in the cache: every test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def roles(db):
    call_command("load_reference_data", verbosity=0)


def person(username: str, role: str | None, location, **fields):
    user = UserFactory(username=username, home_location=location, is_staff=role not in (None, Role.STAFF), **fields)
    if role is not None:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def world(roles) -> World:
    a = LocationFactory(code="API-A", name="Alpha site", timezone="Europe/London")
    b = LocationFactory(code="API-B", name="Bravo site", timezone="America/New_York")
    users = {
        Role.ADMINISTRATOR: person("api-admin", Role.ADMINISTRATOR, a, first_name="Ada", last_name="Admin"),
        Role.SUPERVISOR: cover(person("api-super", Role.SUPERVISOR, a, first_name="Sue", last_name="Super"), a),
        Role.STAFF: person("api-staff", Role.STAFF, a, first_name="Stan", last_name="Staff"),
        Role.AUDITOR: cover(person("api-audit", Role.AUDITOR, a, first_name="Aude", last_name="Auditor"), a),
    }
    return World(
        a=a,
        b=b,
        facility_a=FacilityFactory(location=a, code="API-A-MCR", name="Alpha MCR"),
        facility_b=FacilityFactory(location=b, code="API-B-MCR", name="Bravo MCR"),
        users=users,
        person_a=person("api-person-a", Role.STAFF, a, first_name="Pia", last_name="Alpha"),
        person_b=person("api-person-b", Role.STAFF, b, first_name="Pete", last_name="Bravo"),
        incident_type=IncidentTypeFactory(code="api-outage", name="Outage"),
    )


def signed_in(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def clients(world) -> dict:
    return {role: signed_in(user) for role, user in world.users.items()} | {"anonymous": Client()}
