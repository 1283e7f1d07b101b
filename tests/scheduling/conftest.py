"""People, places and local times the scheduling tests share."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group

from apps.core.roles import Role
from tests.factories import FacilityFactory, LocationFactory, SuperUserFactory, UserFactory

LONDON = ZoneInfo("Europe/London")
SYDNEY = ZoneInfo("Australia/Sydney")


def london(year, month, day, hour, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


@pytest.fixture
def alex(db):
    return UserFactory(username="alex", first_name="Alex", last_name="Doe", employee_id="E10001")


@pytest.fixture
def sam(db):
    return UserFactory(username="sam", first_name="Sam", last_name="Roe", employee_id="E10002")


@pytest.fixture
def mcr(db):
    location = LocationFactory(code="LON-HQ", name="London HQ", timezone="Europe/London")
    return FacilityFactory(code="LON-MCR1", name="Master control 1", location=location)


@pytest.fixture
def studio(mcr):
    return FacilityFactory(code="LON-STU1", name="Studio 1", location=mcr.location)


@pytest.fixture
def supervisor(db):
    user = UserFactory(username="sup", first_name="Pat", last_name="Lead", is_staff=True)
    user.groups.add(Group.objects.get_or_create(name=Role.SUPERVISOR)[0])
    return user


@pytest.fixture
def root(db):
    return SuperUserFactory(username="root", first_name="Robin", last_name="Root")


@pytest.fixture
def root_client(client, root):
    client.force_login(root)
    return client
