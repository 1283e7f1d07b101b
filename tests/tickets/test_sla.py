"""SLA arithmetic, and the SLA state in Python and in SQL agreeing with each other."""

from datetime import UTC, datetime, timedelta

import pytest

from apps.tickets.choices import IncidentStatus, Severity
from apps.tickets.models import IncidentTicket, IncidentType
from apps.tickets.services import incident_create, incident_update
from apps.tickets.sla import SlaState, incident_due_times, incident_sla_q, incident_sla_state
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
        title="Audio drop on 1", incident_type=outage, facility=mcr, reporter=alex, occurred_at=an_hour_ago
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
        title="Audio drop on 1", incident_type=outage, facility=mcr, reporter=alex, occurred_at=an_hour_ago
    )
    slow = IncidentTypeFactory(
        code="cosmetic", default_severity=Severity.SEV3, response_sla_minutes=120, resolve_sla_minutes=600
    )
    incident_update(incident=incident, incident_type=slow)
    assert incident.response_due_at == an_hour_ago + timedelta(hours=2)

    earlier = an_hour_ago - timedelta(minutes=20)
    incident_update(incident=incident, occurred_at=earlier)
    assert incident.resolve_due_at == earlier + timedelta(hours=10)

    # the type's clocks change later: a plain edit does not re-time an existing ticket
    IncidentType.objects.filter(pk=slow.pk).update(response_sla_minutes=5)
    incident_update(incident=incident, title="Audio drop on channel 1")
    assert incident.response_due_at == earlier + timedelta(hours=2)


@pytest.mark.django_db
def test_sla_state_in_python_and_in_sql_agree(outage):
    now = datetime.now(UTC)

    def at(hours: float) -> datetime:
        return now + timedelta(hours=hours)

    def ticket(respond=None, resolve=None, acknowledged=None, resolved=None, status=IncidentStatus.TRIAGED):
        return IncidentTicketFactory(
            incident_type=outage,
            status=status,
            occurred_at=at(-24),
            response_due_at=respond and at(respond),
            resolve_due_at=resolve and at(resolve),
            acknowledged_at=acknowledged and at(acknowledged),
            resolved_at=resolved and at(resolved),
        )

    expected = {
        "late to resolve": (ticket(respond=-3, resolve=-0.1, acknowledged=-4), SlaState.BREACHED),
        "late to respond": (ticket(respond=-0.1, resolve=3), SlaState.BREACHED),
        "responded in time": (ticket(respond=-0.1, resolve=3, acknowledged=-0.5), SlaState.ON_TRACK),
        "response due soon": (ticket(respond=0.3, resolve=3), SlaState.DUE_SOON),
        "on track": (ticket(respond=2, resolve=3), SlaState.ON_TRACK),
        "met": (ticket(respond=-5, resolve=-1, resolved=-2, status=IncidentStatus.RESOLVED), SlaState.MET),
        "missed": (ticket(respond=-5, resolve=-2, resolved=-1, status=IncidentStatus.RESOLVED), SlaState.MISSED),
        "no clocks": (ticket(), None),
    }

    for name, (incident, state) in expected.items():
        assert incident_sla_state(incident, now=now) == state, name
    for state in SlaState:
        in_sql = set(IncidentTicket.objects.filter(incident_sla_q(state, now=now)).values_list("pk", flat=True))
        assert in_sql == {incident.pk for incident, wanted in expected.values() if wanted == state}, state
