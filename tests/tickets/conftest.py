"""Incident types and times the tickets tests share (alex, sam, mcr, supervisor, root: tests/conftest.py)."""

from datetime import datetime, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.core.roles import Role
from apps.tickets.choices import Severity
from tests.factories import IncidentTypeFactory

from .workflow_helpers import console_user


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
def an_hour_ago() -> datetime:
    return timezone.now().replace(microsecond=0) - timedelta(hours=1)


@pytest.fixture
def roles(db):
    """The four roles with their permissions (fixtures/roles.json)."""
    call_command("load_reference_data", verbosity=0)


@pytest.fixture
def lead(roles, london_hq):
    """A supervisor (with the role's permissions) covering London HQ."""
    return console_user("lead", Role.SUPERVISOR, london_hq, first_name="Pat", last_name="Lead")


@pytest.fixture
def lead_client(client, roles, supervisor):
    """The supervisor of London HQ (tests/conftest.py), signed in, with the Supervisor role's real permissions."""
    client.force_login(supervisor)
    return client
