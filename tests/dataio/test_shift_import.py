"""Shift spreadsheets through the import service: natural keys, local times, rules, scope, all-or-nothing."""

import pytest
import tablib

from apps.dataio.services import import_dataset
from apps.scheduling.choices import ShiftStatus, TimeOffStatus
from apps.scheduling.models import Shift
from apps.scheduling.resources import ShiftResource
from tests.factories import FacilityFactory, LocationFactory, ShiftFactory, TimeOffRequestFactory
from tests.scheduling.conftest import london

HEADERS = ["Employee ID", "Facility", "Position", "Starts", "Ends", "Status", "Notes"]


def sheet(*rows, headers=HEADERS) -> tablib.Dataset:
    return tablib.Dataset(*rows, headers=headers)


def run(dataset, user, dry_run=False):
    return import_dataset(resource_class=ShiftResource, dataset=dataset, by=user, dry_run=dry_run, reason="Test")


@pytest.mark.django_db
def test_new_rows_are_created_in_the_location_time_zone_with_history(alex, sam, mcr, root):
    dataset = sheet(
        ["E10001", "LON-MCR1", "MCR operator", "2026-07-01 06:00", "2026-07-01 14:00", "Published", ""],
        ["e10002", "lon-mcr1", "MCR operator", "01/07/2026 14:00", "01/07/2026 22:00", "draft", "late"],
    )
    outcome = run(dataset, root)
    assert outcome.errors == []
    assert (outcome.new, outcome.updated, outcome.unchanged) == (2, 0, 0)
    first = Shift.objects.get(user=alex)
    assert first.starts_at == london(2026, 7, 1, 6)  # 05:00 UTC: British summer time
    assert first.status == ShiftStatus.PUBLISHED
    second = Shift.objects.get(user=sam)
    assert second.notes == "late" and second.status == ShiftStatus.DRAFT
    record = first.history.get()
    assert record.history_user == root and record.history_change_reason == "Test"


@pytest.mark.django_db
def test_reimport_of_an_export_changes_nothing_and_writes_no_history(alex, mcr, root):
    ShiftFactory(
        user=alex,
        facility=mcr,
        position="MCR operator",
        starts_at=london(2026, 7, 1, 6),
        ends_at=london(2026, 7, 1, 14),
    )
    exported = ShiftResource().export(Shift.objects.all())
    assert exported.headers == HEADERS
    assert exported[0][3] == "2026-07-01 06:00"
    history_before = Shift.history.count()
    outcome = run(tablib.Dataset(*exported, headers=exported.headers), root)
    assert (outcome.new, outcome.updated, outcome.unchanged, outcome.errors) == (0, 0, 1, [])
    assert Shift.history.count() == history_before


@pytest.mark.django_db
def test_update_changes_only_the_columns_present(alex, mcr, root):
    shift = ShiftFactory(
        user=alex,
        facility=mcr,
        position="MCR operator",
        notes="keep",
        starts_at=london(2026, 7, 1, 6),
        ends_at=london(2026, 7, 1, 14),
    )
    outcome = run(
        sheet(["E10001", "2026-07-01 06:00", "15:00 finish"], headers=["Employee ID", "Starts", "Notes"]), root
    )
    assert (outcome.updated, outcome.errors) == (1, [])
    shift.refresh_from_db()
    assert shift.notes == "15:00 finish" and shift.position == "MCR operator"
    assert shift.history.first().history_change_reason == "Test"


@pytest.mark.django_db
def test_every_error_is_reported_and_nothing_is_written(alex, sam, mcr, root):
    dataset = sheet(
        ["E10001", "LON-MCR1", "MCR operator", "2026-07-01 06:00", "2026-07-01 14:00", "Draft", ""],
        ["E99999", "LON-MCR1", "MCR operator", "2026-07-01 06:00", "2026-07-01 14:00", "Draft", ""],
        ["E10002", "NOWHERE", "MCR operator", "2026-07-01 06:00", "2026-07-01 14:00", "Maybe", ""],
        ["E10001", "LON-MCR1", "MCR operator", "2026-07-01 10:00", "2026-07-01 18:00", "Draft", ""],
        ["E10002", "LON-MCR1", "MCR operator", "2026-07-02 10:00", "2026-07-02 08:00", "Draft", ""],
        ["E10002", "LON-MCR1", "MCR operator", "someday", "2026-07-03 08:00", "Draft", ""],
    )
    outcome = run(dataset, root)
    found = {(error.row, error.column): error.message for error in outcome.errors}
    assert found[(3, "Employee ID")] == "No person with employee id “E99999”."
    assert found[(4, "Facility")] == "No facility with code “NOWHERE”."
    assert found[(4, "Status")] == "“Maybe” is not one of: Draft, Published, Cancelled."
    assert found[(5, "Starts")].startswith("Alex Doe already has a shift at LON-MCR1 from 06:00 to 14:00 on 1 Jul")
    assert found[(6, "Ends")] == "A shift must end after it starts."
    assert "is not a date and time" in found[(7, "Starts")]
    assert outcome.failed and Shift.objects.count() == 0


@pytest.mark.django_db
def test_duplicate_keys_in_one_file_name_both_rows(alex, mcr, root):
    row = ["E10001", "LON-MCR1", "MCR operator", "2026-07-01 06:00", "2026-07-01 14:00", "Draft", ""]
    outcome = run(sheet(row, row), root)
    assert [str(error) for error in outcome.errors] == [
        "Row 3: Same Employee ID, Starts as row 2: a file may name each shift once."
    ]
    assert Shift.objects.count() == 0


@pytest.mark.django_db
def test_published_shift_over_approved_time_off_is_refused(alex, mcr, root):
    from datetime import date

    TimeOffRequestFactory(
        user=alex, starts_on=date(2026, 7, 1), ends_on=date(2026, 7, 2), status=TimeOffStatus.APPROVED
    )
    outcome = run(sheet(["E10001", "LON-MCR1", "Op", "2026-07-01 06:00", "2026-07-01 14:00", "Published", ""]), root)
    assert [error.message for error in outcome.errors] == [
        "Alex Doe has approved vacation time off from 1 Jul to 2 Jul 2026: a published shift cannot overlap it "
        "(keep it as a draft, or change the dates)."
    ]


@pytest.mark.django_db
def test_a_supervisor_cannot_import_into_another_location(alex, mcr, supervisor):
    paris = FacilityFactory(code="PAR-MCR", location=LocationFactory(code="PAR", name="Paris", timezone="Europe/Paris"))
    outcome = run(
        sheet(
            ["E10001", "LON-MCR1", "Op", "2026-07-01 06:00", "2026-07-01 14:00", "Draft", ""],
            ["E10001", paris.code, "Op", "2026-07-02 06:00", "2026-07-02 14:00", "Draft", ""],
        ),
        supervisor,
    )
    assert [str(error) for error in outcome.errors] == ["Row 3, Facility: No facility with code “PAR-MCR”."]
    assert Shift.objects.count() == 0


@pytest.mark.django_db
def test_unknown_and_missing_columns_stop_the_import(alex, mcr, root):
    outcome = run(sheet(["E10001", "x"], headers=["Employee ID", "Colour"]), root)
    assert [str(error) for error in outcome.errors] == [
        "File: Unknown column “Colour”. The columns are: Employee ID, Facility, Position, Starts, Ends, Status, Notes. "
        "Missing required column “Starts”: each row is matched to an existing shift by it."
    ]


@pytest.mark.postgres
@pytest.mark.django_db
def test_large_imports_write_history_and_activity_in_bulk(alex, sam, mcr, root):
    """Above COPY_MIN_ROWS the rows, their history and Activity entries go through COPY: same attribution."""
    from datetime import date, timedelta

    from django.contrib.contenttypes.models import ContentType

    from apps.audit.models import ActivityEntry
    from apps.core.bulk import COPY_MIN_ROWS

    days = COPY_MIN_ROWS + 10
    rows = []
    for offset in range(days):
        day = date(2026, 8, 1) + timedelta(days=offset)
        rows += [
            [person, "LON-MCR1", "Op", f"{day} 06:00", f"{day} 13:00", "Draft", ""] for person in ("E10001", "E10002")
        ]
    outcome = run(sheet(*rows), root)
    assert (outcome.new, outcome.errors) == (2 * days, [])
    shifts = Shift.objects.filter(user__in=[alex, sam])
    assert shifts.count() == 2 * days
    history = Shift.history.filter(id__in=shifts.values("id"))
    assert history.count() == 2 * days
    assert set(history.values_list("history_user", "history_change_reason", "history_type")) == {(root.pk, "Test", "+")}
    assert history.values("request_id").distinct().count() == 1
    entries = ActivityEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Shift), history_id__in=history.values("history_id")
    )
    assert entries.count() == 2 * days
    sample = entries.get(object_id=shifts.get(user=alex, starts_at=london(2026, 8, 1, 6)).pk)
    assert sample.user == root
    assert sample.object_repr == "Alex Doe (E10001) — Op at LON-MCR1, Sat 1 Aug 2026 06:00–13:00 Europe/London"


@pytest.mark.django_db
def test_a_supervisor_cannot_pull_a_shift_in_from_another_location(alex, mcr, supervisor):
    paris = FacilityFactory(code="PAR-MCR", location=LocationFactory(code="PAR", name="Paris", timezone="Europe/Paris"))
    shift = ShiftFactory(
        user=alex, facility=paris, position="Op", starts_at=london(2026, 7, 1, 6), ends_at=london(2026, 7, 1, 14)
    )
    outcome = run(sheet(["E10001", "LON-MCR1", "Op", "2026-07-01 06:00", "2026-07-01 14:00", "Draft", ""]), supervisor)
    assert [str(error) for error in outcome.errors] == [
        "Row 2, Facility: Paris (PAR) is outside the locations you cover."
    ]
    shift.refresh_from_db()
    assert shift.facility == paris
