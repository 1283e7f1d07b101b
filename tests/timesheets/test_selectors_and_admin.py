"""Who sees which time entries, and the time entry console page through real requests as a superuser."""

import re
from html import unescape as html_unescape

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.timesheets.choices import Activity, TimeEntryStatus
from apps.timesheets.models import TimeEntry
from apps.timesheets.selectors import time_entries_visible_to
from tests.factories import IncidentTicketFactory, LocationFactory, ShiftFactory, TimeEntryFactory, UserFactory
from tests.scheduling.conftest import london

pytestmark = pytest.mark.django_db

ENTRIES = reverse("admin:timesheets_timeentry_changelist")
ADD = reverse("admin:timesheets_timeentry_add")


def _text(response) -> str:
    html = re.sub(r"<script.*?</script>|<style.*?</style>", " ", response.content.decode(), flags=re.S)
    return html_unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def test_entries_are_seen_by_whoever_covers_where_their_person_is_based_staff_their_own(
    alex, sam, supervisor, root, mcr
):
    mine = TimeEntryFactory(user=alex)
    sams = TimeEntryFactory(user=sam)
    kim = UserFactory(username="kim", home_location=LocationFactory(code="MAN", name="Manchester"))
    kims_shift = ShiftFactory(user=kim, facility=mcr)
    kims = TimeEntryFactory(user=kim, activity=Activity.SHIFT, shift=kims_shift, work_date=kims_shift.starts_at.date())
    uncovered = UserFactory(is_staff=True)
    uncovered.groups.add(supervisor.groups.get())  # the same role, no location
    own = TimeEntryFactory(user=uncovered)

    # the supervisor covers London HQ: Londoners' entries, not a Mancunian's (even for a shift worked in London)
    assert set(time_entries_visible_to(user=supervisor)) == {mine, sams}
    assert kims not in time_entries_visible_to(user=supervisor)
    assert list(time_entries_visible_to(user=uncovered)) == [own]
    assert list(time_entries_visible_to(user=alex)) == [mine]
    assert time_entries_visible_to(user=root).count() == 4
    assert not time_entries_visible_to(user=AnonymousUser()).exists()


def test_entry_list_shows_what_was_worked_and_filters(root_client, alex, sam, mcr):
    shift = ShiftFactory(user=alex, facility=mcr, position="MCR operator", starts_at=london(2026, 3, 3, 6))
    TimeEntryFactory(user=alex, work_date=shift.starts_at.date(), minutes=480, activity=Activity.SHIFT, shift=shift)
    incident = IncidentTicketFactory(reference="INC-000042", title="Encoder down")
    TimeEntryFactory(
        user=sam, minutes=95, activity=Activity.INCIDENT, incident=incident, status=TimeEntryStatus.APPROVED
    )

    page = _text(root_client.get(ENTRIES))
    for seen in ("Alex Doe", "8h00", "MCR operator at LON-MCR1, Tue 3 Mar 2026 06:00 GMT", "Sam Roe", "1h35"):
        assert seen in page
    assert "INC-000042 Encoder down" in page and "Approved" in page and "Submitted" in page

    def listed(**params):
        response = root_client.get(ENTRIES, params)
        assert response.status_code == 200
        return [entry.user.username for entry in response.context["cl"].result_list]

    assert listed(status__exact="approved") == ["sam"]
    assert listed(activity__exact="shift") == ["alex"]
    assert listed(user__id__exact=alex.pk) == ["alex"]
    assert listed(work_date_from="2026-03-01", work_date_to="2026-03-31") == ["alex"]
    assert listed(q="INC-000042") == ["sam"]


def test_entry_list_runs_the_same_queries_for_more_rows(root_client):
    def add(count):
        for _ in range(count):
            person = UserFactory()
            shift = ShiftFactory(user=person)
            TimeEntryFactory(user=person, activity=Activity.SHIFT, shift=shift, work_date=shift.starts_at.date())

    add(3)
    root_client.get(ENTRIES)
    with CaptureQueriesContext(connection) as few:
        root_client.get(ENTRIES)
    add(15)
    with CaptureQueriesContext(connection) as many:
        root_client.get(ENTRIES)

    assert len(many) == len(few)


def _post(person, minutes, activity=Activity.TRAINING, **links):
    return {
        "user": person.pk,
        "work_date": "2026-03-03",
        "minutes": minutes,
        "activity": activity,
        "notes": "",
        **links,
    }


def test_adding_past_a_full_day_shows_the_message_and_writes_nothing(root_client, alex):
    TimeEntryFactory(user=alex, work_date=london(2026, 3, 3, 0).date(), minutes=1400, activity=Activity.ADMIN)

    response = root_client.post(ADD, _post(alex, 60))

    assert response.status_code == 200
    assert "Alex Doe already has 23h20 logged on 3 Mar 2026; 1h00 more would make 24h20" in _text(response)
    assert TimeEntry.objects.count() == 1


def test_adding_against_someone_elses_shift_is_refused(root_client, alex, sam, mcr):
    sams_shift = ShiftFactory(user=sam, facility=mcr, position="MCR operator")

    response = root_client.post(ADD, _post(alex, 60, Activity.SHIFT, shift=sams_shift.pk))

    assert response.status_code == 200
    assert "That shift (MCR operator at LON-MCR1) is Sam Roe's, not this person's." in _text(response)
    assert not TimeEntry.objects.exists()


def test_a_valid_entry_is_added_with_history_and_its_pages_render(root_client, root, alex):
    response = root_client.post(ADD, _post(alex, 90))

    assert response.status_code == 302, _text(response)
    entry = TimeEntry.objects.get()
    assert (entry.minutes, entry.status, entry.history.get().history_user) == (90, TimeEntryStatus.SUBMITTED, root)

    change_url = reverse("admin:timesheets_timeentry_change", args=[entry.pk])
    assert "Review" in _text(root_client.get(change_url))
    changed = root_client.post(change_url, {**_post(alex, 120), "status": TimeEntryStatus.SUBMITTED})
    assert changed.status_code == 302, _text(changed)
    history = _text(root_client.get(reverse("admin:timesheets_timeentry_history", args=[entry.pk])))
    assert "Minutes: 90 arrow_right_alt 120" in history


def test_a_shift_is_picked_by_autocomplete_from_the_entry_form(root_client, alex, sam, mcr):
    shift = ShiftFactory(user=alex, facility=mcr, position="MCR operator", starts_at=london(2026, 3, 3, 6))
    ShiftFactory(user=sam, facility=mcr)

    response = root_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "timesheets", "model_name": "timeentry", "field_name": "shift", "term": "E10001"},
    )

    assert response.status_code == 200
    assert [result["id"] for result in response.json()["results"]] == [str(shift.pk)]
