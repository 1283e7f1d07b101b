"""shift_create / shift_update / shift_validate: the rules across rows, on every database."""

from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction

from apps.scheduling.choices import ShiftStatus, TimeOffStatus
from apps.scheduling.models import Shift
from apps.scheduling.services import shift_create, shift_update
from tests.factories import FacilityFactory, LocationFactory, TimeOffRequestFactory

from .conftest import SYDNEY, london

pytestmark = pytest.mark.django_db


def _shift(person, facility, starts_at, hours=8, **kwargs):
    return shift_create(
        user=person,
        facility=facility,
        position="MCR operator",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=hours),
        **kwargs,
    )


def _messages(exc_info) -> list[str]:
    return exc_info.value.messages


def test_create_saves_the_shift_and_records_who_in_history(alex, mcr, supervisor):
    shift = _shift(alex, mcr, london(2026, 3, 3, 6), by=supervisor)

    assert Shift.objects.get() == shift
    assert shift.status == ShiftStatus.DRAFT
    record = shift.history.get()
    assert (record.history_type, record.history_user) == ("+", supervisor)


def test_an_overlapping_shift_is_refused_naming_the_clash(alex, mcr, studio):
    _shift(alex, mcr, london(2026, 3, 3, 6))

    with pytest.raises(ValidationError) as exc_info:
        _shift(alex, studio, london(2026, 3, 3, 10))

    assert _messages(exc_info) == [
        "Alex Doe already has a shift at LON-MCR1 from 06:00 to 14:00 on 3 Mar (Europe/London)."
    ]
    assert "starts_at" in exc_info.value.message_dict
    assert Shift.objects.count() == 1


def test_the_clash_is_told_in_local_time_across_summer_time_and_midnight(alex, mcr):
    _shift(alex, mcr, london(2026, 7, 3, 22))  # 21:00 UTC, local BST

    with pytest.raises(ValidationError) as exc_info:
        _shift(alex, mcr, london(2026, 7, 4, 1))

    assert _messages(exc_info) == [
        "Alex Doe already has a shift at LON-MCR1 from 22:00 on 3 Jul to 06:00 on 4 Jul (Europe/London)."
    ]


def test_a_shift_inside_another_is_refused(alex, mcr):
    _shift(alex, mcr, london(2026, 3, 3, 6), hours=12)

    with pytest.raises(ValidationError):
        _shift(alex, mcr, london(2026, 3, 3, 8), hours=2)


@pytest.mark.parametrize("hours_later", [8, -8], ids=["right-after", "right-before"])
def test_back_to_back_shifts_are_fine(alex, mcr, hours_later):
    _shift(alex, mcr, london(2026, 3, 3, 6))

    _shift(alex, mcr, london(2026, 3, 3, 6) + timedelta(hours=hours_later))

    assert Shift.objects.filter(user=alex).count() == 2


def test_another_person_may_work_the_same_hours(alex, sam, mcr):
    _shift(alex, mcr, london(2026, 3, 3, 6))

    _shift(sam, mcr, london(2026, 3, 3, 6))

    assert Shift.objects.count() == 2


def test_a_cancelled_shift_does_not_block(alex, mcr):
    _shift(alex, mcr, london(2026, 3, 3, 6), status=ShiftStatus.CANCELLED)

    _shift(alex, mcr, london(2026, 3, 3, 7), status=ShiftStatus.PUBLISHED)

    assert Shift.objects.filter(user=alex).count() == 2


def test_a_cancelled_shift_may_be_saved_over_a_live_one(alex, mcr):
    _shift(alex, mcr, london(2026, 3, 3, 6))

    _shift(alex, mcr, london(2026, 3, 3, 7), status=ShiftStatus.CANCELLED)

    assert Shift.objects.filter(user=alex).count() == 2


def test_un_cancelling_into_a_clash_is_refused(alex, mcr):
    _shift(alex, mcr, london(2026, 3, 3, 6))
    cancelled = _shift(alex, mcr, london(2026, 3, 3, 7), status=ShiftStatus.CANCELLED)

    with pytest.raises(ValidationError, match="already has a shift at LON-MCR1"):
        shift_update(shift=cancelled, status=ShiftStatus.DRAFT)


@pytest.mark.parametrize("hours", [0, -2], ids=["zero-length", "ends-before"])
def test_a_shift_must_end_after_it_starts(alex, mcr, hours):
    with pytest.raises(ValidationError) as exc_info:
        _shift(alex, mcr, london(2026, 3, 3, 6), hours=hours)

    assert exc_info.value.message_dict == {"ends_at": ["A shift must end after it starts."]}


def test_missing_fields_are_reported_not_crashed_on(alex, mcr):
    with pytest.raises(ValidationError) as exc_info:
        shift_create(user=alex, facility=mcr, position="", starts_at=london(2026, 3, 3, 6), ends_at=None)

    assert set(exc_info.value.message_dict) == {"position", "ends_at"}


def test_update_may_keep_a_shift_where_it_is(alex, mcr, supervisor):
    shift = _shift(alex, mcr, london(2026, 3, 3, 6))

    shift_update(shift=shift, position="Transmission controller", by=supervisor)

    shift.refresh_from_db()
    assert shift.position == "Transmission controller"
    assert shift.history.latest().history_user == supervisor


def test_update_moving_onto_another_shift_is_refused(alex, mcr):
    _shift(alex, mcr, london(2026, 3, 3, 6))
    later = _shift(alex, mcr, london(2026, 3, 4, 6))

    with pytest.raises(ValidationError, match="from 06:00 to 14:00 on 3 Mar"):
        shift_update(shift=later, starts_at=london(2026, 3, 3, 13), ends_at=london(2026, 3, 3, 21))

    later.refresh_from_db()
    assert later.starts_at == london(2026, 3, 4, 6)


def test_update_refuses_fields_it_does_not_own(alex, mcr):
    shift = _shift(alex, mcr, london(2026, 3, 3, 6))

    with pytest.raises(TypeError, match="created_at"):
        shift_update(shift=shift, created_at=london(2026, 1, 1, 0))


def test_a_refused_shift_leaves_the_callers_transaction_usable(alex, mcr):
    _shift(alex, mcr, london(2026, 3, 3, 6))

    with transaction.atomic():
        with pytest.raises(ValidationError):
            _shift(alex, mcr, london(2026, 3, 3, 8))
        _shift(alex, mcr, london(2026, 3, 3, 14))

    assert Shift.objects.filter(user=alex).count() == 2


# --- published shifts and approved time off ----------------------------------------------------------------


def test_a_published_shift_over_approved_time_off_is_refused(alex, mcr):
    TimeOffRequestFactory(
        user=alex, starts_on=date(2026, 3, 2), ends_on=date(2026, 3, 4), status=TimeOffStatus.APPROVED
    )

    with pytest.raises(ValidationError) as exc_info:
        _shift(alex, mcr, london(2026, 3, 3, 6), status=ShiftStatus.PUBLISHED)

    assert exc_info.value.message_dict == {
        NON_FIELD_ERRORS: [
            "Alex Doe has approved vacation time off from 2 Mar to 4 Mar 2026: a published shift cannot overlap it "
            "(keep it as a draft, or change the dates)."
        ]
    }
    assert not Shift.objects.exists()


def test_a_draft_over_approved_time_off_is_allowed_but_cannot_be_published(alex, mcr):
    TimeOffRequestFactory(
        user=alex, starts_on=date(2026, 3, 3), ends_on=date(2026, 3, 3), status=TimeOffStatus.APPROVED
    )

    draft = _shift(alex, mcr, london(2026, 3, 3, 6))

    with pytest.raises(ValidationError, match="approved vacation time off on 3 Mar 2026"):
        shift_update(shift=draft, status=ShiftStatus.PUBLISHED)
    assert Shift.objects.get().status == ShiftStatus.DRAFT


@pytest.mark.parametrize("status", [TimeOffStatus.PENDING, TimeOffStatus.DENIED, TimeOffStatus.CANCELLED])
def test_time_off_not_approved_does_not_block_publishing(alex, mcr, status):
    TimeOffRequestFactory(user=alex, starts_on=date(2026, 3, 3), ends_on=date(2026, 3, 3), status=status)

    _shift(alex, mcr, london(2026, 3, 3, 6), status=ShiftStatus.PUBLISHED)

    assert Shift.objects.get().status == ShiftStatus.PUBLISHED


def test_someone_elses_time_off_does_not_block(alex, sam, mcr):
    TimeOffRequestFactory(user=sam, starts_on=date(2026, 3, 3), ends_on=date(2026, 3, 3), status=TimeOffStatus.APPROVED)

    _shift(alex, mcr, london(2026, 3, 3, 6), status=ShiftStatus.PUBLISHED)


def test_time_off_days_are_whole_days_in_the_facilitys_time_zone(alex):
    sydney = FacilityFactory(code="SYD-TX1", location=LocationFactory(code="SYD", timezone="Australia/Sydney"))
    TimeOffRequestFactory(
        user=alex, starts_on=date(2026, 3, 3), ends_on=date(2026, 3, 3), status=TimeOffStatus.APPROVED
    )
    # 20:00 UTC on 2 Mar is 07:00 on 3 Mar in Sydney: on the day off there
    starts_at = datetime(2026, 3, 3, 7, tzinfo=SYDNEY)

    with pytest.raises(ValidationError, match="approved vacation time off"):
        _shift(alex, sydney, starts_at, status=ShiftStatus.PUBLISHED)


def test_a_published_shift_ending_at_local_midnight_before_the_day_off_is_allowed(alex):
    sydney = FacilityFactory(code="SYD-TX1", location=LocationFactory(code="SYD", timezone="Australia/Sydney"))
    TimeOffRequestFactory(
        user=alex, starts_on=date(2026, 3, 3), ends_on=date(2026, 3, 4), status=TimeOffStatus.APPROVED
    )

    _shift(alex, sydney, datetime(2026, 3, 2, 16, tzinfo=SYDNEY), status=ShiftStatus.PUBLISHED)  # ends 00:00 on 3 Mar
    _shift(alex, sydney, datetime(2026, 3, 5, 0, tzinfo=SYDNEY), status=ShiftStatus.PUBLISHED)  # starts the day after

    assert Shift.objects.filter(status=ShiftStatus.PUBLISHED).count() == 2


def test_both_problems_are_reported_together(alex, mcr):
    _shift(alex, mcr, london(2026, 3, 3, 6))
    TimeOffRequestFactory(
        user=alex, starts_on=date(2026, 3, 3), ends_on=date(2026, 3, 3), status=TimeOffStatus.APPROVED
    )

    with pytest.raises(ValidationError) as exc_info:
        _shift(alex, mcr, london(2026, 3, 3, 10), status=ShiftStatus.PUBLISHED)

    assert set(exc_info.value.message_dict) == {"starts_at", NON_FIELD_ERRORS}


# --- location scope -----------------------------------------------------------------------------------------------


def test_a_shift_is_not_put_at_or_moved_to_a_location_outside_the_callers_cover(alex, mcr, supervisor, root):
    salford = FacilityFactory(code="SAL-STU1", location=LocationFactory(code="SAL", name="Salford Quays"))
    outside = {"facility": ["Salford Quays (SAL) is outside the locations you cover."]}

    with pytest.raises(ValidationError) as exc_info:
        _shift(alex, salford, london(2026, 3, 3, 6), by=supervisor)  # the supervisor covers London HQ only
    assert exc_info.value.message_dict == outside
    assert not Shift.objects.exists()

    shift = _shift(alex, mcr, london(2026, 3, 3, 6), by=supervisor)
    with pytest.raises(ValidationError) as exc_info:
        shift_update(shift=Shift.objects.get(pk=shift.pk), facility=salford, by=supervisor)
    assert exc_info.value.message_dict == outside
    shift.refresh_from_db()
    assert shift.facility == mcr

    shift_update(shift=shift, facility=salford, by=root)  # administrators put shifts anywhere
    assert Shift.objects.get().facility == salford
    assert _shift(alex, salford, london(2026, 3, 4, 6)).facility == salford  # by=None (commands): not scoped
