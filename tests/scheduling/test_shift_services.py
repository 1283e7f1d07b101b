"""shift_create / shift_update / shift_validate and the shift's steps: the rules across rows, on every database."""

from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction

from apps.core.actors import system_user
from apps.scheduling.choices import ShiftStatus, TimeOffStatus
from apps.scheduling.models import Shift
from apps.scheduling.publishing import shift_cancel, shift_publish, shift_restore
from apps.scheduling.services import shift_create, shift_update
from tests.factories import FacilityFactory, LocationFactory, ShiftFactory, TimeOffRequestFactory

from .conftest import SYDNEY, london

pytestmark = pytest.mark.django_db


def _shift(person, facility, starts_at, hours=8, status=ShiftStatus.DRAFT, by=None):
    """A shift made as the console makes it: created as a draft, then published or cancelled by its step."""
    by = by or system_user()
    shift = shift_create(
        user=person,
        facility=facility,
        position="MCR operator",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=hours),
        by=by,
    )
    if status == ShiftStatus.PUBLISHED:
        _publish(shift, by=by)
    elif status == ShiftStatus.CANCELLED:
        shift_cancel(shift=shift, by=by)
    return shift


def _publish(shift, by=None):
    """The publish step on one shift, its refusal raised."""
    (outcome,) = shift_publish(shifts=[shift], by=by or system_user())
    if not outcome.done:
        raise ValidationError(outcome.message)
    return Shift.objects.get(pk=shift.pk)


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


def test_restoring_a_cancelled_shift_into_a_clash_is_refused(alex, mcr):
    cancelled = _shift(alex, mcr, london(2026, 3, 3, 7), status=ShiftStatus.CANCELLED)
    _shift(alex, mcr, london(2026, 3, 3, 6))  # in the place the cancelled one left

    with pytest.raises(ValidationError, match="already has a shift at LON-MCR1"):
        shift_restore(shift=cancelled, by=system_user())

    assert Shift.objects.get(pk=cancelled.pk).status == ShiftStatus.CANCELLED


def test_a_cancelled_shift_is_restored_as_a_draft_with_history(alex, mcr, supervisor):
    shift = _shift(alex, mcr, london(2026, 3, 3, 6), status=ShiftStatus.CANCELLED)

    shift_restore(shift=shift, by=supervisor)

    shift.refresh_from_db()
    assert shift.status == ShiftStatus.DRAFT
    assert shift.history.latest().history_user == supervisor


@pytest.mark.parametrize("hours", [0, -2], ids=["zero-length", "ends-before"])
def test_a_shift_must_end_after_it_starts(alex, mcr, hours):
    with pytest.raises(ValidationError) as exc_info:
        _shift(alex, mcr, london(2026, 3, 3, 6), hours=hours)

    assert exc_info.value.message_dict == {"ends_at": ["A shift must end after it starts."]}


def test_missing_fields_are_reported_not_crashed_on(alex, mcr):
    with pytest.raises(ValidationError) as exc_info:
        shift_create(
            user=alex, facility=mcr, position="", starts_at=london(2026, 3, 3, 6), ends_at=None, by=system_user()
        )

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
        shift_update(shift=later, starts_at=london(2026, 3, 3, 13), ends_at=london(2026, 3, 3, 21), by=system_user())

    later.refresh_from_db()
    assert later.starts_at == london(2026, 3, 4, 6)


@pytest.mark.parametrize("field", ["created_at", "status"])
def test_update_refuses_fields_it_does_not_own(alex, mcr, field):
    """The status moves by the steps only (publish, cancel, restore): shift_update does not take it."""
    shift = _shift(alex, mcr, london(2026, 3, 3, 6))

    with pytest.raises(TypeError, match=f"shift_update\\(\\) cannot change {field}"):
        value = ShiftStatus.PUBLISHED if field == "status" else london(2026, 1, 1, 0)
        shift_update(shift=shift, by=system_user(), **{field: value})
    assert Shift.objects.get().status == ShiftStatus.DRAFT


def test_publish_and_cancel_refuse_a_shift_in_the_wrong_status(alex, mcr, root):
    cancelled = _shift(alex, mcr, london(2026, 3, 3, 6), status=ShiftStatus.CANCELLED)

    with pytest.raises(ValidationError, match="it is cancelled, not a draft."):
        _publish(cancelled, by=root)
    with pytest.raises(ValidationError, match="it is cancelled already."):
        shift_cancel(shift=cancelled, by=root)
    with pytest.raises(ValidationError, match="it is draft, not cancelled."):
        shift_restore(shift=_shift(alex, mcr, london(2026, 3, 5, 6)), by=root)


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
    draft = _shift(alex, mcr, london(2026, 3, 3, 6))

    with pytest.raises(ValidationError) as exc_info:
        _publish(draft)

    assert exc_info.value.messages == [
        "Alex Doe has approved vacation time off from 2 Mar to 4 Mar 2026: a published shift cannot overlap it "
        "(keep it as a draft, or change the dates)."
    ]
    assert Shift.objects.get().status == ShiftStatus.DRAFT


def test_a_draft_over_approved_time_off_is_allowed_but_cannot_be_published(alex, mcr):
    TimeOffRequestFactory(
        user=alex, starts_on=date(2026, 3, 3), ends_on=date(2026, 3, 3), status=TimeOffStatus.APPROVED
    )

    draft = _shift(alex, mcr, london(2026, 3, 3, 6))

    with pytest.raises(ValidationError, match="approved vacation time off on 3 Mar 2026"):
        _publish(draft)
    assert Shift.objects.get().status == ShiftStatus.DRAFT


def test_a_published_shift_cannot_be_moved_onto_approved_time_off(alex, mcr):
    TimeOffRequestFactory(
        user=alex, starts_on=date(2026, 3, 4), ends_on=date(2026, 3, 4), status=TimeOffStatus.APPROVED
    )
    published = _shift(alex, mcr, london(2026, 3, 3, 6), status=ShiftStatus.PUBLISHED)

    with pytest.raises(ValidationError) as exc_info:
        shift_update(shift=published, starts_at=london(2026, 3, 4, 6), ends_at=london(2026, 3, 4, 14), by=system_user())

    assert exc_info.value.message_dict[NON_FIELD_ERRORS] == [
        "Alex Doe has approved vacation time off on 4 Mar 2026: a published shift cannot overlap it "
        "(keep it as a draft, or change the dates)."
    ]


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
    published = _shift(alex, mcr, london(2026, 3, 4, 6), status=ShiftStatus.PUBLISHED)

    with pytest.raises(ValidationError) as exc_info:
        shift_update(
            shift=published, starts_at=london(2026, 3, 3, 10), ends_at=london(2026, 3, 3, 18), by=system_user()
        )

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
    assert _shift(alex, salford, london(2026, 3, 4, 6)).facility == salford  # the system (commands): not scoped


def test_a_shift_at_a_location_outside_the_callers_cover_is_neither_moved_in_nor_stepped(alex, mcr, supervisor):
    salford = FacilityFactory(code="SAL-STU1", location=LocationFactory(code="SAL", name="Salford Quays"))
    elsewhere = ShiftFactory(
        user=alex, facility=salford, starts_at=london(2026, 3, 3, 6), ends_at=london(2026, 3, 3, 14)
    )
    outside = {"facility": ["Salford Quays (SAL) is outside the locations you cover."]}

    with pytest.raises(ValidationError) as exc_info:
        shift_update(shift=elsewhere, facility=mcr, by=supervisor)
    assert exc_info.value.message_dict == outside
    with pytest.raises(ValidationError) as exc_info:
        shift_cancel(shift=elsewhere, by=supervisor)
    assert exc_info.value.message_dict == outside
    elsewhere.refresh_from_db()
    assert (elsewhere.facility, elsewhere.status) == (salford, ShiftStatus.DRAFT)


def test_a_clash_with_a_shift_the_caller_cannot_see_is_refused_without_naming_its_place(alex, mcr, supervisor):
    """The person cannot work two places at once, so the clash counts; where the other shift is stays unsaid."""
    paris = FacilityFactory(code="PAR-MCR", location=LocationFactory(code="PAR", name="Paris", timezone="Europe/Paris"))
    ShiftFactory(user=alex, facility=paris, starts_at=london(2026, 3, 3, 6), ends_at=london(2026, 3, 3, 14))

    with pytest.raises(ValidationError) as overlap:
        _shift(alex, mcr, london(2026, 3, 3, 10), by=supervisor)
    with pytest.raises(ValidationError) as rest:
        _shift(alex, mcr, london(2026, 3, 3, 18), by=supervisor)

    assert overlap.value.messages == [
        "Alex Doe already has a shift at a location you do not cover from 06:00 to 14:00 on 3 Mar (Europe/London)."
    ]
    assert rest.value.messages == [
        "Alex Doe would have 4 h of rest after a shift at a location you do not cover ending Tue 3 Mar 14:00; "
        "the minimum is 8 h."
    ]
    assert Shift.objects.filter(facility=mcr).count() == 0
