"""A person's private calendar link: only their published shifts and live crewed events, read by a real parser."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from apps.accounts.models import CalendarFeed
from apps.accounts.services import calendar_feed_issue, calendar_feed_revoke
from apps.core.roles import Role
from apps.scheduling.choices import EventKind, EventStatus, ShiftStatus
from tests.factories import ScheduledEventFactory, ShiftFactory, SuperUserFactory, UserFactory
from tests.tickets.html_forms import form_data

from .conftest import london

pytestmark = pytest.mark.django_db


def feed_url(token: str) -> str:
    return reverse("calendar-feed", args=[token])


def read(client, token: str) -> Calendar:
    response = client.get(feed_url(token))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def events_of(calendar: Calendar) -> dict[str, tuple]:
    return {
        str(event["summary"]): (event.decoded("dtstart"), event.decoded("dtend"), str(event["status"]))
        for event in calendar.walk("VEVENT")
    }


@pytest.fixture
def soon():
    """Next Monday 06:00 in London, inside the feed's window."""
    today = timezone.localdate()
    monday = today + timedelta(days=7 - today.weekday())
    return london(monday.year, monday.month, monday.day, 6)


def test_the_feed_holds_the_persons_published_shifts_and_live_events_only(client, alex, sam, mcr, studio, soon):
    ShiftFactory(
        user=alex,
        facility=mcr,
        position="MCR operator",
        status=ShiftStatus.PUBLISHED,
        starts_at=soon,
        ends_at=soon + timedelta(hours=8),
        notes="Handover at 06:00",
    )
    ShiftFactory(
        user=alex,
        facility=mcr,
        position="Draft shift",
        status=ShiftStatus.DRAFT,
        starts_at=soon + timedelta(days=1),
        ends_at=soon + timedelta(days=1, hours=8),
    )
    ShiftFactory(
        user=alex,
        facility=mcr,
        position="Cancelled shift",
        status=ShiftStatus.CANCELLED,
        starts_at=soon + timedelta(days=2),
        ends_at=soon + timedelta(days=2, hours=8),
    )
    ShiftFactory(
        user=sam,
        facility=mcr,
        position="Sam's shift",
        status=ShiftStatus.PUBLISHED,
        starts_at=soon,
        ends_at=soon + timedelta(hours=8),
    )
    crewed = ScheduledEventFactory(
        title="Election night",
        kind=EventKind.LIVE_BROADCAST,
        facility=studio,
        status=EventStatus.CONFIRMED,
        starts_at=soon + timedelta(days=3),
        ends_at=soon + timedelta(days=3, hours=5),
    )
    crewed.crew.add(alex)
    called_off = ScheduledEventFactory(
        title="Called off",
        facility=studio,
        status=EventStatus.CANCELLED,
        starts_at=soon + timedelta(days=4),
        ends_at=soon + timedelta(days=4, hours=1),
    )
    called_off.crew.add(alex)
    ScheduledEventFactory(
        title="Not crewed",
        facility=studio,
        starts_at=soon + timedelta(days=5),
        ends_at=soon + timedelta(days=5, hours=1),
    )
    token = calendar_feed_issue(user=alex, by=alex)

    calendar = read(client, token)

    assert str(calendar["x-wr-calname"]) == "Alex Doe — shifts"
    assert events_of(calendar) == {
        "MCR operator — Master control 1": (soon, soon + timedelta(hours=8), "CONFIRMED"),
        "Live broadcast: Election night": (soon + timedelta(days=3), soon + timedelta(days=3, hours=5), "CONFIRMED"),
    }
    [shift] = [event for event in calendar.walk("VEVENT") if str(event["summary"]).startswith("MCR")]
    assert str(shift["description"]) == "Handover at 06:00"
    assert str(shift["location"]) == "Master control 1 (LON-MCR1), London HQ"
    assert str(shift["uid"]).startswith("shift-")


def test_a_night_shift_across_the_clock_change_keeps_its_real_instants(client, alex, mcr):
    """22:00-06:00 in London on the night the clocks go back (25 Oct 2026): 9 hours, wherever it is read."""
    starts, ends = london(2026, 10, 24, 22), london(2026, 10, 25, 6)
    ShiftFactory(user=alex, facility=mcr, status=ShiftStatus.PUBLISHED, starts_at=starts, ends_at=ends)
    token = calendar_feed_issue(user=alex, by=alex)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "now", lambda: datetime(2026, 10, 20, tzinfo=UTC))
        [event] = read(client, token).walk("VEVENT")

    assert event.decoded("dtstart") == datetime(2026, 10, 24, 21, tzinfo=UTC)
    assert event.decoded("dtend") == datetime(2026, 10, 25, 6, tzinfo=UTC)
    assert event.decoded("dtend") - event.decoded("dtstart") == timedelta(hours=9)


def test_a_new_link_replaces_the_old_and_a_revoked_link_answers_404(client, alex):
    first = calendar_feed_issue(user=alex, by=alex)
    second = calendar_feed_issue(user=alex, by=alex)

    assert client.get(feed_url(first)).status_code == 404
    assert client.get(feed_url(second)).status_code == 200
    assert CalendarFeed.objects.get().last_read_at is not None
    assert calendar_feed_revoke(user=alex, by=alex) is True
    assert client.get(feed_url(second)).status_code == 404
    assert calendar_feed_revoke(user=alex, by=alex) is False
    assert client.get(feed_url("made-up-token")).status_code == 404


def test_only_the_token_hash_is_stored_and_an_inactive_person_has_no_feed(client, alex):
    token = calendar_feed_issue(user=alex, by=alex)
    assert token not in str(CalendarFeed.objects.values_list("token_hash", flat=True)[0])

    alex.is_active = False
    alex.save()

    assert client.get(feed_url(token)).status_code == 404


def test_someone_else_may_not_manage_a_persons_link_unless_they_administer_people(alex, sam):
    with pytest.raises(PermissionDenied):
        calendar_feed_issue(user=alex, by=sam)
    calendar_feed_issue(user=alex, by=SuperUserFactory(username="boss"))


def test_an_administrator_issues_the_link_from_the_persons_page_and_sees_it_once(client, alex):
    call_command("load_reference_data", verbosity=0)
    admin = UserFactory(username="hr", is_staff=True)
    admin.groups.add(Group.objects.get(name=Role.ADMINISTRATOR))
    client.force_login(admin)
    url = reverse("admin:accounts_user_issue_calendar_link", args=[alex.pk])

    page = client.get(url)
    assert page.status_code == 200 and not CalendarFeed.objects.exists(), "a GET issues nothing"
    response = client.post(url, form_data(page, "calendar_link_form"), follow=True)

    [message] = [str(message) for message in response.context["messages"]]
    assert message.startswith("Calendar link for Alex Doe (E10001) (shown once): http")
    token = message.rsplit("/", 1)[1].removesuffix(".ics")
    assert client.get(feed_url(token)).status_code == 200

    revoke = reverse("admin:accounts_user_revoke_calendar_link", args=[alex.pk])
    client.post(revoke, form_data(client.get(revoke), "calendar_link_form"))
    assert not CalendarFeed.objects.exists()
