"""The console's home through real HTTP, as each role sees it: every figure equals the rows its link opens, nothing
from a location out of scope, no link an auditor would be refused, and a query count that does not grow with data."""

import json
import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.scheduling.choices import ShiftStatus
from apps.scheduling.models import CoverageRequirement, Shift
from apps.scheduling.services import shift_create
from tests.conftest import cover
from tests.factories import FacilityFactory, LocationFactory, ShiftFactory, UserFactory

from .conftest import build_site, read_home

pytestmark = pytest.mark.django_db

HOME = "/admin/"
QUERY_BUDGET = 15


@pytest.fixture
def signed_in(client):
    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


def rows_behind(client, link: str) -> int:
    """How many rows the list at `link` shows (all pages): what a person finds on following the figure."""
    response = client.get(link)
    assert response.status_code == 200, link
    return response.context["cl"].result_count


@pytest.mark.parametrize("role", ["lead", "auditor", "boss"])
def test_every_figure_equals_the_rows_its_link_opens(request, signed_in, station, role):
    client = signed_in(request.getfixturevalue(role))

    figures = read_home(client).figures

    assert figures, "no figure on the home"
    assert any(count for count, _ in figures.values()), "every figure is 0: the test would prove nothing"
    for key, (count, link) in figures.items():
        assert link, f"figure {key} links nowhere"
        assert rows_behind(client, link) == count, key


def test_a_supervisor_sees_their_locations_numbers_and_no_others(signed_in, station, lead):
    home = read_home(signed_in(lead))
    counts = {key: count for key, (count, _) in home.figures.items()}

    # London's site alone (Paris holds twice as much of everything, and would show)
    assert counts == {
        "incidents-mine": 1,
        "incidents-unassigned": 2,
        "incidents-breached": 1,
        "incidents-at_risk": 1,
        "incidents-severe": 2,
        "incidents-awaiting_close": 1,
        "drafts": 1,
        "time-off": 1,  # alex's; the lead's own request waits for someone else
        "time-entries": 1,
        "imports-running": 1,
        "imports-failed": 1,  # the job that failed a month ago is not what needs them now
    }
    html = signed_in(lead).get(HOME).content.decode()
    assert "PAR-BUR" not in html and "Paris" not in html
    assert "LON-HQ" in html


def test_an_administrator_sees_every_location_and_the_outbox(signed_in, station, boss):
    home = read_home(signed_in(boss))
    counts = {key: count for key, (count, _) in home.figures.items()}

    assert counts["incidents-unassigned"] == 2 + 4  # London's and Paris's
    assert counts["incidents-mine"] == 0
    assert counts["emails-failed"] == 1
    assert counts["imports-failed"] == 2  # anyone's, in the last week


def test_the_figures_link_to_the_lists_own_filters(signed_in, station, lead):
    links = {key: link for key, (_, link) in read_home(signed_in(lead)).figures.items()}

    assert links["incidents-mine"] == "/admin/tickets/incidentticket/?queue=mine"
    assert links["incidents-breached"] == "/admin/tickets/incidentticket/?sla=breached"
    assert links["incidents-at_risk"] == "/admin/tickets/incidentticket/?sla=at_risk"
    assert links["drafts"] == "/admin/scheduling/shift/?status__exact=draft"
    assert links["time-off"] == "/admin/scheduling/timeoffrequest/?waiting=me"
    assert links["time-entries"] == "/admin/timesheets/timeentry/?waiting=me"


def test_coverage_gaps_per_location_and_week_equal_the_rosters(signed_in, station, lead):
    client = signed_in(lead)
    html = client.get(HOME).content.decode()
    cells = re.findall(r'<a class="home-gaps [^"]*" href="([^"]+)">([^<]+)</a>', html)

    # London: 06:00-14:00 on every other day of two weeks, against one MCR operator around the clock
    assert [text for _, text in cells] == ["11 gaps", "10 gaps"]
    for link, text in cells:
        roster = client.get(link.replace("&amp;", "&")).content.decode().replace("\n", "")
        assert f'id="roster-gap-count">{text.split()[0]} coverage gaps this week' in roster
    assert re.search(r'id="home-coverage-total-1"><strong>11</strong> gaps this week', html)


def test_a_kept_coverage_overview_is_read_again_once_the_roster_changes(signed_in, station, lead, mcr, sam, settings):
    settings.HOME_CACHE_SECONDS = 300
    client = signed_in(lead)

    def gaps_this_week() -> str:
        html = client.get(HOME).content.decode()
        return re.search(r'id="home-coverage-total-1"><strong>(\d+)</strong>', html).group(1)

    before = gaps_this_week()
    assert gaps_this_week() == before  # kept
    # a whole local day of this week with no shift at all: fill it with three 8-hour shifts
    zone = ZoneInfo(str(mcr.location.timezone))
    today = timezone.now().astimezone(zone).date()
    monday = today - timedelta(days=today.weekday())
    free_day = next(
        day for day in (monday + timedelta(days=offset) for offset in range(7))
        if not Shift.objects.filter(facility=mcr, starts_at__date=day).exists()
        and not Shift.objects.filter(facility=mcr, ends_at__date=day).exists()
    )  # fmt: skip
    for hour in (0, 8, 16):
        starts = datetime.combine(free_day, time(hour), tzinfo=zone)
        shift_create(
            user=UserFactory(home_location=mcr.location), facility=mcr, position="MCR operator", starts_at=starts,
            ends_at=starts + timedelta(hours=8), by=lead,
        )  # fmt: skip

    assert int(gaps_this_week()) == int(before) - 1


def test_the_weeks_hours_compare_rostered_with_needed(signed_in, station, lead):
    html = signed_in(lead).get(HOME).content.decode()

    # one person around the clock for seven days; four 8-hour shifts this week (168 h in a week without a clock change)
    needed = 24 * 7 + (1 if _clock_change_this_week(station["london"]) else 0)
    summary = re.search(r"This week coverage needs (\d+) h; (\d+) h are rostered", html)
    assert summary and abs(int(summary.group(1)) - needed) <= 1 and summary.group(2) == "32"


def _clock_change_this_week(location) -> bool:
    now = timezone.now().astimezone(location.timezone)
    monday = (now - timedelta(days=now.weekday())).replace(hour=12)
    return monday.utcoffset() != (monday + timedelta(days=6)).utcoffset()


def test_the_charts_hold_the_supervisors_incidents_only(signed_in, station, lead):
    html = signed_in(lead).get(HOME).content.decode()
    resolution = _chart_data(html, "resolution")
    incidents = _chart_data(html, "incidents")

    assert resolution["labels"] == ["LON-HQ"]
    assert resolution["datasets"][0]["data"] == [50.0]  # the lamp met its resolve SLA, the old fault did not
    assert sum(sum(dataset["data"]) for dataset in incidents["datasets"]) == 5  # London's five, not Paris's ten


def _chart_data(html: str, key: str) -> dict:
    block = html.split(f'id="home-chart-{key}"', 1)[1]
    raw = re.search(r'data-value="([^"]+)"', block).group(1)
    return json.loads(raw.replace("&quot;", '"').replace("&amp;", "&"))


def test_an_auditor_is_offered_no_link_that_refuses_them(signed_in, station, auditor, lead):
    auditor_links = read_home(signed_in(auditor)).links
    lead_links = read_home(signed_in(lead)).links

    # the supervisor may act: their home offers it (so the check below could fail)
    assert "/admin/tickets/incidentticket/add/" in lead_links
    assert "/admin/scheduling/shift/publish-week/" in lead_links
    assert not [link for link in auditor_links if "/add/" in link or "publish" in link or "/permissions/" in link]
    client = signed_in(auditor)
    for link in set(auditor_links):
        assert client.get(link.replace("&amp;", "&")).status_code == 200, link


def test_only_who_may_grant_scope_sees_the_grants(signed_in, station, lead, boss):
    assert "home-grants" not in signed_in(lead).get(HOME).content.decode()
    html = signed_in(boss).get(HOME).content.decode()

    assert 'id="home-grants"' in html
    assert re.search(r'id="home-grants-uncovered"><strong>1</strong> location nobody covers', html)  # Paris
    manage = re.findall(r'<a class="home-manage" href="([^"]+)"', html)
    assert manage and signed_in(boss).get(manage[0]).status_code == 200


def test_a_console_user_with_no_role_is_told_so(signed_in, roles):
    html = signed_in(UserFactory(is_staff=True)).get(HOME).content.decode()
    assert 'id="home-nothing"' in html


@pytest.mark.parametrize("role", ["lead", "auditor", "boss"])
def test_the_home_costs_the_same_few_queries_however_much_data(
    request, signed_in, station, role, outage, paris, settings
):
    settings.HOME_CACHE_SECONDS = 0  # the whole cost, the trends read on every visit
    user = request.getfixturevalue(role)
    client = signed_in(user)

    def queries() -> int:
        client.get(HOME)  # caches that any page fills (content types, permissions) are not the home's cost
        with CaptureQueriesContext(connection) as captured:
            assert client.get(HOME).status_code == 200
        return len(captured)

    small = queries()
    for number in range(3):  # three more locations the supervisor and the auditor cover, each a busy site
        location = LocationFactory(code=f"EXTRA-{number}", timezone=("Europe/London", "America/New_York")[number % 2])
        facility = FacilityFactory(code=f"EXTRA-MCR{number}", location=location)
        people = [UserFactory(home_location=location) for _ in range(3)]
        for person in (request.getfixturevalue("lead"), request.getfixturevalue("auditor")):
            cover(person, location)
        build_site(location=location, facility=facility, people=people, assignee=people[1], outage=outage,
                   word=f"Extra{number}", copies=3)  # fmt: skip
        CoverageRequirement.objects.create(facility=facility, position="Camera operator", people=2)
        ShiftFactory(user=people[2], facility=facility, position="Camera operator", status=ShiftStatus.PUBLISHED)
    large = queries()

    assert small <= QUERY_BUDGET
    assert large == small


def test_the_trends_are_kept_a_few_minutes_and_say_when_they_were_read(signed_in, station, lead, settings):
    settings.HOME_CACHE_SECONDS = 300
    client = signed_in(lead)
    first = client.get(HOME).content.decode()
    with CaptureQueriesContext(connection) as kept_visit:
        again = client.get(HOME).content.decode()
    fresh = signed_in(lead)
    settings.HOME_CACHE_SECONDS = 0
    with CaptureQueriesContext(connection) as full_visit:
        unkept = fresh.get(HOME).content.decode()

    assert re.search(r"As of \d\d:\d\d (GMT|BST|UTC): trends are read again every few minutes", first)
    assert _chart_data(again, "incidents") == _chart_data(first, "incidents") == _chart_data(unkept, "incidents")
    assert "As of" not in unkept
    assert len(kept_visit) == len(full_visit) - 4  # the two trend queries and the two of coverage, not read again


def test_without_coverage_requirements_the_home_says_so(signed_in, station, lead):
    CoverageRequirement.objects.all().delete()
    html = signed_in(lead).get(HOME).content.decode()
    assert "No coverage requirement is set at the locations you cover" in html
    assert "home-gaps" not in html
