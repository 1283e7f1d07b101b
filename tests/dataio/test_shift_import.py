"""Shift spreadsheets through the import service: natural keys, local times, rules, scope, all-or-nothing."""

import pytest
import tablib
from django.urls import reverse

from apps.dataio.models import ImportJob
from apps.dataio.services import import_dataset
from apps.notifications.models import OutboundEmail
from apps.scheduling.choices import ShiftStatus, TimeOffStatus
from apps.scheduling.models import Shift
from apps.scheduling.resources import ShiftResource
from tests.factories import FacilityFactory, LocationFactory, ShiftFactory, TimeOffRequestFactory
from tests.scheduling.conftest import import_confirm, import_preview, london, page_text, signed_in
from tests.scheduling.test_admin import _shift_post, _text

HEADERS = ["Employee ID", "Facility", "Position", "Starts", "Ends", "Status", "Notes"]
KEY_STATUS = ["Employee ID", "Starts", "Status"]


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


# --- a shift the importer cannot see -------------------------------------------------------------------------------


@pytest.fixture
def paris(db):
    return FacilityFactory(code="PAR-MCR", location=LocationFactory(code="PAR", name="Paris", timezone="Europe/Paris"))


def _form_says(client, supervisor, alex, mcr, starts_at, hours=8) -> str:
    """What the console's shift form says to the supervisor for the same shift (the page as a person reads it)."""
    response = signed_in(client, supervisor).post(
        reverse("admin:scheduling_shift_add"), _shift_post(alex, mcr, starts_at, hours)
    )
    assert response.status_code == 200
    return _text(response)


@pytest.mark.django_db
def test_a_clash_with_a_shift_the_supervisor_cannot_see_reads_as_the_form_says(client, alex, mcr, paris, supervisor):
    """The key (alex, 1 Jul 06:00) names a Paris shift the supervisor cannot see: it is not theirs to update, so
    the row is a new shift, refused because alex cannot work two places at once; the sentence is the form's,
    and tells no more than that the other shift is at a location they do not cover."""
    shift = ShiftFactory(
        user=alex, facility=paris, position="Op", starts_at=london(2026, 7, 1, 6), ends_at=london(2026, 7, 1, 14)
    )
    clash = "Alex Doe already has a shift at a location you do not cover from 06:00 to 14:00 on 1 Jul (Europe/London)."

    row = ["E10001", "LON-MCR1", "Op", "2026-07-01 06:00", "2026-07-01 14:00", "Draft", ""]
    preview = run(sheet(row), supervisor, dry_run=True)
    confirmed = run(sheet(row), supervisor)

    assert [str(error) for error in preview.errors] == [f"Row 2, Starts: {clash}"]
    assert [str(error) for error in confirmed.errors] == [f"Row 2, Starts: {clash}"]
    assert clash in _form_says(client, supervisor, alex, mcr, london(2026, 7, 1, 6))
    assert "PAR" not in str(preview.errors) and "Paris" not in str(preview.errors)
    shift.refresh_from_db()
    assert (shift.facility, Shift.objects.count()) == (paris, 1)


@pytest.mark.django_db
def test_a_cancelled_shift_the_supervisor_cannot_see_with_the_same_start_reads_as_the_form_says(
    client, alex, mcr, paris, supervisor
):
    ShiftFactory(
        user=alex,
        facility=paris,
        starts_at=london(2026, 7, 1, 6),
        ends_at=london(2026, 7, 1, 14),
        status=ShiftStatus.CANCELLED,
    )
    taken = "This person already has a shift (possibly cancelled) starting at that time."

    outcome = run(sheet(["E10001", "LON-MCR1", "Op", "2026-07-01 06:00", "2026-07-01 14:00", "Draft", ""]), supervisor)

    assert [str(error) for error in outcome.errors] == [f"Row 2, Starts: {taken}"]
    assert taken in _form_says(client, supervisor, alex, mcr, london(2026, 7, 1, 6))
    assert Shift.objects.count() == 1


@pytest.mark.django_db
def test_too_little_rest_after_a_shift_the_supervisor_cannot_see_reads_as_the_form_says(
    client, alex, mcr, paris, supervisor
):
    ShiftFactory(user=alex, facility=paris, starts_at=london(2026, 7, 1, 6), ends_at=london(2026, 7, 1, 14))
    rest = (
        "Alex Doe would have 4 h of rest after a shift at a location you do not cover ending Wed 1 Jul 14:00; "
        "the minimum is 8 h."
    )

    outcome = run(sheet(["E10001", "LON-MCR1", "Op", "2026-07-01 18:00", "2026-07-01 22:00", "Draft", ""]), supervisor)

    assert [str(error) for error in outcome.errors] == [f"Row 2, Starts: {rest}"]
    assert rest in _form_says(client, supervisor, alex, mcr, london(2026, 7, 1, 18), hours=4)


# --- the Status column runs the shift's steps ----------------------------------------------------------------------


def _draft(person, facility, day, status=ShiftStatus.DRAFT):
    return ShiftFactory(
        user=person,
        facility=facility,
        position="Op",
        starts_at=london(2026, 7, day, 6),
        ends_at=london(2026, 7, day, 14),
        status=status,
    )


@pytest.mark.django_db
def test_publishing_by_import_runs_the_publish_step_and_mails_each_person_once_after_the_confirm(
    client, supervisor, alex, sam, mcr
):
    drafts = [_draft(alex, mcr, 1), _draft(alex, mcr, 2)]
    rows = [
        ["E10001", "LON-MCR1", "Op", "2026-07-01 06:00", "2026-07-01 14:00", "Published", ""],
        ["E10001", "LON-MCR1", "Op", "2026-07-02 06:00", "2026-07-02 14:00", "published", ""],
        ["E10002", "LON-MCR1", "Op", "2026-07-01 14:00", "2026-07-01 22:00", "Published", ""],
    ]
    client = signed_in(client, supervisor)

    preview = import_preview(client, Shift, HEADERS, *rows, name="week.csv")

    assert preview.status_code == 200
    assert (preview.context["job_summary"]["new"], preview.context["job_summary"]["updated"]) == (1, 2)
    assert set(Shift.objects.values_list("status", flat=True)) == {ShiftStatus.DRAFT}
    assert not OutboundEmail.objects.exists(), "a preview tells nobody"

    confirmed = import_confirm(client, Shift)

    assert confirmed.status_code == 302
    assert set(Shift.objects.values_list("status", flat=True)) == {ShiftStatus.PUBLISHED}
    emails = {tuple(email.recipients): email for email in OutboundEmail.objects.all()}
    assert set(emails) == {("alex@example.org",), ("sam@example.org",)}
    assert "2 shifts of yours have been published by Pat Lead" in emails["alex@example.org",].body
    assert "A shift of yours has been published by Pat Lead" in emails["sam@example.org",].body
    job = ImportJob.objects.get(dry_run=False)
    for shift in drafts:
        record = shift.history.latest()
        assert (record.status, record.history_user) == (ShiftStatus.PUBLISHED, supervisor)
        assert record.history_change_reason == f"Import job {job.uid}: week.csv"


@pytest.mark.django_db
def test_a_status_no_step_makes_is_refused_with_the_steps_sentence_and_nothing_is_written(
    client, supervisor, alex, mcr
):
    published, cancelled = _draft(alex, mcr, 1, ShiftStatus.PUBLISHED), _draft(alex, mcr, 3, ShiftStatus.CANCELLED)
    rows = [
        ["E10001", "LON-MCR1", "Op", "2026-07-01 06:00", "2026-07-01 14:00", "Draft", ""],
        ["E10001", "LON-MCR1", "Op", "2026-07-03 06:00", "2026-07-03 14:00", "Published", ""],
    ]
    client = signed_in(client, supervisor)

    preview = import_preview(client, Shift, HEADERS, *rows)
    refused = import_confirm(client, Shift)
    confirmed = run(sheet(*rows), supervisor)

    expected = [
        "Row 2, Status: Cannot restore as a draft: it is published, not cancelled.",
        "Row 3, Status: Cannot publish: it is cancelled, not a draft.",
    ]
    assert [str(error) for error in confirmed.errors] == expected
    assert "Cannot restore as a draft: it is published, not cancelled." in page_text(preview)
    assert "Cannot publish: it is cancelled, not a draft." in page_text(preview)
    assert refused.status_code == 302 and not ImportJob.objects.filter(dry_run=False, status="succeeded").exists()
    assert Shift.objects.get(pk=published.pk).status == ShiftStatus.PUBLISHED
    assert Shift.objects.get(pk=cancelled.pk).status == ShiftStatus.CANCELLED
    assert not OutboundEmail.objects.exists()


@pytest.mark.django_db
def test_cancelling_and_restoring_by_import_run_their_steps(supervisor, alex, mcr):
    published, cancelled = _draft(alex, mcr, 1, ShiftStatus.PUBLISHED), _draft(alex, mcr, 3, ShiftStatus.CANCELLED)

    outcome = run(
        sheet(["E10001", "2026-07-01 06:00", "Cancelled"], ["E10001", "2026-07-03 06:00", "Draft"], headers=KEY_STATUS),
        supervisor,
    )

    assert (outcome.updated, outcome.errors) == (2, [])
    assert Shift.objects.get(pk=published.pk).status == ShiftStatus.CANCELLED
    assert Shift.objects.get(pk=cancelled.pk).status == ShiftStatus.DRAFT
    assert not OutboundEmail.objects.exists()


@pytest.mark.django_db
def test_a_shift_published_by_import_over_approved_time_off_is_refused_as_the_action_refuses_it(supervisor, alex, mcr):
    from datetime import date

    draft = _draft(alex, mcr, 1)
    TimeOffRequestFactory(
        user=alex, starts_on=date(2026, 7, 1), ends_on=date(2026, 7, 1), status=TimeOffStatus.APPROVED
    )

    outcome = run(sheet(["E10001", "2026-07-01 06:00", "Published"], headers=KEY_STATUS), supervisor)

    assert [str(error) for error in outcome.errors] == [
        "Row 2: Alex Doe has approved vacation time off on 1 Jul 2026: a published shift cannot overlap it "
        "(keep it as a draft, or change the dates)."
    ]
    assert Shift.objects.get(pk=draft.pk).status == ShiftStatus.DRAFT


@pytest.mark.django_db
def test_a_time_a_clock_change_skips_or_repeats_is_refused_with_its_readings_as_the_form_refuses_it(alex, mcr, root):
    dataset = sheet(
        ["E10001", "LON-MCR1", "MCR operator", "2026-03-29 01:30", "2026-03-29 09:00", "Draft", ""],
        ["E10001", "LON-MCR1", "MCR operator", "2026-10-24 18:00", "2026-10-25 01:30", "Draft", ""],
    )
    outcome = run(dataset, root)
    found = {(error.row, error.column): error.message for error in outcome.errors}
    assert found[(2, "Starts")].startswith("01:30 on 29 Mar 2026 does not exist in Europe/London")
    assert "00:30 GMT (00:30 UTC)" in found[(2, "Starts")] and "02:30 BST (01:30 UTC)" in found[(2, "Starts")]
    assert found[(3, "Ends")].startswith("01:30 on 25 Oct 2026 happens twice in Europe/London")
    assert outcome.failed and Shift.objects.count() == 0
