"""A station for the console's home and search: London (covered by the supervisor and the auditor) and Paris
(covered by nobody but administrators), with something in every figure the home counts on both sides."""

from datetime import datetime, time, timedelta
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.utils import timezone

from apps.core.actors import system_user
from apps.core.roles import Role
from apps.dataio.choices import ImportStatus
from apps.dataio.models import ImportJob
from apps.notifications.choices import EmailStatus
from apps.scheduling.choices import ShiftStatus
from apps.scheduling.models import CoverageRequirement
from apps.tickets.choices import IncidentStatus, Severity
from apps.tickets.models import IncidentTicket
from apps.tickets.services import incident_create
from apps.timesheets.choices import TimeEntryStatus
from tests.conftest import cover
from tests.factories import (
    FacilityFactory,
    ImportJobFactory,
    IncidentTypeFactory,
    LocationFactory,
    OutboundEmailFactory,
    ScheduledEventFactory,
    ServiceTicketFactory,
    ShiftFactory,
    TimeEntryFactory,
    TimeOffRequestFactory,
    UserFactory,
)


@pytest.fixture
def roles(db):
    """The four roles with their permissions (fixtures/roles.json), as `make run` loads them."""
    call_command("load_reference_data", verbosity=0)


def console_user(username: str, role: Role, *locations, **fields):
    user = UserFactory(username=username, is_staff=True, **fields)
    user.groups.add(Group.objects.get(name=role))
    return cover(user, *locations)


@pytest.fixture
def paris(db):
    return LocationFactory(code="PAR-BUR", name="Paris Bureau", timezone="Europe/Paris")


@pytest.fixture
def paris_mcr(paris):
    return FacilityFactory(code="PAR-MCR1", name="Paris master control", location=paris)


@pytest.fixture
def pierre(paris):
    return UserFactory(
        username="pierre", first_name="Pierre", last_name="Quince", employee_id="E20001", home_location=paris
    )


@pytest.fixture
def lead(roles, london_hq):
    """A supervisor of London HQ (the Supervisor role's real permissions), based there."""
    return console_user("lead", Role.SUPERVISOR, london_hq, first_name="Pat", last_name="Lead", home_location=london_hq)


@pytest.fixture
def auditor(roles, london_hq):
    return console_user("reader", Role.AUDITOR, london_hq, first_name="Ada", last_name="Audit", home_location=london_hq)


@pytest.fixture
def boss(roles, london_hq):
    """An administrator (the role, not a superuser)."""
    return console_user("boss", Role.ADMINISTRATOR, first_name="Bo", last_name="Boss", home_location=london_hq)


@pytest.fixture
def outage(db):
    """Respond within 30 min and resolve within 4 h, at SEV3 (SEV1: a quarter of that)."""
    return IncidentTypeFactory(code="outage", name="Outage", response_sla_minutes=30, resolve_sla_minutes=240)


def incident(title, *, facility, reporter, outage, severity=Severity.SEV3, minutes_ago=10, status=None, **fields):
    """An incident logged through the service `minutes_ago`, then put at `status` with its timestamps."""
    made = incident_create(
        title=title,
        incident_type=outage,
        facility=facility,
        reporter=reporter,
        severity=severity,
        occurred_at=timezone.now() - timedelta(minutes=minutes_ago),
        by=system_user(),
    )
    now = timezone.now()
    if status not in (None, IncidentStatus.NEW):
        fields.setdefault("acknowledged_at", made.occurred_at + timedelta(minutes=1))
    if status in (IncidentStatus.RESOLVED, IncidentStatus.CLOSED):
        fields.setdefault("resolved_at", now - timedelta(minutes=2))
    if status is not None:
        IncidentTicket.objects.filter(pk=made.pk).update(status=status, **fields)
    elif fields:
        IncidentTicket.objects.filter(pk=made.pk).update(**fields)
    made.refresh_from_db()
    return made


def build_site(*, location, facility, people, assignee, outage, word: str, copies: int = 1):
    """Something in every figure at `location`, `copies` times over; titles start with `word`."""
    now = timezone.now()
    reporter = people[0]
    for copy in range(copies):
        incident(f"{word} transmitter off air {copy}", facility=facility, reporter=reporter, outage=outage,
                 severity=Severity.SEV1, minutes_ago=117)  # breached, severe, unassigned  # fmt: skip
        incident(f"{word} clock drifting {copy}", facility=facility, reporter=reporter, outage=outage,
                 minutes_ago=25)  # at risk (last quarter of the 30-minute response window), unassigned  # fmt: skip
        incident(f"{word} talkback {copy}", facility=facility, reporter=reporter, outage=outage,
                 severity=Severity.SEV2, minutes_ago=20, status=IncidentStatus.TRIAGED,
                 assignee=assignee)  # the assignee's queue, severe  # fmt: skip
        incident(f"{word} lamp {copy}", facility=facility, reporter=reporter, outage=outage, minutes_ago=200,
                 status=IncidentStatus.RESOLVED)  # awaiting close, resolve SLA met  # fmt: skip
        incident(f"{word} old fault {copy}", facility=facility, reporter=reporter, outage=outage, minutes_ago=600,
                 status=IncidentStatus.CLOSED, closed_at=now)  # resolve SLA missed, closed  # fmt: skip
        ServiceTicketFactory(title=f"{word} UPS batteries {copy}", facility=facility, requested_by=reporter)
        ScheduledEventFactory(title=f"{word} evening news {copy}", facility=facility)
        ShiftFactory(user=people[copy % len(people)], facility=facility, position="Camera operator",
                     starts_at=now + timedelta(days=20 + copy), ends_at=now + timedelta(days=20 + copy, hours=8),
                     status=ShiftStatus.DRAFT)  # fmt: skip
        TimeOffRequestFactory(user=people[copy % len(people)])  # pending
        TimeEntryFactory(user=people[copy % len(people)], work_date=now.date() - timedelta(days=copy))  # submitted
    # the week's master control roster: 06:00-14:00 each day of this week and the next, nights and evenings uncovered
    CoverageRequirement.objects.get_or_create(facility=facility, position="MCR operator", defaults={"people": 1})
    zone = location.timezone
    monday = now.astimezone(zone).date() - timedelta(days=now.astimezone(zone).weekday())
    for day in range(0, 14, 2):
        starts = datetime.combine(monday + timedelta(days=day), time(0), tzinfo=zone)
        ShiftFactory(user=people[day % len(people)], facility=facility, position="MCR operator",
                     starts_at=starts + timedelta(hours=6), ends_at=starts + timedelta(hours=14),
                     status=ShiftStatus.PUBLISHED)  # fmt: skip


@pytest.fixture
def station(lead, auditor, boss, london_hq, mcr, alex, sam, paris, paris_mcr, pierre, outage):
    """London and Paris, each with something in every figure; the lead's own pending time off, entry and jobs."""
    build_site(location=london_hq, facility=mcr, people=[alex, sam], assignee=lead, outage=outage, word="Alder")
    build_site(
        location=paris, facility=paris_mcr, people=[pierre], assignee=pierre, outage=outage, word="Quince", copies=2
    )
    TimeOffRequestFactory(user=lead)  # pending, but nobody reviews their own
    TimeEntryFactory(user=lead, status=TimeEntryStatus.SUBMITTED)
    ImportJobFactory(created_by=lead, status=ImportStatus.RUNNING)
    ImportJobFactory(created_by=lead, status=ImportStatus.FAILED)
    old = ImportJobFactory(created_by=lead, status=ImportStatus.FAILED)
    ImportJob.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=30))
    ImportJobFactory(created_by=pierre, status=ImportStatus.FAILED)
    OutboundEmailFactory(status=EmailStatus.FAILED)
    OutboundEmailFactory(status=EmailStatus.SENT, sent_at=timezone.now())
    return {"london": london_hq, "paris": paris}


# --- reading the home as a browser shows it --------------------------------------------------------------------------


class HomeReader(HTMLParser):
    """The links inside the home (#home): their href, and the figure count (id="home-<key>") each one holds."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth = 0  # inside #home while > 0
        self.links: list[str] = []
        self.figures: dict[str, tuple[int, str]] = {}
        self._href: str | None = None
        self._figure: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self.depth == 0:
            if attrs.get("id") == "home":
                self.depth = 1
            return
        if tag in ("div", "section", "nav", "ul", "table", "p"):
            self.depth += 1
        if tag == "a" and attrs.get("href"):
            self._href = attrs["href"]
            self.links.append(attrs["href"])
        if tag == "span" and "home-figure-count" in (attrs.get("class") or ""):
            self._figure = attrs["id"].removeprefix("home-")

    def handle_data(self, data):
        if self._figure and data.strip():
            self.figures[self._figure] = (int(data.strip()), self._href)
            self._figure = None

    def handle_endtag(self, tag):
        if self.depth and tag in ("div", "section", "nav", "ul", "table", "p"):
            self.depth -= 1
        if tag == "a":
            self._href = None


def read_home(client) -> HomeReader:
    response = client.get("/admin/")
    assert response.status_code == 200
    reader = HomeReader()
    reader.feed(response.content.decode())
    assert reader.links, "the home shows no link at all"
    return reader
