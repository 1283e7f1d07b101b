"""People, places and incident types the tickets tests share."""

from datetime import datetime, timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from apps.core.roles import Role
from apps.tickets.choices import Severity
from tests.factories import FacilityFactory, IncidentTypeFactory, LocationFactory, SuperUserFactory, UserFactory


@pytest.fixture
def outage(db):
    """Respond within 30 min and resolve within 4 h, at SEV3."""
    return IncidentTypeFactory(
        code="outage",
        name="Outage",
        default_severity=Severity.SEV3,
        response_sla_minutes=30,
        resolve_sla_minutes=240,
    )


@pytest.fixture
def mcr(db):
    location = LocationFactory(code="LON-HQ", name="London HQ")
    return FacilityFactory(code="LON-MCR1", name="Master control 1", location=location)


@pytest.fixture
def alex(db):
    return UserFactory(username="alex", first_name="Alex", last_name="Doe", employee_id="E10001")


@pytest.fixture
def sam(db):
    return UserFactory(username="sam", first_name="Sam", last_name="Roe", employee_id="E10002")


@pytest.fixture
def supervisor(db):
    user = UserFactory(username="sup", first_name="Pat", last_name="Lead", is_staff=True)
    user.groups.add(Group.objects.get_or_create(name=Role.SUPERVISOR)[0])
    return user


@pytest.fixture
def root(db):
    return SuperUserFactory(username="root", first_name="Root", last_name="Admin")


@pytest.fixture
def root_client(client, root):
    client.force_login(root)
    return client


@pytest.fixture
def an_hour_ago() -> datetime:
    return timezone.now().replace(microsecond=0) - timedelta(hours=1)
