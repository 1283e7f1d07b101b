"""The SLA breach scan: the location's supervisors are told once per breach, however often or concurrently it runs."""

import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from apps.core.actors import system_user
from apps.notifications.models import OutboundEmail
from apps.tickets import breaches
from apps.tickets.breaches import incident_breach_scan
from apps.tickets.choices import IncidentStatus, Severity
from apps.tickets.models import IncidentTicket
from apps.tickets.services import incident_update
from apps.tickets.workflow import incident_acknowledge, incident_hold

from .workflow_helpers import incident_at


@pytest.fixture
def late(outage, mcr, alex):
    """Opened an hour ago, never acknowledged: its 30-minute response clock breached half an hour ago."""
    return incident_at(IncidentStatus.NEW, incident_type=outage, facility=mcr, reporter=alex)


def breach_emails():
    return list(OutboundEmail.objects.filter(idempotency_key__contains=":breach:").order_by("pk"))


@pytest.mark.django_db
def test_a_breach_is_told_to_the_supervisors_once_however_often_the_scan_runs(late, lead):
    assert incident_breach_scan(by=system_user()) == 1
    assert incident_breach_scan(by=system_user()) == 0
    assert incident_breach_scan(now=timezone.now() + timedelta(minutes=1), by=system_user()) == 0

    [email] = breach_emails()
    assert email.recipients == [lead.email]
    assert email.subject.startswith(f"SLA breached: {late.reference} was due to respond by ")
    late.refresh_from_db()
    assert late.response_breach_notified_at is not None
    assert late.history.first().history_change_reason == "SLA breached (response): supervisors told"


@pytest.mark.django_db
def test_each_clock_breaches_on_its_own(late, lead):
    incident_breach_scan(by=system_user())
    incident_acknowledge(incident=late, by=lead)

    four_hours_on = timezone.now() + timedelta(hours=3, minutes=5)
    assert incident_breach_scan(now=four_hours_on, by=system_user()) == 1

    assert [email.idempotency_key.split(":")[3] for email in breach_emails()] == ["response", "resolve"]


@pytest.mark.django_db
def test_a_clock_moved_later_can_breach_again_and_is_told_again(late, lead):
    incident_breach_scan(by=system_user())
    # the fault began later than first reported: SEV4 doubles the window and it is due again in 50 min
    incident_update(incident=late, occurred_at=timezone.now() - timedelta(minutes=10), severity=Severity.SEV4, by=lead)
    late.refresh_from_db()
    assert late.response_breach_notified_at is None

    assert incident_breach_scan(by=system_user()) == 0
    assert incident_breach_scan(now=late.response_due_at + timedelta(seconds=1), by=system_user()) == 1
    assert len(breach_emails()) == 2


@pytest.mark.django_db
def test_a_paused_resolve_clock_does_not_breach(outage, mcr, alex, lead):
    incident = incident_at(IncidentStatus.IN_PROGRESS, incident_type=outage, facility=mcr, reporter=alex)
    incident_hold(incident=incident, by=lead)

    assert incident_breach_scan(now=timezone.now() + timedelta(days=2), by=system_user()) == 0
    assert breach_emails() == []


@pytest.mark.django_db
def test_a_breach_nobody_supervises_is_marked_and_not_retold(late, caplog):
    assert incident_breach_scan(by=system_user()) == 1

    assert breach_emails() == []
    assert "nobody supervises its location" in caplog.text
    assert incident_breach_scan(by=system_user()) == 0


@pytest.mark.postgres  # two scans at once take row locks; SQLite locks the whole file and refuses the second
@pytest.mark.django_db(transaction=True)
def test_two_overlapping_scans_tell_each_breach_once(outage, mcr, alex, lead, monkeypatch):
    """The first scan pauses while it holds its tickets; the second runs meanwhile, skips them, and tells nothing."""
    tickets = [incident_at(IncidentStatus.NEW, incident_type=outage, facility=mcr, reporter=alex) for _ in range(3)]
    first_holds_its_tickets, second_done = threading.Event(), threading.Event()
    notify = breaches.incident_notify_breach

    def slow_notify(**kwargs):
        if threading.current_thread().name == "first":
            first_holds_its_tickets.set()
            second_done.wait(timeout=30)
        return notify(**kwargs)

    monkeypatch.setattr(breaches, "incident_notify_breach", slow_notify)
    told = {}

    def scan(name):
        try:
            told[name] = incident_breach_scan(by=system_user())
        finally:
            connection.close()

    first = threading.Thread(target=scan, args=("first",), name="first")
    first.start()
    assert first_holds_its_tickets.wait(timeout=30)
    second = threading.Thread(target=scan, args=("second",), name="second")
    second.start()
    second.join(timeout=30)
    second_done.set()
    first.join(timeout=30)

    assert told == {"first": 3, "second": 0}
    assert len(breach_emails()) == 3
    assert IncidentTicket.objects.filter(response_breach_notified_at__isnull=False).count() == len(tickets)


@pytest.mark.django_db(transaction=True)  # the scheduler closes and reopens its database connection
def test_beat_installs_the_minutely_scan_among_the_consoles_periodic_tasks():
    from django_celery_beat.models import PeriodicTask
    from django_celery_beat.schedulers import DatabaseScheduler

    from apps.tickets.tasks import scan_sla_breaches
    from portal.celery import app

    DatabaseScheduler(app=app)  # what beat does when it starts

    periodic = PeriodicTask.objects.get(name="sla-breach-scan")
    assert periodic.task == scan_sla_breaches.name == "apps.tickets.tasks.scan_sla_breaches"
    assert periodic.enabled
    assert (periodic.interval.every, periodic.interval.period) == (60, "seconds")
    assert scan_sla_breaches.acks_late


@pytest.mark.django_db
def test_the_command_scans_once_or_reports_what_it_would_tell(late, lead):
    from io import StringIO

    out = StringIO()
    call_command("scan_sla_breaches", "--dry-run", stdout=out)
    assert out.getvalue().strip() == "1 SLA breach would be told."
    assert breach_emails() == []

    call_command("scan_sla_breaches", stdout=out)
    assert out.getvalue().strip().endswith("1 SLA breach told.")
    assert len(breach_emails()) == 1
