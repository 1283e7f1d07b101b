"""Assigning (to a person, to me, to whoever is on call), severity, and who is told what, through the outbox."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail

from apps.core.actors import system_user
from apps.core.roles import Role
from apps.notifications.models import OutboundEmail
from apps.scheduling.choices import ShiftStatus
from apps.tickets.choices import IncidentStatus, Severity
from apps.tickets.services import incident_create, incident_update
from apps.tickets.transitions import WorkflowError
from apps.tickets.workflow import (
    incident_assign,
    incident_assign_on_call,
    incident_resolve,
    incident_set_severity,
)
from tests.factories import FacilityFactory, LocationFactory, ShiftFactory, UserFactory

from .workflow_helpers import console_user, incident_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def deputy(roles, london_hq):
    return console_user("deputy", Role.SUPERVISOR, london_hq, first_name="Dee", last_name="Puty")


@pytest.fixture
def new_incident(outage, mcr, alex):
    return incident_at(IncidentStatus.NEW, incident_type=outage, facility=mcr, reporter=alex)


def outbox(key_part: str) -> list[OutboundEmail]:
    return list(OutboundEmail.objects.filter(idempotency_key__contains=key_part).order_by("pk"))


# --- assignment ---------------------------------------------------------------------------------------------------


def test_assigning_a_new_ticket_triages_it_and_tells_the_assignee_once(new_incident, lead, sam):
    incident_assign(incident=new_incident, assignee=sam, by=lead)

    new_incident.refresh_from_db()
    assert (new_incident.assignee, new_incident.status) == (sam, IncidentStatus.TRIAGED)
    assert new_incident.acknowledged_at is not None, "the response clock stops"
    [email] = outbox(":assigned:")
    assert email.recipients == [sam.email]
    assert email.subject == f"[SEV3] {new_incident.reference} assigned to you: {new_incident.title}"
    assert "Pat Lead assigned you" in email.body and f"/admin/tickets/incidentticket/{new_incident.pk}/" in email.body


def test_assigning_to_oneself_sends_nothing(new_incident, lead):
    incident_assign(incident=new_incident, assignee=lead, by=lead)

    new_incident.refresh_from_db()
    assert new_incident.assignee == lead
    assert outbox(":assigned:") == []


def test_an_assignment_refused_says_why_and_changes_nothing(new_incident, lead, sam):
    stranger = UserFactory(username="stranger", home_location=LocationFactory(code="FAR"))
    retired = UserFactory(username="retired", home_location=sam.home_location, is_active=False)

    with pytest.raises(WorkflowError, match="is not one of the people of your locations"):
        incident_assign(incident=new_incident, assignee=stranger, by=lead)
    with pytest.raises(WorkflowError, match="is no longer active"):
        incident_assign(incident=new_incident, assignee=retired, by=lead)
    with pytest.raises(WorkflowError, match=r"Only a supervisor of London HQ \(LON-HQ\) can assign"):
        incident_assign(incident=new_incident, assignee=sam, by=sam)

    new_incident.refresh_from_db()
    assert new_incident.assignee is None and new_incident.status == IncidentStatus.NEW
    incident_assign(incident=new_incident, assignee=sam, by=lead)
    with pytest.raises(WorkflowError, match="is already assigned to Sam Roe"):
        incident_assign(incident=new_incident, assignee=sam, by=lead)


def test_a_closed_ticket_cannot_be_assigned(outage, mcr, alex, lead, sam):
    closed = incident_at(IncidentStatus.CLOSED, incident_type=outage, facility=mcr, reporter=alex)

    with pytest.raises(WorkflowError, match="“Closed”: only an open ticket can be assigned"):
        incident_assign(incident=closed, assignee=sam, by=lead)


# --- on call, across time zones -----------------------------------------------------------------------------------


@pytest.fixture
def sydney_tx(db):
    return FacilityFactory(
        code="SYD-TX1", name="Sydney transmitter", location=LocationFactory(code="SYD", timezone="Australia/Sydney")
    )


def test_on_call_is_whoever_is_on_a_published_shift_there_at_that_moment(roles, outage, sydney_tx, alex, mcr):
    night = UserFactory(username="night", first_name="Nat", last_name="Night", home_location=sydney_tx.location)
    # 22:00-06:00 in Sydney (summer, UTC+11) on 10-11 January: 11:00-19:00 UTC
    ShiftFactory(
        user=night,
        facility=sydney_tx,
        status=ShiftStatus.PUBLISHED,
        starts_at=datetime(2027, 1, 10, 11, 0, tzinfo=UTC),
        ends_at=datetime(2027, 1, 10, 19, 0, tzinfo=UTC),
    )
    # at the same moment a London shift, and a Sydney draft: neither is on call in Sydney
    ShiftFactory(
        facility=mcr,
        status=ShiftStatus.PUBLISHED,
        starts_at=datetime(2027, 1, 10, 11, 0, tzinfo=UTC),
        ends_at=datetime(2027, 1, 10, 19, 0, tzinfo=UTC),
    )
    ShiftFactory(
        facility=sydney_tx,
        status=ShiftStatus.DRAFT,
        starts_at=datetime(2027, 1, 10, 10, 0, tzinfo=UTC),
        ends_at=datetime(2027, 1, 10, 18, 0, tzinfo=UTC),
    )
    admin = console_user("admin1", Role.ADMINISTRATOR)
    incident = incident_at(IncidentStatus.NEW, incident_type=outage, facility=sydney_tx, reporter=alex)

    # 03:00 in Sydney is 16:00 UTC the day before in London's reckoning: the Sydney night shift
    incident_assign_on_call(incident=incident, by=admin, at=datetime(2027, 1, 10, 16, 0, tzinfo=UTC))
    incident.refresh_from_db()
    assert incident.assignee == night

    later = incident_at(IncidentStatus.NEW, incident_type=outage, facility=sydney_tx, reporter=alex)
    with pytest.raises(WorkflowError) as refused:
        # 07:00 in Sydney: the night shift has ended
        incident_assign_on_call(incident=later, by=admin, at=datetime(2027, 1, 10, 20, 0, tzinfo=UTC))
    assert refused.value.messages == [
        "Nobody is on a published shift at Sydney transmitter (SYD-TX1) now (Mon 11 Jan 07:00 Australia/Sydney); "
        "pick someone with “Assign to…”."
    ]
    later.refresh_from_db()
    assert later.assignee is None


# --- severity -------------------------------------------------------------------------------------------------------


def test_raising_severity_moves_the_clocks_and_tells_the_supervisors_once(new_incident, lead, deputy):
    incident_set_severity(incident=new_incident, severity=Severity.SEV1, by=lead)

    new_incident.refresh_from_db()
    assert new_incident.severity == Severity.SEV1
    assert new_incident.response_due_at == new_incident.occurred_at + timedelta(minutes=7.5)
    [email] = outbox(":severe:")
    assert sorted(email.recipients) == sorted([lead.email, deputy.email])
    assert email.subject.startswith(f"[SEV1] {new_incident.reference} at Master control 1 (LON-MCR1)")

    with pytest.raises(WorkflowError, match="is already SEV1"):
        incident_set_severity(incident=new_incident, severity=Severity.SEV1, by=lead)
    incident_set_severity(incident=new_incident, severity=Severity.SEV3, by=lead)
    incident_set_severity(incident=new_incident, severity=Severity.SEV1, by=lead)
    assert len(outbox(":severe:")) == 1, "the same ticket at SEV1 again is not news"


def test_a_new_sev1_is_told_to_the_locations_supervisors_and_nobody_else(roles, outage, mcr, alex, lead):
    console_user("far", Role.SUPERVISOR, LocationFactory(code="MAN"))
    console_user("quiet", Role.SUPERVISOR, mcr.location, email="")

    with pytest.raises(Exception):  # noqa: B017 - any failure: the point is nothing is queued
        incident_create(
            title="Off air",
            incident_type=outage,
            facility=mcr,
            reporter=alex,
            occurred_at=datetime(2030, 1, 1, tzinfo=UTC),  # in the future: refused
            severity=Severity.SEV1,
            by=system_user(),
        )
    assert outbox(":severe:") == []

    incident = incident_create(
        title="Off air",
        incident_type=outage,
        facility=mcr,
        reporter=alex,
        occurred_at=datetime.now(UTC) - timedelta(minutes=3),
        severity=Severity.SEV1,
        by=system_user(),
    )
    [email] = outbox(":severe:")
    assert email.recipients == [lead.email]
    assert email.idempotency_key == f"incident:{incident.pk}:severe:SEV1"


def test_a_minor_incident_tells_nobody(roles, outage, mcr, alex, lead):
    incident_create(
        title="Flicker",
        incident_type=outage,
        facility=mcr,
        reporter=alex,
        occurred_at=datetime.now(UTC),
        by=system_user(),
    )

    assert OutboundEmail.objects.count() == 0


# --- resolving tells the reporter -----------------------------------------------------------------------------------


def test_the_reporter_hears_of_the_resolution_once_it_is_committed(
    outage, mcr, alex, lead, django_capture_on_commit_callbacks
):
    incident = incident_at(IncidentStatus.IN_PROGRESS, incident_type=outage, facility=mcr, reporter=alex)

    with django_capture_on_commit_callbacks(execute=True):
        incident_resolve(incident=incident, by=lead, resolution="Re-seated the encoder card")

    [sent] = mail.outbox
    assert sent.to == [alex.email]
    assert sent.subject == f"{incident.reference} resolved: {incident.title}"
    assert "Resolution: Re-seated the encoder card" in sent.body
    assert OutboundEmail.objects.get().status == "sent"


def test_the_ticket_form_tells_the_same_people_as_the_actions(new_incident, lead, sam):
    """A severity raised or an assignee picked on the ticket's form (incident_update) is news just the same."""
    incident_update(incident=new_incident, severity=Severity.SEV2, assignee=sam, by=lead)

    assert [email.recipients for email in outbox(":severe:")] == [[lead.email]]
    assert [email.recipients for email in outbox(":assigned:")] == [[sam.email]]
