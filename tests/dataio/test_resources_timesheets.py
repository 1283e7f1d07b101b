"""Time entry spreadsheets: person, day, activity and linked item as the key, the timesheets rules, scope, history."""

from datetime import date

import pytest
import tablib

from apps.dataio.services import import_dataset
from apps.tickets.models import IncidentTicket
from apps.timesheets.choices import Activity, TimeEntryStatus
from apps.timesheets.models import TimeEntry
from apps.timesheets.resources import TimeEntryResource
from tests.factories import IncidentTicketFactory, LocationFactory, ShiftFactory, TimeEntryFactory, UserFactory
from tests.scheduling.conftest import import_confirm, import_preview, london, page_text, signed_in

pytestmark = pytest.mark.django_db

HEADERS = ["Employee ID", "Work Date", "Activity", "Minutes", "Shift", "Incident", "Service Ticket", "Notes", "Status"]
JULY_1 = date(2026, 7, 1)


def run(*rows, headers=HEADERS, user):
    dataset = tablib.Dataset(*rows, headers=headers)
    return import_dataset(resource_class=TimeEntryResource, dataset=dataset, by=user, dry_run=False, reason="Test")


def counts(outcome):
    return outcome.new, outcome.updated, outcome.unchanged, [str(error) for error in outcome.errors]


@pytest.fixture
def early_shift(alex, mcr):
    return ShiftFactory(user=alex, facility=mcr, starts_at=london(2026, 7, 1, 6), ends_at=london(2026, 7, 1, 14))


@pytest.fixture
def fault(mcr, alex):
    return IncidentTicketFactory(reference="INC-000042", facility=mcr, reporter=alex)


def test_reimport_of_an_export_changes_nothing(alex, early_shift, fault, root):
    TimeEntryFactory(user=alex, work_date=JULY_1, minutes=480, activity=Activity.SHIFT, shift=early_shift)
    TimeEntryFactory(user=alex, work_date=JULY_1, minutes=45, activity=Activity.INCIDENT, incident=fault, notes="Fix")
    TimeEntryFactory(user=alex, work_date=date(2026, 7, 2), minutes=60, activity=Activity.TRAINING)
    before = TimeEntry.history.count()
    exported = TimeEntryResource().export(TimeEntry.objects.order_by("work_date", "minutes"))
    assert exported.headers == HEADERS
    assert exported[0] == ("E10001", "2026-07-01", "Incident", "45", "", "INC-000042", "", "Fix", "Submitted")
    assert exported[1] == ("E10001", "2026-07-01", "Shift", "480", "2026-07-01 06:00", "", "", "", "Submitted")
    outcome = import_dataset(
        resource_class=TimeEntryResource,
        dataset=tablib.Dataset().load(exported.csv, format="csv"),
        by=root,
        dry_run=False,
        reason="Test",
    )
    assert counts(outcome) == (0, 0, 3, [])
    assert TimeEntry.history.count() == before


def test_entries_are_created_with_labels_and_links_in_any_case(alex, sam, early_shift, fault, root):
    outcome = run(
        ["e10001", "01/07/2026", "SHIFT", "480", "2026-07-01 06:00", "", "", "", ""],
        ["E10001", "2026-07-01", "incident", "30", "", "inc-000042", "", "Restarted encoder", "SUBMITTED"],
        ["E10002", "2026-07-01", "Training", "1,440", "", "", "", "", ""],
        headers=HEADERS,
        user=root,
    )
    assert counts(outcome) == (3, 0, 0, [])
    on_shift = TimeEntry.objects.get(user=alex, activity=Activity.SHIFT)
    assert (on_shift.shift, on_shift.minutes, on_shift.status) == (early_shift, 480, TimeEntryStatus.SUBMITTED)
    on_fault = TimeEntry.objects.get(user=alex, activity=Activity.INCIDENT)
    assert (on_fault.incident, on_fault.status, on_fault.notes) == (
        fault,
        TimeEntryStatus.SUBMITTED,
        "Restarted encoder",
    )
    assert TimeEntry.objects.get(user=sam).minutes == 1440
    record = on_shift.history.get()
    assert (record.history_type, record.history_user, record.history_change_reason) == ("+", root, "Test")


def test_an_update_changes_the_columns_present_only(alex, root):
    entry = TimeEntryFactory(user=alex, work_date=JULY_1, minutes=60, activity=Activity.TRAINING, notes="First aid")
    outcome = run(["E10001", "2026-07-01", "Training", "90"], headers=HEADERS[:4], user=root)
    assert counts(outcome) == (0, 1, 0, [])
    entry.refresh_from_db()
    assert (entry.minutes, entry.notes, entry.status) == (90, "First aid", TimeEntryStatus.SUBMITTED)
    assert entry.history.first().history_user == root


def test_the_linked_item_tells_entries_of_one_day_and_activity_apart(alex, mcr, fault, root):
    other = IncidentTicketFactory(reference="INC-000043", facility=mcr, reporter=alex)
    TimeEntryFactory(user=alex, work_date=JULY_1, minutes=30, activity=Activity.INCIDENT, incident=fault)
    TimeEntryFactory(user=alex, work_date=JULY_1, minutes=20, activity=Activity.INCIDENT, incident=other)
    outcome = run(["E10001", "2026-07-01", "Incident", "25"], headers=HEADERS[:4], user=root)
    assert [str(error) for error in outcome.errors] == [
        "Row 2: Alex Doe has 2 “Incident” entries on 1 Jul 2026; add the Shift, Incident and Service Ticket "
        "columns to say which one this row is."
    ]
    outcome = run(
        ["E10001", "2026-07-01", "Incident", "INC-000043", "25"],
        headers=["Employee ID", "Work Date", "Activity", "Incident", "Minutes"],
        user=root,
    )
    assert counts(outcome) == (0, 1, 0, [])
    assert TimeEntry.objects.get(incident=other).minutes == 25
    assert TimeEntry.objects.get(incident=fault).minutes == 30


def test_bad_rows_name_row_column_and_reason_and_nothing_is_written(alex, sam, early_shift, fault, root):
    outcome = run(
        ["E10001", "2026-07-01", "Shift", "900", "2026-07-01 06:00", "", "", "", ""],
        ["E10001", "2026-07-01", "Training", "600", "", "", "", "", ""],
        ["E10002", "2026-07-01", "Shift", "60", "2026-07-01 06:00", "", "", "", ""],
        ["E10002", "2026-07-02", "Training", "60", "", "INC-000042", "", "", ""],
        ["E10002", "2026-07-03", "Training", "ten", "", "INC-404", "", "", "Paid"],
        headers=HEADERS,
        user=root,
    )
    assert [str(error) for error in outcome.errors] == [
        "Row 3, Minutes: Alex Doe already has 15h00 logged on 1 Jul 2026; 10h00 more would make 25h00, more than a "
        "day (24h00).",
        "Row 4, Shift: Sam Roe has no shift starting at 2026-07-01 06:00.",
        "Row 5, Activity: An entry linked to an incident must have the activity “Incident”.",
        "Row 6, Minutes: “ten” is not a whole number.",
        "Row 6, Incident: No incident with reference “INC-404”.",
        "Row 6, Status: “Paid” is not one of: Submitted, Approved, Rejected.",
    ]
    assert not TimeEntry.objects.exists() and IncidentTicket.objects.count() == 1


def test_a_supervisor_imports_entries_of_people_they_cover_and_their_own(alex, supervisor):
    supervisor.employee_id = "E90001"
    supervisor.save()
    UserFactory(username="pierre", employee_id="E30001", home_location=LocationFactory(code="PAR", name="Paris"))
    outcome = run(
        ["E10001", "2026-07-01", "Training", "60"],
        ["E30001", "2026-07-01", "Training", "60"],
        ["E90001", "2026-07-01", "Admin", "60"],
        headers=HEADERS[:4],
        user=supervisor,
    )
    assert [str(error) for error in outcome.errors] == ["Row 3, Employee ID: No person with employee id “E30001”."]
    assert not TimeEntry.objects.exists()
    outcome = run(
        ["E10001", "2026-07-01", "Training", "60"],
        ["E90001", "2026-07-01", "Admin", "60"],
        headers=HEADERS[:4],
        user=supervisor,
    )
    assert counts(outcome) == (2, 0, 0, [])


# --- the Status column and the linked items, as the form has them -------------------------------------------------

ENTRY_REFUSAL = (
    "An import does not change the status of time entries: approve or reject them with the actions of "
    "Timesheets → Time entries."
)


def test_a_supervisor_cannot_approve_their_own_entry_by_import_preview_or_confirm(client, supervisor):
    supervisor.employee_id = "E90001"
    supervisor.save()
    own = TimeEntryFactory(user=supervisor, work_date=JULY_1, minutes=60, activity=Activity.TRAINING)
    rows = [["E90001", "2026-07-01", "Training", "60", "Approved"], ["E90001", "2026-07-02", "Admin", "30", "approved"]]
    headers = ["Employee ID", "Work Date", "Activity", "Minutes", "Status"]
    client = signed_in(client, supervisor)

    preview = import_preview(client, TimeEntry, headers, *rows)
    refused = import_confirm(client, TimeEntry)
    confirmed = run(*rows, headers=headers, user=supervisor)

    assert page_text(preview).count(ENTRY_REFUSAL) == 2
    assert refused.status_code == 302
    assert counts(confirmed)[3] == [f"Row 2, Status: {ENTRY_REFUSAL}", f"Row 3, Status: {ENTRY_REFUSAL}"]
    own.refresh_from_db()
    assert (own.status, own.reviewed_by, TimeEntry.objects.count()) == (TimeEntryStatus.SUBMITTED, None, 1)


def test_a_reviewed_entry_keeps_its_minutes_on_import(alex, supervisor):
    TimeEntryFactory(user=alex, work_date=JULY_1, minutes=60, activity=Activity.TRAINING, status="approved")

    outcome = run(["E10001", "2026-07-01", "Training", "90"], headers=HEADERS[:4], user=supervisor)

    assert counts(outcome)[3] == [
        "Row 2, Minutes: The entry is approved: it stays as reviewed (log a new entry for the difference)."
    ]
    assert TimeEntry.objects.get().minutes == 60


@pytest.fixture
def paris_items(db):
    """A shift of alex, an incident and a service ticket at Paris, which the supervisor (London HQ) does not cover."""
    from tests.factories import FacilityFactory, ServiceTicketFactory

    paris = FacilityFactory(code="PAR-MCR", location=LocationFactory(code="PAR", name="Paris", timezone="Europe/Paris"))
    return (
        paris,
        IncidentTicketFactory(reference="INC-000777", facility=paris),
        ServiceTicketFactory(reference="SRV-000777", facility=paris),
    )


def test_a_linked_item_outside_the_importers_scope_reads_as_one_that_does_not_exist(alex, supervisor, paris_items):
    paris, _incident, _ticket = paris_items
    ShiftFactory(user=alex, facility=paris, starts_at=london(2026, 7, 1, 6), ends_at=london(2026, 7, 1, 14))

    elsewhere = run(
        ["E10001", "2026-07-01", "Shift", "60", "2026-07-01 06:00", "", "", "", ""],
        ["E10001", "2026-07-01", "Incident", "60", "", "INC-000777", "", "", ""],
        ["E10001", "2026-07-01", "Service", "60", "", "", "SRV-000777", "", ""],
        user=supervisor,
    )
    nowhere = run(
        ["E10001", "2026-07-01", "Shift", "60", "2026-07-02 06:00", "", "", "", ""],
        ["E10001", "2026-07-01", "Incident", "60", "", "INC-000778", "", "", ""],
        ["E10001", "2026-07-01", "Service", "60", "", "", "SRV-000778", "", ""],
        user=supervisor,
    )

    assert counts(elsewhere)[3] == [
        "Row 2, Shift: Alex Doe has no shift starting at 2026-07-01 06:00.",
        "Row 3, Incident: No incident with reference “INC-000777”.",
        "Row 4, Service Ticket: No service ticket with reference “SRV-000777”.",
    ]
    assert counts(nowhere)[3] == [
        "Row 2, Shift: Alex Doe has no shift starting at 2026-07-02 06:00.",
        "Row 3, Incident: No incident with reference “INC-000778”.",
        "Row 4, Service Ticket: No service ticket with reference “SRV-000778”.",
    ]
    assert not TimeEntry.objects.exists()
