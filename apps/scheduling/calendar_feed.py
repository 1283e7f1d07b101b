"""A person's shifts and events as an iCalendar file (RFC 5545), read by calendar apps through a private link.

The link carries a secret token instead of a login (calendar apps cannot sign in): `CalendarFeed` keeps its
hash, `calendar_feed_issue` / `calendar_feed_revoke` (apps.accounts.services) hand it out and take it back.
The file holds only what the person would see as theirs in the portal: their published shifts and the live
events they crew, from a couple of months back to a year ahead. Times are written in UTC, which every
calendar app places correctly in its own zone, across daylight-saving changes too.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET
from icalendar import Calendar, Event

from apps.accounts.models import CalendarFeed
from apps.accounts.services import calendar_token_hash

from .choices import EventStatus, ShiftStatus
from .selectors import scheduled_events_visible_to, shifts_visible_to

PAST = timedelta(days=62)
AHEAD = timedelta(days=400)
# calendar apps ask every few minutes to every few hours: a read is remembered at most this often
READ_RESOLUTION = timedelta(minutes=10)


def calendar_url(token: str) -> str:
    return settings.PORTAL_BASE_URL + reverse("calendar-feed", args=[token])


def person_calendar(person, *, now: datetime) -> bytes:
    """The iCalendar file of `person`'s published shifts and live crewed events around `now`."""
    start, end = now - PAST, now + AHEAD
    shifts = (
        shifts_visible_to(user=person)
        .filter(user=person, status=ShiftStatus.PUBLISHED, ends_at__gt=start, starts_at__lt=end)
        .select_related("facility__location")
        .order_by("starts_at")
    )
    events = (
        scheduled_events_visible_to(user=person)
        .filter(crew=person, ends_at__gt=start, starts_at__lt=end)
        .exclude(status=EventStatus.CANCELLED)
        .select_related("facility__location")
        .order_by("starts_at")
    )
    calendar = Calendar()
    calendar.add("prodid", "-//Broadcast Operations Portal//Shifts//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"{person.get_full_name() or person.get_username()} — shifts")
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    for shift in shifts:
        facility = shift.facility
        calendar.add_component(
            _event(
                uid=f"shift-{shift.pk}",
                summary=f"{shift.position} — {facility.name}",
                starts_at=shift.starts_at,
                ends_at=shift.ends_at,
                where=f"{facility.name} ({facility.code}), {facility.location.name}",
                notes=shift.notes,
                updated_at=shift.updated_at,
                now=now,
            )
        )
    for event in events:
        facility = event.facility
        calendar.add_component(
            _event(
                uid=f"event-{event.pk}",
                summary=f"{event.get_kind_display()}: {event.title}",
                starts_at=event.starts_at,
                ends_at=event.ends_at,
                where=f"{facility.name} ({facility.code}), {facility.location.name}",
                notes="" if event.status == EventStatus.CONFIRMED else "Tentative.",
                updated_at=event.updated_at,
                now=now,
                tentative=event.status != EventStatus.CONFIRMED,
            )
        )
    return calendar.to_ical()


def _event(*, uid, summary, starts_at, ends_at, where, notes, updated_at, now, tentative=False) -> Event:
    event = Event()
    event.add("uid", f"{uid}@{_domain()}")
    event.add("dtstamp", now)
    event.add("last-modified", updated_at)
    event.add("summary", summary)
    event.add("dtstart", starts_at)
    event.add("dtend", ends_at)
    event.add("location", where)
    event.add("status", "TENTATIVE" if tentative else "CONFIRMED")
    if notes:
        event.add("description", notes)
    return event


def _domain() -> str:
    return settings.PORTAL_BASE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "portal.local"


@require_GET
def calendar_feed(request, token: str):
    """GET /calendar/<token>.ics: no login, the token is the key. Unknown, revoked or inactive: 404, the same."""
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(token_hash=calendar_token_hash(token), user__is_active=True)
        .first()
    )
    if feed is None:
        raise Http404("No such calendar.")
    now = timezone.now()
    if feed.last_read_at is None or feed.last_read_at < now - READ_RESOLUTION:
        # bookkeeping, not a change anyone made: no history row
        CalendarFeed.objects.filter(pk=feed.pk).update(last_read_at=now, updated_at=F("updated_at"))
    response = HttpResponse(person_calendar(feed.user, now=now), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="shifts.ics"'
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response
