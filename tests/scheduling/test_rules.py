"""Rest, length and weekly-hours rules on every path: service, console form, import; in elapsed time over DST."""

from datetime import UTC, datetime, timedelta

import pytest
import tablib
from django.core.exceptions import ValidationError
from django.urls import reverse

from apps.core.actors import system_user
from apps.dataio.services import import_dataset
from apps.scheduling.choices import ShiftStatus
from apps.scheduling.models import Shift
from apps.scheduling.publishing import shift_cancel
from apps.scheduling.resources import ShiftResource
from apps.scheduling.services import shift_create, shift_warnings
from tests.factories import FacilityFactory, LocationFactory

from .conftest import LONDON, SYDNEY, london

pytestmark = pytest.mark.django_db

SHIFTS = reverse("admin:scheduling_shift_changelist")
HEADERS = ["Employee ID", "Facility", "Position", "Starts", "Ends", "Status", "Notes"]


def _shift(person, facility, starts_at, ends_at, status=ShiftStatus.DRAFT):
    shift = shift_create(
        user=person, facility=facility, position="MCR operator", starts_at=starts_at, ends_at=ends_at, by=system_user()
    )
    if status == ShiftStatus.CANCELLED:
        shift_cancel(shift=shift, by=system_user())
    return shift


def _messages(exc_info) -> list[str]:
    return exc_info.value.messages


def sydney(year, month, day, hour, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SYDNEY)


@pytest.fixture
def sydney_mcr(db):
    return FacilityFactory(code="SYD-MCR1", location=LocationFactory(code="SYD", timezone="Australia/Sydney"))


# --- minimum rest -----------------------------------------------------------------------------------------------


def test_too_little_rest_after_a_shift_is_refused_naming_both(alex, mcr):
    _shift(alex, mcr, london(2026, 3, 3, 14), london(2026, 3, 3, 22))

    with pytest.raises(ValidationError) as exc_info:
        _shift(alex, mcr, london(2026, 3, 4, 4, 30), london(2026, 3, 4, 12))

    assert _messages(exc_info) == [
        "Alex Doe would have 6 h 30 min of rest after the shift at LON-MCR1 ending Tue 3 Mar 22:00; the minimum is 8 h."
    ]


def test_too_little_rest_before_a_later_shift_is_refused(alex, mcr):
    _shift(alex, mcr, london(2026, 3, 4, 6), london(2026, 3, 4, 14))

    with pytest.raises(ValidationError) as exc_info:
        _shift(alex, mcr, london(2026, 3, 3, 18), london(2026, 3, 4, 0))

    assert _messages(exc_info) == [
        "Alex Doe would have 6 h of rest before the shift at LON-MCR1 starting Wed 4 Mar 06:00; the minimum is 8 h."
    ]


def test_exactly_the_minimum_rest_and_back_to_back_are_fine(alex, mcr):
    _shift(alex, mcr, london(2026, 3, 3, 6), london(2026, 3, 3, 14))
    _shift(alex, mcr, london(2026, 3, 3, 22), london(2026, 3, 4, 6))  # 8 h after
    _shift(alex, mcr, london(2026, 3, 4, 6), london(2026, 3, 4, 8))  # one stretch of work, not a rest

    assert Shift.objects.filter(user=alex).count() == 3


def test_the_minimum_rest_is_a_setting(alex, mcr, settings):
    settings.SHIFT_MIN_REST_HOURS = 11
    _shift(alex, mcr, london(2026, 3, 3, 6), london(2026, 3, 3, 14))

    with pytest.raises(ValidationError, match="10 h of rest .* the minimum is 11 h"):
        _shift(alex, mcr, london(2026, 3, 4, 0), london(2026, 3, 4, 6))


def test_a_cancelled_shift_leaves_no_rest_to_keep(alex, mcr):
    _shift(alex, mcr, london(2026, 3, 3, 14), london(2026, 3, 3, 22), status=ShiftStatus.CANCELLED)

    _shift(alex, mcr, london(2026, 3, 4, 2), london(2026, 3, 4, 10))


@pytest.mark.parametrize(
    ("previous_end", "next_start", "allowed", "rest"),
    [
        # London springs forward on Sun 29 Mar 2026: 22:00 → 06:00 on the clock is 7 h of rest
        (london(2026, 3, 28, 22), london(2026, 3, 29, 6), False, "7 h"),
        # and falls back on Sun 25 Oct 2026: 23:00 → 06:00 on the clock is 8 h
        (london(2026, 10, 24, 23), london(2026, 10, 25, 6), True, "8 h"),
    ],
    ids=["london-spring", "london-autumn"],
)
def test_rest_is_elapsed_time_across_london_dst(alex, mcr, previous_end, next_start, allowed, rest):
    _shift(alex, mcr, previous_end - timedelta(hours=8), previous_end)
    if allowed:
        _shift(alex, mcr, next_start, next_start + timedelta(hours=8))
        return
    with pytest.raises(ValidationError, match=f"would have {rest} of rest"):
        _shift(alex, mcr, next_start, next_start + timedelta(hours=8))


@pytest.mark.parametrize(
    ("previous_end", "next_start", "allowed", "rest"),
    [
        # Sydney falls back on Sun 5 Apr 2026 (03:00 → 02:00): 23:00 → 06:00 is 8 h
        (sydney(2026, 4, 4, 23), sydney(2026, 4, 5, 6), True, "8 h"),
        # and springs forward on Sun 4 Oct 2026 (02:00 → 03:00): 22:00 → 06:00 is 7 h
        (sydney(2026, 10, 3, 22), sydney(2026, 10, 4, 6), False, "7 h"),
    ],
    ids=["sydney-autumn", "sydney-spring"],
)
def test_rest_is_elapsed_time_across_sydney_dst(alex, sydney_mcr, previous_end, next_start, allowed, rest):
    _shift(alex, sydney_mcr, previous_end - timedelta(hours=8), previous_end)
    if allowed:
        _shift(alex, sydney_mcr, next_start, next_start + timedelta(hours=8))
        return
    with pytest.raises(ValidationError, match=f"would have {rest} of rest"):
        _shift(alex, sydney_mcr, next_start, next_start + timedelta(hours=8))


# --- maximum length ---------------------------------------------------------------------------------------------


def test_a_shift_over_the_maximum_is_refused(alex, mcr):
    with pytest.raises(ValidationError) as exc_info:
        _shift(alex, mcr, london(2026, 3, 3, 6), london(2026, 3, 3, 19))

    assert _messages(exc_info) == [
        "Alex Doe's shift from 06:00 to 19:00 on 3 Mar (Europe/London) would last 13 h; the maximum is 12 h."
    ]


@pytest.mark.parametrize(
    ("facility_name", "starts_at", "ends_at", "allowed", "length"),
    [
        # 18:00 → 06:00 on the clock: 11 h over London's spring change, 13 h over its autumn change
        ("mcr", london(2026, 3, 28, 18), london(2026, 3, 29, 6), True, "11 h"),
        ("mcr", london(2026, 10, 24, 18), london(2026, 10, 25, 6), False, "13 h"),
        # Sydney's autumn (April) change lengthens the night, its spring (October) change shortens it
        ("sydney_mcr", sydney(2026, 4, 4, 18), sydney(2026, 4, 5, 6), False, "13 h"),
        ("sydney_mcr", sydney(2026, 10, 3, 18), sydney(2026, 10, 4, 6), True, "11 h"),
    ],
    ids=["london-spring", "london-autumn", "sydney-autumn", "sydney-spring"],
)
def test_length_is_elapsed_time_across_dst(request, alex, facility_name, starts_at, ends_at, allowed, length):
    facility = request.getfixturevalue(facility_name)
    # Python subtracts two times of one zone by their wall clocks: UTC shows the real length
    assert ends_at.astimezone(UTC) - starts_at.astimezone(UTC) == timedelta(hours=int(length.split()[0]))
    if allowed:
        _shift(alex, facility, starts_at, ends_at)
        return
    with pytest.raises(ValidationError, match=f"would last {length}; the maximum is 12 h"):
        _shift(alex, facility, starts_at, ends_at)


# --- weekly hours: a warning, never a refusal ------------------------------------------------------------------------


def test_weekly_hours_over_the_warning_level_are_reported_not_refused(alex, mcr):
    for day in range(2, 7):  # Mon 2 Mar to Fri 6 Mar 2026, 10 h a day
        shift = _shift(alex, mcr, london(2026, 3, day, 6), london(2026, 3, day, 16))

    assert shift_warnings(shift=shift) == [
        "Alex Doe has 50 h of shifts in the week of Mon 2 Mar 2026 (Europe/London), more than the 48 h warning level."
    ]


def test_the_week_is_monday_to_sunday_in_local_time(alex, mcr):
    for day in range(3, 8):  # Tue 3 Mar to Sat 7 Mar: 40 h
        _shift(alex, mcr, london(2026, 3, day, 6), london(2026, 3, day, 14))
    next_monday = _shift(alex, mcr, london(2026, 3, 9, 6), london(2026, 3, 9, 16))
    sunday = _shift(alex, mcr, london(2026, 3, 8, 6), london(2026, 3, 8, 15))  # 49 h in the week of 2 Mar

    assert shift_warnings(shift=next_monday) == []
    assert [warning.split(" in the week")[0] for warning in shift_warnings(shift=sunday)] == [
        "Alex Doe has 49 h of shifts"
    ]


# --- the console form ---------------------------------------------------------------------------------------------


def _post(person, facility, starts_at, ends_at):
    def split(name, moment):
        utc = moment.astimezone(UTC)
        return {f"{name}_0": f"{utc:%Y-%m-%d}", f"{name}_1": f"{utc:%H:%M}"}

    return {
        "user": person.pk,
        "facility": facility.pk,
        "position": "MCR operator",
        **split("starts_at", starts_at),
        **split("ends_at", ends_at),
        "status": ShiftStatus.DRAFT,
        "notes": "",
    }


def test_the_console_form_refuses_too_little_rest_and_too_long(root_client, alex, mcr):
    _shift(alex, mcr, london(2026, 3, 3, 14), london(2026, 3, 3, 22))
    add = reverse("admin:scheduling_shift_add")

    short_rest = root_client.post(add, _post(alex, mcr, london(2026, 3, 4, 4, 30), london(2026, 3, 4, 12)))
    too_long = root_client.post(add, _post(alex, mcr, london(2026, 3, 10, 6), london(2026, 3, 10, 19)))

    assert short_rest.status_code == 200 and too_long.status_code == 200
    assert "would have 6 h 30 min of rest after the shift at LON-MCR1 ending Tue 3 Mar 22:00" in (
        short_rest.content.decode()
    )
    assert "would last 13 h; the maximum is 12 h." in too_long.content.decode()
    assert Shift.objects.count() == 1


def test_the_console_warns_about_weekly_hours_after_saving(root_client, alex, mcr):
    for day in range(2, 6):
        _shift(alex, mcr, london(2026, 3, day, 6), london(2026, 3, day, 16))

    response = root_client.post(
        reverse("admin:scheduling_shift_add"),
        _post(alex, mcr, london(2026, 3, 6, 6), london(2026, 3, 6, 16)),
        follow=True,
    )

    assert Shift.objects.count() == 5
    assert "Alex Doe has 50 h of shifts in the week of Mon 2 Mar 2026" in response.content.decode()


# --- imports --------------------------------------------------------------------------------------------------------


def test_an_import_refuses_too_little_rest_and_too_long_writing_nothing(alex, sam, mcr, root):
    _shift(alex, mcr, london(2026, 3, 3, 14), london(2026, 3, 3, 22))
    dataset = tablib.Dataset(
        ["E10001", "LON-MCR1", "MCR operator", "2026-03-04 04:30", "2026-03-04 12:00", "Draft", ""],
        ["E10002", "LON-MCR1", "MCR operator", "2026-03-04 06:00", "2026-03-04 19:00", "Draft", ""],
        ["E10002", "LON-MCR1", "MCR operator", "2026-03-05 06:00", "2026-03-05 14:00", "Draft", ""],
        ["E10002", "LON-MCR1", "MCR operator", "2026-03-05 20:00", "2026-03-06 02:00", "Draft", ""],
        headers=HEADERS,
    )

    outcome = import_dataset(resource_class=ShiftResource, dataset=dataset, by=root, dry_run=False)

    messages = [error.message for error in outcome.errors]
    assert any("6 h 30 min of rest after the shift at LON-MCR1 ending Tue 3 Mar 22:00" in m for m in messages)
    assert any("would last 13 h; the maximum is 12 h." in m for m in messages)
    assert any(
        "Sam Roe would have 6 h of rest after the shift at LON-MCR1 ending Thu 5 Mar 14:00" in m for m in messages
    )
    assert Shift.objects.count() == 1
    assert LONDON  # the file's times are read in the facility's zone
