"""The roster as the place where a week is built: a coverage gap opens the Shift form for its facility and hours
offering only the people free then, every cell keeps its "+", the week is published and copied from the roster
page, and saving a shift started there comes back to that week."""

import re
from datetime import UTC, date, datetime, timedelta
from html import unescape
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.core.roles import Role
from apps.scheduling.choices import ShiftStatus, TimeOffStatus
from apps.scheduling.models import CoverageRequirement, Shift
from apps.scheduling.rules import people_free_for
from tests.conftest import cover
from tests.factories import FacilityFactory, LocationFactory, ShiftFactory, TimeOffRequestFactory, UserFactory

from .conftest import london, page_text

pytestmark = pytest.mark.django_db

ROSTER = reverse("scheduling_roster")
SHIFT_ADD = reverse("admin:scheduling_shift_add")
WEEK = date(2026, 3, 2)  # a Monday, GMT


def roster_page(client, location, view="facilities"):
    response = client.get(ROSTER, {"location": location.code, "week": WEEK.isoformat(), "view": view})
    assert response.status_code == 200
    return unescape(response.content.decode())


def roster_url(location, view="facilities") -> str:
    return f"{ROSTER}?{urlencode({'location': location.code, 'week': WEEK.isoformat(), 'view': view})}"


def shift(person, facility, starts_at, hours=8, status=ShiftStatus.PUBLISHED, position="MCR operator"):
    ends_at = (starts_at.astimezone(UTC) + timedelta(hours=hours)).astimezone(starts_at.tzinfo)
    return ShiftFactory(
        user=person, facility=facility, starts_at=starts_at, ends_at=ends_at, status=status, position=position
    )


def person_options(html: str) -> list[str]:
    select = re.search(r'<select name="user".*?</select>', html, re.S)
    assert select, "no person select (an autocomplete would offer everyone)"
    return re.findall(r'<option value="(\d+)"', select.group(0))


@pytest.fixture
def needs_an_operator(mcr):
    return CoverageRequirement.objects.create(facility=mcr, position="MCR operator", people=1)


@pytest.fixture
def auditor(london_hq, roles):
    user = UserFactory(username="audrey", is_staff=True, home_location=london_hq)
    user.groups.add(Group.objects.get(name=Role.AUDITOR))
    return cover(user, london_hq)


# --- a gap is a link to the form for its facility and hours ---------------------------------------------------------


def test_a_gap_links_to_the_shift_form_for_its_facility_position_and_hours(
    login, supervisor, alex, mcr, needs_an_operator
):
    shift(alex, mcr, london(2026, 3, 3, 6))  # Tuesday 06:00–14:00: the gaps are 00:00–06:00 and 14:00–24:00
    shift(alex, mcr, london(2026, 3, 5, 6), hours=16)  # Thursday 06:00–22:00: the gaps 00:00–06:00, 22:00–24:00

    html = roster_page(login(supervisor), mcr.location)

    links = re.findall(r'<a class="roster-gap" href="([^"]+)"', html)
    tuesday = [parse_qs(urlsplit(link).query) for link in links if "2026-03-03" in link]
    assert [(p["starts_at"], p["ends_at"]) for p in tuesday] == [
        (["2026-03-03T00:00:00+00:00"], ["2026-03-03T06:00:00+00:00"]),  # the gap's own hours
        (["2026-03-03T14:00:00+00:00"], ["2026-03-03T22:00:00+00:00"]),  # at most an eight-hour shift
    ]
    thursday_night = [parse_qs(urlsplit(link).query) for link in links if "2026-03-05T22" in link]
    assert thursday_night[0]["ends_at"] == ["2026-03-06T06:00:00+00:00"]  # on into the night, not to midnight
    for params in tuesday:
        assert params["facility"] == [str(mcr.pk)] and params["position"] == ["MCR operator"]
        assert params["roster"] == [roster_url(mcr.location)]
        assert "user" not in params


def test_an_auditor_sees_the_gaps_but_not_as_links(client, auditor, mcr, needs_an_operator):
    client.force_login(auditor)

    html = roster_page(client, mcr.location)

    assert 'class="roster-gap"' in html
    assert '<a class="roster-gap"' not in html and 'class="roster-add"' not in html


def test_a_cell_that_holds_a_shift_still_offers_a_plus(login, supervisor, alex, mcr):
    shift(alex, mcr, london(2026, 3, 3, 6))

    html = roster_page(login(supervisor), mcr.location, view="people")

    row = re.search(r"Alex Doe<small>.*?</tr>", html, re.S).group(0)
    tuesday = re.search(r'<td data-day="2026-03-03">(.*?)</td>', row, re.S).group(1)
    assert "06:00–14:00" in tuesday and 'class="roster-add"' in tuesday


# --- the form a gap opens -------------------------------------------------------------------------------------------


def test_the_gap_form_offers_only_the_people_for_whom_the_shift_breaks_no_rule(
    login, supervisor, alex, sam, mcr, london_hq, needs_an_operator
):
    kim = UserFactory(username="kim", first_name="Kim", last_name="Ode", home_location=london_hq)
    lee = UserFactory(username="lee", first_name="Lee", last_name="Fox", home_location=london_hq)
    ana = UserFactory(username="ana", first_name="Ana", last_name="Bay", home_location=london_hq, title="MCR operator")
    elsewhere = UserFactory(username="max", home_location=LocationFactory(code="PAR"))
    shift(sam, mcr, london(2026, 3, 3, 12))  # overlaps 14:00–22:00
    shift(lee, mcr, london(2026, 3, 3, 0), hours=9)  # ends 09:00: five hours of rest before 14:00
    TimeOffRequestFactory(user=kim, starts_on=date(2026, 3, 3), ends_on=date(2026, 3, 3), status=TimeOffStatus.APPROVED)
    link = f"{SHIFT_ADD}?" + urlencode(
        {
            "facility": mcr.pk,
            "position": "MCR operator",
            "starts_at": "2026-03-03T14:00:00+00:00",
            "ends_at": "2026-03-03T22:00:00+00:00",
            "roster": roster_url(mcr.location),
        }
    )

    html = page_text(login(supervisor).get(link))

    offered = person_options(html)
    assert offered[0] == str(ana.pk), "an MCR operator by title first"
    assert set(offered) == {str(ana.pk), str(alex.pk)}  # the people of London HQ free from 14:00 to 22:00
    for busy in (sam, lee, kim, elsewhere):
        assert str(busy.pk) not in offered
    assert "breaks no rule" in html
    assert re.search(rf'<option value="{mcr.pk}" selected>', html)
    assert 'name="position" value="MCR operator"' in html
    assert re.search(r'name="ends_at_1" value="22:00:00"', html)


def test_saving_a_shift_from_a_gap_comes_back_to_the_roster_week(login, supervisor, alex, mcr, needs_an_operator):
    back = roster_url(mcr.location)
    link = f"{SHIFT_ADD}?" + urlencode(
        {"facility": mcr.pk, "position": "MCR operator", "starts_at": "2026-03-03T14:00:00+00:00", "roster": back}
    )
    form = {
        "user": alex.pk,
        "facility": mcr.pk,
        "position": "MCR operator",
        "starts_at_0": "03/03/2026",
        "starts_at_1": "14:00:00",
        "ends_at_0": "03/03/2026",
        "ends_at_1": "22:00:00",
        "notes": "",
    }

    response = login(supervisor).post(link, form)

    assert response.status_code == 302, page_text(response)
    assert response["Location"] == back
    made = Shift.objects.get()
    assert (made.user, made.starts_at) == (alex, datetime(2026, 3, 3, 14, tzinfo=UTC))
    assert made.history.get().history_user == supervisor
    assert "Gap 14:00" not in roster_page(login(supervisor), mcr.location)


def test_saving_a_shift_opened_from_the_roster_comes_back_to_that_week(login, supervisor, alex, mcr):
    made = shift(alex, mcr, london(2026, 3, 3, 6), status=ShiftStatus.DRAFT)
    html = roster_page(login(supervisor), mcr.location, view="people")
    link = re.search(rf'href="([^"]*/scheduling/shift/{made.pk}/change/[^"]*)"', html).group(1)
    assert parse_qs(urlsplit(link).query)["roster"] == [roster_url(mcr.location, view="people")]
    form = {
        "user": alex.pk,
        "facility": mcr.pk,
        "position": "MCR lead",
        "starts_at_0": "03/03/2026",
        "starts_at_1": "06:00:00",
        "ends_at_0": "03/03/2026",
        "ends_at_1": "14:00:00",
        "notes": "",
    }
    client = login(supervisor)

    saved = client.post(link, form)
    stays = client.post(link, {**form, "_continue": "1"})

    assert saved["Location"] == roster_url(mcr.location, view="people")
    assert urlsplit(stays["Location"]).path == reverse("admin:scheduling_shift_change", args=[made.pk])
    made.refresh_from_db()
    assert made.position == "MCR lead"


def test_the_way_back_never_leads_off_the_roster(login, supervisor, alex, mcr):
    made = shift(alex, mcr, london(2026, 3, 3, 6), status=ShiftStatus.DRAFT)
    change = reverse("admin:scheduling_shift_change", args=[made.pk])
    form = {
        "user": alex.pk,
        "facility": mcr.pk,
        "position": "MCR operator",
        "starts_at_0": "03/03/2026",
        "starts_at_1": "06:00:00",
        "ends_at_0": "03/03/2026",
        "ends_at_1": "14:00:00",
        "notes": "",
    }
    client = login(supervisor)

    for elsewhere in ("https://evil.example/admin/scheduling/roster/", "/admin/accounts/user/", "//evil.example/"):
        response = client.post(f"{change}?{urlencode({'roster': elsewhere})}", form)
        assert response["Location"] == reverse("admin:scheduling_shift_changelist"), elsewhere


def test_people_free_for_a_slot_costs_the_same_queries_for_many_people(supervisor, mcr, london_hq):
    facility = type(mcr).objects.select_related("location").get(pk=mcr.pk)
    starts_at, ends_at = london(2026, 3, 3, 14), london(2026, 3, 3, 22)

    def queries(people) -> int:
        with CaptureQueriesContext(connection) as captured:
            people_free_for(
                candidates=people, facility=facility, position="MCR operator", starts_at=starts_at,
                ends_at=ends_at, viewer=supervisor,
            )  # fmt: skip
        return len(captured)

    few = [UserFactory(home_location=london_hq) for _ in range(2)]
    many = few + [UserFactory(home_location=london_hq) for _ in range(25)]
    for person in many[::3]:
        shift(person, mcr, london(2026, 3, 3, 6))
    assert queries(many) == queries(few) <= 3


# --- publish and copy the week from the roster ------------------------------------------------------------------


def test_the_roster_publishes_its_week_and_comes_back(login, supervisor, alex, sam, mcr):
    drafts = [shift(alex, mcr, london(2026, 3, 3, 6), status=ShiftStatus.DRAFT)]
    drafts.append(shift(sam, mcr, london(2026, 3, 4, 6), status=ShiftStatus.DRAFT))
    shift(alex, mcr, london(2026, 3, 10, 6), status=ShiftStatus.DRAFT)  # next week: not this week's
    client = login(supervisor)
    html = roster_page(client, mcr.location)
    publish = re.search(r'<form method="post" action="([^"]+)" id="roster-publish".*?</form>', html, re.S)
    assert publish and "Publish the week (2 drafts)" in publish.group(0)
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', publish.group(0)))

    response = client.post(publish.group(1), fields)

    assert response.status_code == 302 and response["Location"] == roster_url(mcr.location)
    assert {s.status for s in Shift.objects.filter(pk__in=[d.pk for d in drafts])} == {ShiftStatus.PUBLISHED}
    assert Shift.objects.filter(status=ShiftStatus.DRAFT).count() == 1
    assert "Publish the week (0 drafts)" in roster_page(client, mcr.location)


def test_the_roster_copies_its_week_and_comes_back(login, supervisor, alex, mcr):
    shift(alex, mcr, london(2026, 3, 3, 6))
    client = login(supervisor)
    html = roster_page(client, mcr.location)
    copy = re.search(r'<form method="post" action="([^"]+)" id="roster-copy".*?</form>', html, re.S)
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', copy.group(0)))

    response = client.post(copy.group(1), {**fields, "weeks": "2"})

    assert response["Location"] == roster_url(mcr.location)
    copies = Shift.objects.filter(status=ShiftStatus.DRAFT).order_by("starts_at")
    assert [c.starts_at for c in copies] == [london(2026, 3, 10, 6), london(2026, 3, 17, 6)]


def test_publish_and_copy_are_not_offered_to_those_who_cannot(client, auditor, mcr):
    client.force_login(auditor)

    html = roster_page(client, mcr.location)

    assert "roster-publish" not in html and "roster-copy" not in html


def test_a_facility_cell_plus_opens_the_form_for_that_facility_with_the_people_free_then(
    login, supervisor, alex, sam, mcr
):
    studio = FacilityFactory(code="LON-STU1", name="Studio 1", location=mcr.location)
    shift(sam, studio, london(2026, 3, 3, 6))
    html = roster_page(login(supervisor), mcr.location)
    row = re.search(r"LON-MCR1<small>.*?</tr>", html, re.S).group(0)
    link = re.search(r'<td data-day="2026-03-03">.*?class="roster-add" href="([^"]+)"', row, re.S).group(1)

    offered = person_options(page_text(login(supervisor).get(link)))

    assert str(alex.pk) in offered and str(sam.pk) not in offered  # sam works 06:00–14:00 elsewhere
