"""The scheduling console pages, through real requests as a superuser: what a supervisor sees and can save."""

import re
from datetime import date, timedelta
from html import unescape as html_unescape

import pytest
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.console.scheduling import admin as scheduling_admin
from apps.notifications.models import OutboundEmail
from apps.scheduling import services
from apps.scheduling.choices import EventKind, EventStatus, ShiftStatus, TimeOffKind, TimeOffStatus
from apps.scheduling.models import SHIFT_OVERLAP_MESSAGE, ScheduledEvent, Shift, TimeOffRequest
from tests.factories import ScheduledEventFactory, ShiftFactory, TimeOffRequestFactory, UserFactory

from .conftest import london

pytestmark = pytest.mark.django_db

SHIFTS = reverse("admin:scheduling_shift_changelist")
EVENTS = reverse("admin:scheduling_scheduledevent_changelist")
TIME_OFF = reverse("admin:scheduling_timeoffrequest_changelist")
CLASH = "Alex Doe already has a shift at LON-MCR1 from 06:00 to 14:00 on 3 Mar (Europe/London)."


def _split(name, moment, facility) -> dict[str, str]:
    """The admin's split date/time inputs, typed as the facility's local time (apps/console/localtime)."""
    local = moment.astimezone(facility.location.timezone)
    return {f"{name}_0": f"{local:%Y-%m-%d}", f"{name}_1": f"{local:%H:%M}"}


def _shift_post(person, facility, starts_at, hours=8, status=ShiftStatus.DRAFT, position="MCR operator"):
    return {
        "user": person.pk,
        "facility": facility.pk,
        "position": position,
        **_split("starts_at", starts_at, facility),
        **_split("ends_at", starts_at + timedelta(hours=hours), facility),
        "status": status,
        "notes": "",
    }


def _text(response) -> str:
    """The page as a person reads it: no tags, scripts or runs of white space."""
    html = re.sub(r"<script.*?</script>|<style.*?</style>", " ", response.content.decode(), flags=re.S)
    return html_unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


# --- shifts -------------------------------------------------------------------------------------------------------


def test_shift_list_shows_local_times_duration_and_status(root_client, alex, mcr):
    ShiftFactory(
        user=alex,
        facility=mcr,
        starts_at=london(2026, 7, 3, 6),
        ends_at=london(2026, 7, 3, 14),
        status=ShiftStatus.PUBLISHED,
    )

    page = _text(root_client.get(SHIFTS))

    for seen in ("Alex Doe", "E10001", "LON-MCR1", "Europe/London", "MCR operator", "Fri 3 Jul 2026", "06:00 BST"):
        assert seen in page
    assert "14:00 BST" in page and "8h00" in page and "Published" in page


def test_shift_list_filters_by_status_facility_person_and_dates(root_client, alex, sam, mcr, studio):
    ShiftFactory(user=alex, facility=mcr, starts_at=london(2026, 3, 3, 6), status=ShiftStatus.PUBLISHED)
    ShiftFactory(user=sam, facility=studio, starts_at=london(2026, 3, 3, 6), status=ShiftStatus.DRAFT)
    ShiftFactory(user=alex, facility=mcr, starts_at=london(2026, 4, 3, 6), status=ShiftStatus.PUBLISHED)

    def listed(**params):
        response = root_client.get(SHIFTS, params)
        assert response.status_code == 200
        return sorted((s.user.username, s.starts_at.month) for s in response.context["cl"].result_list)

    assert listed(status__exact="published") == [("alex", 3), ("alex", 4)]
    assert listed(facility__id__exact=studio.pk) == [("sam", 3)]
    assert listed(user__id__exact=sam.pk) == [("sam", 3)]
    assert listed(
        starts_at_from_0="2026-03-01", starts_at_from_1="00:00", starts_at_to_0="2026-03-31", starts_at_to_1="23:59"
    ) == [
        ("alex", 3),
        ("sam", 3),
    ]
    assert listed(q="E10002") == [("sam", 3)]
    assert listed(q="LON-MCR1") == [("alex", 3), ("alex", 4)]
    assert listed(starts_at__year="2026", starts_at__month="4") == [("alex", 4)]


def test_shift_list_runs_the_same_queries_for_more_rows(root_client, mcr):
    for _ in range(5):
        ShiftFactory(user=UserFactory(), facility=mcr)
    root_client.get(SHIFTS)
    with CaptureQueriesContext(connection) as five:
        root_client.get(SHIFTS)
    for _ in range(20):
        ShiftFactory(user=UserFactory())
    with CaptureQueriesContext(connection) as twenty_five:
        root_client.get(SHIFTS)

    assert len(twenty_five) == len(five)


def test_adding_an_overlapping_shift_shows_the_clash_and_writes_nothing(root_client, alex, mcr, studio):
    ShiftFactory(user=alex, facility=mcr, starts_at=london(2026, 3, 3, 6), ends_at=london(2026, 3, 3, 14))

    response = root_client.post(
        reverse("admin:scheduling_shift_add"), _shift_post(alex, studio, london(2026, 3, 3, 10))
    )

    assert response.status_code == 200
    assert _text(response).count(CLASH) == 1
    assert SHIFT_OVERLAP_MESSAGE not in _text(response)  # PostgreSQL's constraint check does not repeat it
    assert Shift.objects.count() == 1
    assert not LogEntry.objects.exists()


def test_the_form_cannot_publish_a_shift_it_adds_a_draft_and_tells_nobody(root_client, alex, mcr):
    """The status is read-only: a Status posted anyway is ignored; publishing is the list's action (its step)."""
    TimeOffRequestFactory(
        user=alex, starts_on=date(2026, 3, 3), ends_on=date(2026, 3, 3), status=TimeOffStatus.APPROVED
    )

    form = root_client.get(reverse("admin:scheduling_shift_add"))
    response = root_client.post(
        reverse("admin:scheduling_shift_add"),
        _shift_post(alex, mcr, london(2026, 3, 3, 6), status=ShiftStatus.PUBLISHED),
    )

    assert 'name="status"' not in form.content.decode()
    assert response.status_code == 302, _text(response)
    assert Shift.objects.get().status == ShiftStatus.DRAFT
    assert not OutboundEmail.objects.exists()


def test_the_change_form_shows_the_status_read_only_and_ignores_a_posted_one(root_client, alex, mcr):
    shift = ShiftFactory(user=alex, facility=mcr, starts_at=london(2026, 3, 3, 6), ends_at=london(2026, 3, 3, 14))
    change_url = reverse("admin:scheduling_shift_change", args=[shift.pk])

    page = root_client.get(change_url)
    saved = root_client.post(change_url, _shift_post(alex, mcr, london(2026, 3, 3, 6), status=ShiftStatus.PUBLISHED))

    assert 'name="status"' not in page.content.decode() and "Draft" in _text(page)
    assert saved.status_code == 302, _text(saved)
    assert Shift.objects.get().status == ShiftStatus.DRAFT
    assert not OutboundEmail.objects.exists()


def test_a_valid_shift_is_added_once_with_history(root_client, root, alex, mcr):
    response = root_client.post(reverse("admin:scheduling_shift_add"), _shift_post(alex, mcr, london(2026, 3, 3, 6)))

    assert response.status_code == 302, _text(response)
    shift = Shift.objects.get()
    assert (shift.user, shift.starts_at, shift.ends_at) == (alex, london(2026, 3, 3, 6), london(2026, 3, 3, 14))
    record = shift.history.get()
    assert (record.history_type, record.history_user) == ("+", root)
    assert LogEntry.objects.get().object_id == str(shift.pk)


def _pass_the_forms_checks(monkeypatch) -> list:
    """The form's checks pass, as when another supervisor's save has not landed yet; returns the form's calls."""
    calls = []
    monkeypatch.setattr(scheduling_admin, "shift_validate", lambda *, shift, by: calls.append(shift))
    monkeypatch.setattr(Shift, "validate_constraints", lambda self, *args, **kwargs: None)
    return calls


def test_a_rule_broken_at_save_time_re_renders_the_form(root_client, alex, mcr, monkeypatch):
    ShiftFactory(user=alex, facility=mcr, starts_at=london(2026, 3, 3, 6), ends_at=london(2026, 3, 3, 14))
    form_checks = _pass_the_forms_checks(monkeypatch)

    response = root_client.post(reverse("admin:scheduling_shift_add"), _shift_post(alex, mcr, london(2026, 3, 3, 10)))

    assert response.status_code == 200
    assert CLASH in _text(response)
    assert len(form_checks) == 2  # the form was validated, the save refused, the same form shown again
    assert Shift.objects.count() == 1
    assert not LogEntry.objects.exists()


@pytest.mark.postgres
def test_a_save_refused_by_the_database_re_renders_the_form(root_client, alex, mcr, monkeypatch):
    """Every check in Python passes; PostgreSQL's exclusion constraint refuses the row; the form says so."""
    ShiftFactory(user=alex, facility=mcr, starts_at=london(2026, 3, 3, 6), ends_at=london(2026, 3, 3, 14))
    _pass_the_forms_checks(monkeypatch)
    monkeypatch.setattr(services, "shift_validate", lambda *, shift, by: None)

    response = root_client.post(reverse("admin:scheduling_shift_add"), _shift_post(alex, mcr, london(2026, 3, 3, 10)))

    assert response.status_code == 200
    assert SHIFT_OVERLAP_MESSAGE in _text(response)
    assert Shift.objects.count() == 1
    assert not Shift.history.filter(starts_at=london(2026, 3, 3, 10)).exists()


def test_shift_change_page_history_and_an_overlapping_change(root_client, root, alex, mcr):
    ShiftFactory(user=alex, facility=mcr, starts_at=london(2026, 3, 3, 6), ends_at=london(2026, 3, 3, 14))
    later = ShiftFactory(user=alex, facility=mcr, starts_at=london(2026, 3, 4, 6), ends_at=london(2026, 3, 4, 14))
    change_url = reverse("admin:scheduling_shift_change", args=[later.pk])

    page = root_client.get(change_url)
    assert page.status_code == 200
    assert "from 06:00 to 14:00 on 4 Mar (Europe/London)" in _text(page)

    refused = root_client.post(change_url, _shift_post(alex, mcr, london(2026, 3, 3, 12)))
    assert refused.status_code == 200 and CLASH in _text(refused)
    later.refresh_from_db()
    assert later.starts_at == london(2026, 3, 4, 6)

    saved = root_client.post(
        change_url, _shift_post(alex, mcr, london(2026, 3, 4, 7), position="Transmission controller")
    )
    assert saved.status_code == 302, _text(saved)
    later.refresh_from_db()
    assert (later.position, later.history.latest().history_user) == ("Transmission controller", root)

    history = root_client.get(reverse("admin:scheduling_shift_history", args=[later.pk]))
    assert history.status_code == 200
    assert "Changed Robin Root" in _text(history)
    assert "Position: MCR operator arrow_right_alt Transmission controller" in _text(history)


# --- scheduled events -------------------------------------------------------------------------------------------------


def _event_post(facility, starts_at, crew=(), title="Evening news"):
    return {
        "title": title,
        "kind": EventKind.LIVE_BROADCAST,
        "facility": facility.pk,
        **_split("starts_at", starts_at, facility),
        **_split("ends_at", starts_at + timedelta(hours=1), facility),
        "crew": [person.pk for person in crew],
    }


def test_event_list_shows_crew_count_and_filters(root_client, alex, sam, studio, mcr):
    news = ScheduledEventFactory(title="Evening news", facility=studio, status=EventStatus.CONFIRMED)
    news.crew.add(alex, sam)
    ScheduledEventFactory(title="Transmitter check", kind=EventKind.MAINTENANCE, facility=mcr)

    response = root_client.get(EVENTS)
    assert response.status_code == 200
    counts = {e.title: e.crew_total for e in response.context["cl"].result_list}
    assert counts == {"Evening news": 2, "Transmitter check": 0}
    assert "Confirmed" in _text(response) and "Tentative" in _text(response)

    by_kind = root_client.get(EVENTS, {"kind__exact": EventKind.MAINTENANCE})
    assert [e.title for e in by_kind.context["cl"].result_list] == ["Transmitter check"]
    by_crew = root_client.get(EVENTS, {"crew__id__exact": alex.pk})
    assert [e.title for e in by_crew.context["cl"].result_list] == ["Evening news"]


def test_event_list_runs_the_same_queries_for_more_rows(root_client, studio):
    def add_events(count):
        for _ in range(count):
            ScheduledEventFactory(facility=studio).crew.add(UserFactory(), UserFactory())

    add_events(3)
    root_client.get(EVENTS)
    with CaptureQueriesContext(connection) as few:
        root_client.get(EVENTS)
    add_events(15)
    with CaptureQueriesContext(connection) as many:
        root_client.get(EVENTS)

    assert len(many) == len(few)


def test_an_event_is_added_tentative_with_crew_and_confirming_it_into_a_clash_is_refused(
    root_client, root, alex, studio
):
    ScheduledEventFactory(
        title="Evening news",
        facility=studio,
        starts_at=london(2026, 3, 3, 18),
        ends_at=london(2026, 3, 3, 19),
        status=EventStatus.CONFIRMED,
    )
    add_url = reverse("admin:scheduling_scheduledevent_add")

    added = root_client.post(add_url, _event_post(studio, london(2026, 3, 3, 18, 30), crew=[alex], title="Sport"))
    assert added.status_code == 302, _text(added)
    sport = ScheduledEvent.objects.get(title="Sport")
    assert (sport.status, list(sport.crew.all())) == (EventStatus.TENTATIVE, [alex])
    assert sport.history.earliest().history_user == root

    refused = root_client.post(EVENTS, {"action": "confirm_selected", "_selected_action": [sport.pk]}, follow=True)
    messages = " ".join(str(message) for message in refused.context["messages"])
    assert "LON-STU1 already has a confirmed live broadcast, “Evening news”, from 18:00 to 19:00 on 3 Mar" in messages
    assert ScheduledEvent.objects.get(title="Sport").status == EventStatus.TENTATIVE

    root_client.post(
        reverse("admin:scheduling_scheduledevent_change", args=[sport.pk]),
        _event_post(studio, london(2026, 3, 3, 19), crew=[alex], title="Sport"),
    )
    root_client.post(EVENTS, {"action": "confirm_selected", "_selected_action": [sport.pk]})
    assert ScheduledEvent.objects.get(title="Sport").status == EventStatus.CONFIRMED

    assert root_client.get(reverse("admin:scheduling_scheduledevent_change", args=[sport.pk])).status_code == 200
    assert root_client.get(reverse("admin:scheduling_scheduledevent_history", args=[sport.pk])).status_code == 200


# --- time off ---------------------------------------------------------------------------------------------------


def test_time_off_list_add_refusal_and_change(root_client, root, alex):
    TimeOffRequestFactory(
        user=alex, starts_on=date(2026, 3, 2), ends_on=date(2026, 3, 4), status=TimeOffStatus.APPROVED
    )

    listing = root_client.get(TIME_OFF, {"status__exact": "approved", "starts_on_from": "2026-03-01"})
    assert listing.status_code == 200
    assert "Alex Doe" in _text(listing) and "Approved" in _text(listing)

    add_url = reverse("admin:scheduling_timeoffrequest_add")
    post = {"user": alex.pk, "kind": TimeOffKind.SICK, "starts_on": "2026-03-04", "ends_on": "2026-03-05", "reason": ""}
    refused = root_client.post(add_url, post)
    assert refused.status_code == 200
    assert "Alex Doe already has approved vacation time off from 2 Mar to 4 Mar 2026." in _text(refused)
    assert TimeOffRequest.objects.count() == 1

    saved = root_client.post(add_url, {**post, "starts_on": "2026-03-05"})
    assert saved.status_code == 302, _text(saved)
    sick = TimeOffRequest.objects.get(kind=TimeOffKind.SICK)
    assert (sick.status, sick.history.get().history_user) == (TimeOffStatus.PENDING, root)

    change_url = reverse("admin:scheduling_timeoffrequest_change", args=[sick.pk])
    assert "Review" in _text(root_client.get(change_url))
    assert root_client.get(reverse("admin:scheduling_timeoffrequest_history", args=[sick.pk])).status_code == 200
