"""scheduled_event_* and time_off_request_*: the rules across rows and the status steps, on every database."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from apps.core.actors import system_user
from apps.notifications.models import OutboundEmail
from apps.scheduling.choices import EventKind, EventStatus, TimeOffKind, TimeOffStatus
from apps.scheduling.models import ScheduledEvent, TimeOffRequest
from apps.scheduling.services import (
    scheduled_event_cancel,
    scheduled_event_confirm,
    scheduled_event_create,
    scheduled_event_restore,
    scheduled_event_update,
    time_off_request_create,
    time_off_request_update,
)
from apps.scheduling.time_off import time_off_request_cancel
from tests.factories import FacilityFactory, LocationFactory, TimeOffRequestFactory, UserFactory

from .conftest import london

pytestmark = pytest.mark.django_db


def _event(facility, starts_at, hours=1, title="Evening news", status=EventStatus.CONFIRMED, by=None, **kwargs):
    """An event made as the console makes it: created tentative, then confirmed or cancelled by its step."""
    by = by or system_user()
    event = scheduled_event_create(
        title=title,
        kind=EventKind.LIVE_BROADCAST,
        facility=facility,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=hours),
        by=by,
        **kwargs,
    )
    if status == EventStatus.CONFIRMED:
        scheduled_event_confirm(event=event, by=by)
    elif status == EventStatus.CANCELLED:
        scheduled_event_cancel(event=event, by=by)
    return event


# --- scheduled events ----------------------------------------------------------------------------------------


def test_create_sets_the_crew_and_records_who(studio, alex, sam, supervisor):
    event = _event(studio, london(2026, 3, 3, 18), crew=[alex, sam], by=supervisor)

    assert set(event.crew.all()) == {alex, sam}
    assert event.history.earliest().history_user == supervisor


def test_two_confirmed_events_may_not_overlap_at_a_facility(studio):
    _event(studio, london(2026, 3, 3, 18))

    with pytest.raises(ValidationError) as exc_info:
        _event(studio, london(2026, 3, 3, 18, 30), title="Late bulletin")

    assert exc_info.value.messages == [
        "LON-STU1 already has a confirmed live broadcast, “Evening news”, from 18:00 to 19:00 on 3 Mar (Europe/London)."
    ]
    # created tentative, its confirmation refused
    assert list(ScheduledEvent.objects.order_by("title").values_list("title", "status")) == [
        ("Evening news", EventStatus.CONFIRMED),
        ("Late bulletin", EventStatus.TENTATIVE),
    ]


@pytest.mark.parametrize("status", [EventStatus.TENTATIVE, EventStatus.CANCELLED])
def test_only_confirmed_events_clash(studio, status):
    _event(studio, london(2026, 3, 3, 18))

    _event(studio, london(2026, 3, 3, 18, 30), title="Pilot", status=status)

    assert ScheduledEvent.objects.count() == 2


def test_a_cancelled_confirmed_event_frees_the_slot(studio):
    first = _event(studio, london(2026, 3, 3, 18))
    scheduled_event_cancel(event=first, by=system_user())

    _event(studio, london(2026, 3, 3, 18, 30), title="Replacement")

    assert ScheduledEvent.objects.filter(status=EventStatus.CONFIRMED).count() == 1


def test_back_to_back_and_other_facilities_are_fine(studio, mcr):
    _event(studio, london(2026, 3, 3, 18))

    _event(studio, london(2026, 3, 3, 19), title="Sport")
    _event(mcr, london(2026, 3, 3, 18), title="Evening news")

    assert ScheduledEvent.objects.count() == 3


def test_confirming_a_tentative_event_into_a_clash_is_refused(studio):
    _event(studio, london(2026, 3, 3, 18))
    pilot = _event(studio, london(2026, 3, 3, 18, 30), title="Pilot", status=EventStatus.TENTATIVE)

    with pytest.raises(ValidationError, match="already has a confirmed live broadcast"):
        scheduled_event_confirm(event=pilot, by=system_user())

    pilot.refresh_from_db()
    assert pilot.status == EventStatus.TENTATIVE


def test_the_event_steps_refuse_the_wrong_status_and_update_does_not_move_it(studio, supervisor):
    event = _event(studio, london(2026, 3, 3, 18), status=EventStatus.CANCELLED, by=supervisor)

    with pytest.raises(ValidationError, match="it is cancelled, not tentative."):
        scheduled_event_confirm(event=event, by=supervisor)
    with pytest.raises(TypeError, match=r"scheduled_event_update\(\) cannot change status"):
        scheduled_event_update(event=event, status=EventStatus.CONFIRMED, by=supervisor)

    scheduled_event_restore(event=event, by=supervisor)
    assert ScheduledEvent.objects.get().status == EventStatus.TENTATIVE
    assert event.history.latest().history_user == supervisor


def test_an_update_keeps_the_stored_status_whatever_an_earlier_read_holds(studio, supervisor):
    event = _event(studio, london(2026, 3, 3, 18), status=EventStatus.TENTATIVE)
    stale = ScheduledEvent.objects.get()  # the form opened here
    scheduled_event_confirm(event=event, by=supervisor)  # someone confirms meanwhile

    scheduled_event_update(event=stale, title="Evening news (extended)", by=supervisor)

    assert ScheduledEvent.objects.values_list("title", "status").get() == (
        "Evening news (extended)",
        EventStatus.CONFIRMED,
    )


def test_an_event_must_end_after_it_starts(studio):
    with pytest.raises(ValidationError) as exc_info:
        _event(studio, london(2026, 3, 3, 18), hours=0)

    assert exc_info.value.message_dict == {"ends_at": ["An event must end after it starts."]}


def test_update_replaces_the_crew_only_when_given(studio, alex, sam):
    event = _event(studio, london(2026, 3, 3, 18), crew=[alex])

    scheduled_event_update(event=event, title="Evening news (extended)", by=system_user())
    assert list(event.crew.all()) == [alex]

    scheduled_event_update(event=event, crew=[sam], by=system_user())
    assert list(event.crew.all()) == [sam]


# --- time off ------------------------------------------------------------------------------------------------------


def _time_off(person, starts_on, ends_on, by=None, **kwargs):
    return time_off_request_create(
        user=person, kind=TimeOffKind.VACATION, starts_on=starts_on, ends_on=ends_on, by=by or system_user(), **kwargs
    )


def test_a_time_off_request_is_created_pending_with_history(alex, supervisor):
    request = _time_off(alex, date(2026, 3, 2), date(2026, 3, 4), reason="Family", by=supervisor)

    assert request.status == TimeOffStatus.PENDING
    assert request.history.get().history_user == supervisor


def test_time_off_cannot_end_before_it_starts(alex):
    with pytest.raises(ValidationError) as exc_info:
        _time_off(alex, date(2026, 3, 4), date(2026, 3, 3))

    assert exc_info.value.message_dict == {"ends_on": ["Time off cannot end before it starts."]}


def test_a_single_day_is_fine(alex):
    _time_off(alex, date(2026, 3, 4), date(2026, 3, 4))


@pytest.mark.parametrize("status", [TimeOffStatus.PENDING, TimeOffStatus.APPROVED])
def test_overlapping_live_requests_are_refused(alex, status):
    TimeOffRequestFactory(user=alex, starts_on=date(2026, 3, 2), ends_on=date(2026, 3, 4), status=status)

    with pytest.raises(ValidationError) as exc_info:
        time_off_request_create(
            user=alex, kind=TimeOffKind.PERSONAL, starts_on=date(2026, 3, 4), ends_on=date(2026, 3, 6), by=system_user()
        )

    assert exc_info.value.message_dict == {
        "starts_on": [f"Alex Doe already has {status.label.lower()} vacation time off from 2 Mar to 4 Mar 2026."]
    }


@pytest.mark.parametrize("status", [TimeOffStatus.DENIED, TimeOffStatus.CANCELLED])
def test_denied_or_cancelled_requests_do_not_block(alex, status):
    TimeOffRequestFactory(user=alex, starts_on=date(2026, 3, 2), ends_on=date(2026, 3, 4), status=status)

    _time_off(alex, date(2026, 3, 3), date(2026, 3, 3))


def test_adjacent_days_and_other_people_are_fine(alex, sam):
    _time_off(alex, date(2026, 3, 2), date(2026, 3, 4))

    _time_off(alex, date(2026, 3, 5), date(2026, 3, 6))
    _time_off(sam, date(2026, 3, 2), date(2026, 3, 4))

    assert TimeOffRequest.objects.count() == 3


def test_update_into_an_overlap_is_refused_and_a_cancelled_request_keeps_its_days(alex):
    _time_off(alex, date(2026, 3, 2), date(2026, 3, 4))
    later = _time_off(alex, date(2026, 3, 9), date(2026, 3, 10))

    with pytest.raises(ValidationError, match="already has pending vacation time off"):
        time_off_request_update(time_off_request=later, starts_on=date(2026, 3, 4), by=system_user())

    later.refresh_from_db()
    time_off_request_cancel(time_off_request=later, by=alex)
    with pytest.raises(ValidationError) as exc_info:
        time_off_request_update(time_off_request=later, starts_on=date(2026, 3, 3), by=system_user())
    assert exc_info.value.message_dict == {
        "starts_on": [
            "The request is cancelled: its person, kind and days stay as reviewed "
            "(cancel it and request the new days instead)."
        ]
    }
    time_off_request_update(time_off_request=later, reason="Moved to May", by=alex)  # the reason may change
    assert TimeOffRequest.objects.filter(status=TimeOffStatus.CANCELLED).get().starts_on == date(2026, 3, 9)


@pytest.mark.parametrize("field", ["status", "reviewed_by", "reviewed_at", "review_note"])
def test_update_refuses_the_status_and_the_review_fields(alex, supervisor, field):
    request = _time_off(alex, date(2026, 3, 2), date(2026, 3, 4))

    with pytest.raises(TypeError, match=f"cannot change {field}"):
        time_off_request_update(time_off_request=request, by=supervisor, **{field: TimeOffStatus.APPROVED})
    assert TimeOffRequest.objects.get().status == TimeOffStatus.PENDING


def test_a_request_is_cancelled_by_its_owner_silently_or_by_a_supervisor_who_tells_them(alex, sam, supervisor):
    own = _time_off(alex, date(2026, 3, 2), date(2026, 3, 4))
    theirs = _time_off(sam, date(2026, 3, 2), date(2026, 3, 4))

    time_off_request_cancel(time_off_request=own, by=alex)
    time_off_request_cancel(time_off_request=theirs, by=supervisor)

    assert set(TimeOffRequest.objects.values_list("status", flat=True)) == {TimeOffStatus.CANCELLED}
    (email,) = OutboundEmail.objects.all()
    assert email.recipients == [sam.email]
    assert email.subject == "Time off cancelled: from 2 Mar to 4 Mar 2026"
    assert "has been cancelled by Pat Lead." in email.body
    assert theirs.history.latest().history_user == supervisor
    with pytest.raises(ValidationError, match="it is cancelled already."):
        time_off_request_cancel(time_off_request=theirs, by=supervisor)


def test_time_off_of_someone_outside_the_callers_cover_is_not_cancelled(supervisor):
    elsewhere = UserFactory(home_location=LocationFactory(code="SAL", name="Salford Quays"))
    request = _time_off(elsewhere, date(2026, 3, 2), date(2026, 3, 4))

    with pytest.raises(ValidationError) as exc_info:
        time_off_request_cancel(time_off_request=request, by=supervisor)

    assert exc_info.value.message_dict == {"user": ["Salford Quays (SAL) is outside the locations you cover."]}
    assert TimeOffRequest.objects.get().status == TimeOffStatus.PENDING


# --- location scope -----------------------------------------------------------------------------------------------

OUTSIDE = "Salford Quays (SAL) is outside the locations you cover."


@pytest.fixture
def salford(db):
    """A location the `supervisor` fixture (covering London HQ) does not cover."""
    return LocationFactory(code="SAL", name="Salford Quays")


def test_an_event_is_not_put_at_or_moved_to_a_location_outside_the_callers_cover(studio, supervisor, salford):
    salford_studio = FacilityFactory(code="SAL-STU1", location=salford)

    with pytest.raises(ValidationError) as exc_info:
        _event(salford_studio, london(2026, 3, 3, 18), by=supervisor)
    assert exc_info.value.message_dict == {"facility": [OUTSIDE]}

    event = _event(studio, london(2026, 3, 3, 18), by=supervisor)
    with pytest.raises(ValidationError) as exc_info:
        scheduled_event_update(event=ScheduledEvent.objects.get(pk=event.pk), facility=salford_studio, by=supervisor)
    assert exc_info.value.message_dict == {"facility": [OUTSIDE]}
    assert ScheduledEvent.objects.get().facility == studio


def test_time_off_is_requested_for_people_based_where_the_caller_covers_or_for_oneself(alex, supervisor, salford):
    based_in_salford = UserFactory(home_location=salford)

    with pytest.raises(ValidationError) as exc_info:
        _time_off(based_in_salford, date(2026, 3, 2), date(2026, 3, 4), by=supervisor)
    assert exc_info.value.message_dict == {"user": [OUTSIDE]}
    assert not TimeOffRequest.objects.exists()

    _time_off(alex, date(2026, 3, 2), date(2026, 3, 4), by=supervisor)  # alex is based at London HQ
    _time_off(based_in_salford, date(2026, 3, 2), date(2026, 3, 4), by=based_in_salford)  # one's own
    _time_off(supervisor, date(2026, 3, 9), date(2026, 3, 9), by=supervisor)  # one's own, based elsewhere
    assert TimeOffRequest.objects.count() == 3
