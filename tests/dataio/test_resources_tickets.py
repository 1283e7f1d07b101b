"""Incident type, incident and service ticket spreadsheets: codes and references as keys, the tickets services' rules
(references from the counter, SLA due times, workflow fields refused), location scope, history."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from apps.core.actors import system_user
from apps.dataio.models import ImportJob
from apps.dataio.services import import_dataset
from apps.tickets.choices import IncidentStatus, ServiceCategory, ServicePriority, ServiceStatus, Severity
from apps.tickets.models import IncidentTicket, IncidentType, ServiceTicket
from apps.tickets.resources import IncidentTicketResource, IncidentTypeResource, ServiceTicketResource
from apps.tickets.services import incident_create, service_ticket_create
from apps.timesheets.models import TimeEntry
from apps.timesheets.resources import TimeEntryResource
from tests.factories import FacilityFactory, IncidentTypeFactory, LocationFactory, UserFactory

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
OCCURRED = datetime(2025, 7, 1, 6, 0, tzinfo=LONDON)  # British summer time: 05:00 UTC
INCIDENT_HEADERS = [
    "Reference",
    "Title",
    "Description",
    "Incident Type",
    "Facility",
    "Severity",
    "Status",
    "Reporter",
    "Assignee",
    "Occurred",
    "Off Air Seconds",
    "Resolution",
    "Response Due",
    "Resolve Due",
]
SERVICE_HEADERS = [
    "Reference",
    "Title",
    "Description",
    "Facility",
    "Category",
    "Priority",
    "Status",
    "Requested By",
    "Assignee",
    "Due On",
]


def run(resource_class, *rows, headers, user):
    dataset = tablib.Dataset(*rows, headers=headers)
    return import_dataset(resource_class=resource_class, dataset=dataset, by=user, dry_run=False, reason="Test")


def reimport(resource_class, queryset, user):
    exported = resource_class().export(queryset)
    dataset = tablib.Dataset().load(exported.csv, format="csv")
    return import_dataset(resource_class=resource_class, dataset=dataset, by=user, dry_run=False, reason="Test")


def counts(outcome):
    return outcome.new, outcome.updated, outcome.unchanged, [str(error) for error in outcome.errors]


@pytest.fixture
def outage(db):
    """Respond within 30 min and resolve within 4 h, at SEV3."""
    return IncidentTypeFactory(code="outage", name="Outage", response_sla_minutes=30, resolve_sla_minutes=240)


@pytest.fixture
def paris_studio(db):
    return FacilityFactory(code="PAR-STU", location=LocationFactory(code="PAR", name="Paris", timezone="Europe/Paris"))


@pytest.fixture
def reported(outage, mcr, alex, root):
    return incident_create(
        title="Encoder down", incident_type=outage, facility=mcr, reporter=alex, occurred_at=OCCURRED, by=root
    )


# --- incident types ----------------------------------------------------------------------------------------------


def test_incident_types_reimport_of_an_export_changes_nothing(outage, root):
    IncidentTypeFactory(code="fire", name="Fire", default_severity=Severity.SEV1, is_active=False)
    before = IncidentType.history.count()
    exported = IncidentTypeResource().export(IncidentType.objects.filter(code="outage"))
    assert exported[0] == ("outage", "Outage", "SEV3 — minor", "30", "240", "yes")
    assert counts(reimport(IncidentTypeResource, IncidentType.objects.all(), root)) == (0, 0, 2, [])
    assert IncidentType.history.count() == before


def test_incident_types_are_created_and_updated_with_labels_in_any_case(outage, root):
    outcome = run(
        IncidentTypeResource,
        ["power", "Power failure", "sev1", "5", "60", "yes"],
        ["OUTAGE", "Outage (any)", "SEV2 — MAJOR", "1,440", "2880.0", "Yes"],
        headers=["code", "name", "default severity", "Response SLA Minutes", "Resolve SLA Minutes", "active"],
        user=root,
    )
    assert counts(outcome) == (1, 1, 0, [])
    power = IncidentType.objects.get(code="power")
    assert (power.default_severity, power.response_sla_minutes, power.resolve_sla_minutes) == (Severity.SEV1, 5, 60)
    outage.refresh_from_db()
    assert (outage.name, outage.default_severity, outage.response_sla_minutes) == ("Outage (any)", Severity.SEV2, 1440)
    assert power.history.get().history_user == root and outage.history.first().history_change_reason == "Test"


def test_an_incident_type_is_updated_in_the_columns_present_only(outage, root):
    assert counts(run(IncidentTypeResource, ["outage", "no"], headers=["Code", "Active"], user=root)) == (0, 1, 0, [])
    outage.refresh_from_db()
    assert (outage.is_active, outage.name, outage.resolve_sla_minutes) == (False, "Outage", 240)


def test_a_bad_incident_type_row_names_row_column_and_reason(root):
    outcome = run(
        IncidentTypeResource,
        ["power", "Power failure", "SEV1", "5", "60", "yes"],
        ["slow", "Slow", "SEV3", "60", "30", "yes"],
        ["odd", "Odd", "SEV5", "ten", "1.5", "yes"],
        headers=["Code", "Name", "Default Severity", "Response SLA Minutes", "Resolve SLA Minutes", "Active"],
        user=root,
    )
    assert [str(error) for error in outcome.errors] == [
        "Row 3: SLA minutes must be positive, and resolving cannot be due before responding.",
        "Row 4, Default Severity: “SEV5” is not one of: SEV1 — off air / critical, SEV2 — major, SEV3 — minor, "
        "SEV4 — cosmetic.",
        "Row 4, Response SLA Minutes: “ten” is not a whole number.",
        "Row 4, Resolve SLA Minutes: “1.5” is not a whole number.",
    ]
    assert not IncidentType.objects.exists()


# --- incidents ---------------------------------------------------------------------------------------------------


def test_incidents_reimport_of_an_export_changes_nothing(reported, outage, mcr, sam, root):
    before = IncidentTicket.history.count()
    exported = IncidentTicketResource().export(IncidentTicket.objects.all())
    assert exported.headers == INCIDENT_HEADERS
    assert exported[0] == (
        reported.reference,
        "Encoder down",
        "",
        "outage",
        "LON-MCR1",
        "SEV3 — minor",
        "New",
        "E10001",
        "",
        "2025-07-01 06:00",
        "0",
        "",
        "2025-07-01 06:30",
        "2025-07-01 10:00",
    )
    assert counts(reimport(IncidentTicketResource, IncidentTicket.objects.all(), root)) == (0, 0, 1, [])
    assert IncidentTicket.history.count() == before


def test_rows_without_a_reference_open_incidents_numbered_by_the_counter_with_sla_due_times(
    reported, outage, mcr, alex, sam, root
):
    outcome = run(
        IncidentTicketResource,
        ["Audio loss", "outage", "lon-mcr1", "sev1", "e10002", "", "2025-07-01 06:00"],
        ["Caption drift", "OUTAGE", "LON-MCR1", "", "E10001", "e10002", "01/07/2025 07:30"],
        headers=["Title", "Incident Type", "Facility", "Severity", "Reporter", "Assignee", "Occurred"],
        user=root,
    )
    assert counts(outcome) == (2, 0, 0, [])
    number = int(reported.reference.split("-")[1])
    audio = IncidentTicket.objects.get(title="Audio loss")
    caption = IncidentTicket.objects.get(title="Caption drift")
    assert (audio.reference, caption.reference) == (f"INC-{number + 1:06d}", f"INC-{number + 2:06d}")
    # SEV1 is two steps above the type's SEV3: a quarter of its 30 and 240 minutes
    assert (audio.severity, audio.status, audio.reporter, audio.occurred_at) == (
        Severity.SEV1,
        IncidentStatus.NEW,
        sam,
        OCCURRED,
    )
    assert (audio.response_due_at, audio.resolve_due_at) == (
        OCCURRED + timedelta(minutes=7.5),
        OCCURRED + timedelta(minutes=60),
    )
    assert (caption.severity, caption.assignee) == (Severity.SEV3, sam)  # the type's default
    assert caption.resolve_due_at == OCCURRED + timedelta(minutes=90 + 240)
    record = audio.history.get()
    assert (record.history_type, record.history_user, record.history_change_reason) == ("+", root, "Test")


def test_an_incident_update_changes_the_columns_present_and_moves_the_sla(reported, sam, root):
    outcome = run(
        IncidentTicketResource,
        [reported.reference.lower(), "SEV1 — off air / critical", "E10002"],
        headers=["Reference", "Severity", "Assignee"],
        user=root,
    )
    assert counts(outcome) == (0, 1, 0, [])
    reported.refresh_from_db()
    assert (reported.severity, reported.assignee, reported.title) == (Severity.SEV1, sam, "Encoder down")
    assert (reported.response_due_at, reported.resolve_due_at) == (
        OCCURRED + timedelta(minutes=7.5),
        OCCURRED + timedelta(minutes=60),
    )
    record = reported.history.first()
    assert (record.history_type, record.history_user, record.history_change_reason) == ("~", root, "Test")


def test_bad_incident_rows_name_row_column_and_reason_and_nothing_is_written(reported, outage, mcr, root):
    closed = incident_create(
        title="Old fault",
        incident_type=outage,
        facility=mcr,
        reporter=reported.reporter,
        occurred_at=OCCURRED,
        by=system_user(),
    )
    IncidentTicket.objects.filter(pk=closed.pk).update(status=IncidentStatus.CLOSED)
    future = datetime.now(LONDON) + timedelta(days=2)
    outcome = run(
        IncidentTicketResource,
        ["", "New fault", "outage", "LON-MCR1", "", "E10001", "2025-07-01 06:00"],
        ["INC-999999", "Ghost", "outage", "LON-MCR1", "", "E10001", "2025-07-01 06:00"],
        [reported.reference, "Encoder down", "outage", "LON-MCR1", "Resolved", "E10001", "2025-07-01 06:00"],
        ["", "Later", "outage", "LON-MCR1", "", "E10001", future.strftime("%Y-%m-%d %H:%M")],
        ["", "Triaged already", "nope", "LON-MCR1", "Triaged", "E10001", "2025-07-01 06:00"],
        [closed.reference, "Old fault, again", "outage", "LON-MCR1", "Closed", "E10001", "2025-07-01 06:00"],
        headers=["Reference", "Title", "Incident Type", "Facility", "Status", "Reporter", "Occurred"],
        user=root,
    )
    assert [str(error) for error in outcome.errors] == [
        "Row 3, Reference: There is no incident ticket INC-999999. Leave “Reference” empty to open a new one: "
        "the portal gives it its reference.",
        "Row 4, Status: Status changes only through the incident workflow: select the incidents in the incident list "
        "and pick the step among its actions (Acknowledge, Start work, Resolve…, Close…), or take it on the "
        "incident's page.",
        "Row 5, Occurred: An incident cannot have occurred in the future.",
        "Row 6, Incident Type: No incident type with code “nope”.",
        f"Row 7: {closed.reference} is closed; reopen it to change it.",
    ]
    assert IncidentTicket.objects.count() == 2
    assert IncidentTicket.history.filter(history_change_reason="Test").count() == 0


def test_a_new_incident_starts_as_new(outage, mcr, alex, root):
    outcome = run(
        IncidentTicketResource,
        ["Fault", "outage", "LON-MCR1", "in progress", "E10001", "2025-07-01 06:00"],
        headers=["Title", "Incident Type", "Facility", "Status", "Reporter", "Occurred"],
        user=root,
    )
    assert [str(error) for error in outcome.errors] == [
        "Row 2, Status: A new incident starts as “New”; the ticket workflow changes its status after that."
    ]


def test_a_supervisor_cannot_import_incidents_at_another_location_even_as_the_reporter(
    outage, mcr, alex, supervisor, paris_studio
):
    """As in the incident form, whose facility choices are the supervisor's locations only."""
    supervisor.employee_id = "E90001"
    supervisor.save()
    outcome = run(
        IncidentTicketResource,
        ["Fault in London", "outage", "LON-MCR1", "E10001", "2025-07-01 06:00"],
        ["Fault in Paris", "outage", "PAR-STU", "E10001", "2025-07-01 07:00"],
        ["Fault in Paris", "outage", "PAR-STU", "E90001", "2025-07-01 07:00"],
        headers=["Title", "Incident Type", "Facility", "Reporter", "Occurred"],
        user=supervisor,
    )
    assert [str(error) for error in outcome.errors] == [
        "Row 3, Facility: No facility with code “PAR-STU”.",
        "Row 4, Facility: No facility with code “PAR-STU”.",
    ]
    assert not IncidentTicket.objects.exists()


# --- service tickets ---------------------------------------------------------------------------------------------


def test_service_tickets_reimport_of_an_export_changes_nothing(mcr, alex, root):
    ticket = service_ticket_create(
        title="Replace lens", facility=mcr, requested_by=alex, category=ServiceCategory.EQUIPMENT, by=root
    )
    before = ServiceTicket.history.count()
    exported = ServiceTicketResource().export(ServiceTicket.objects.all())
    assert exported.headers == SERVICE_HEADERS
    assert exported[0] == (
        ticket.reference,
        "Replace lens",
        "",
        "LON-MCR1",
        "Equipment",
        "Normal",
        "Open",
        "E10001",
        "",
        "",
    )
    assert counts(reimport(ServiceTicketResource, ServiceTicket.objects.all(), root)) == (0, 0, 1, [])
    assert ServiceTicket.history.count() == before


def test_service_tickets_are_opened_with_references_and_labels_in_any_case(mcr, alex, sam, root):
    outcome = run(
        ServiceTicketResource,
        ["", "Fix door", "lon-mcr1", "ACCESS", "urgent", "open", "e10001", "E10002", "31/07/2025"],
        ["", "New laptop", "LON-MCR1", "it", "", "", "E10002", "", ""],
        headers=[
            "Reference",
            "Title",
            "Facility",
            "Category",
            "Priority",
            "Status",
            "Requested By",
            "Assignee",
            "Due On",
        ],
        user=root,
    )
    assert counts(outcome) == (2, 0, 0, [])
    door = ServiceTicket.objects.get(title="Fix door")
    laptop = ServiceTicket.objects.get(title="New laptop")
    assert door.reference.startswith("SRV-") and laptop.reference == f"SRV-{int(door.reference[4:]) + 1:06d}"
    assert (door.category, door.priority, door.status, door.requested_by, door.assignee, str(door.due_on)) == (
        ServiceCategory.ACCESS,
        ServicePriority.URGENT,
        ServiceStatus.OPEN,
        alex,
        sam,
        "2025-07-31",
    )
    assert (laptop.category, laptop.priority, laptop.assignee) == (ServiceCategory.IT, ServicePriority.NORMAL, None)
    record = door.history.get()
    assert (record.history_user, record.history_change_reason) == (root, "Test")


def test_a_service_ticket_update_changes_the_columns_present_only(mcr, alex, root):
    ticket = service_ticket_create(
        title="Replace lens", facility=mcr, requested_by=alex, description="Cam 2", by=system_user()
    )
    outcome = run(ServiceTicketResource, [ticket.reference, "high"], headers=["Reference", "Priority"], user=root)
    assert counts(outcome) == (0, 1, 0, [])
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.title, ticket.description) == (ServicePriority.HIGH, "Replace lens", "Cam 2")
    assert ticket.history.first().history_user == root


def test_bad_service_ticket_rows_name_row_column_and_reason_and_nothing_is_written(mcr, alex, root):
    ticket = service_ticket_create(title="Replace lens", facility=mcr, requested_by=alex, by=system_user())
    outcome = run(
        ServiceTicketResource,
        ["", "Fix door", "LON-MCR1", "Done", "E10001", ""],
        [ticket.reference, "Replace lens", "LON-MCR1", "Cancelled", "E10001", ""],
        [ticket.reference, "Replace lens", "LON-MCR1", "Open", "E10002", "someday"],
        headers=["Reference", "Title", "Facility", "Status", "Requested By", "Due On"],
        user=root,
    )
    assert [str(error) for error in outcome.errors] == [
        "Row 2, Status: A new service ticket starts as “Open”; the ticket workflow changes its status after that.",
        "Row 3, Status: Status changes only through the service ticket workflow: select the tickets in the service "
        "ticket list and pick the step among its actions (Schedule…, Start work, Complete, Cancel…), or take it on "
        "the ticket's page.",
        "Row 4: Same Reference as row 3: a file may name each service ticket once.",
    ]
    assert ServiceTicket.objects.count() == 1


def test_a_supervisor_cannot_import_service_tickets_at_another_location(mcr, alex, supervisor, paris_studio):
    outcome = run(
        ServiceTicketResource,
        ["Fix door", "LON-MCR1", "E10001"],
        ["Fix door", "PAR-STU", "E10001"],
        headers=["Title", "Facility", "Requested By"],
        user=supervisor,
    )
    assert [str(error) for error in outcome.errors] == ["Row 3, Facility: No facility with code “PAR-STU”."]
    assert not ServiceTicket.objects.exists()


def test_incidents_through_the_console_get_their_references_on_confirm_only(root_client, root, outage, mcr, alex):
    data = "Title,Incident Type,Facility,Reporter,Occurred\nAudio loss,outage,LON-MCR1,E10001,2025-07-01 06:00\n"
    upload = SimpleUploadedFile("incidents.csv", data.encode(), content_type="text/csv")
    preview = root_client.post(reverse("admin:tickets_incidentticket_import"), {"import_file": upload})
    assert preview.status_code == 200 and preview.context["job_summary"]["new"] == 1
    assert not IncidentTicket.objects.exists()

    job = ImportJob.objects.get()
    response = root_client.post(reverse("admin:tickets_incidentticket_process_import"), {"job": str(job.uid)})

    assert response.status_code == 302
    incident = IncidentTicket.objects.get()
    assert incident.reference == "INC-000001"  # the preview's number was rolled back with it
    assert incident.history.get().history_user == root


# --- a row outside the importer's scope reads exactly like a row that does not exist ------------------------------
#
# The supervisor covers London HQ only. For each column that names another row, a file naming a row that exists
# elsewhere (Paris) and a file naming one that exists nowhere get the same sentence, in the preview and at the
# confirm, and nothing is written.


@pytest.fixture
def paris(paris_studio, outage):
    """A Paris engineer, and a ticket of each kind at Paris reported by them: all outside the supervisor's scope."""
    engineer = UserFactory(
        first_name="Pia", last_name="Roux", employee_id="E20001", home_location=paris_studio.location
    )
    incident = incident_create(
        title="Paris fault",
        incident_type=outage,
        facility=paris_studio,
        reporter=engineer,
        occurred_at=OCCURRED,
        by=system_user(),
    )
    ticket = service_ticket_create(title="Paris lamp", facility=paris_studio, requested_by=engineer, by=system_user())
    return {"incident": incident, "service": ticket}


def new_incident(**cells):
    values = {
        "Title": "Fault",
        "Incident Type": "outage",
        "Facility": "LON-MCR1",
        "Reporter": "E10001",
        "Assignee": "E10002",
        "Occurred": "2025-07-01 06:00",
    } | cells
    return list(values), list(values.values())


def new_service_ticket(**cells):
    values = {"Title": "Lamp", "Facility": "LON-MCR1", "Requested By": "E10001", "Assignee": "E10002"} | cells
    return list(values), list(values.values())


def preview_and_confirm(resource_class, headers, row, user):
    """The import twice, as the console runs it: the preview, then the confirm; the errors of each."""
    dataset = tablib.Dataset(row, headers=headers)
    return [
        [
            str(error)
            for error in import_dataset(
                resource_class=resource_class, dataset=dataset, by=user, dry_run=dry_run, reason="Test"
            ).errors
        ]
        for dry_run in (True, False)
    ]


ELSEWHERE_AND_NOWHERE = [
    # resource, column, the row's cells, key outside scope, key that does not exist, the sentence
    (IncidentTicketResource, "Facility", new_incident, "PAR-STU", "XX-NONE", "No facility with code “{}”."),
    (IncidentTicketResource, "Reporter", new_incident, "E20001", "E99999", "No person with employee id “{}”."),
    (IncidentTicketResource, "Assignee", new_incident, "E20001", "E99999", "No person with employee id “{}”."),
    (ServiceTicketResource, "Facility", new_service_ticket, "PAR-STU", "XX-NONE", "No facility with code “{}”."),
    (ServiceTicketResource, "Requested By", new_service_ticket, "E20001", "E99999", "No person with employee id “{}”."),
    (ServiceTicketResource, "Assignee", new_service_ticket, "E20001", "E99999", "No person with employee id “{}”."),
]


@pytest.mark.parametrize(
    "resource_class, column, cells, elsewhere, nowhere, sentence",
    ELSEWHERE_AND_NOWHERE,
    ids=[f"{case[0].__name__}-{case[1]}" for case in ELSEWHERE_AND_NOWHERE],
)
def test_a_related_row_outside_scope_reads_like_one_that_does_not_exist(
    resource_class, column, cells, elsewhere, nowhere, sentence, paris, mcr, alex, sam, supervisor
):
    before = (IncidentTicket.objects.count(), ServiceTicket.objects.count(), IncidentTicket.history.count())
    for key in (elsewhere, nowhere):
        headers, row = cells(**{column: key})
        refusal = f"Row 2, {column}: {sentence.format(key)}"
        assert preview_and_confirm(resource_class, headers, row, supervisor) == [[refusal], [refusal]]
    assert (IncidentTicket.objects.count(), ServiceTicket.objects.count(), IncidentTicket.history.count()) == before

    headers, row = cells()  # the same row naming rows in scope is imported
    assert preview_and_confirm(resource_class, headers, row, supervisor) == [[], []]


@pytest.mark.parametrize("kind, missing", [("incident", "INC-999999"), ("service", "SRV-999999")])
def test_a_ticket_outside_scope_reads_like_one_that_does_not_exist(paris, supervisor, kind, missing):
    resource_class = IncidentTicketResource if kind == "incident" else ServiceTicketResource
    noun = "incident ticket" if kind == "incident" else "service ticket"
    existing = paris[kind]
    for reference in (existing.reference, missing):
        sentence = (
            f"Row 2, Reference: There is no {noun} {reference}. Leave “Reference” empty to open a new one: the portal "
            "gives it its reference."
        )
        errors = preview_and_confirm(resource_class, ["Reference", "Title"], [reference, "Taken over"], supervisor)
        assert errors == [[sentence], [sentence]]
    existing.refresh_from_db()
    assert existing.title != "Taken over" and existing.history.count() == 1


@pytest.mark.parametrize(
    "column, kind, missing", [("Incident", "incident", "INC-999999"), ("Service Ticket", "service", "SRV-999999")]
)
def test_a_linked_ticket_outside_scope_reads_like_one_that_does_not_exist(
    paris, supervisor, alex, column, kind, missing
):
    """A time entry names the incident or service ticket it was spent on: the tickets' own scope decides."""
    noun = "incident" if kind == "incident" else "service ticket"
    headers = ["Employee ID", "Work Date", "Activity", "Minutes", column]
    activity = "Incident" if kind == "incident" else "Service"
    for reference in (paris[kind].reference, missing):
        row = ["E10001", "2025-07-01", activity, "30", reference]
        errors = preview_and_confirm(TimeEntryResource, headers, row, supervisor)
        assert errors == [[f"Row 2, {column}: No {noun} with reference “{reference}”."]] * 2
    assert not TimeEntry.objects.exists()


@pytest.fixture
def roles(db):
    call_command("load_reference_data", verbosity=0)


def test_the_console_preview_of_a_ticket_outside_scope_is_that_of_a_missing_one(client, roles, supervisor, paris):
    client.force_login(supervisor)
    pages = []
    for reference in (paris["incident"].reference, "INC-999999"):
        data = f"Reference,Title\n{reference},Taken over\n"
        upload = SimpleUploadedFile("incidents.csv", data.encode(), content_type="text/csv")
        response = client.post(reverse("admin:tickets_incidentticket_import"), {"import_file": upload})
        assert response.status_code == 200
        pages.append(response.context["job_errors"])
    assert pages[0] == [
        {
            "row": 2,
            "column": "Reference",
            "message": f"There is no incident ticket {paris['incident'].reference}. Leave “Reference” empty to open "
            "a new one: the portal gives it its reference.",
        }
    ]
    assert [error["message"].replace("INC-999999", paris["incident"].reference) for error in pages[1]] == [
        pages[0][0]["message"]
    ]


def test_a_ticket_keeps_the_row_it_names_outside_scope_as_its_form_does(outage, mcr, alex, supervisor, paris_studio):
    """A London incident reported by an engineer based in Paris: its export names them, and imports back."""
    visitor = UserFactory(first_name="Pia", last_name="Roux", employee_id="E20001", home_location=paris_studio.location)
    other = UserFactory(employee_id="E20002", home_location=paris_studio.location)
    incident = incident_create(
        title="Fault", incident_type=outage, facility=mcr, reporter=visitor, occurred_at=OCCURRED, by=system_user()
    )
    exported = IncidentTicketResource().export(IncidentTicket.objects.all())
    exported_row = dict(zip(exported.headers, exported[0], strict=True))
    assert exported_row["Reporter"] == "E20001"

    edited = {**exported_row, "Title": "Fault, again"}
    outcome = run(IncidentTicketResource, list(edited.values()), headers=list(edited), user=supervisor)
    assert counts(outcome) == (0, 1, 0, [])
    incident.refresh_from_db()
    assert (incident.title, incident.reporter) == ("Fault, again", visitor)

    moved = {**edited, "Assignee": "E20001"}  # the same person, where nobody was: a change, refused as unknown
    outcome = run(IncidentTicketResource, list(moved.values()), headers=list(moved), user=supervisor)
    assert counts(outcome)[3] == ["Row 2, Assignee: No person with employee id “E20001”."]
    swapped = {**edited, "Reporter": other.employee_id}
    outcome = run(IncidentTicketResource, list(swapped.values()), headers=list(swapped), user=supervisor)
    assert counts(outcome)[3] == ["Row 2, Reporter: No person with employee id “E20002”."]
