"""Who is told what about incidents, by e-mail through the outbox (one row per message, sent by a task).

- the assignee, when a ticket is assigned to them by someone else;
- the location's supervisors, when an incident is opened at (or raised to) SEV1 or SEV2, and when an SLA
  clock is breached;
- the reporter, when their incident is resolved.

Every message carries an idempotency key naming its event, so the same event queued twice (a retried
task, two overlapping breach scans) is still one message. Messages are queued inside the caller's
transaction and sent after it commits: a refused or rolled-back change tells nobody anything. Queuing is
a write like any other: `by` (whose change is told; the system account for the breach scan) is required.
"""

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from apps.accounts.selectors import location_supervisors
from apps.core.actors import is_system, writes
from apps.notifications.services import email_queue

from .choices import Severity
from .models import IncidentTicket

SEVERE = (Severity.SEV1, Severity.SEV2)


def _link(incident: IncidentTicket) -> str:
    return settings.PORTAL_BASE_URL + reverse("admin:tickets_incidentticket_change", args=[incident.pk])


def _local(moment, incident: IncidentTicket) -> str:
    if moment is None:
        return "—"
    zone = incident.facility.location.timezone
    return f"{timezone.localtime(moment, zone):%a %d %b %Y %H:%M} ({zone})"


def _facts(incident: IncidentTicket) -> list[str]:
    return [
        f"{incident.reference} {incident.title}",
        f"Facility: {incident.facility} ({incident.facility.location})",
        f"Severity: {incident.get_severity_display()}    Status: {incident.get_status_display()}",
        f"Occurred: {_local(incident.occurred_at, incident)}",
        f"Respond by: {_local(incident.response_due_at, incident)}",
        f"Resolve by: {_local(incident.resolve_due_at, incident)}",
        f"Assignee: {incident.assignee.get_full_name() if incident.assignee else 'nobody yet'}",
        "",
        f"Open it: {_link(incident)}",
    ]


def _addresses(people) -> list[str]:
    return [person.email for person in people if (person.email or "").strip()]


@writes
def incident_notify_assigned(*, incident: IncidentTicket, by) -> None:
    """Tell the new assignee, unless they assigned it to themselves."""
    assignee = incident.assignee
    if assignee is None or not assignee.email or by.pk == assignee.pk:
        return
    who = "The portal" if is_system(by) else by.get_full_name() or by.get_username()
    email_queue(
        by=by,
        recipients=[assignee.email],
        subject=f"[{incident.severity}] {incident.reference} assigned to you: {incident.title}",
        body="\n".join([f"{who} assigned you {incident.reference}.", "", *_facts(incident)]),
        idempotency_key=f"incident:{incident.pk}:assigned:{assignee.pk}:{incident.updated_at.timestamp()}",
    )


@writes
def incident_notify_severe(*, incident: IncidentTicket, by) -> None:
    """Tell the location's supervisors of a SEV1/SEV2, once per ticket and severity."""
    if incident.severity not in SEVERE:
        return
    recipients = _addresses(location_supervisors(location=incident.facility.location))
    if not recipients:
        return
    email_queue(
        by=by,
        recipients=recipients,
        subject=f"[{incident.severity}] {incident.reference} at {incident.facility}: {incident.title}",
        body="\n".join([f"A {incident.severity} incident needs attention.", "", *_facts(incident)]),
        idempotency_key=f"incident:{incident.pk}:severe:{incident.severity}",
    )


@writes
def incident_notify_resolved(*, incident: IncidentTicket, by) -> None:
    """Tell the reporter their incident is resolved, with the resolution (once per resolution)."""
    reporter = incident.reporter
    if not reporter.email:
        return
    email_queue(
        by=by,
        recipients=[reporter.email],
        subject=f"{incident.reference} resolved: {incident.title}",
        body="\n".join(
            ["The incident you reported is resolved.", "", f"Resolution: {incident.resolution}", "", *_facts(incident)]
        ),
        idempotency_key=f"incident:{incident.pk}:resolved:{incident.resolved_at.timestamp()}",
    )


CLOCK_NAMES = {"response": "respond", "resolve": "resolve"}


@writes
def incident_notify_breach(*, incident: IncidentTicket, clock: str, by) -> bool:
    """Tell the location's supervisors that `clock` ("response" or "resolve") has passed its due time.

    Keyed by the due time breached: a clock moved later (a severity change, time on hold) that breaches
    again is a new event. False when there is nobody to tell.
    """
    due_at = incident.response_due_at if clock == "response" else incident.resolve_due_at
    recipients = _addresses(location_supervisors(location=incident.facility.location))
    if not recipients:
        return False
    email_queue(
        by=by,
        recipients=recipients,
        subject=f"SLA breached: {incident.reference} was due to {CLOCK_NAMES[clock]} by {_local(due_at, incident)}",
        body="\n".join(
            [f"{incident.reference} has passed its {clock} due time without being dealt with.", "", *_facts(incident)]
        ),
        idempotency_key=f"incident:{incident.pk}:breach:{clock}:{due_at.timestamp()}",
    )
    return True
