"""Tickets through the API: the same services, sentences, history and e-mails as the console."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.api.permissions import refusal
from apps.notifications.models import OutboundEmail
from apps.tickets.choices import IncidentStatus, Severity
from apps.tickets.models import IncidentTicket, ServiceTicket
from apps.tickets.workflow import incident_acknowledge, incident_assign, incident_resolve
from tests import factories as f
from tests.tickets.admin_steps import INCIDENTS, messages_of, run_bulk

from .conftest import signed_in

pytestmark = pytest.mark.django_db


def report(client, world, **fields):
    occurred = (timezone.now() - timedelta(minutes=20)).replace(microsecond=0)
    body = {
        "title": "Playout server down",
        "incident_type": world.incident_type.pk,
        "facility": world.facility_a.pk,
        "occurred_at": occurred.isoformat(),
        **fields,
    }
    return client.post("/api/incident-tickets/", body, content_type="application/json")


def test_staff_report_an_incident_and_the_supervisors_hear_of_a_sev1(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = report(signed_in(world.staff), world, severity=Severity.SEV1)
    assert response.status_code == 201, response.content
    body = response.json()
    incident = IncidentTicket.objects.get(pk=body["id"])
    assert body["reference"] == incident.reference and body["reference"].startswith("INC-")
    assert (body["reporter"], body["status"], body["severity"]) == (world.staff.pk, "new", "SEV1")
    assert body["response_due_at"].endswith("Z")
    created = incident.history.get()
    assert created.history_change_reason == "API: POST /api/incident-tickets/; Reported"
    assert created.history_user == world.staff and created.request_id == response["X-Request-ID"]
    alert = OutboundEmail.objects.get(idempotency_key=f"incident:{incident.pk}:severe:SEV1")
    assert alert.recipients == [world.supervisor.email]
    assert alert.subject == f"[SEV1] {incident.reference} at {world.facility_a}: Playout server down"


def test_staff_report_for_themselves_only(world):
    response = report(signed_in(world.staff), world, reporter=world.person_a.pk)
    assert response.status_code == 403
    assert response.json() == {"detail": "You can only report incidents for yourself."}
    assert not IncidentTicket.objects.exists()
    # a supervisor reports for a person of their location
    assert report(signed_in(world.supervisor), world, reporter=world.person_a.pk).status_code == 201


def test_an_out_of_scope_facility_reads_like_an_unknown_one(world):
    inactive = f.LocationFactory(code="API-SHUT", is_active=False)
    hidden = f.FacilityFactory(location=inactive, code="API-SHUT-1")
    staff = signed_in(world.staff)
    assert report(staff, world, facility=hidden.pk).json() == {"facility": [f"No facility with id {hidden.pk}."]}
    assert report(staff, world, facility=987654).json() == {"facility": ["No facility with id 987654."]}


def test_a_status_is_a_workflow_step_and_a_refused_one_gives_the_workflows_sentence(world):
    incident = f.IncidentTicketFactory(
        facility=world.facility_a, reporter=world.person_a, incident_type=world.incident_type
    )
    incident_assign(incident=incident, assignee=world.staff, by=world.supervisor)
    staff = signed_in(world.staff)
    path = f"/api/incident-tickets/{incident.pk}/"

    started = staff.patch(path, {"status": "in_progress"}, content_type="application/json")
    assert started.status_code == 200 and started.json()["status"] == "in_progress"
    unexplained = staff.patch(path, {"status": "resolved"}, content_type="application/json")
    assert unexplained.status_code == 400
    assert unexplained.json() == {"resolution": ["Say how it was resolved: a resolution is required."]}
    resolved = staff.patch(
        path,
        {"status": "resolved", "resolution": "Restarted the encoder.", "off_air_minutes": 3},
        content_type="application/json",
    )
    assert resolved.status_code == 200, resolved.content
    assert (resolved.json()["status"], resolved.json()["off_air_seconds"]) == ("resolved", 180)
    history = incident.history.order_by("-history_date").first()
    assert history.history_change_reason == f"API: PATCH {path}; Resolved"

    closing = staff.patch(path, {"status": "closed"}, content_type="application/json")
    assert closing.status_code == 400
    sentence = closing.json()["non_field_errors"][0]
    assert sentence == f"Only a supervisor of {world.a} can close {incident.reference}."


def test_the_same_refusal_as_the_consoles_for_closing_an_open_ticket(world):
    incident = f.IncidentTicketFactory(facility=world.facility_a, reporter=world.person_a)
    console = signed_in(world.supervisor)
    run_bulk(console, INCIDENTS, "close", [incident])
    console_says = " ".join(messages_of(console))
    api = signed_in(world.supervisor).patch(
        f"/api/incident-tickets/{incident.pk}/", {"status": "closed"}, content_type="application/json"
    )
    assert api.status_code == 400
    sentence = api.json()["non_field_errors"][0]
    assert sentence == f"{incident.reference} is “New”: only a ticket that is “Resolved” can be closed."
    assert sentence in console_says


def test_a_closed_ticket_is_read_only_until_reopened(world):
    incident = f.IncidentTicketFactory(
        facility=world.facility_a, reporter=world.person_a, incident_type=world.incident_type
    )
    incident_acknowledge(incident=incident, by=world.supervisor)
    incident_resolve(incident=incident, resolution="Fixed.", by=world.supervisor)
    supervisor = signed_in(world.supervisor)
    path = f"/api/incident-tickets/{incident.pk}/"
    assert supervisor.patch(path, {"status": "closed"}, content_type="application/json").status_code == 200
    edit = supervisor.patch(path, {"title": "Renamed"}, content_type="application/json")
    assert edit.status_code == 400
    assert edit.json() == {"non_field_errors": [f"{incident.reference} is closed; reopen it to change it."]}
    reopened = supervisor.patch(
        path, {"status": "in_progress", "reason": "It came back."}, content_type="application/json"
    )
    assert reopened.status_code == 200 and reopened.json()["status"] == IncidentStatus.IN_PROGRESS


def test_staff_do_not_edit_an_incidents_details(world):
    incident = f.IncidentTicketFactory(facility=world.facility_a, reporter=world.staff)
    response = signed_in(world.staff).patch(
        f"/api/incident-tickets/{incident.pk}/", {"title": "Mine"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert "may not edit incidents" in response.json()["detail"]


def test_assigning_and_the_severity_are_the_supervisors_steps(world):
    incident = f.IncidentTicketFactory(
        facility=world.facility_a, reporter=world.person_a, incident_type=world.incident_type
    )
    supervisor = signed_in(world.supervisor)
    path = f"/api/incident-tickets/{incident.pk}/"
    assigned = supervisor.patch(
        path, {"assignee": world.person_a.pk, "severity": "SEV2"}, content_type="application/json"
    )
    assert assigned.status_code == 200, assigned.content
    assert (assigned.json()["assignee"], assigned.json()["status"], assigned.json()["severity"]) == (
        world.person_a.pk,
        "triaged",
        "SEV2",
    )
    out_of_scope = supervisor.patch(path, {"assignee": world.person_b.pk}, content_type="application/json")
    assert out_of_scope.json() == {"assignee": [f"No person with id {world.person_b.pk}."]}


def test_a_stale_if_match_on_a_ticket_changes_nothing(world):
    incident = f.IncidentTicketFactory(facility=world.facility_a, reporter=world.person_a)
    supervisor = signed_in(world.supervisor)
    path = f"/api/incident-tickets/{incident.pk}/"
    tag = supervisor.get(path)["ETag"]
    assert supervisor.patch(path, {"status": "triaged"}, content_type="application/json").status_code == 200
    stale = supervisor.patch(path, {"title": "Overwrite"}, content_type="application/json", headers={"If-Match": tag})
    assert stale.status_code == 412
    incident.refresh_from_db()
    assert incident.title != "Overwrite"


def test_service_tickets_are_requested_by_supervisors_and_move_through_their_workflow(world):
    supervisor = signed_in(world.supervisor)
    created = supervisor.post(
        "/api/service-tickets/",
        {"title": "Replace UPS battery", "facility": world.facility_a.pk, "category": "maintenance"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    ticket = ServiceTicket.objects.get(pk=created.json()["id"])
    assert ticket.history.get().history_change_reason == "API: POST /api/service-tickets/; Requested"
    path = f"/api/service-tickets/{ticket.pk}/"
    assert (
        supervisor.patch(path, {"status": "in_progress"}, content_type="application/json").json()["status"]
        == "in_progress"
    )
    waiting = supervisor.patch(path, {"status": "waiting", "reason": "Parts"}, content_type="application/json")
    assert waiting.json()["status"] == "waiting"
    done = supervisor.patch(path, {"status": "done"}, content_type="application/json")
    assert done.json()["status"] == "done"
    again = supervisor.patch(path, {"status": "cancelled"}, content_type="application/json")
    assert again.status_code == 400
    staff = signed_in(world.staff).post(
        "/api/service-tickets/", {"title": "X", "facility": world.facility_a.pk}, content_type="application/json"
    )
    assert staff.status_code == 403 and staff.json() == {"detail": refusal("service-tickets", "create")}
