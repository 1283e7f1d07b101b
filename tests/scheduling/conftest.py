"""Local times and places the scheduling tests share (alex, sam, mcr, supervisor, root: tests/conftest.py)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.factories import FacilityFactory

LONDON = ZoneInfo("Europe/London")
SYDNEY = ZoneInfo("Australia/Sydney")


def london(year, month, day, hour, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


@pytest.fixture
def studio(mcr):
    return FacilityFactory(code="LON-STU1", name="Studio 1", location=mcr.location)
