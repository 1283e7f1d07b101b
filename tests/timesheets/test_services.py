"""time_entry_create / time_entry_update / time_entry_validate: minutes, the day's total, and linked items."""

from datetime import date

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction

from apps.core.actors import system_user
from apps.timesheets.choices import Activity, TimeEntryStatus
from apps.timesheets.models import TimeEntry
from apps.timesheets.services import time_entry_approve, time_entry_create, time_entry_update
from tests.factories import (
    IncidentTicketFactory,
    LocationFactory,
    ServiceTicketFactory,
    ShiftFactory,
    TimeEntryFactory,
    UserFactory,
)
from tests.scheduling.conftest import london

pytestmark = pytest.mark.django_db

DAY = date(2026, 3, 3)


def _entry(person, minutes=60, activity=Activity.TRAINING, work_date=DAY, by=None, **kwargs):
    return time_entry_create(
        user=person, work_date=work_date, minutes=minutes, activity=activity, by=by or system_user(), **kwargs
    )


def test_create_saves_the_entry_submitted_with_history(alex, supervisor):
    entry = _entry(alex, minutes=90, notes="Fire drill", by=supervisor)

    assert (entry.minutes, entry.status) == (90, TimeEntryStatus.SUBMITTED)
    assert entry.history.get().history_user == supervisor


@pytest.mark.parametrize("minutes", [0, 1441])
def test_minutes_must_be_within_one_day(alex, minutes):
    with pytest.raises(ValidationError) as exc_info:
        _entry(alex, minutes=minutes)

    assert exc_info.value.message_dict == {"minutes": ["Minutes must be more than 0 and at most 1,440 (one day)."]}


@pytest.mark.parametrize("minutes", [1, 1440])
def test_the_bounds_are_allowed(alex, minutes):
    assert _entry(alex, minutes=minutes).pk


def test_a_persons_day_holds_at_most_24_hours(alex):
    _entry(alex, minutes=1000, activity=Activity.TRAINING)

    with pytest.raises(ValidationError) as exc_info:
        _entry(alex, minutes=441, activity=Activity.ADMIN)

    assert exc_info.value.message_dict == {
        "minutes": [
            "Alex Doe already has 16h40 logged on 3 Mar 2026; 7h21 more would make 24h01, more than a day (24h00)."
        ]
    }
    _entry(alex, minutes=440, activity=Activity.ADMIN)
    assert sum(TimeEntry.objects.values_list("minutes", flat=True)) == 1440


def test_other_days_other_people_and_rejected_entries_do_not_count(alex, sam):
    _entry(alex, minutes=1000)
    TimeEntryFactory(user=alex, work_date=DAY, minutes=1000, activity=Activity.ADMIN, status=TimeEntryStatus.REJECTED)

    _entry(alex, minutes=1000, work_date=date(2026, 3, 4))
    _entry(sam, minutes=1000)
    _entry(alex, minutes=440, activity=Activity.SERVICE)


def test_updating_an_entry_does_not_count_it_twice(alex):
    entry = _entry(alex, minutes=1000)

    time_entry_update(time_entry=entry, minutes=1440, by=system_user())

    entry.refresh_from_db()
    assert entry.minutes == 1440
    with pytest.raises(ValidationError, match="already has 24h00 logged"):
        time_entry_update(
            time_entry=_entry(alex, minutes=1, work_date=date(2026, 3, 4)), work_date=DAY, by=system_user()
        )


def test_a_linked_shift_must_be_the_same_persons(alex, sam, mcr):
    sams_shift = ShiftFactory(user=sam, facility=mcr, position="MCR operator", starts_at=london(2026, 3, 3, 6))

    with pytest.raises(ValidationError) as exc_info:
        _entry(alex, activity=Activity.SHIFT, shift=sams_shift)

    assert exc_info.value.message_dict == {
        "shift": ["That shift (MCR operator at LON-MCR1) is Sam Roe's, not this person's."]
    }


def test_an_entry_on_ones_own_shift_is_fine(alex, mcr):
    shift = ShiftFactory(user=alex, facility=mcr, starts_at=london(2026, 3, 3, 6))

    assert _entry(alex, minutes=480, activity=Activity.SHIFT, shift=shift).shift == shift


@pytest.mark.parametrize(
    ("link", "factory", "expected"),
    [
        ("shift", ShiftFactory, "Shift"),
        ("incident", IncidentTicketFactory, "Incident"),
        ("service_ticket", ServiceTicketFactory, "Service"),
    ],
)
def test_the_activity_must_agree_with_the_linked_item(alex, link, factory, expected):
    item = factory(user=alex) if link == "shift" else factory()
    wrong = Activity.TRAINING

    with pytest.raises(ValidationError) as exc_info:
        _entry(alex, activity=wrong, **{link: item})

    [message] = exc_info.value.message_dict["activity"]
    assert message.endswith(f"must have the activity “{expected}”.")
    right = {"shift": Activity.SHIFT, "incident": Activity.INCIDENT, "service_ticket": Activity.SERVICE}[link]
    assert _entry(alex, activity=right, **{link: item}).pk


def test_an_entry_links_one_item_at_most(alex):
    with pytest.raises(ValidationError) as exc_info:
        _entry(
            alex, activity=Activity.INCIDENT, incident=IncidentTicketFactory(), service_ticket=ServiceTicketFactory()
        )

    assert exc_info.value.message_dict[NON_FIELD_ERRORS] == [
        "An entry links to one item at most; this one links an incident and a service ticket."
    ]


@pytest.mark.parametrize("field", ["status", "reviewed_by", "reviewed_at"])
def test_update_refuses_the_status_and_the_review_fields_and_records_who(alex, supervisor, field):
    entry = _entry(alex)

    with pytest.raises(TypeError, match=f"time_entry_update\\(\\) cannot change {field}"):
        time_entry_update(time_entry=entry, by=supervisor, **{field: TimeEntryStatus.APPROVED})
    time_entry_update(time_entry=entry, notes="Updated", by=supervisor)
    assert entry.history.latest().history_user == supervisor
    assert TimeEntry.objects.get().status == TimeEntryStatus.SUBMITTED


def test_a_reviewed_entry_keeps_what_was_reviewed_but_its_notes(alex, supervisor):
    entry = time_entry_approve(time_entry=_entry(alex, minutes=60), by=supervisor)

    with pytest.raises(ValidationError) as exc_info:
        time_entry_update(time_entry=entry, minutes=600, by=alex)
    time_entry_update(time_entry=entry, notes="Fire drill", by=alex)

    assert exc_info.value.message_dict == {
        "minutes": ["The entry is approved: it stays as reviewed (log a new entry for the difference)."]
    }
    entry.refresh_from_db()
    assert (entry.minutes, entry.notes, entry.status, entry.reviewed_by) == (
        60,
        "Fire drill",
        TimeEntryStatus.APPROVED,
        supervisor,
    )


def test_a_refused_entry_leaves_the_callers_transaction_usable(alex):
    with transaction.atomic():
        with pytest.raises(ValidationError):
            _entry(alex, minutes=2000)
        _entry(alex, minutes=60)

    assert TimeEntry.objects.count() == 1


# --- location scope -----------------------------------------------------------------------------------------------


def test_entries_are_kept_for_people_based_where_the_caller_covers_or_for_oneself(alex, supervisor):
    based_in_salford = UserFactory(home_location=LocationFactory(code="SAL", name="Salford Quays"))
    outside = {"user": ["Salford Quays (SAL) is outside the locations you cover."]}

    with pytest.raises(ValidationError) as exc_info:
        _entry(based_in_salford, by=supervisor)  # the supervisor covers London HQ only
    assert exc_info.value.message_dict == outside
    own = _entry(based_in_salford, by=based_in_salford)  # one's own entries need no cover
    with pytest.raises(ValidationError) as exc_info:
        time_entry_update(time_entry=TimeEntry.objects.get(pk=own.pk), notes="Checked", by=supervisor)
    assert exc_info.value.message_dict == outside

    _entry(alex, by=supervisor)  # alex is based at London HQ
    assert TimeEntry.objects.count() == 2
    assert TimeEntry.objects.get(pk=own.pk).notes == ""
