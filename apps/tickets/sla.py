"""SLA arithmetic: when an incident must be acknowledged and resolved, and where it stands against that.

An incident type's response and resolve minutes hold at its default severity. Each step more
severe halves the window, each step less severe doubles it: a type that allows 30 minutes to
respond at SEV3 allows 15 at SEV2, 7.5 at SEV1 and 60 at SEV4.

Both clocks start when the fault began (`occurred_at`). The response clock stops when the ticket is
acknowledged; the resolve clock stops while the ticket is on hold (the time held is added to its due
time when work resumes, see `held_seconds`). A clock is "at risk" in the last quarter of its window.

`incident_sla_state` says where a ticket stands (the console's SLA column); `incident_sla_q` is the
same rule in SQL (its filter and saved views). The moments a clock turns amber are stored beside the
due times (`response_risk_at`, `resolve_risk_at`) so that the database can filter and index them.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import models
from django.db.models import F, Q

from .choices import IncidentStatus, Severity

# a clock is at risk once this share of its window is left
AT_RISK_SHARE = 0.25
# "Breaching soon": an open ticket with a running deadline within this window
BREACHING_SOON_WINDOW = timedelta(hours=1)


def severity_factor(*, severity: str, default_severity: str) -> float:
    """How much longer (>1) or shorter (<1) the clocks run at `severity` than at the default."""
    return 2.0 ** (Severity(severity).rank - Severity(default_severity).rank)


@dataclass(frozen=True)
class SlaClocks:
    response_due_at: datetime
    response_risk_at: datetime
    resolve_due_at: datetime
    resolve_risk_at: datetime


def incident_clocks(*, incident_type, severity: str, occurred_at: datetime, held: timedelta = timedelta()) -> SlaClocks:
    """The due and at-risk moments of both clocks; `held` (time spent on hold so far) delays the resolve clock."""
    factor = severity_factor(severity=severity, default_severity=incident_type.default_severity)
    response_window = timedelta(minutes=incident_type.response_sla_minutes * factor)
    resolve_window = timedelta(minutes=incident_type.resolve_sla_minutes * factor)
    response_due_at = occurred_at + response_window
    resolve_due_at = occurred_at + resolve_window + held
    return SlaClocks(
        response_due_at=response_due_at,
        response_risk_at=response_due_at - response_window * AT_RISK_SHARE,
        resolve_due_at=resolve_due_at,
        resolve_risk_at=resolve_due_at - resolve_window * AT_RISK_SHARE,
    )


def incident_due_times(*, incident_type, severity: str, occurred_at: datetime) -> tuple[datetime, datetime]:
    """Return (response_due_at, resolve_due_at) for a ticket never put on hold."""
    clocks = incident_clocks(incident_type=incident_type, severity=severity, occurred_at=occurred_at)
    return clocks.response_due_at, clocks.resolve_due_at


# what `incident_set_clocks` writes, for callers that save in bulk
SLA_CLOCK_FIELDS = (
    "response_due_at",
    "response_risk_at",
    "resolve_due_at",
    "resolve_risk_at",
    "response_breach_notified_at",
    "resolve_breach_notified_at",
)


def incident_set_clocks(incident) -> None:
    """Set the four SLA moments of `incident` from its type, severity, start and the time it has been held."""
    clocks = incident_clocks(
        incident_type=incident.incident_type,
        severity=incident.severity,
        occurred_at=incident.occurred_at,
        held=timedelta(seconds=incident.held_seconds or 0),
    )
    incident.response_due_at = clocks.response_due_at
    incident.response_risk_at = clocks.response_risk_at
    incident.resolve_due_at = clocks.resolve_due_at
    incident.resolve_risk_at = clocks.resolve_risk_at


class SlaState(models.TextChoices):
    ON_TRACK = "on_track", "On track"
    AT_RISK = "at_risk", "At risk"
    BREACHED = "breached", "Breached"
    MET = "met", "Met"
    MISSED = "missed", "Missed"


def _running(incident) -> list[tuple[datetime | None, datetime | None, datetime]]:
    """(risk at, due at, the moment to compare with) for each clock still running (or paused, on hold)."""
    clocks = []
    if incident.acknowledged_at is None:
        clocks.append((incident.response_risk_at, incident.response_due_at, None))
    held_since = incident.on_hold_since if incident.status == IncidentStatus.ON_HOLD else None
    clocks.append((incident.resolve_risk_at, incident.resolve_due_at, held_since))
    return [(risk, due, frozen) for risk, due, frozen in clocks if due is not None]


def incident_sla_state(incident, *, now: datetime) -> SlaState | None:
    """Where an incident stands against its clocks; `incident_sla_q` is the same rule in SQL.

    Open: breached once a running deadline has passed, at risk in the last quarter of a window, else on
    track. A clock paused on hold is judged at the moment it was paused. Resolved or closed: met or missed
    by when it was resolved. Duplicates have no SLA of their own.
    """
    if incident.status in IncidentStatus.open_values():
        clocks = _running(incident)
        if not clocks:
            return None
        if any(due <= (frozen or now) for _, due, frozen in clocks):
            return SlaState.BREACHED
        if any(risk is not None and risk <= (frozen or now) for risk, _, frozen in clocks):
            return SlaState.AT_RISK
        return SlaState.ON_TRACK
    finished = incident.status in (IncidentStatus.RESOLVED, IncidentStatus.CLOSED)
    if finished and incident.resolved_at and incident.resolve_due_at:
        return SlaState.MET if incident.resolved_at <= incident.resolve_due_at else SlaState.MISSED
    return None


def _past(moment, risk: bool) -> Q:
    """The open tickets with a clock whose due (or at-risk) moment has passed at `moment`."""
    response, resolve = ("response_risk_at", "resolve_risk_at") if risk else ("response_due_at", "resolve_due_at")
    on_hold = Q(status=IncidentStatus.ON_HOLD)
    return (
        Q(acknowledged_at__isnull=True, **{f"{response}__lte": moment})
        | (~on_hold & Q(**{f"{resolve}__lte": moment}))
        | (on_hold & Q(**{f"{resolve}__lte": F("on_hold_since")}))
    )


def incident_sla_q(state: str, *, now: datetime) -> Q:
    """The incidents in `state` (see `incident_sla_state`), as a filter the database evaluates."""
    is_open = Q(status__in=IncidentStatus.open_values())
    has_clock = Q(resolve_due_at__isnull=False) | Q(acknowledged_at__isnull=True, response_due_at__isnull=False)
    finished = Q(status__in=[IncidentStatus.RESOLVED, IncidentStatus.CLOSED], resolved_at__isnull=False)
    rules = {
        SlaState.BREACHED: is_open & _past(now, risk=False),
        SlaState.AT_RISK: is_open & _past(now, risk=True) & ~_past(now, risk=False),
        SlaState.ON_TRACK: is_open & has_clock & ~_past(now, risk=True),
        SlaState.MET: finished & Q(resolved_at__lte=F("resolve_due_at")),
        SlaState.MISSED: finished & Q(resolved_at__gt=F("resolve_due_at")),
    }
    return rules[SlaState(state)]


def incident_breaching_soon_q(*, now: datetime) -> Q:
    """Open tickets not yet breached whose next running deadline falls within the hour ("Breaching soon")."""
    soon = now + BREACHING_SOON_WINDOW
    running = Q(acknowledged_at__isnull=True, response_due_at__lte=soon) | (
        ~Q(status=IncidentStatus.ON_HOLD) & Q(resolve_due_at__lte=soon)
    )
    return Q(status__in=IncidentStatus.open_values()) & running & ~_past(now, risk=False)


def incident_breaches(incident, *, now: datetime) -> list[str]:
    """Which running clocks ("response", "resolve") of an open incident have passed their due time."""
    if incident.status not in IncidentStatus.open_values():
        return []
    breached = []
    if incident.acknowledged_at is None and incident.response_due_at and incident.response_due_at <= now:
        breached.append("response")
    if incident.resolve_due_at:
        moment = incident.on_hold_since if incident.status == IncidentStatus.ON_HOLD else now
        if moment and incident.resolve_due_at <= moment:
            breached.append("resolve")
    return breached
