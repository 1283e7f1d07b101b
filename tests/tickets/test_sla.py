"""SLA arithmetic, and the SLA state in Python and in SQL agreeing with each other."""

from datetime import UTC, datetime, timedelta

import pytest

from apps.core.actors import system_user
from apps.tickets.choices import IncidentStatus, Severity
from apps.tickets.models import IncidentTicket, IncidentType
from apps.tickets.services import incident_create, incident_update
from apps.tickets.sla import (
    SlaState,
    incident_breaching_soon_q,
    incident_clocks,
    incident_due_times,
    incident_sla_q,
    incident_sla_state,
)
from tests.factories import IncidentTicketFactory, IncidentTypeFactory

OCCURRED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def sev3_type(**overrides) -> IncidentType:
    values = {"default_severity": Severity.SEV3, "response_sla_minutes": 30, "resolve_sla_minutes": 240}
    return IncidentType(**(values | overrides))


def test_default_severity_uses_the_types_minutes():
    response, resolve = incident_due_times(incident_type=sev3_type(), severity=Severity.SEV3, occurred_at=OCCURRED)
    assert response == OCCURRED + timedelta(minutes=30)
    assert resolve == OCCURRED + timedelta(hours=4)


@pytest.mark.parametrize(
    ("severity", "response_minutes", "resolve_minutes"),
    [
        (Severity.SEV1, 7.5, 60),  # two steps more severe: a quarter of the window
        (Severity.SEV2, 15, 120),  # one step more severe: half
        (Severity.SEV4, 60, 480),  # one step less severe: double
    ],
)
def test_each_step_of_severity_halves_or_doubles_the_window(severity, response_minutes, resolve_minutes):
    response, resolve = incident_due_times(incident_type=sev3_type(), severity=severity, occurred_at=OCCURRED)
    assert response == OCCURRED + timedelta(minutes=response_minutes)
    assert resolve == OCCURRED + timedelta(minutes=resolve_minutes)


def test_a_type_whose_default_is_sev1_gets_eight_times_longer_at_sev4():
    incident_type = sev3_type(default_severity=Severity.SEV1, response_sla_minutes=10, resolve_sla_minutes=60)
    response, resolve = incident_due_times(incident_type=incident_type, severity="SEV4", occurred_at=OCCURRED)
    assert response == OCCURRED + timedelta(minutes=80)
    assert resolve == OCCURRED + timedelta(hours=8)


@pytest.mark.django_db
def test_changing_severity_moves_both_due_times(outage, mcr, alex, an_hour_ago):
    incident = incident_create(
        title="Audio drop on 1",
        incident_type=outage,
        facility=mcr,
        reporter=alex,
        occurred_at=an_hour_ago,
        by=system_user(),
    )
    assert incident.severity == Severity.SEV3
    assert incident.response_due_at == an_hour_ago + timedelta(minutes=30)

    incident_update(incident=incident, severity=Severity.SEV1, by=alex)

    incident.refresh_from_db()
    assert incident.response_due_at == an_hour_ago + timedelta(minutes=7.5)
    assert incident.resolve_due_at == an_hour_ago + timedelta(hours=1)
    assert incident.history.first().history_change_reason == "SLA due times recomputed (severity changed)"


@pytest.mark.django_db
def test_changing_type_or_start_moves_the_due_times_and_other_edits_do_not(outage, mcr, alex, an_hour_ago):
    incident = incident_create(
        title="Audio drop on 1",
        incident_type=outage,
        facility=mcr,
        reporter=alex,
        occurred_at=an_hour_ago,
        by=system_user(),
    )
    slow = IncidentTypeFactory(
        code="cosmetic", default_severity=Severity.SEV3, response_sla_minutes=120, resolve_sla_minutes=600
    )
    incident_update(incident=incident, incident_type=slow, by=system_user())
    assert incident.response_due_at == an_hour_ago + timedelta(hours=2)

    earlier = an_hour_ago - timedelta(minutes=20)
    incident_update(incident=incident, occurred_at=earlier, by=system_user())
    assert incident.resolve_due_at == earlier + timedelta(hours=10)

    # the type's clocks change later: a plain edit does not re-time an existing ticket
    IncidentType.objects.filter(pk=slow.pk).update(response_sla_minutes=5)
    incident_update(incident=incident, title="Audio drop on channel 1", by=system_user())
    assert incident.response_due_at == earlier + timedelta(hours=2)


@pytest.mark.django_db
def test_sla_state_in_python_and_in_sql_agree(outage):
    now = datetime.now(UTC)
    occurred = now - timedelta(hours=4)

    def at(hours: float) -> datetime:
        return now + timedelta(hours=hours)

    def ticket(respond=None, resolve=None, acknowledged=None, resolved=None, held=None, status=IncidentStatus.TRIAGED):
        """Clocks whose windows start 4 h ago: the last quarter of a window (the risk) starts a quarter before due."""

        def risk(due):
            return due and due - (due - occurred) * 0.25

        return IncidentTicketFactory(
            incident_type=outage,
            status=IncidentStatus.ON_HOLD if held is not None else status,
            occurred_at=occurred,
            response_due_at=respond and at(respond),
            response_risk_at=respond and risk(at(respond)),
            resolve_due_at=resolve and at(resolve),
            resolve_risk_at=resolve and risk(at(resolve)),
            acknowledged_at=acknowledged and at(acknowledged),
            resolved_at=resolved and at(resolved),
            on_hold_since=held and at(held),
        )

    expected = {
        "late to resolve": (ticket(respond=-3, resolve=-0.1, acknowledged=-3.5), SlaState.BREACHED),
        "late to respond": (ticket(respond=-0.1, resolve=3), SlaState.BREACHED),
        "responded in time": (ticket(respond=-0.1, resolve=3, acknowledged=-0.5), SlaState.ON_TRACK),
        # a 4.5 h response window, 0.5 h left: inside its last quarter (1.1 h)
        "response at risk": (ticket(respond=0.5, resolve=8), SlaState.AT_RISK),
        # a 5 h resolve window, 1 h left: in its last quarter (1.25 h)
        "resolve at risk": (ticket(respond=-3, resolve=1, acknowledged=-3.5), SlaState.AT_RISK),
        "on track": (ticket(respond=2, resolve=8), SlaState.ON_TRACK),
        "on hold before its risk: the paused clock stays on track": (
            ticket(respond=-3, resolve=0.5, acknowledged=-3.5, held=-2),
            SlaState.ON_TRACK,
        ),
        "on hold after it breached": (ticket(respond=-3, resolve=-1, acknowledged=-3.5, held=-0.5), SlaState.BREACHED),
        "met": (ticket(respond=-3, resolve=-1, resolved=-2, status=IncidentStatus.RESOLVED), SlaState.MET),
        "missed": (ticket(respond=-3, resolve=-2, resolved=-1, status=IncidentStatus.RESOLVED), SlaState.MISSED),
        "no clocks": (ticket(), None),
    }

    for name, (incident, state) in expected.items():
        assert incident_sla_state(incident, now=now) == state, name
    for state in SlaState:
        in_sql = set(IncidentTicket.objects.filter(incident_sla_q(state, now=now)).values_list("pk", flat=True))
        wanted = {incident.pk for incident, wanted in expected.values() if wanted == state}
        assert in_sql == wanted, state


def test_the_at_risk_moment_is_the_last_quarter_of_each_window():
    clocks = incident_clocks(
        incident_type=sev3_type(), severity=Severity.SEV3, occurred_at=OCCURRED, held=timedelta(minutes=20)
    )

    assert clocks.response_risk_at == OCCURRED + timedelta(minutes=22.5)
    assert clocks.resolve_due_at == OCCURRED + timedelta(hours=4, minutes=20)
    assert clocks.resolve_risk_at == OCCURRED + timedelta(hours=3, minutes=20)


@pytest.mark.django_db
def test_breaching_soon_is_a_running_clock_due_within_the_hour(outage):
    now = datetime.now(UTC)
    soon = IncidentTicketFactory(
        incident_type=outage, status=IncidentStatus.NEW, response_due_at=now + timedelta(minutes=40)
    )
    IncidentTicketFactory(incident_type=outage, status=IncidentStatus.NEW, response_due_at=now + timedelta(hours=2))
    IncidentTicketFactory(  # already breached: in the breached list, not this one
        incident_type=outage, status=IncidentStatus.NEW, response_due_at=now - timedelta(minutes=1)
    )
    IncidentTicketFactory(  # paused on hold: its clock is not running
        incident_type=outage,
        status=IncidentStatus.ON_HOLD,
        acknowledged_at=now - timedelta(hours=1),
        on_hold_since=now - timedelta(minutes=30),
        resolve_due_at=now + timedelta(minutes=20),
    )

    assert list(IncidentTicket.objects.filter(incident_breaching_soon_q(now=now))) == [soon]
