"""Gap-free, duplicate-free references when many people log incidents at the same moment (PostgreSQL)."""

import threading
import time
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connections
from django.utils import timezone

import apps.tickets.services as services
from apps.core.actors import system_user
from apps.tickets.models import IncidentTicket
from apps.tickets.services import incident_create
from tests.factories import FacilityFactory, IncidentTypeFactory, UserFactory

THREADS = 8


def _log_incidents_at_once(titles: list[str]) -> tuple[list[str], list[Exception]]:
    """One thread per title, each creating an incident in its own transaction, all released together."""
    incident_type, facility, reporter = IncidentTypeFactory(), FacilityFactory(), UserFactory()
    occurred_at = timezone.now() - timedelta(minutes=5)
    start = threading.Barrier(len(titles))
    references, errors, lock = [], [], threading.Lock()

    def log(title: str) -> None:
        try:
            start.wait(timeout=10)
            incident = incident_create(
                title=title,
                incident_type=incident_type,
                facility=facility,
                reporter=reporter,
                occurred_at=occurred_at,
                by=system_user(),
            )
            with lock:
                references.append(incident.reference)
        except Exception as exc:
            with lock:
                errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=log, args=(title,)) for title in titles]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return references, errors


@pytest.fixture
def slow_allocation(monkeypatch):
    """Hold each number a moment before saving, so that every other thread is queued on the counter."""
    allocate = services.reference_allocate

    def allocate_then_wait(**kwargs):
        reference = allocate(**kwargs)
        time.sleep(0.05)
        return reference

    monkeypatch.setattr(services, "reference_allocate", allocate_then_wait)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_get_distinct_contiguous_references(slow_allocation):
    references, errors = _log_incidents_at_once([f"Fault {n}" for n in range(THREADS)])

    assert errors == []
    assert sorted(references) == [f"INC-{n:06d}" for n in range(1, THREADS + 1)]
    assert IncidentTicket.objects.count() == THREADS


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_that_fail_give_their_numbers_back(slow_allocation):
    # every third title is blank: those creates take a number, fail validation and roll back
    titles = ["" if n % 3 == 0 else f"Fault {n}" for n in range(THREADS)]
    references, errors = _log_incidents_at_once(titles)

    assert len(errors) == titles.count("")
    assert all(isinstance(error, ValidationError) for error in errors)
    assert sorted(references) == [f"INC-{n:06d}" for n in range(1, len(references) + 1)]
