"""Scheduled event and time off spreadsheets: natural keys, local times, crews, the scheduling rules, scope."""

from datetime import date

import pytest
import tablib
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.dataio.models import ImportJob
from apps.dataio.services import import_dataset
from apps.scheduling.choices import EventKind, EventStatus, TimeOffKind, TimeOffStatus
from apps.scheduling.models import ScheduledEvent, TimeOffRequest
from apps.scheduling.resources import ScheduledEventResource, TimeOffRequestResource
from tests.factories import (
    FacilityFactory,
    LocationFactory,
    ScheduledEventFactory,
    TimeOffRequestFactory,
    UserFactory,
)
from tests.scheduling.conftest import import_confirm, import_preview, london, page_text, signed_in

pytestmark = pytest.mark.django_db

CREW_HISTORY = apps.get_model("scheduling", "HistoricalScheduledEvent_crew")
EVENT_HEADERS = ["Facility", "Starts", "Title", "Kind", "Ends", "Status", "Crew"]
TIME_OFF_HEADERS = ["Employee ID", "Kind", "First Day", "Last Day", "Reason", "Status"]


def run(resource_class, *rows, headers, user, dry_run=False):
    dataset = tablib.Dataset(*rows, headers=headers)
    return import_dataset(resource_class=resource_class, dataset=dataset, by=user, dry_run=dry_run, reason="Test")


def reimport(resource_class, queryset, user):
    exported = resource_class().export(queryset)
    dataset = tablib.Dataset().load(exported.csv, format="csv")
    return import_dataset(resource_class=resource_class, dataset=dataset, by=user, dry_run=False, reason="Test")


def counts(outcome):
    return outcome.new, outcome.updated, outcome.unchanged, [str(error) for error in outcome.errors]


def crew_of(event) -> set[str]:
    return set(event.crew.values_list("employee_id", flat=True))


def crew_in_history(record) -> set[str]:
    return {member.user.employee_id for member in record.crew.all()}


@pytest.fixture
def news(mcr, alex, sam):
    event = ScheduledEventFactory(
        title="Evening news",
        facility=mcr,
        kind=EventKind.LIVE_BROADCAST,
        status=EventStatus.CONFIRMED,
        starts_at=london(2026, 7, 1, 18),
        ends_at=london(2026, 7, 1, 19),
    )
    event.crew.set([alex, sam])
    return event


@pytest.fixture
def paris_studio(db):
    return FacilityFactory(code="PAR-STU", location=LocationFactory(code="PAR", name="Paris", timezone="Europe/Paris"))


# --- scheduled events --------------------------------------------------------------------------------------------


def test_events_reimport_of_an_export_changes_nothing(news, root):
    before = ScheduledEvent.history.count(), CREW_HISTORY.objects.count()
    exported = ScheduledEventResource().export(ScheduledEvent.objects.all())
    assert exported.headers == EVENT_HEADERS
    assert exported[0] == (
        "LON-MCR1",
        "2026-07-01 18:00",
        "Evening news",
        "Live broadcast",
        "2026-07-01 19:00",
        "Confirmed",
        "E10001; E10002",
    )
    assert counts(reimport(ScheduledEventResource, ScheduledEvent.objects.all(), root)) == (0, 0, 1, [])
    assert (ScheduledEvent.history.count(), CREW_HISTORY.objects.count()) == before


def test_events_are_created_in_the_location_time_zone_with_their_crew(mcr, alex, sam, root):
    outcome = run(
        ScheduledEventResource,
        [
            "lon-mcr1",
            "2026-07-02 18:00",
            "Evening news",
            "LIVE BROADCAST",
            "2026-07-02 19:00",
            "confirmed",
            "e10001;E10002",
        ],
        ["LON-MCR1", "03/07/2026 06:00", "Transmitter check", "maintenance", "03/07/2026 08:00", "", ""],
        headers=EVENT_HEADERS,
        user=root,
    )
    assert counts(outcome) == (2, 0, 0, [])
    news = ScheduledEvent.objects.get(title="Evening news")
    assert (news.starts_at, news.kind, news.status) == (
        london(2026, 7, 2, 18),
        EventKind.LIVE_BROADCAST,
        EventStatus.CONFIRMED,
    )
    assert crew_of(news) == {"E10001", "E10002"}
    check = ScheduledEvent.objects.get(title="Transmitter check")
    assert (check.status, crew_of(check)) == (EventStatus.TENTATIVE, set())
    # one history row per event, by the importer, and it knows the crew
    record = news.history.get()
    assert (record.history_type, record.history_user, record.history_change_reason) == ("+", root, "Test")
    assert crew_in_history(record) == {"E10001", "E10002"}


def test_a_preview_writes_no_event_and_no_crew(mcr, alex, root):
    outcome = run(
        ScheduledEventResource,
        ["LON-MCR1", "2026-07-02 18:00", "Evening news", "", "2026-07-02 19:00", "", "E10001"],
        headers=EVENT_HEADERS,
        user=root,
        dry_run=True,
    )
    assert counts(outcome) == (1, 0, 0, [])
    assert not ScheduledEvent.objects.exists()
    assert not ScheduledEvent.crew.through.objects.exists()


def test_an_event_update_changes_the_columns_present_and_the_crew_in_one_history_row(news, alex, sam, root):
    carol = UserFactory(username="carol", employee_id="E10003", home_location=alex.home_location)
    records = news.history.count()
    outcome = run(
        ScheduledEventResource,
        ["LON-MCR1", "2026-07-01 18:00", "Evening news", "E10002; e10003"],
        headers=["Facility", "Starts", "Title", "Crew"],
        user=root,
    )
    assert counts(outcome) == (0, 1, 0, [])
    news.refresh_from_db()
    assert crew_of(news) == {"E10002", "E10003"}
    assert (news.kind, news.status, news.ends_at) == (
        EventKind.LIVE_BROADCAST,
        EventStatus.CONFIRMED,
        london(2026, 7, 1, 19),
    )
    record = news.history.first()
    assert (record.history_type, record.history_user, record.history_change_reason) == ("~", root, "Test")
    assert crew_in_history(record) == {"E10002", carol.employee_id}
    # a change to another column keeps the crew in the history row it writes
    outcome = run(
        ScheduledEventResource,
        ["LON-MCR1", "2026-07-01 18:00", "Evening news", "recording"],
        headers=["Facility", "Starts", "Title", "Kind"],
        user=root,
    )
    assert counts(outcome) == (0, 1, 0, [])
    assert crew_in_history(news.history.first()) == {"E10002", "E10003"}
    assert news.history.count() == records + 2  # one per import


def test_bad_event_rows_name_row_column_and_reason_and_nothing_is_written(news, alex, root):
    outcome = run(
        ScheduledEventResource,
        ["LON-MCR1", "2026-07-02 18:00", "Late news", "", "2026-07-02 19:00", "Confirmed", "E10001"],
        ["LON-MCR1", "2026-07-01 18:30", "Sport", "", "2026-07-01 20:00", "Confirmed", ""],
        ["LON-MCR1", "2026-07-02 18:30", "Weather", "", "2026-07-02 18:45", "Confirmed", ""],
        ["LON-MCR1", "2026-07-03 10:00", "Rehearsal", "Dress", "2026-07-03 09:00", "", "E10001; E99998, E99999"],
        headers=EVENT_HEADERS,
        user=root,
    )
    assert [str(error) for error in outcome.errors] == [
        "Row 3, Starts: LON-MCR1 already has a confirmed live broadcast, “Evening news”, from 18:00 to 19:00 on "
        "1 Jul (Europe/London).",
        "Row 4, Starts: LON-MCR1 already has a confirmed other, “Late news”, from 18:00 to 19:00 on 2 Jul "
        "(Europe/London).",
        "Row 5, Kind: “Dress” is not one of: Live broadcast, Recording, Maintenance, Rehearsal, Other.",
        "Row 5, Crew: No person with employee ID “E99998”, “E99999”.",
    ]
    assert list(ScheduledEvent.objects.all()) == [news]


def test_a_supervisor_cannot_import_events_at_another_location(mcr, paris_studio, supervisor):
    outcome = run(
        ScheduledEventResource,
        ["LON-MCR1", "2026-07-02 18:00", "Evening news", "2026-07-02 19:00"],
        ["PAR-STU", "2026-07-02 18:00", "Journal", "2026-07-02 19:00"],
        headers=["Facility", "Starts", "Title", "Ends"],
        user=supervisor,
    )
    assert [str(error) for error in outcome.errors] == ["Row 3, Facility: No facility with code “PAR-STU”."]
    assert not ScheduledEvent.objects.exists()


# --- time off ----------------------------------------------------------------------------------------------------


def test_time_off_reimport_of_an_export_changes_nothing(alex, root):
    TimeOffRequestFactory(
        user=alex, starts_on=date(2026, 8, 3), ends_on=date(2026, 8, 7), reason="Family", status=TimeOffStatus.APPROVED
    )
    before = TimeOffRequest.history.count()
    exported = TimeOffRequestResource().export(TimeOffRequest.objects.all())
    assert exported.headers == TIME_OFF_HEADERS
    assert exported[0] == ("E10001", "Vacation", "2026-08-03", "2026-08-07", "Family", "Approved")
    assert counts(reimport(TimeOffRequestResource, TimeOffRequest.objects.all(), root)) == (0, 0, 1, [])
    assert TimeOffRequest.history.count() == before


def test_time_off_is_created_with_labels_in_any_case(alex, sam, root):
    outcome = run(
        TimeOffRequestResource,
        ["e10001", "VACATION", "03/08/2026", "07/08/2026", "Family", "PENDING"],
        ["E10002", "sick", "2026-08-03", "2026-08-03", "", ""],
        headers=TIME_OFF_HEADERS,
        user=root,
    )
    assert counts(outcome) == (2, 0, 0, [])
    holiday = TimeOffRequest.objects.get(user=alex)
    assert (holiday.kind, holiday.starts_on, holiday.ends_on, holiday.status) == (
        TimeOffKind.VACATION,
        date(2026, 8, 3),
        date(2026, 8, 7),
        TimeOffStatus.PENDING,
    )
    assert TimeOffRequest.objects.get(user=sam).status == TimeOffStatus.PENDING
    record = holiday.history.get()
    assert (record.history_type, record.history_user, record.history_change_reason) == ("+", root, "Test")


def test_a_time_off_update_changes_the_columns_present_only(alex, root):
    request = TimeOffRequestFactory(user=alex, starts_on=date(2026, 8, 3), ends_on=date(2026, 8, 7), reason="Family")
    outcome = run(
        TimeOffRequestResource,
        ["E10001", "Vacation", "2026-08-03", "2026-08-10"],
        headers=["Employee ID", "Kind", "First Day", "Last Day"],
        user=root,
    )
    assert counts(outcome) == (0, 1, 0, [])
    request.refresh_from_db()
    assert (request.ends_on, request.reason, request.status) == (date(2026, 8, 10), "Family", TimeOffStatus.PENDING)
    assert request.history.first().history_user == root


def test_bad_time_off_rows_name_row_column_and_reason_and_nothing_is_written(alex, sam, root):
    TimeOffRequestFactory(user=sam, starts_on=date(2026, 8, 3), ends_on=date(2026, 8, 7), status=TimeOffStatus.APPROVED)
    outcome = run(
        TimeOffRequestResource,
        ["E10001", "Vacation", "2026-08-03", "2026-08-07", "", ""],
        ["E10001", "Personal", "2026-08-06", "2026-08-06", "", ""],
        ["E10002", "Sick", "2026-08-05", "2026-08-05", "", ""],
        ["E10002", "Sick", "2026-09-05", "2026-09-01", "", ""],
        ["E10002", "Holiday", "2026-09-10", "someday", "", ""],
        headers=TIME_OFF_HEADERS,
        user=root,
    )
    assert [str(error) for error in outcome.errors] == [
        "Row 3, First Day: Alex Doe already has pending vacation time off from 3 Aug to 7 Aug 2026.",
        "Row 4, First Day: Sam Roe already has approved vacation time off from 3 Aug to 7 Aug 2026.",
        "Row 5, Last Day: Time off cannot end before it starts.",
        "Row 6, Kind: “Holiday” is not one of: Vacation, Sick, Personal, Other.",
    ]
    assert TimeOffRequest.objects.count() == 1


def test_a_supervisor_imports_time_off_of_people_they_cover_and_their_own(alex, supervisor):
    supervisor.employee_id = "E90001"
    supervisor.save()
    UserFactory(username="pierre", employee_id="E30001", home_location=LocationFactory(code="PAR", name="Paris"))
    assert supervisor.home_location.code != "LON-HQ"  # based somewhere they do not cover
    outcome = run(
        TimeOffRequestResource,
        ["E10001", "Vacation", "2026-08-03", "2026-08-07"],
        ["E30001", "Vacation", "2026-08-03", "2026-08-07"],
        headers=["Employee ID", "Kind", "First Day", "Last Day"],
        user=supervisor,
    )
    assert [str(error) for error in outcome.errors] == ["Row 3, Employee ID: No person with employee id “E30001”."]
    assert not TimeOffRequest.objects.exists()
    outcome = run(
        TimeOffRequestResource,
        ["E90001", "Vacation", "2026-08-03", "2026-08-07"],
        headers=["Employee ID", "Kind", "First Day", "Last Day"],
        user=supervisor,
    )
    assert counts(outcome) == (1, 0, 0, [])


def test_events_through_the_console_preview_then_confirm_with_their_crew(root_client, root, mcr, alex):
    data = "Facility,Starts,Title,Ends,Crew\nLON-MCR1,2026-07-02 18:00,Evening news,2026-07-02 19:00,E10001\n"
    upload = SimpleUploadedFile("events.csv", data.encode(), content_type="text/csv")
    preview = root_client.post(reverse("admin:scheduling_scheduledevent_import"), {"import_file": upload})
    assert preview.status_code == 200 and preview.context["job_summary"]["new"] == 1
    assert not ScheduledEvent.objects.exists()

    job = ImportJob.objects.get()
    response = root_client.post(reverse("admin:scheduling_scheduledevent_process_import"), {"job": str(job.uid)})

    assert response.status_code == 302
    event = ScheduledEvent.objects.get()
    assert crew_of(event) == {"E10001"}
    record = event.history.get()
    assert record.history_user == root and record.history_change_reason.startswith("Import job ")
    assert crew_in_history(record) == {"E10001"}


# --- the Status column: events run their steps, time off refuses it ---------------------------------------------------


def test_an_event_confirmed_by_import_runs_the_confirm_step_and_its_rule(news, mcr, supervisor):
    pilot = ScheduledEventFactory(
        title="Pilot", facility=mcr, starts_at=london(2026, 7, 1, 18, 30), ends_at=london(2026, 7, 1, 20)
    )
    later = ScheduledEventFactory(
        title="Late show", facility=mcr, starts_at=london(2026, 7, 1, 22), ends_at=london(2026, 7, 1, 23)
    )
    headers = ["Facility", "Starts", "Title", "Status"]

    clash = run(
        ScheduledEventResource, ["LON-MCR1", "2026-07-01 18:30", "Pilot", "Confirmed"], headers=headers, user=supervisor
    )
    fine = run(
        ScheduledEventResource,
        ["LON-MCR1", "2026-07-01 22:00", "Late show", "confirmed"],
        headers=headers,
        user=supervisor,
    )
    back = run(
        ScheduledEventResource,
        ["LON-MCR1", "2026-07-01 22:00", "Late show", "Tentative"],
        headers=headers,
        user=supervisor,
    )

    assert counts(clash)[3] == [
        "Row 2, Starts: LON-MCR1 already has a confirmed live broadcast, “Evening news”, from 18:00 to 19:00 on 1 Jul "
        "(Europe/London)."
    ]
    assert counts(fine) == (0, 1, 0, [])
    assert counts(back)[3] == ["Row 2, Status: Cannot restore as tentative: it is confirmed, not cancelled."]
    assert ScheduledEvent.objects.get(pk=pilot.pk).status == EventStatus.TENTATIVE
    later.refresh_from_db()
    assert (later.status, later.history.latest().history_user) == (EventStatus.CONFIRMED, supervisor)


def test_a_crew_member_outside_the_importers_scope_reads_as_an_unknown_one(mcr, alex, supervisor):
    UserFactory(username="pierre", employee_id="E30001", home_location=LocationFactory(code="PAR", name="Paris"))
    headers = ["Facility", "Starts", "Title", "Ends", "Crew"]

    elsewhere = run(
        ScheduledEventResource,
        ["LON-MCR1", "2026-07-02 18:00", "News", "2026-07-02 19:00", "E10001; E30001"],
        headers=headers,
        user=supervisor,
    )
    nowhere = run(
        ScheduledEventResource,
        ["LON-MCR1", "2026-07-02 18:00", "News", "2026-07-02 19:00", "E10001; E39999"],
        headers=headers,
        user=supervisor,
    )

    assert counts(elsewhere)[3] == ["Row 2, Crew: No person with employee ID “E30001”."]
    assert counts(nowhere)[3] == ["Row 2, Crew: No person with employee ID “E39999”."]
    assert not ScheduledEvent.objects.exists()


TIME_OFF_REFUSAL = (
    "An import does not change the status of time off: approve, deny or cancel requests with the actions of "
    "Scheduling → Time off requests, or on a request's own page."
)


def test_a_supervisor_cannot_approve_their_own_time_off_by_import_preview_or_confirm(client, supervisor):
    supervisor.employee_id = "E90001"
    supervisor.save()
    own = TimeOffRequestFactory(
        user=supervisor, kind=TimeOffKind.VACATION, starts_on=date(2026, 8, 3), ends_on=date(2026, 8, 7)
    )
    rows = [
        ["E90001", "Vacation", "2026-08-03", "2026-08-07", "", "Approved"],
        ["E90001", "Sick", "2026-08-10", "2026-08-10", "", "Approved"],
    ]
    client = signed_in(client, supervisor)

    preview = import_preview(client, TimeOffRequest, TIME_OFF_HEADERS, *rows)
    refused = import_confirm(client, TimeOffRequest)
    confirmed = run(TimeOffRequestResource, *rows, headers=TIME_OFF_HEADERS, user=supervisor)

    assert page_text(preview).count(TIME_OFF_REFUSAL) == 2
    assert refused.status_code == 302
    assert counts(confirmed)[3] == [f"Row 2, Status: {TIME_OFF_REFUSAL}", f"Row 3, Status: {TIME_OFF_REFUSAL}"]
    own.refresh_from_db()
    assert (own.status, own.reviewed_by, TimeOffRequest.objects.count()) == (TimeOffStatus.PENDING, None, 1)


def test_time_off_rows_that_keep_the_status_are_imported_and_a_reviewed_one_keeps_its_days(alex, supervisor):
    approved = TimeOffRequestFactory(
        user=alex, starts_on=date(2026, 8, 3), ends_on=date(2026, 8, 7), status=TimeOffStatus.APPROVED
    )

    same = run(
        TimeOffRequestResource,
        ["E10001", "Vacation", "2026-08-03", "2026-08-07", "Family", "Approved"],
        headers=TIME_OFF_HEADERS,
        user=supervisor,
    )
    longer = run(
        TimeOffRequestResource,
        ["E10001", "Vacation", "2026-08-03", "2026-08-14"],
        headers=TIME_OFF_HEADERS[:4],
        user=supervisor,
    )

    assert counts(same) == (0, 1, 0, [])
    assert counts(longer)[3] == [
        "Row 2, Last Day: The request is approved: its person, kind and days stay as reviewed "
        "(cancel it and request the new days instead)."
    ]
    approved.refresh_from_db()
    assert (approved.reason, approved.ends_on, approved.status) == ("Family", date(2026, 8, 7), TimeOffStatus.APPROVED)
