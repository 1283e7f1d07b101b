"""SLA arithmetic: when an incident must be acknowledged and resolved.

An incident type's response and resolve minutes hold at its default severity. Each step more
severe halves the window, each step less severe doubles it: a type that allows 30 minutes to
respond at SEV3 allows 15 at SEV2, 7.5 at SEV1 and 60 at SEV4.

`incident_sla_state` says where a ticket stands against those clocks (the console's SLA column
and filter).
"""

from datetime import datetime, timedelta

from django.db import models
from django.db.models import F, Q

from .choices import IncidentStatus, Severity


def severity_factor(*, severity: str, default_severity: str) -> float:
    """How much longer (>1) or shorter (<1) the clocks run at `severity` than at the default."""
    return 2.0 ** (Severity(severity).rank - Severity(default_severity).rank)


def incident_due_times(*, incident_type, severity: str, occurred_at: datetime) -> tuple[datetime, datetime]:
    """Return (response_due_at, resolve_due_at) for an incident of `incident_type` at `severity`.

    The clocks start when the fault began (`occurred_at`), not when it was reported.
    """
    factor = severity_factor(severity=severity, default_severity=incident_type.default_severity)
    response_due_at = occurred_at + timedelta(minutes=incident_type.response_sla_minutes * factor)
    resolve_due_at = occurred_at + timedelta(minutes=incident_type.resolve_sla_minutes * factor)
    return response_due_at, resolve_due_at


class SlaState(models.TextChoices):
    ON_TRACK = "on_track", "On track"
    DUE_SOON = "due_soon", "Due soon"
    BREACHED = "breached", "Breached"
    MET = "met", "Met"
    MISSED = "missed", "Missed"


# an open incident whose next deadline falls within this window is "due soon"
DUE_SOON_WINDOW = timedelta(hours=1)


def incident_sla_state(incident, *, now: datetime) -> SlaState | None:
    """Where an incident stands against its clocks; `incident_sla_q` is the same rule in SQL.

    Open: breached once a deadline has passed (responding counts until the ticket is
    acknowledged), due soon within the window. Otherwise: met or missed by when it was resolved.
    """
    if incident.status in IncidentStatus.open_values():
        deadlines = [incident.resolve_due_at]
        if incident.acknowledged_at is None:
            deadlines.append(incident.response_due_at)
        deadlines = [deadline for deadline in deadlines if deadline is not None]
        if not deadlines:
            return None
        if min(deadlines) < now:
            return SlaState.BREACHED
        if min(deadlines) < now + DUE_SOON_WINDOW:
            return SlaState.DUE_SOON
        return SlaState.ON_TRACK
    if incident.resolved_at and incident.resolve_due_at:
        return SlaState.MET if incident.resolved_at <= incident.resolve_due_at else SlaState.MISSED
    return None


def incident_sla_q(state: str, *, now: datetime) -> Q:
    """The incidents in `state` (see `incident_sla_state`), as a filter the database evaluates."""
    is_open = Q(status__in=IncidentStatus.open_values())

    def overdue_at(moment: datetime) -> Q:
        return Q(resolve_due_at__lt=moment) | Q(acknowledged_at__isnull=True, response_due_at__lt=moment)

    has_deadline = Q(resolve_due_at__isnull=False) | Q(acknowledged_at__isnull=True, response_due_at__isnull=False)
    rules = {
        SlaState.BREACHED: is_open & overdue_at(now),
        SlaState.DUE_SOON: is_open & overdue_at(now + DUE_SOON_WINDOW) & ~overdue_at(now),
        SlaState.ON_TRACK: is_open & has_deadline & ~overdue_at(now + DUE_SOON_WINDOW),
        SlaState.MET: ~is_open & Q(resolved_at__isnull=False, resolved_at__lte=F("resolve_due_at")),
        SlaState.MISSED: ~is_open & Q(resolved_at__isnull=False, resolved_at__gt=F("resolve_due_at")),
    }
    return rules[SlaState(state)]
