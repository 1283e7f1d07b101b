"""Ticket e-mails end to end on a real Celery worker (Redis broker): each event reaches its people exactly once.

The mail server is outside the project: the suite's locmem backend stands in for it, and the worker runs in a
thread of this process, so `mail.outbox` holds what the worker sent.
"""

import time
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core import mail
from django.utils import timezone

from apps.notifications.choices import EmailStatus
from apps.notifications.models import OutboundEmail
from apps.tickets.choices import IncidentStatus, Severity
from apps.tickets.services import incident_create
from apps.tickets.tasks import scan_sla_breaches
from apps.tickets.workflow import incident_assign

from .workflow_helpers import incident_at

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not settings.CELERY_BROKER_URL.startswith("redis"), reason="needs Redis as the broker (set REDIS_URL)"
    ),
]

TIMEOUT = 30


@pytest.fixture
def worker(monkeypatch, settings):
    from portal.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", False)
    monkeypatch.setitem(app.conf, "broker_url", settings.CELERY_BROKER_URL)
    app.control.purge()
    with start_worker(app, perform_ping_check=False, loglevel="WARNING", shutdown_timeout=TIMEOUT) as started:
        yield started


def delivered(count: int) -> list:
    """Wait until the worker has sent `count` messages and every outbox row is settled; then a moment more."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        settled = not OutboundEmail.objects.exclude(status=EmailStatus.SENT).exists()
        if len(mail.outbox) >= count and settled:
            time.sleep(0.5)  # anything sent twice would arrive now
            return list(mail.outbox)
        time.sleep(0.05)
    raise AssertionError(f"{len(mail.outbox)} of {count} messages delivered in {TIMEOUT}s")


def test_a_new_sev1_and_its_assignment_each_reach_their_people_once(worker, outage, mcr, alex, sam, lead):
    incident = incident_create(
        title="Transmitter off air",
        incident_type=outage,
        facility=mcr,
        reporter=alex,
        occurred_at=timezone.now() - timedelta(minutes=2),
        severity=Severity.SEV1,
        by=alex,
    )
    incident_assign(incident=incident, assignee=sam, by=lead)

    sent = delivered(2)

    assert sorted((message.to[0], message.subject.split(" ", 2)[1]) for message in sent) == [
        (lead.email, incident.reference),
        (sam.email, incident.reference),
    ]
    assert OutboundEmail.objects.count() == 2


def test_breach_scans_run_by_the_worker_tell_the_supervisors_once(worker, outage, mcr, alex, lead):
    late = incident_at(IncidentStatus.NEW, incident_type=outage, facility=mcr, reporter=alex)

    first, second = scan_sla_breaches.delay(), scan_sla_breaches.delay()
    assert sorted([first.get(timeout=TIMEOUT), second.get(timeout=TIMEOUT)]) == [0, 1]

    [message] = delivered(1)
    assert message.to == [lead.email]
    assert message.subject.startswith(f"SLA breached: {late.reference}")
    assert scan_sla_breaches.delay().get(timeout=TIMEOUT) == 0
    assert len(mail.outbox) == 1
