"""The incident workflow: every transition from every status, by every role, and what each step sets."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.core.roles import Role
from apps.tickets.choices import IncidentStatus, Severity
from apps.tickets.models import IncidentTicket
from apps.tickets.services import incident_update, ticket_note_add
from apps.tickets.transitions import WorkflowError
from apps.tickets.workflow import (
    INCIDENT_TRANSITIONS,
    incident_acknowledge,
    incident_allowed_transitions,
    incident_close,
    incident_hold,
    incident_mark_duplicate,
    incident_reopen,
    incident_resolve,
    incident_resume,
    incident_start,
)
from tests.factories import FacilityFactory, LocationFactory, SuperUserFactory

from .workflow_helpers import console_user, incident_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def make(outage, mcr, alex, sam):
    """An incident at a status, reported by alex and assigned to sam (staff)."""

    def build(status, **kwargs):
        survivor = None
        if status == IncidentStatus.DUPLICATE:
            survivor = incident_at(IncidentStatus.TRIAGED, incident_type=outage, facility=mcr, reporter=alex)
        return incident_at(
            status, incident_type=outage, facility=mcr, reporter=alex, survivor=survivor, **{"assignee": sam, **kwargs}
        )

    return build


def run(name: str, incident, by, *, survivor=None):
    """Take the step `name` with its usual inputs."""
    steps = {
        "acknowledge": lambda: incident_acknowledge(incident=incident, by=by),
        "start": lambda: incident_start(incident=incident, by=by),
        "hold": lambda: incident_hold(incident=incident, by=by),
        "resume": lambda: incident_resume(incident=incident, by=by),
        "resolve": lambda: incident_resolve(incident=incident, by=by, resolution="Re-seated the card"),
        "close": lambda: incident_close(incident=incident, by=by),
        "reopen": lambda: incident_reopen(incident=incident, by=by),
        "mark_duplicate": lambda: incident_mark_duplicate(incident=incident, of=survivor, by=by),
    }
    return steps[name]()


# --- the table: from every status --------------------------------------------------------------------------------


@pytest.mark.parametrize("status", IncidentStatus.values)
@pytest.mark.parametrize("name", list(INCIDENT_TRANSITIONS))
def test_each_step_is_taken_from_its_statuses_and_refused_from_the_others(name, status, make, lead):
    transition = INCIDENT_TRANSITIONS[name]
    incident = make(status)
    survivor = make(IncidentStatus.TRIAGED)
    history_before = incident.history.count()

    if status in transition.sources:
        run(name, incident, lead, survivor=survivor)
        incident.refresh_from_db()
        assert incident.status == transition.target
        assert incident.history.count() > history_before
    else:
        with pytest.raises(WorkflowError) as refused:
            run(name, incident, lead, survivor=survivor)
        message = " ".join(refused.value.messages)
        assert f"{incident.reference} is “{IncidentStatus(status).label}”" in message
        assert "only a ticket that is" in message
        incident.refresh_from_db()
        assert incident.status == status
        assert incident.history.count() == history_before


# --- who may take each step -----------------------------------------------------------------------------------------

ROLES = ["supervisor", "administrator", "assignee", "other staff", "auditor", "supervisor elsewhere"]


@pytest.fixture
def people(roles, london_hq, sam):
    elsewhere = LocationFactory(code="MAN-HQ", name="Manchester")
    return {
        "supervisor": console_user("lead", Role.SUPERVISOR, london_hq),
        "administrator": console_user("admin1", Role.ADMINISTRATOR),
        "assignee": sam,
        "other staff": console_user("kim", Role.STAFF, home_location=london_hq),
        "auditor": console_user("aud", Role.AUDITOR, london_hq),
        "supervisor elsewhere": console_user("far", Role.SUPERVISOR, elsewhere),
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", list(INCIDENT_TRANSITIONS))
def test_who_may_take_each_step(name, role, make, people):
    transition = INCIDENT_TRANSITIONS[name]
    incident = make(transition.sources[0])
    survivor = make(IncidentStatus.TRIAGED)
    allowed = role in ("supervisor", "administrator") or (role == "assignee" and not transition.supervisor_only)

    if allowed:
        run(name, incident, people[role], survivor=survivor)
        incident.refresh_from_db()
        assert incident.status == transition.target
    else:
        with pytest.raises(WorkflowError, match="Only .*supervisor of London HQ"):
            run(name, incident, people[role], survivor=survivor)
        incident.refresh_from_db()
        assert incident.status == transition.sources[0]


def test_the_ticket_page_offers_only_the_steps_the_person_may_take(make, people):
    incident = make(IncidentStatus.IN_PROGRESS)

    assert [t.name for t in incident_allowed_transitions(incident=incident, by=people["supervisor"])] == [
        "hold",
        "resolve",
        "mark_duplicate",
    ]
    assert [t.name for t in incident_allowed_transitions(incident=incident, by=people["assignee"])] == [
        "hold",
        "resolve",
    ]
    assert incident_allowed_transitions(incident=incident, by=people["auditor"]) == []


# --- what each step sets --------------------------------------------------------------------------------------------


def test_acknowledging_stamps_the_time_and_stops_the_response_clock(make, lead):
    incident = make(IncidentStatus.NEW)
    before = timezone.now()

    incident_acknowledge(incident=incident, by=lead)

    incident.refresh_from_db()
    assert incident.status == IncidentStatus.TRIAGED
    assert before <= incident.acknowledged_at <= timezone.now()
    record = incident.history.first()
    assert (record.history_user, record.history_change_reason) == (lead, "Acknowledged")


def test_starting_a_new_ticket_acknowledges_it_too(make, sam):
    incident = make(IncidentStatus.NEW)

    incident_start(incident=incident, by=sam)

    incident.refresh_from_db()
    assert incident.status == IncidentStatus.IN_PROGRESS and incident.acknowledged_at is not None


def test_resolving_needs_a_resolution_and_records_minutes_off_air(make, lead):
    incident = make(IncidentStatus.IN_PROGRESS)

    with pytest.raises(WorkflowError, match="a resolution is required"):
        incident_resolve(incident=incident, by=lead, resolution="   ")
    with pytest.raises(WorkflowError, match="cannot be negative"):
        incident_resolve(incident=incident, by=lead, resolution="Fixed", off_air_minutes=-1)
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.IN_PROGRESS

    incident_resolve(incident=incident, by=lead, resolution="  Replaced the PSU ", off_air_minutes=12)

    incident.refresh_from_db()
    assert (incident.status, incident.resolution, incident.off_air_seconds) == (
        IncidentStatus.RESOLVED,
        "Replaced the PSU",
        720,
    )
    assert incident.resolved_at is not None


def test_a_closed_ticket_is_read_only_until_a_supervisor_reopens_it(make, lead):
    incident = make(IncidentStatus.RESOLVED)
    incident_close(incident=incident, by=lead)
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.CLOSED and incident.closed_at is not None

    with pytest.raises(ValidationError, match="is closed; reopen it"):
        incident_update(incident=incident, title="Edited after closing", by=lead)

    incident_reopen(incident=incident, by=lead, reason="Fault came back at 14:00")

    incident.refresh_from_db()
    assert incident.status == IncidentStatus.IN_PROGRESS
    assert incident.resolved_at is None and incident.closed_at is None
    assert incident.notes.get().text == "Reopened: Fault came back at 14:00"
    incident_update(incident=incident, title="Edited after reopening", by=lead)


def test_marking_a_duplicate_moves_the_notes_links_both_and_brings_its_own_duplicates(make, lead):
    survivor, duplicate, earlier = make(IncidentStatus.IN_PROGRESS), make(IncidentStatus.NEW), make(IncidentStatus.NEW)
    ticket_note_add(ticket=duplicate, by=lead, text="Caller says the mux alarm is red")
    ticket_note_add(ticket=survivor, by=lead, text="Engineer on the way")
    IncidentTicket.objects.filter(pk=earlier.pk).update(status=IncidentStatus.DUPLICATE, duplicate_of=duplicate)

    incident_mark_duplicate(incident=duplicate, of=survivor, by=lead)

    duplicate.refresh_from_db()
    earlier.refresh_from_db()
    assert (duplicate.status, duplicate.duplicate_of) == (IncidentStatus.DUPLICATE, survivor)
    assert earlier.duplicate_of == survivor, "a duplicate of the duplicate follows it to the survivor"
    assert list(survivor.notes.values_list("text", flat=True)) == [
        "Caller says the mux alarm is red",
        "Engineer on the way",
        f"{duplicate.reference} marked duplicate of this ticket; 1 note moved here.",
    ]
    assert list(duplicate.notes.values_list("text", flat=True)) == [
        f"Marked duplicate of {survivor.reference}; 1 note moved there."
    ]


def test_a_ticket_is_not_a_duplicate_of_itself_nor_of_another_duplicate(make, lead):
    original, duplicate, ticket = make(IncidentStatus.TRIAGED), make(IncidentStatus.NEW), make(IncidentStatus.NEW)
    incident_mark_duplicate(incident=duplicate, of=original, by=lead)

    with pytest.raises(WorkflowError, match="cannot be a duplicate of itself"):
        incident_mark_duplicate(incident=ticket, of=ticket, by=lead)
    with pytest.raises(WorkflowError, match=f"is itself a duplicate of {original.reference}"):
        incident_mark_duplicate(incident=ticket, of=duplicate, by=lead)
    ticket.refresh_from_db()
    assert ticket.status == IncidentStatus.NEW


def test_a_supervisor_cannot_merge_into_a_ticket_they_cannot_see(make, lead, outage, alex):
    ticket = make(IncidentStatus.NEW)
    far_away = FacilityFactory(code="MAN-TX", location=LocationFactory(code="MAN", name="Manchester"))
    hidden = incident_at(IncidentStatus.TRIAGED, incident_type=outage, facility=far_away, reporter=alex)

    with pytest.raises(WorkflowError, match="is not a ticket you can see"):
        incident_mark_duplicate(incident=ticket, of=hidden, by=lead)


def test_hold_time_does_not_count_against_the_resolve_clock(make, lead):
    incident = make(IncidentStatus.IN_PROGRESS)
    resolve_due = incident.resolve_due_at
    held_at = timezone.now()

    incident_hold(incident=incident, by=lead, now=held_at)
    incident_resume(incident=incident, by=lead, now=held_at + timedelta(minutes=45))

    incident.refresh_from_db()
    assert incident.held_seconds == 45 * 60
    assert incident.on_hold_since is None
    assert incident.resolve_due_at == resolve_due + timedelta(minutes=45)
    assert incident.history.first().history_change_reason == "Work resumed after 45 min on hold"


def test_resolving_while_on_hold_ends_the_hold(make, lead):
    incident = make(IncidentStatus.ON_HOLD)
    held_since = incident.on_hold_since

    incident_resolve(incident=incident, by=lead, resolution="Supplier fixed the link")

    incident.refresh_from_db()
    assert incident.on_hold_since is None
    assert incident.held_seconds == pytest.approx((incident.resolved_at - held_since).total_seconds(), abs=1)


def test_a_severity_change_keeps_the_time_already_held(make, lead):
    incident = make(IncidentStatus.IN_PROGRESS)
    now = timezone.now()
    incident_hold(incident=incident, by=lead, now=now)
    incident_resume(incident=incident, by=lead, now=now + timedelta(minutes=30))

    incident_update(incident=incident, severity=Severity.SEV2, by=lead)

    incident.refresh_from_db()
    # SEV2 halves the SEV3 type's 4 h window; the 30 minutes held still push it back
    assert incident.resolve_due_at == incident.occurred_at + timedelta(hours=2, minutes=30)
    assert incident.response_due_at == incident.occurred_at + timedelta(minutes=15)


def test_only_the_administrator_sees_everything_a_superuser_too(make):
    incident = make(IncidentStatus.RESOLVED)

    incident_close(incident=incident, by=SuperUserFactory(username="boss"))

    incident.refresh_from_db()
    assert incident.status == IncidentStatus.CLOSED
