"""Service-ticket steps in the console: in bulk from the list and on a ticket's page."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.core.actors import system_user
from apps.scheduling.choices import EventKind, EventStatus
from apps.tickets.choices import ServiceStatus
from apps.tickets.models import ServiceTicket
from apps.tickets.services import service_ticket_create
from tests.factories import FacilityFactory, ScheduledEventFactory
from tests.tickets.admin_steps import FORM, SERVICE_TICKETS, detail_url, messages_of, offered_steps, run_bulk
from tests.tickets.html_forms import form_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("roles")]


# --- service tickets -------------------------------------------------------------------------------------------------


@pytest.fixture
def make_service(mcr, alex):
    def build(status=ServiceStatus.OPEN, **fields):
        ticket = service_ticket_create(title=f"Lamp ({status})", facility=mcr, requested_by=alex, by=system_user())
        ServiceTicket.objects.filter(pk=ticket.pk).update(status=status, **fields)
        ticket.refresh_from_db()
        return ticket

    return build


@pytest.fixture
def window(mcr):
    start = timezone.now() + timedelta(days=1)
    return ScheduledEventFactory(
        title="Night maintenance",
        kind=EventKind.MAINTENANCE,
        status=EventStatus.CONFIRMED,
        facility=mcr,
        starts_at=start,
        ends_at=start + timedelta(hours=4),
    )


@pytest.mark.parametrize(
    ("action", "fields", "before", "after", "refused", "reported"),
    [
        ("schedule", {"scheduled_event": "window"}, "open", "scheduled", "done", "Scheduled 1 ticket in “Night "),
        ("start", {}, "scheduled", "in_progress", "done", "Started work on 1 ticket: SRV-000001."),
        ("wait", {"reason": "Parts"}, "in_progress", "waiting", "open", "Set 1 ticket waiting: SRV-000001."),
        ("resume", {}, "waiting", "in_progress", "open", "Resumed work on 1 ticket: SRV-000001."),
        ("complete", {}, "in_progress", "done", "open", "Completed 1 ticket: SRV-000001."),
        ("cancel", {"reason": "Not needed"}, "open", "cancelled", "done", "Cancelled 1 ticket: SRV-000001."),
        ("assign_to_me", {}, "open", "open", "done", "Assigned 1 ticket to you: SRV-000001."),
        ("assign_to", {"assignee": "alex"}, "waiting", "waiting", "cancelled", "Assigned 1 ticket to Alex Doe:"),
        ("add_note", {"text": "Lamp ordered"}, "done", "done", None, "Added a note to 2 tickets:"),
    ],
)
def test_every_service_ticket_step_runs_in_bulk_and_skips_the_tickets_it_cannot_take(
    lead_client, make_service, window, alex, action, fields, before, after, refused, reported
):
    done, other = make_service(before), make_service(refused or before)
    values = {"window": window.pk, "alex": alex.pk}

    fields = {name: values.get(value, value) for name, value in fields.items()}
    response = run_bulk(lead_client, SERVICE_TICKETS, action, [done, other], **fields)

    assert response.status_code == 302, response.content.decode()[:2000]
    shown = messages_of(lead_client)
    assert shown[0].startswith(reported)
    assert shown[1:] == ([] if refused is None else [shown[1]])
    if refused:
        assert shown[1].startswith("SRV-000002 skipped: ")
        assert ServiceTicket.objects.get(pk=other.pk).status == refused
    done.refresh_from_db()
    assert done.status == after


def test_a_service_ticket_is_scheduled_from_its_page_in_a_window_of_its_location(
    lead_client, make_service, window, london_hq
):
    ticket = make_service()
    ScheduledEventFactory(title="Evening news", kind=EventKind.LIVE_BROADCAST, facility=window.facility)
    ScheduledEventFactory(title="Called off", kind=EventKind.MAINTENANCE, status="cancelled", facility=window.facility)
    ScheduledEventFactory(title="Elsewhere", kind=EventKind.MAINTENANCE, facility=FacilityFactory())
    assert offered_steps(lead_client, ticket, ["schedule", "start", "wait", "complete", "cancel", "add_note"]) == {
        "schedule", "start", "cancel", "add_note"
    }  # fmt: skip

    page = lead_client.get(detail_url(ticket, "schedule"))
    html = page.content.decode()
    assert "Night maintenance" in html
    assert "Evening news" not in html and "Called off" not in html and "Elsewhere" not in html

    response = lead_client.post(detail_url(ticket, "schedule"), form_data(page, FORM) | {"scheduled_event": window.pk})

    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.status, ticket.scheduled_event) == (ServiceStatus.SCHEDULED, window)
    assert messages_of(lead_client)[0].startswith("Scheduled SRV-000001 in “Night maintenance”.")


def test_setting_a_service_ticket_waiting_keeps_the_reason_in_its_notes(lead_client, make_service):
    ticket = make_service(ServiceStatus.IN_PROGRESS)
    page = lead_client.get(detail_url(ticket, "wait"))
    lead_client.post(detail_url(ticket, "wait"), form_data(page, FORM) | {"reason": "Waiting for the supplier"})

    ticket.refresh_from_db()
    assert ticket.status == ServiceStatus.WAITING
    assert list(ticket.notes.values_list("text", flat=True)) == ["Waiting: Waiting for the supplier"]
