"""An imported incident is told of exactly as one logged in the form: the same e-mails, once per row, after the
import's write, and none from a preview or a failed import."""

import csv
import io
import re
from datetime import timedelta

import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from apps.core.actors import system_user
from apps.dataio.models import ImportJob
from apps.dataio.services import import_dataset
from apps.notifications.models import OutboundEmail
from apps.tickets.choices import Severity
from apps.tickets.models import IncidentTicket
from apps.tickets.resources import IncidentTicketResource
from apps.tickets.services import incident_create
from tests.tickets.html_forms import form_data

pytestmark = pytest.mark.django_db

INCIDENT_ADD = reverse("admin:tickets_incidentticket_add")
IMPORT = reverse("admin:tickets_incidentticket_import")
CONFIRM = reverse("admin:tickets_incidentticket_process_import")
HEADERS = ["Title", "Incident Type", "Facility", "Severity", "Reporter", "Assignee", "Occurred"]


def emails_about(incident) -> dict[str, tuple]:
    """The messages queued about `incident`, by event, with its own reference and address made neutral."""
    emails = {}
    for email in OutboundEmail.objects.filter(idempotency_key__startswith=f"incident:{incident.pk}:"):
        event = email.idempotency_key.split(":")[2]

        def neutral(text: str) -> str:
            text = text.replace(incident.reference, "INC-…")
            return re.sub(rf"/incidentticket/{incident.pk}/", "/incidentticket/…/", text)

        emails[event] = (sorted(email.recipients), neutral(email.subject), neutral(email.body))
    return emails


def csv_file(*rows, headers=HEADERS) -> SimpleUploadedFile:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return SimpleUploadedFile("incidents.csv", buffer.getvalue().encode(), content_type="text/csv")


def test_an_imported_sev1_queues_the_same_emails_as_one_logged_in_the_form(
    lead_client, lead, supervisor, outage, mcr, alex, sam
):
    occurred = timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=10)
    form = form_data(lead_client.get(INCIDENT_ADD), "incidentticket_form")
    response = lead_client.post(
        INCIDENT_ADD,
        form
        | {
            "title": "Transmitter off air",
            "incident_type": outage.pk,
            "facility": mcr.pk,
            "severity": Severity.SEV1,
            "reporter": alex.pk,
            "assignee": sam.pk,
            "occurred_at_0": f"{occurred:%Y-%m-%d}",
            "occurred_at_1": f"{occurred:%H:%M}",
        },
    )
    assert response.status_code == 302
    logged = IncidentTicket.objects.get()
    from_the_form = emails_about(logged)

    row = ["Transmitter off air", "outage", "LON-MCR1", "SEV1", alex.employee_id, sam.employee_id, occurred.isoformat()]
    preview = lead_client.post(IMPORT, {"import_file": csv_file(row)})
    assert preview.status_code == 200 and preview.context["job_summary"]["new"] == 1
    assert OutboundEmail.objects.count() == 2, "a preview tells nobody"
    job = ImportJob.objects.get(dry_run=True)
    assert lead_client.post(CONFIRM, {"job": str(job.uid)}).status_code == 302

    imported = IncidentTicket.objects.exclude(pk=logged.pk).get()
    assert emails_about(imported) == from_the_form
    assert set(from_the_form) == {"severe", "assigned"}
    recipients, subject, body = from_the_form["severe"]
    assert recipients == sorted([lead.email, supervisor.email])
    assert subject == "[SEV1] INC-… at Master control 1 (LON-MCR1): Transmitter off air"
    assert from_the_form["assigned"][0] == [sam.email]
    assert body.startswith("A SEV1 incident needs attention.")


@pytest.fixture
def run(supervisor):
    def run(*rows, headers=HEADERS, dry_run=False):
        dataset = tablib.Dataset(*rows, headers=headers)
        return import_dataset(
            resource_class=IncidentTicketResource, dataset=dataset, by=supervisor, dry_run=dry_run, reason="Test"
        )

    return run


def test_each_row_written_is_told_once_and_a_reimport_tells_nobody_again(run, lead, outage, mcr, alex, sam):
    rows = [
        ["Audio loss", "outage", "LON-MCR1", "SEV1", alex.employee_id, "", "2025-07-01 06:00"],
        ["Video loss", "outage", "LON-MCR1", "SEV2", alex.employee_id, sam.employee_id, "2025-07-01 06:05"],
        ["Caption drift", "outage", "LON-MCR1", "SEV4", alex.employee_id, "", "2025-07-01 06:10"],
    ]
    assert run(*rows, dry_run=True).errors == [] and not OutboundEmail.objects.exists()

    assert run(*rows).errors == []
    audio, video, caption = (
        IncidentTicket.objects.get(title=title) for title in ("Audio loss", "Video loss", "Caption drift")
    )
    assert set(emails_about(audio)) == {"severe"}
    assert set(emails_about(video)) == {"severe", "assigned"}
    assert emails_about(caption) == {}

    exported = IncidentTicketResource().export(IncidentTicket.objects.all())
    again = tablib.Dataset().load(exported.csv, format="csv")
    assert run(*again, headers=again.headers).unchanged == 3
    assert OutboundEmail.objects.count() == 3


def test_an_imported_rise_to_sev2_and_a_new_assignee_are_told_as_the_service_tells_them(
    run, lead, supervisor, outage, mcr, alex, sam
):
    incident = incident_create(
        title="Hum on line 2",
        incident_type=outage,
        facility=mcr,
        reporter=alex,
        occurred_at=timezone.now() - timedelta(hours=1),
        by=system_user(),
    )
    assert not OutboundEmail.objects.exists()  # SEV3, nobody assigned: nobody to tell

    outcome = run([incident.reference, "SEV2", sam.employee_id], headers=["Reference", "Severity", "Assignee"])

    assert outcome.errors == [] and outcome.updated == 1
    told = emails_about(incident)
    assert set(told) == {"severe", "assigned"}
    assert told["assigned"][2].startswith(f"{supervisor.get_full_name()} assigned you INC-….")


def test_a_failed_import_tells_nobody(run, lead, outage, mcr, alex):
    outcome = run(
        ["Audio loss", "outage", "LON-MCR1", "SEV1", alex.employee_id, "", "2025-07-01 06:00"],
        ["Ghost", "outage", "NOWHERE", "SEV1", alex.employee_id, "", "2025-07-01 06:00"],
    )
    assert [str(error) for error in outcome.errors] == ["Row 3, Facility: No facility with code “NOWHERE”."]
    assert not IncidentTicket.objects.exists() and not OutboundEmail.objects.exists()
