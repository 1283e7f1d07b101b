"""The service-ticket workflow: open → scheduled (in a maintenance window) → in progress ⇄ waiting → done; cancelled."""

import pytest

from apps.scheduling.choices import EventKind, EventStatus
from apps.tickets.choices import ServiceStatus
from apps.tickets.service_workflow import (
    SERVICE_TRANSITIONS,
    service_ticket_allowed_transitions,
    service_ticket_assign,
    service_ticket_cancel,
    service_ticket_complete,
    service_ticket_resume,
    service_ticket_schedule,
    service_ticket_start,
    service_ticket_wait,
)
from apps.tickets.transitions import WorkflowError
from tests.factories import FacilityFactory, LocationFactory, ScheduledEventFactory, ServiceTicketFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(mcr, alex, sam):
    return ServiceTicketFactory(facility=mcr, requested_by=alex, assignee=sam)


@pytest.fixture
def window(mcr):
    return ScheduledEventFactory(
        title="Transmitter maintenance", kind=EventKind.MAINTENANCE, facility=mcr, status=EventStatus.CONFIRMED
    )


def test_the_whole_way_through_with_history(ticket, window, lead, sam):
    service_ticket_schedule(ticket=ticket, event=window, by=lead)
    assert (ticket.status, ticket.scheduled_event) == (ServiceStatus.SCHEDULED, window)
    service_ticket_start(ticket=ticket, by=sam)
    service_ticket_wait(ticket=ticket, by=sam, reason="Spare fan on order")
    assert ticket.notes.get().text == "Waiting: Spare fan on order"
    service_ticket_resume(ticket=ticket, by=sam)
    service_ticket_complete(ticket=ticket, by=sam)

    ticket.refresh_from_db()
    assert ticket.status == ServiceStatus.DONE
    assert [record.history_change_reason for record in ticket.history.order_by("history_id")][1:] == [
        f"Scheduled in “{window}”",
        "Work started",
        "Waiting: Spare fan on order",
        "Work resumed",
        "Done",
    ]


@pytest.mark.parametrize("status", ServiceStatus.values)
@pytest.mark.parametrize("name", ["start", "wait", "resume", "complete", "cancel"])
def test_each_step_from_each_status(name, status, ticket, lead):
    ticket.status = status
    ticket.save()
    steps = {
        "start": service_ticket_start,
        "wait": service_ticket_wait,
        "resume": service_ticket_resume,
        "complete": service_ticket_complete,
        "cancel": service_ticket_cancel,
    }
    transition = SERVICE_TRANSITIONS[name]

    if status in transition.sources:
        steps[name](ticket=ticket, by=lead)
        ticket.refresh_from_db()
        assert ticket.status == transition.target
    else:
        with pytest.raises(WorkflowError, match=f"is “{ServiceStatus(status).label}”: only a ticket that is"):
            steps[name](ticket=ticket, by=lead)
        ticket.refresh_from_db()
        assert ticket.status == status


def test_the_window_must_be_a_live_maintenance_window_at_the_tickets_location(ticket, lead, mcr):
    broadcast = ScheduledEventFactory(title="News", kind=EventKind.LIVE_BROADCAST, facility=mcr)
    cancelled = ScheduledEventFactory(
        title="Old window", kind=EventKind.MAINTENANCE, facility=mcr, status=EventStatus.CANCELLED
    )
    elsewhere = ScheduledEventFactory(
        title="Far window", kind=EventKind.MAINTENANCE, facility=FacilityFactory(location=LocationFactory(code="FAR"))
    )

    with pytest.raises(WorkflowError, match="is a live broadcast, not a maintenance window"):
        service_ticket_schedule(ticket=ticket, event=broadcast, by=lead)
    with pytest.raises(WorkflowError, match="is cancelled"):
        service_ticket_schedule(ticket=ticket, event=cancelled, by=lead)
    with pytest.raises(WorkflowError, match="not at London HQ"):
        service_ticket_schedule(ticket=ticket, event=elsewhere, by=lead)
    with pytest.raises(WorkflowError, match="Pick the maintenance window"):
        service_ticket_schedule(ticket=ticket, event=None, by=lead)
    ticket.refresh_from_db()
    assert (ticket.status, ticket.scheduled_event) == (ServiceStatus.OPEN, None)


def test_the_assignee_works_the_ticket_but_only_a_supervisor_cancels_or_assigns(ticket, lead, sam, alex):
    assert [t.name for t in service_ticket_allowed_transitions(ticket=ticket, by=sam)] == ["schedule", "start"]
    with pytest.raises(WorkflowError, match="Only a supervisor of London HQ .* can cancel"):
        service_ticket_cancel(ticket=ticket, by=sam)
    with pytest.raises(WorkflowError, match="Only a supervisor of London HQ .* can assign"):
        service_ticket_assign(ticket=ticket, assignee=alex, by=sam)
    with pytest.raises(WorkflowError, match="assignee or a supervisor"):
        service_ticket_start(ticket=ticket, by=alex)

    service_ticket_assign(ticket=ticket, assignee=alex, by=lead)
    service_ticket_cancel(ticket=ticket, by=lead, reason="Duplicate request")

    ticket.refresh_from_db()
    assert (ticket.assignee, ticket.status) == (alex, ServiceStatus.CANCELLED)
    assert ticket.notes.get().text == "Cancelled: Duplicate request"
