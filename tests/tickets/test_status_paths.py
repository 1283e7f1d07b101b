"""A ticket's status moves only through its workflow, on every path: the change form, the import, the service.

The change form has no Status field (nor the stamps the workflow sets): what a POST says of them is ignored and
the rest of the form is saved. An import's Status column is accepted only where it says what the ticket already
is; one that would change a status is refused, row by row, saying where to do it: the list's actions.
"""

import csv
import html
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from apps.core.actors import system_user
from apps.dataio.models import ImportJob
from apps.tickets.choices import IncidentStatus, ServiceStatus
from apps.tickets.models import IncidentTicket, ServiceTicket
from apps.tickets.services import incident_create, incident_update, service_ticket_create, service_ticket_update
from tests.tickets.html_forms import form_data

pytestmark = pytest.mark.django_db

INCIDENT_STATUS_REFUSED = (
    "Status changes only through the incident workflow: select the incidents in the incident list and pick the "
    "step among its actions (Acknowledge, Start work, Resolve…, Close…), or take it on the incident's page."
)
SERVICE_STATUS_REFUSED = (
    "Status changes only through the service ticket workflow: select the tickets in the service ticket list and "
    "pick the step among its actions (Schedule…, Start work, Complete, Cancel…), or take it on the ticket's page."
)
WORKFLOW_STAMPS = ("acknowledged_at", "resolved_at", "closed_at", "on_hold_since")


@pytest.fixture
def incident(outage, mcr, alex, an_hour_ago):
    return incident_create(
        title="Encoder down",
        incident_type=outage,
        facility=mcr,
        reporter=alex,
        occurred_at=an_hour_ago,
        by=system_user(),
    )


@pytest.fixture
def service_ticket(mcr, alex):
    return service_ticket_create(title="Replace lamp", facility=mcr, requested_by=alex, by=system_user())


def change_url(ticket) -> str:
    return reverse(f"admin:tickets_{ticket._meta.model_name}_change", args=[ticket.pk])


def csv_upload(headers, *rows, name="tickets.csv") -> SimpleUploadedFile:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode(), content_type="text/csv")


def preview(client, model: str, upload):
    response = client.post(reverse(f"admin:tickets_{model}_import"), {"import_file": upload})
    assert response.status_code == 200
    return response, ImportJob.objects.filter(dry_run=True).latest("created_at")


def confirm(client, model: str, job: ImportJob):
    return client.post(reverse(f"admin:tickets_{model}_process_import"), {"job": str(job.uid)}, follow=True)


def page(response) -> str:
    return html.unescape(response.content.decode())


# --- the change forms ---------------------------------------------------------------------------------------------


def test_the_incident_change_form_saves_its_fields_and_ignores_a_posted_status(lead_client, incident):
    form = form_data(lead_client.get(change_url(incident)), "incidentticket_form")
    assert "status" not in form and not set(WORKFLOW_STAMPS) & set(form)  # not fields of the form at all

    moment = timezone.now().strftime("%Y-%m-%d %H:%M")
    forged = {"status": IncidentStatus.CLOSED, **dict.fromkeys(WORKFLOW_STAMPS, moment)}
    response = lead_client.post(change_url(incident), form | {"title": "Encoder and mux down"} | forged)

    assert response.status_code == 302
    incident.refresh_from_db()
    assert (incident.title, incident.status) == ("Encoder and mux down", IncidentStatus.NEW)
    assert [getattr(incident, stamp) for stamp in WORKFLOW_STAMPS] == [None] * len(WORKFLOW_STAMPS)
    assert {row.status for row in incident.history.all()} == {IncidentStatus.NEW}


def test_the_service_ticket_change_form_saves_its_fields_and_ignores_a_posted_status(lead_client, service_ticket):
    form = form_data(lead_client.get(change_url(service_ticket)), "serviceticket_form")
    assert "status" not in form

    response = lead_client.post(
        change_url(service_ticket), form | {"title": "Replace both lamps", "status": ServiceStatus.DONE}
    )

    assert response.status_code == 302
    service_ticket.refresh_from_db()
    assert (service_ticket.title, service_ticket.status) == ("Replace both lamps", ServiceStatus.OPEN)


# --- the import: a Status column that would move a ticket is refused, in the preview and at confirm ----------------


@pytest.mark.parametrize(
    "kind, new_status, refused",
    [
        ("incident", "Resolved", INCIDENT_STATUS_REFUSED),
        ("service_ticket", "Done", SERVICE_STATUS_REFUSED),
    ],
)
def test_an_imported_status_change_is_refused_saying_where_to_make_it(request, lead_client, kind, new_status, refused):
    ticket = request.getfixturevalue(kind)
    model, status_before = ticket._meta.model_name, ticket.status
    upload = csv_upload(["Reference", "Title", "Status"], [ticket.reference, "Renamed by the file", new_status])

    response, job = preview(lead_client, model, upload)

    assert job.row_errors == [{"row": 2, "column": "Status", "message": refused}]
    assert refused in page(response)
    assert response.context["confirm_url"] is None  # no Confirm button

    confirmed = confirm(lead_client, model, job)
    assert "Only a preview without errors can be imported; fix the file and upload it again." in page(confirmed)
    ticket.refresh_from_db()
    assert (ticket.status, ticket.history.count()) == (status_before, 1)
    assert ticket.title != "Renamed by the file"
    assert not ImportJob.objects.filter(dry_run=False).exists()


@pytest.mark.parametrize("kind, status", [("incident", "New"), ("service_ticket", "open")])
def test_a_status_column_that_says_what_the_ticket_is_imports_the_rest(request, lead_client, supervisor, kind, status):
    """An export of the list, edited and imported back: the Status column restates the status and is accepted."""
    ticket = request.getfixturevalue(kind)
    model = ticket._meta.model_name
    upload = csv_upload(["Reference", "Title", "Status"], [ticket.reference, "Renamed by the file", status])

    response, job = preview(lead_client, model, upload)
    assert job.row_errors == [] and response.context["job_summary"]["updated"] == 1

    confirmed = confirm(lead_client, model, job)
    assert "Imported tickets.csv: 0 new, 1 updated, 0 unchanged." in page(confirmed)
    ticket.refresh_from_db()
    assert (ticket.title, ticket.get_status_display().casefold()) == ("Renamed by the file", status.casefold())
    record = ticket.history.first()
    assert record.history_user == supervisor
    assert record.history_change_reason.startswith("Import job ")


def test_the_services_refuse_a_status_with_the_same_sentence(incident, service_ticket, supervisor):
    with pytest.raises(ValidationError) as error:
        incident_update(incident=incident, status=IncidentStatus.RESOLVED, by=supervisor)
    assert error.value.message_dict == {"status": [INCIDENT_STATUS_REFUSED]}
    with pytest.raises(ValidationError) as error:
        service_ticket_update(ticket=service_ticket, status=ServiceStatus.DONE, by=supervisor)
    assert error.value.message_dict == {"status": [SERVICE_STATUS_REFUSED]}
    assert IncidentTicket.objects.get().status == IncidentStatus.NEW
    assert ServiceTicket.objects.get().status == ServiceStatus.OPEN
