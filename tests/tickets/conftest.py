"""Incident types and times the tickets tests share (alex, sam, mcr, supervisor, root: tests/conftest.py)."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from apps.tickets.choices import Severity
from tests.factories import IncidentTypeFactory


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
