"""The Roster page through real requests: grid contents, local days across DST and zones, scope, query count."""

import re
from datetime import UTC, date, datetime, timedelta
from html import unescape
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.core.roles import Role
from apps.scheduling.choices import EventStatus, ShiftStatus, TimeOffStatus
from apps.scheduling.models import CoverageRequirement
from apps.scheduling.roster import week_start_of
from tests.conftest import cover
from tests.factories import (
    FacilityFactory,
    LocationFactory,
    ScheduledEventFactory,
    ShiftFactory,
    TimeOffRequestFactory,
    UserFactory,
)

from .conftest import LONDON, SYDNEY, london

pytestmark = pytest.mark.django_db

ROSTER = reverse("scheduling_roster")
WEEK = date(2026, 3, 2)  # a Monday, GMT
DST_WEEK = date(2026, 3, 23)  # Sunday 29 March 2026: London goes from GMT to BST at 01:00


def roster(client, location, week=WEEK, view="people"):
    response = client.get(ROSTER, {"location": location.code, "week": week.isoformat(), "view": view})
    assert response.status_code == 200, response.status_code
    return response


def cell(response, day: date, row_title: str) -> str:
    """The HTML of the grid cell of `row_title` on `day`."""
    html = response.content.decode()
    row = re.search(rf"<tr>\s*<th scope=\"row\">{re.escape(row_title)}<small>.*?</tr>", html, re.S)
    assert row, f"no row {row_title!r}"
    found = re.search(rf'<td data-day="{day:%Y-%m-%d}">(.*?)</td>', row.group(0), re.S)
    return unescape(found.group(1))


def shift(person, facility, starts_at, hours=8, **fields):
    """A shift of `hours` real hours (added in UTC: aware arithmetic in one zone is wall-clock arithmetic)."""
    ends_at = (starts_at.astimezone(UTC) + timedelta(hours=hours)).astimezone(starts_at.tzinfo)
    return ShiftFactory(user=person, facility=facility, starts_at=starts_at, ends_at=ends_at, **fields)


def test_people_grid_shows_draft_and_published_shifts_and_approved_time_off(root_client, alex, sam, mcr):
    published = shift(alex, mcr, london(2026, 3, 3, 6), status=ShiftStatus.PUBLISHED)
    shift(alex, mcr, london(2026, 3, 4, 6), status=ShiftStatus.DRAFT)
    shift(alex, mcr, london(2026, 3, 5, 6), status=ShiftStatus.CANCELLED)
    TimeOffRequestFactory(user=sam, starts_on=date(2026, 3, 4), ends_on=date(2026, 3, 5), status=TimeOffStatus.APPROVED)
    TimeOffRequestFactory(user=sam, starts_on=date(2026, 3, 7), ends_on=date(2026, 3, 7), status=TimeOffStatus.PENDING)

    response = roster(root_client, mcr.location)

    tuesday = cell(response, date(2026, 3, 3), "Alex Doe")
    assert 'class="roster-shift is-published"' in tuesday and "06:00–14:00" in tuesday
    assert reverse("admin:scheduling_shift_change", args=[published.pk]) in tuesday
    wednesday = cell(response, date(2026, 3, 4), "Alex Doe")
    assert 'class="roster-shift is-draft"' in wednesday and "draft" in wednesday
    assert "<s>06:00–14:00</s>" in cell(response, date(2026, 3, 5), "Alex Doe")  # cancelled: struck
    assert "Vacation" in cell(response, date(2026, 3, 4), "Sam Roe")
    assert "Vacation" in cell(response, date(2026, 3, 5), "Sam Roe")
    assert "Vacation" not in cell(response, date(2026, 3, 7), "Sam Roe")  # pending: not shown


def test_facility_grid_shows_events_and_the_hours_below_coverage(root_client, alex, sam, mcr):
    CoverageRequirement.objects.create(facility=mcr, position="MCR operator", people=1)
    shift(alex, mcr, london(2026, 3, 3, 6))  # draft counts
    shift(sam, mcr, london(2026, 3, 3, 14))
    shift(sam, mcr, london(2026, 3, 3, 22), status=ShiftStatus.CANCELLED, hours=2)  # cancelled does not
    shift(alex, mcr, london(2026, 3, 4, 22), position="Engineer")  # another position does not
    ScheduledEventFactory(
        facility=mcr,
        title="Evening news",
        starts_at=london(2026, 3, 3, 18),
        ends_at=london(2026, 3, 3, 19),
        status=EventStatus.CONFIRMED,
    )

    response = roster(root_client, mcr.location, view="facilities")

    tuesday = cell(response, date(2026, 3, 3), "LON-MCR1")
    assert "Evening news" in tuesday and "18:00–19:00" in tuesday
    assert re.findall(r"Gap ([^<\s]+)<small>", tuesday) == ["00:00–06:00", "22:00–24:00"]
    assert re.findall(r"Gap ([^<\s]+)<small>", cell(response, date(2026, 3, 4), "LON-MCR1")) == ["00:00–24:00"]
    assert 'id="roster-gap-count">8 coverage gaps' in response.content.decode().replace("\n", "")


def test_a_night_shift_across_the_spring_dst_change_sits_on_its_start_day_at_local_times(root_client, alex, sam, mcr):
    CoverageRequirement.objects.create(facility=mcr, position="MCR operator", people=1)
    night = shift(alex, mcr, london(2026, 3, 28, 22), hours=7)  # 22:00 GMT -> 06:00 BST: seven hours
    assert night.ends_at.astimezone(LONDON).hour == 6
    shift(sam, mcr, london(2026, 3, 29, 6))
    shift(alex, mcr, london(2026, 3, 29, 14))
    shift(sam, mcr, london(2026, 3, 29, 22))  # into Monday

    people = roster(root_client, mcr.location, week=DST_WEEK)
    saturday = cell(people, date(2026, 3, 28), "Alex Doe")
    assert "22:00–06:00 (+1)" in saturday
    assert "22:00–06:00" not in cell(people, date(2026, 3, 29), "Alex Doe")  # not repeated on Sunday
    assert "22:00–06:00 (+1)" in cell(people, date(2026, 3, 29), "Sam Roe")

    facilities = roster(root_client, mcr.location, week=DST_WEEK, view="facilities")
    assert "Gap" not in cell(facilities, date(2026, 3, 29), "LON-MCR1")  # the 23-hour Sunday is covered
    assert re.findall(r"Gap ([^<\s]+)<small>", cell(facilities, date(2026, 3, 28), "LON-MCR1")) == ["00:00–22:00"]


def test_an_autumn_night_shift_keeps_its_local_times(root_client, alex, mcr):
    shift(alex, mcr, london(2026, 10, 24, 22), hours=9)  # 22:00 BST -> 06:00 GMT: nine hours
    response = roster(root_client, mcr.location, week=date(2026, 10, 19))
    assert "22:00–06:00 (+1)" in cell(response, date(2026, 10, 24), "Alex Doe")


def test_a_sydney_location_shows_its_own_local_days(root_client):
    sydney = LocationFactory(code="SYD-HQ", name="Sydney", timezone="Australia/Sydney")
    studio = FacilityFactory(code="SYD-STU1", location=sydney)
    kim = UserFactory(first_name="Kim", last_name="Lee", home_location=sydney)
    # Monday 2 March 21:00 UTC is Tuesday 3 March 08:00 in Sydney (AEDT, +11)
    shift(kim, studio, datetime(2026, 3, 3, 8, tzinfo=SYDNEY))

    response = roster(root_client, sydney)

    assert "08:00–16:00" in cell(response, date(2026, 3, 3), "Kim Lee")
    assert "roster-shift" not in cell(response, date(2026, 3, 2), "Kim Lee")
    assert "Australia/Sydney" in response.content.decode()


def test_a_visitor_with_a_shift_here_gets_a_row(root_client, alex, mcr):
    elsewhere = LocationFactory(code="MAN", name="Manchester")
    visitor = UserFactory(first_name="Vic", last_name="Tor", home_location=elsewhere)
    shift(visitor, mcr, london(2026, 3, 6, 6))
    response = roster(root_client, mcr.location)
    assert "06:00–14:00" in cell(response, date(2026, 3, 6), "Vic Tor")
    assert "visiting" in response.content.decode()


def test_previous_and_next_week_links(root_client, alex, mcr):
    response = roster(root_client, mcr.location, week=date(2026, 3, 4))  # any day: its Monday's week
    html = unescape(response.content.decode())
    assert "Week of Mon 2 Mar 2026" in html
    previous = re.search(r'id="roster-previous" href="([^"]+)"', html).group(1)
    following = re.search(r'id="roster-next" href="([^"]+)"', html).group(1)
    assert parse_qs(urlsplit(previous).query)["week"] == ["2026-02-23"]
    assert parse_qs(urlsplit(following).query)["week"] == ["2026-03-09"]
    assert "Week of Mon 9 Mar 2026" in unescape(root_client.get(ROSTER + following).content.decode())


def test_an_empty_cell_links_to_the_prefilled_shift_add_page(root_client, alex, mcr):
    response = roster(root_client, mcr.location)
    link = re.search(r'class="roster-add" href="([^"]+)"', cell(response, date(2026, 3, 3), "Alex Doe")).group(1)
    params = parse_qs(urlsplit(link).query)
    assert params["user"] == [str(alex.pk)]
    assert params["facility"] == [str(mcr.pk)]  # the location's only facility

    add_page = root_client.get(link)
    assert add_page.status_code == 200
    html = add_page.content.decode()
    assert re.search(rf'<option value="{alex.pk}" selected>', html)
    assert re.search(rf'<option value="{mcr.pk}" selected>', html)
    # the day's 06:00 in London, an eight-hour shift proposed (the form takes the facility's local time)
    assert params["starts_at"] == ["2026-03-03T06:00:00+00:00"]
    for name, value in [("starts_at_0", "03/03/2026"), ("starts_at_1", "06:00:00"), ("ends_at_1", "14:00:00")]:
        assert re.search(rf'name="{name}" value="{value}"', html), name


def test_a_sydney_cell_proposes_its_local_morning_in_sydney_time(root_client):
    sydney = FacilityFactory(code="SYD-MCR", location=LocationFactory(code="SYD", timezone="Australia/Sydney"))
    link = (
        reverse("admin:scheduling_shift_add")
        + "?"
        + urlencode({"facility": sydney.pk, "starts_at": "2026-03-03T06:00:00+11:00"})
    )

    html = root_client.get(link).content.decode()

    # the form takes the facility's local time: the cell's 06:00 in Sydney (summer time) reads as 06:00
    assert re.search(r'name="starts_at_0" value="03/03/2026"', html)
    assert re.search(r'name="starts_at_1" value="06:00:00"', html)
    assert "Local time at the facility: Australia/Sydney." in html
    assert root_client.get(reverse("admin:scheduling_shift_add") + "?starts_at=not-a-time").status_code == 200


def allow_roster(user):
    user.user_permissions.add(Permission.objects.get(content_type__app_label="scheduling", codename="view_shift"))
    return user


def test_a_supervisor_sees_only_the_locations_they_cover(client, supervisor, alex, mcr):
    allow_roster(supervisor)
    other = LocationFactory(code="PAR", name="Paris", timezone="Europe/Paris")
    client.force_login(supervisor)

    page = client.get(ROSTER)
    assert page.status_code == 200
    assert 'value="LON-HQ"' in page.content.decode() and 'value="PAR"' not in page.content.decode()
    assert client.get(ROSTER, {"location": other.code}).status_code == 404


def test_a_supervisor_of_another_location_cannot_open_this_one(client, mcr):
    paris = LocationFactory(code="PAR", name="Paris", timezone="Europe/Paris")
    outsider = UserFactory(is_staff=True, home_location=paris)
    outsider.groups.add(Group.objects.get_or_create(name=Role.SUPERVISOR)[0])
    cover(allow_roster(outsider), paris)
    client.force_login(outsider)
    assert client.get(ROSTER, {"location": mcr.location.code}).status_code == 404
    assert 'value="LON-HQ"' not in client.get(ROSTER).content.decode()


def test_without_view_shift_the_page_is_refused(client, mcr):
    clerk = UserFactory(is_staff=True, home_location=mcr.location)
    client.force_login(clerk)
    assert client.get(ROSTER).status_code == 403


def test_the_query_count_stays_flat_as_people_and_shifts_grow(root_client, django_assert_num_queries, mcr):
    CoverageRequirement.objects.create(facility=mcr, position="MCR operator", people=2)

    def add_people(count):
        for _ in range(count):
            person = UserFactory(home_location=mcr.location)
            for day in range(3):
                shift(person, mcr, london(2026, 3, 2 + 2 * day, 6), status=ShiftStatus.PUBLISHED)
            TimeOffRequestFactory(
                user=person, starts_on=date(2026, 3, 7), ends_on=date(2026, 3, 8), status=TimeOffStatus.APPROVED
            )
        ScheduledEventFactory(facility=mcr, starts_at=london(2026, 3, 3, count), ends_at=london(2026, 3, 3, count, 30))

    add_people(2)
    params = {"location": mcr.location.code, "week": WEEK.isoformat()}
    with CaptureQueriesContext(connection) as small:
        root_client.get(ROSTER, params)
    add_people(20)
    for view in ("people", "facilities"):
        with django_assert_num_queries(len(small)):
            response = root_client.get(ROSTER, {**params, "view": view})
        assert response.status_code == 200
    assert response.content.decode().count('class="roster-shift is-published"') == 22 * 3 + 1  # + the legend's


def test_week_start_is_the_monday():
    assert week_start_of(date(2026, 3, 8)) == date(2026, 3, 2)
    assert week_start_of(date(2026, 3, 2)) == date(2026, 3, 2)


def test_coverage_requirements_are_unique_per_facility_and_position(mcr):
    CoverageRequirement.objects.create(facility=mcr, position="MCR operator")
    with pytest.raises(IntegrityError), transaction.atomic():
        CoverageRequirement.objects.create(facility=mcr, position="MCR operator")
    requirement = CoverageRequirement.objects.get_by_natural_key("LON-MCR1", "MCR operator")
    assert str(requirement) == "LON-MCR1 needs 1 × MCR operator 24/7"
    assert requirement.natural_key() == ("LON-MCR1", "MCR operator")
