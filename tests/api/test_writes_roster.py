"""Shifts, events, time off and time entries through the API: the services' sentences, history and e-mails."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from apps.api.scheduling_writes import OWN_PENDING_ONLY
from apps.api.timesheet_writes import OWN_SUBMITTED_ONLY
from apps.notifications.models import OutboundEmail
from apps.scheduling.choices import EventStatus, TimeOffStatus
from apps.scheduling.models import ScheduledEvent, Shift, TimeOffRequest
from apps.scheduling.services import shift_create
from apps.timesheets.models import TimeEntry
from tests import factories as f

from .conftest import signed_in

pytestmark = pytest.mark.django_db

MONDAY = datetime(2031, 3, 3, 6, 0, tzinfo=UTC)


def add_shift(client, world, person, starts_at, hours=8):
    return client.post(
        "/api/shifts/",
        {
            "user": person.pk,
            "facility": world.facility_a.pk,
            "position": "MCR operator",
            "starts_at": starts_at.isoformat(),
            "ends_at": (starts_at + timedelta(hours=hours)).isoformat(),
        },
        content_type="application/json",
    )


def service_refusal(**kwargs) -> dict:
    """What the service (and so the console's form) says for the same input."""
    with pytest.raises(ValidationError) as refused:
        shift_create(**kwargs)
    return refused.value.message_dict


def test_a_supervisor_adds_a_draft_shift_with_history_naming_the_call(world):
    response = add_shift(signed_in(world.supervisor), world, world.person_a, MONDAY)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["starts_at"], body["user"]) == ("draft", "2031-03-03T06:00:00Z", world.person_a.pk)
    created = Shift.objects.get().history.get()
    assert created.history_change_reason == "API: POST /api/shifts/"
    assert (created.history_user, created.request_id) == (world.supervisor, response["X-Request-ID"])


@pytest.mark.parametrize(
    "second_start, why",
    [(MONDAY + timedelta(hours=4), "overlap"), (MONDAY + timedelta(hours=10), "rest")],
    ids=["overlap", "rest"],
)
def test_the_roster_rules_answer_as_the_service_does(world, second_start, why):
    supervisor = signed_in(world.supervisor)
    assert add_shift(supervisor, world, world.person_a, MONDAY).status_code == 201
    refused = add_shift(supervisor, world, world.person_a, second_start)
    assert refused.status_code == 400, refused.content
    expected = service_refusal(
        user=world.person_a,
        facility=world.facility_a,
        position="MCR operator",
        starts_at=second_start,
        ends_at=second_start + timedelta(hours=8),
        by=world.supervisor,
    )
    assert refused.json() == {name if name != "__all__" else "non_field_errors": m for name, m in expected.items()}
    assert Shift.objects.count() == 1


def test_staff_and_auditors_add_no_shifts(world):
    for user in (world.staff, world.auditor):
        assert add_shift(signed_in(user), world, world.staff, MONDAY).status_code == 403


def test_time_off_for_oneself_reviewed_by_a_supervisor_who_is_not_the_requester(
    world, django_capture_on_commit_callbacks
):
    staff = signed_in(world.staff)
    asked = staff.post(
        "/api/time-off-requests/",
        {"kind": "vacation", "starts_on": "2031-07-01", "ends_on": "2031-07-03", "reason": "Family"},
        content_type="application/json",
    )
    assert asked.status_code == 201, asked.content
    path = f"/api/time-off-requests/{asked.json()['id']}/"
    for_someone_else = staff.post(
        "/api/time-off-requests/",
        {"user": world.person_a.pk, "kind": "vacation", "starts_on": "2031-08-01", "ends_on": "2031-08-01"},
        content_type="application/json",
    )
    assert for_someone_else.status_code == 403
    assert for_someone_else.json() == {"detail": "You can only request time off for yourself."}

    with django_capture_on_commit_callbacks(execute=True):
        approved = signed_in(world.supervisor).patch(
            path, {"status": "approved", "review_note": "Enjoy."}, content_type="application/json"
        )
    assert approved.status_code == 200, approved.content
    assert (approved.json()["status"], approved.json()["reviewed_by"]) == ("approved", world.supervisor.pk)
    assert OutboundEmail.objects.filter(recipients=[world.staff.email]).exists()

    late = staff.patch(path, {"reason": "Changed"}, content_type="application/json")
    assert late.status_code == 403 and late.json() == {"detail": OWN_PENDING_ONLY}


def test_nobody_reviews_their_own_request(world):
    own = f.TimeOffRequestFactory(user=world.supervisor)
    response = signed_in(world.supervisor).patch(
        f"/api/time-off-requests/{own.pk}/", {"status": "approved"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["nobody reviews their own request."]}
    own.refresh_from_db()
    assert own.status == TimeOffStatus.PENDING


def test_staff_cancel_their_own_pending_request(world):
    pending = f.TimeOffRequestFactory(user=world.staff)
    response = signed_in(world.staff).patch(
        f"/api/time-off-requests/{pending.pk}/", {"status": "cancelled"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert TimeOffRequest.objects.get(pk=pending.pk).status == TimeOffStatus.CANCELLED


def test_time_entries_own_while_submitted_and_reviewed_by_someone_else(world):
    staff = signed_in(world.staff)
    logged = staff.post(
        "/api/time-entries/",
        {"work_date": "2031-03-03", "minutes": 480, "activity": "training"},
        content_type="application/json",
    )
    assert logged.status_code == 201, logged.content
    path = f"/api/time-entries/{logged.json()['id']}/"
    assert staff.patch(path, {"minutes": 450}, content_type="application/json").json()["minutes"] == 450
    too_much = staff.post(
        "/api/time-entries/",
        {"work_date": "2031-03-03", "minutes": 1000, "activity": "admin"},
        content_type="application/json",
    )
    assert too_much.status_code == 400 and "more than a day (24h00)" in too_much.json()["minutes"][0]
    assert staff.patch(path, {"status": "approved"}, content_type="application/json").status_code == 400
    approved = signed_in(world.supervisor).patch(path, {"status": "approved"}, content_type="application/json")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    after = staff.patch(path, {"notes": "x"}, content_type="application/json")
    assert after.status_code == 403 and after.json() == {"detail": OWN_SUBMITTED_ONLY}
    assert TimeEntry.objects.get(pk=logged.json()["id"]).minutes == 450
    someone_else = staff.post(
        "/api/time-entries/",
        {"user": world.person_a.pk, "work_date": "2031-03-04", "minutes": 60, "activity": "admin"},
        content_type="application/json",
    )
    assert someone_else.status_code == 403 and someone_else.json() == {"detail": "You can only log time for yourself."}


def test_events_are_confirmed_by_their_step_and_a_clash_is_the_services_sentence(world):
    supervisor = signed_in(world.supervisor)

    def add(title):
        return supervisor.post(
            "/api/scheduled-events/",
            {
                "title": title,
                "kind": "live_broadcast",
                "facility": world.facility_a.pk,
                "starts_at": "2031-03-03T18:00:00Z",
                "ends_at": "2031-03-03T19:00:00Z",
                "crew": [world.person_a.pk],
            },
            content_type="application/json",
        )

    first, second = add("Evening news"), add("Election special")
    assert first.status_code == second.status_code == 201
    assert first.json()["crew"] == [world.person_a.pk] and first.json()["status"] == "tentative"
    confirm = supervisor.patch(
        f"/api/scheduled-events/{first.json()['id']}/", {"status": "confirmed"}, content_type="application/json"
    )
    assert confirm.status_code == 200 and confirm.json()["status"] == "confirmed"
    clash = supervisor.patch(
        f"/api/scheduled-events/{second.json()['id']}/", {"status": "confirmed"}, content_type="application/json"
    )
    assert clash.status_code == 400
    assert "already has a confirmed live broadcast, “Evening news”" in clash.json()["starts_at"][0]
    assert ScheduledEvent.objects.get(pk=second.json()["id"]).status == EventStatus.TENTATIVE
