"""The auditor sees no control that fails: a walk through every console page an auditor can reach.

The walk starts at the console's home and the roster, follows every link to a console page (one page of each
shape: /admin/scheduling/shift/<id>/change/ once), and on each page it reaches asserts that

- the page answers without a 403 (a link the auditor is shown is one they may follow) or a 500;
- no form asks for input the auditor cannot send: they change nothing, so a form with fields to fill in
  (the revert page of a version, a change form) is a control that fails. Their own reads (an export) and their
  own password are theirs to post.
"""

import re
from collections import deque
from datetime import date, timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from apps.audit.history import change_context
from apps.core.roles import Role
from apps.scheduling.choices import ShiftStatus, TimeOffStatus
from apps.scheduling.models import CoverageRequirement
from tests.conftest import cover
from tests.factories import (
    FacilityFactory,
    IncidentTicketFactory,
    ScheduledEventFactory,
    ServiceTicketFactory,
    ShiftFactory,
    TicketNoteFactory,
    TimeEntryFactory,
    TimeOffRequestFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

MAX_PAGES = 400
NOT_FOLLOWED = ("/admin/logout/", "/admin/jsi18n/", "/admin/autocomplete/")
THEIRS_TO_POST = ("/export/", "/admin/password_change/")


class Page(HTMLParser):
    """The links of a page and the forms that post, with the names of the fields inside them."""

    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.post_forms: list[dict] = []
        self._form: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "form":
            method = (attrs.get("method") or "get").lower()
            self._form = {"action": attrs.get("action") or "", "fields": [], "post": method == "post"}
        elif tag in ("input", "select", "textarea", "button") and self._form is not None:
            kind = (attrs.get("type") or "").lower()
            if attrs.get("name") and kind != "hidden" and attrs.get("name") != "csrfmiddlewaretoken":
                self._form["fields"].append(attrs["name"])

    def handle_endtag(self, tag):
        if tag == "form" and self._form is not None:
            if self._form["post"]:
                self.post_forms.append(self._form)
            self._form = None


# query parameters that change what a page offers (the roster's two grids, the incident queues)
VIEWS = ("view", "queue")


def shape(url: str) -> str:
    """/admin/scheduling/shift/42/change/ → /admin/scheduling/shift/N/change/ (one page of each shape), with the
    parameters that show another view of the page kept (?view=facilities)."""
    parts = urlsplit(url)
    views = sorted((key, value) for key, value in parse_qsl(parts.query) if key in VIEWS)
    return re.sub(r"/\d+/", "/N/", parts.path) + (f"?{urlencode(views)}" if views else "")


@pytest.fixture
def auditor(london_hq):
    call_command("load_reference_data", verbosity=0)
    user = UserFactory(username="audrey", first_name="Audrey", last_name="Reads", is_staff=True)
    user.groups.add(Group.objects.get(name=Role.AUDITOR))
    return cover(user, london_hq)


@pytest.fixture
def a_week_of_everything(mcr, alex, sam, supervisor):
    """A row of every kind the auditor reads, in their scope, each with a history of more than one version."""
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    start = timezone.now().replace(hour=6, minute=0, second=0, microsecond=0) - timedelta(days=today.weekday())
    with change_context(user=supervisor, reason="Built the week", request_id="req-walk"):
        shift = ShiftFactory(user=alex, facility=mcr, starts_at=start, ends_at=start + timedelta(hours=8))
        ShiftFactory(
            user=sam,
            facility=mcr,
            starts_at=start + timedelta(days=1),
            ends_at=start + timedelta(days=1, hours=8),
            status=ShiftStatus.PUBLISHED,
        )
        shift.position = "MCR lead"
        shift.save()
        CoverageRequirement.objects.create(facility=mcr, position="MCR operator", people=1)
        incident = IncidentTicketFactory(facility=mcr, reporter=alex)
        TicketNoteFactory(incident=incident, author=alex)
        incident.title = "Encoder down"
        incident.save()
        ServiceTicketFactory(facility=mcr, requested_by=alex)
        ScheduledEventFactory(facility=mcr, starts_at=start, ends_at=start + timedelta(hours=2))
        TimeOffRequestFactory(user=sam, starts_on=monday + timedelta(days=3), ends_on=monday + timedelta(days=4))
        TimeOffRequestFactory(
            user=alex,
            starts_on=monday + timedelta(days=5),
            ends_on=monday + timedelta(days=6),
            status=TimeOffStatus.APPROVED,
            reviewed_by=supervisor,
            reviewed_at=timezone.now(),
        )
        TimeEntryFactory(user=alex, work_date=date.today())
        FacilityFactory(code="LON-STU9", name="Studio 9", location=mcr.location)


def test_the_auditor_is_shown_no_control_that_fails(client, auditor, a_week_of_everything):
    client.force_login(auditor)
    roster = reverse("scheduling_roster")
    queue = deque([reverse("admin:index"), f"{roster}?view=people", f"{roster}?view=facilities"])
    seen_shapes: set[str] = set()
    visited, failures = 0, []

    while queue and visited < MAX_PAGES:
        url = queue.popleft()
        path = urlsplit(url).path
        if shape(url) in seen_shapes:
            continue
        seen_shapes.add(shape(url))
        response = client.get(url)
        visited += 1
        if response.status_code in (301, 302):
            queue.append(urljoin(url, response["Location"]))
            continue
        if response.status_code == 404:
            continue  # a deleted object's history, an object out of scope: nothing offered, nothing refused
        if response.status_code != 200:
            failures.append(f"{url} answered {response.status_code}")
            continue
        if "text/html" not in response.get("Content-Type", ""):
            continue
        page = Page()
        page.feed(response.content.decode())
        for form in page.post_forms:
            if form["fields"] and not any(part in path for part in THEIRS_TO_POST):
                failures.append(f"{url} has a form posting to {form['action'] or 'itself'}: {form['fields']}")
        for link in page.links:
            target = urljoin(url, link)
            parts = urlsplit(target)
            if parts.netloc or not parts.path.startswith("/admin/") or parts.path.startswith(NOT_FOLLOWED):
                continue
            queue.append(target)

    assert visited > 40, f"the walk reached only {visited} pages"
    assert not failures, "\n".join(failures)
