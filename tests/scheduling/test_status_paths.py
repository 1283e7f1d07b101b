"""A status moves only through its workflow step, on the console's forms too: a supervisor cannot approve their
own time off or time entry by editing it, nor publish a shift or confirm an event by typing its status; the
steps (the list's actions, the request's own page) run with the caller's rights and refuse one's own review."""

from datetime import date

import pytest
from django.urls import reverse

from apps.notifications.models import OutboundEmail
from apps.scheduling.choices import EventStatus, TimeOffKind, TimeOffStatus
from apps.scheduling.models import ScheduledEvent, TimeOffRequest
from apps.timesheets.choices import Activity, TimeEntryStatus
from tests.factories import (
    FacilityFactory,
    LocationFactory,
    ScheduledEventFactory,
    TimeEntryFactory,
    TimeOffRequestFactory,
)

from .conftest import london
from .test_admin import _split, _text

pytestmark = pytest.mark.django_db

TIME_OFF = reverse("admin:scheduling_timeoffrequest_changelist")
ENTRIES = reverse("admin:timesheets_timeentry_changelist")
EVENTS = reverse("admin:scheduling_scheduledevent_changelist")


def _messages(response) -> str:
    return " | ".join(str(message) for message in response.context["messages"])


@pytest.fixture
def own_time_off(supervisor):
    supervisor.email = "pat@example.org"
    supervisor.save()
    return TimeOffRequestFactory(
        user=supervisor, kind=TimeOffKind.VACATION, starts_on=date(2026, 3, 2), ends_on=date(2026, 3, 4)
    )


# --- time off ----------------------------------------------------------------------------------------------------


def test_a_supervisor_cannot_approve_their_own_time_off_on_its_change_form(login, supervisor, own_time_off):
    client = login(supervisor)
    url = reverse("admin:scheduling_timeoffrequest_change", args=[own_time_off.pk])

    page = client.get(url)
    saved = client.post(
        url,
        {
            "user": supervisor.pk,
            "kind": TimeOffKind.VACATION,
            "starts_on": "2026-03-02",
            "ends_on": "2026-03-04",
            "reason": "Family",
            "status": TimeOffStatus.APPROVED,
            "review_note": "Approved by myself",
            "reviewed_by": supervisor.pk,
        },
    )

    assert page.status_code == 200
    for field in ("status", "review_note", "reviewed_by", "reviewed_at"):
        assert f'name="{field}"' not in page.content.decode()
    assert saved.status_code == 302, _text(saved)
    own_time_off.refresh_from_db()
    assert (own_time_off.status, own_time_off.reviewed_by, own_time_off.review_note, own_time_off.reason) == (
        TimeOffStatus.PENDING,
        None,
        "",
        "Family",
    )
    assert not OutboundEmail.objects.exists()


def test_the_review_steps_refuse_a_supervisors_own_request_from_the_list_and_its_page(login, supervisor, own_time_off):
    client = login(supervisor)

    listed = client.post(
        TIME_OFF,
        {"action": "approve_selected", "_selected_action": [own_time_off.pk], "apply": "1", "note": ""},
        follow=True,
    )
    on_page = client.post(
        reverse("admin:scheduling_timeoffrequest_approve_detail", args=[own_time_off.pk]), {"note": ""}, follow=True
    )

    for response in (listed, on_page):
        assert "nobody reviews their own request." in _messages(response)
    assert TimeOffRequest.objects.get().status == TimeOffStatus.PENDING
    assert not OutboundEmail.objects.exists()


def test_a_reviewed_request_shows_its_days_read_only_and_keeps_them(login, supervisor, alex):
    approved = TimeOffRequestFactory(
        user=alex, starts_on=date(2026, 3, 2), ends_on=date(2026, 3, 4), status=TimeOffStatus.APPROVED
    )
    client = login(supervisor)
    url = reverse("admin:scheduling_timeoffrequest_change", args=[approved.pk])

    page = client.get(url)
    saved = client.post(url, {"starts_on": "2026-03-01", "ends_on": "2026-03-09", "reason": "Extended"})

    assert 'name="starts_on"' not in page.content.decode() and 'name="reason"' in page.content.decode()
    assert saved.status_code == 302, _text(saved)
    approved.refresh_from_db()
    assert (approved.starts_on, approved.ends_on, approved.reason) == (date(2026, 3, 2), date(2026, 3, 4), "Extended")


def test_time_off_is_cancelled_from_its_page_and_the_requester_told(login, supervisor, alex):
    alex.email = "alex@example.org"
    alex.save()
    approved = TimeOffRequestFactory(
        user=alex, starts_on=date(2026, 3, 2), ends_on=date(2026, 3, 4), status=TimeOffStatus.APPROVED
    )
    client = login(supervisor)
    url = reverse("admin:scheduling_timeoffrequest_cancel_detail", args=[approved.pk])

    form = client.get(url)
    assert form.status_code == 200 and TimeOffRequest.objects.get().status == TimeOffStatus.APPROVED
    done = client.post(url, {}, follow=True)
    again = client.post(url, {}, follow=True)

    assert TimeOffRequest.objects.get().status == TimeOffStatus.CANCELLED
    assert "Cancelled 1:" in _messages(done)
    assert "it is cancelled already." in _messages(again)
    (email,) = OutboundEmail.objects.all()
    assert email.recipients == ["alex@example.org"] and "has been cancelled by Pat Lead." in email.body
    assert approved.history.latest().history_user == supervisor


# --- time entries ------------------------------------------------------------------------------------------------


def test_a_supervisor_cannot_approve_their_own_time_entry_on_its_change_form_or_by_the_action(login, supervisor):
    entry = TimeEntryFactory(user=supervisor, work_date=date(2026, 3, 2), minutes=60, activity=Activity.TRAINING)
    client = login(supervisor)
    url = reverse("admin:timesheets_timeentry_change", args=[entry.pk])

    page = client.get(url)
    saved = client.post(
        url,
        {
            "user": supervisor.pk,
            "work_date": "2026-03-02",
            "minutes": 60,
            "activity": Activity.TRAINING,
            "notes": "Fire drill",
            "status": TimeEntryStatus.APPROVED,
            "reviewed_by": supervisor.pk,
        },
    )
    action = client.post(ENTRIES, {"action": "approve_selected", "_selected_action": [entry.pk]}, follow=True)

    assert 'name="status"' not in page.content.decode()
    assert saved.status_code == 302, _text(saved)
    assert "nobody reviews their own time." in _messages(action)
    entry.refresh_from_db()
    assert (entry.status, entry.reviewed_by, entry.notes) == (TimeEntryStatus.SUBMITTED, None, "Fire drill")


def test_a_reviewed_entry_shows_what_was_reviewed_read_only_and_keeps_it(login, supervisor, alex):
    entry = TimeEntryFactory(user=alex, work_date=date(2026, 3, 2), minutes=60, status=TimeEntryStatus.APPROVED)
    client = login(supervisor)
    url = reverse("admin:timesheets_timeentry_change", args=[entry.pk])

    page = client.get(url)
    saved = client.post(url, {"minutes": 600, "notes": "Checked"})

    assert 'name="minutes"' not in page.content.decode() and 'name="notes"' in page.content.decode()
    assert saved.status_code == 302, _text(saved)
    entry.refresh_from_db()
    assert (entry.minutes, entry.notes, entry.status) == (60, "Checked", TimeEntryStatus.APPROVED)


# --- scheduled events ----------------------------------------------------------------------------------------------


def test_an_event_is_confirmed_and_cancelled_by_its_steps_not_its_form(login, supervisor, studio):
    event = ScheduledEventFactory(
        title="Evening news", facility=studio, starts_at=london(2026, 3, 3, 18), ends_at=london(2026, 3, 3, 19)
    )
    client = login(supervisor)
    url = reverse("admin:scheduling_scheduledevent_change", args=[event.pk])
    post = {
        "title": "Evening news",
        "kind": event.kind,
        "facility": studio.pk,
        **_split("starts_at", event.starts_at, studio),
        **_split("ends_at", event.ends_at, studio),
        "status": EventStatus.CONFIRMED,
    }

    page = client.get(url)
    saved = client.post(url, post)
    assert 'name="status"' not in page.content.decode()
    assert saved.status_code == 302, _text(saved)
    assert ScheduledEvent.objects.get().status == EventStatus.TENTATIVE

    confirmed = client.post(EVENTS, {"action": "confirm_selected", "_selected_action": [event.pk]}, follow=True)
    assert "Confirmed 1:" in _messages(confirmed)
    assert ScheduledEvent.objects.get().status == EventStatus.CONFIRMED
    cancelled = client.post(EVENTS, {"action": "cancel_selected", "_selected_action": [event.pk]}, follow=True)
    again = client.post(EVENTS, {"action": "confirm_selected", "_selected_action": [event.pk]}, follow=True)
    assert "Cancelled 1:" in _messages(cancelled)
    assert "it is cancelled, not tentative." in _messages(again)
    assert [record.history_user for record in event.history.all()[:2]] == [supervisor, supervisor]


def test_an_event_is_not_confirmed_outside_the_supervisors_locations(login, supervisor):
    paris = FacilityFactory(code="PAR-STU", location=LocationFactory(code="PAR", name="Paris"))
    elsewhere = ScheduledEventFactory(facility=paris, starts_at=london(2026, 3, 3, 18))
    client = login(supervisor)

    response = client.post(EVENTS, {"action": "confirm_selected", "_selected_action": [elsewhere.pk]}, follow=True)

    assert response.status_code == 200
    assert ScheduledEvent.objects.get().status == EventStatus.TENTATIVE  # not in their list: not acted on
