"""Reads as a frontend developer expects them: labels beside ids, UTC with Z, filters, ?mine=true, flat query counts."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.core.actors import system_user
from apps.scheduling.choices import ShiftStatus
from tests import factories as f

from .conftest import signed_in
from .matrix_spec import ENDPOINTS, Place

pytestmark = pytest.mark.django_db


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_an_incident_renders_in_one_call(world):
    occurred = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
    incident = f.IncidentTicketFactory(
        facility=world.facility_a, reporter=world.person_a, incident_type=world.incident_type, occurred_at=occurred
    )
    body = signed_in(world.supervisor).get(f"/api/incident-tickets/{incident.pk}/").json()
    assert body["facility"] == world.facility_a.pk
    assert body["facility_label"] == "Alpha MCR (API-A-MCR)"
    assert body["location"] == world.a.pk and body["location_label"] == "Alpha site (API-A)"
    assert body["incident_type_label"] == "Outage"
    assert (body["severity"], body["severity_label"]) == ("SEV3", "SEV3 — minor")
    assert (body["status"], body["status_label"]) == ("new", "New")
    assert body["reporter_label"] == str(world.person_a)
    assert body["assignee"] is None and body["assignee_label"] is None
    assert body["occurred_at"] == "2026-03-29T00:30:00Z"
    assert body["created_at"].endswith("Z")


def test_datetimes_are_utc_whatever_the_server_time_zone(world, settings):
    settings.TIME_ZONE = "Asia/Tokyo"
    shift = f.ShiftFactory(
        user=world.staff,
        facility=world.facility_a,
        status=ShiftStatus.PUBLISHED,
        starts_at=datetime(2026, 7, 1, 6, 0, tzinfo=UTC),
        ends_at=datetime(2026, 7, 1, 14, 0, tzinfo=UTC),
    )
    body = signed_in(world.staff).get(f"/api/shifts/{shift.pk}/").json()
    assert (body["starts_at"], body["ends_at"]) == ("2026-07-01T06:00:00Z", "2026-07-01T14:00:00Z")
    assert body["timezone"] == "Europe/London"


def test_lists_of_people_hold_active_accounts_only_never_system(world):
    system_user()
    world.person_a.is_active = False
    world.person_a.save()
    listed = ids(signed_in(world.admin).get("/api/profiles/", {"page_size": 200}))
    assert world.person_a.pk not in listed
    assert system_user().pk not in listed
    assert world.person_b.pk in listed
    assert signed_in(world.admin).get(f"/api/profiles/{system_user().pk}/").status_code == 404


def test_staff_see_their_colleagues_and_the_reference_data_a_form_needs(world):
    closed = f.LocationFactory(code="API-CLOSED", is_active=False)
    staff = signed_in(world.staff)
    people = ids(staff.get("/api/profiles/", {"page_size": 200}))
    assert world.person_a.pk in people and world.staff.pk in people and world.person_b.pk not in people
    locations = ids(staff.get("/api/locations/", {"page_size": 200}))
    assert world.a.pk in locations and world.b.pk in locations and closed.pk not in locations
    facilities = ids(staff.get("/api/facilities/", {"page_size": 200}))
    assert world.facility_a.pk in facilities and world.facility_b.pk in facilities


def test_drafts_are_the_supervisors_a_person_reads_their_shifts_once_published(world):
    draft = f.ShiftFactory(user=world.staff, facility=world.facility_a, status=ShiftStatus.DRAFT)
    published = f.ShiftFactory(user=world.staff, facility=world.facility_a, status=ShiftStatus.PUBLISHED)
    assert ids(signed_in(world.staff).get("/api/shifts/")) == [published.pk]
    assert signed_in(world.staff).get(f"/api/shifts/{draft.pk}/").status_code == 404
    assert set(ids(signed_in(world.supervisor).get("/api/shifts/"))) == {draft.pk, published.pk}


def test_mine_filters(world):
    reported = f.IncidentTicketFactory(facility=world.facility_a, reporter=world.supervisor)
    assigned = f.IncidentTicketFactory(facility=world.facility_a, reporter=world.person_a, assignee=world.supervisor)
    other = f.IncidentTicketFactory(facility=world.facility_a, reporter=world.person_a)
    supervisor = signed_in(world.supervisor)
    assert set(ids(supervisor.get("/api/incident-tickets/", {"mine": "true"}))) == {reported.pk, assigned.pk}
    assert set(ids(supervisor.get("/api/incident-tickets/", {"mine": "false"}))) == {reported.pk, assigned.pk, other.pk}
    crewed = f.ScheduledEventFactory(facility=world.facility_a)
    crewed.crew.add(world.supervisor)
    f.ScheduledEventFactory(facility=world.facility_a)
    assert ids(supervisor.get("/api/scheduled-events/", {"mine": "true"})) == [crewed.pk]
    own = f.TimeOffRequestFactory(user=world.supervisor)
    f.TimeOffRequestFactory(user=world.person_a)
    assert ids(supervisor.get("/api/time-off-requests/", {"mine": "true"})) == [own.pk]


def test_filters_date_ranges_search_and_ordering(world):
    now = datetime(2026, 5, 1, 12, tzinfo=UTC)
    older = f.IncidentTicketFactory(
        facility=world.facility_a, reporter=world.person_a, occurred_at=now - timedelta(days=2)
    )
    newer = f.IncidentTicketFactory(
        facility=world.facility_a, reporter=world.person_a, occurred_at=now, title="Transmitter fan noise"
    )
    client = signed_in(world.supervisor)
    assert ids(client.get("/api/incident-tickets/", {"occurred_at__gte": "2026-04-30T00:00:00Z"})) == [newer.pk]
    assert ids(client.get("/api/incident-tickets/", {"occurred_at__lt": "2026-04-30T00:00:00Z"})) == [older.pk]
    assert ids(client.get("/api/incident-tickets/", {"search": "fan noise"})) == [newer.pk]
    assert ids(client.get("/api/incident-tickets/", {"ordering": "occurred_at"})) == [older.pk, newer.pk]
    assert ids(client.get("/api/incident-tickets/", {"ordering": "-occurred_at"})) == [newer.pk, older.pk]
    assert ids(client.get("/api/incident-tickets/", {"status": ["new", "triaged"]})) == [newer.pk, older.pk]


def test_a_filter_naming_an_unknown_or_out_of_scope_id_is_an_empty_list(world):
    f.IncidentTicketFactory(facility=world.facility_b, reporter=world.person_b)
    client = signed_in(world.supervisor)
    unknown = client.get("/api/incident-tickets/", {"facility": 987654})
    out_of_scope = client.get("/api/incident-tickets/", {"facility": world.facility_b.pk})
    assert unknown.status_code == out_of_scope.status_code == 200
    assert unknown.json() == out_of_scope.json() == {"count": 0, "next": None, "previous": None, "results": []}
    bad = client.get("/api/incident-tickets/", {"facility": "twelve"})
    assert bad.status_code == 400 and bad.json() == {"facility": ["Enter a whole number."]}


def test_search_refuses_what_a_database_cannot_take(world):
    response = signed_in(world.supervisor).get("/api/incident-tickets/", {"search": "a\x00b"})
    assert response.status_code == 400 and response.json() == {"search": ["Null characters are not allowed."]}


def _count_queries(client, path) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, {"page_size": 200})
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda endpoint: endpoint.resource)
@pytest.mark.parametrize("role", ["Administrator", "Supervisor", "Staff"])
def test_a_lists_query_count_does_not_grow_with_its_rows(world, endpoint, role):
    user = world.users[role]
    place = Place(world.a, world.facility_a, owner=user, coverers=(world.supervisor, world.auditor))
    client = signed_in(user)
    for _ in range(5):
        endpoint.build(place)
    few = _count_queries(client, endpoint.path)
    for _ in range(45):
        endpoint.build(place)
    many = _count_queries(client, endpoint.path)
    assert few == many, f"{endpoint.resource}: {few} queries for 5 rows, {many} for 50"
    assert many <= 6, f"{endpoint.resource}: {many} queries"


def test_a_visible_row_never_shows_a_linked_row_out_of_scope(world):
    elsewhere = f.IncidentTicketFactory(facility=world.facility_b, reporter=world.person_b, title="Bravo secret")
    here = f.IncidentTicketFactory(facility=world.facility_a, reporter=world.person_a)
    hidden = f.TimeEntryFactory(user=world.person_a, activity="incident", incident=elsewhere)
    shown = f.TimeEntryFactory(user=world.person_a, activity="incident", incident=here)
    event = f.ScheduledEventFactory(facility=world.facility_a)
    event.crew.add(world.person_a, world.person_b)

    supervisor = signed_in(world.supervisor)
    entries = {row["id"]: row for row in supervisor.get("/api/time-entries/").json()["results"]}
    assert (entries[hidden.pk]["incident"], entries[hidden.pk]["incident_label"]) == (None, None)
    assert entries[shown.pk]["incident"] == here.pk
    assert "Bravo secret" not in supervisor.get(f"/api/time-entries/{hidden.pk}/").content.decode()
    assert supervisor.get(f"/api/scheduled-events/{event.pk}/").json()["crew"] == [world.person_a.pk]
    admin = signed_in(world.admin)
    assert admin.get(f"/api/time-entries/{hidden.pk}/").json()["incident"] == elsewhere.pk
    assert set(admin.get(f"/api/scheduled-events/{event.pk}/").json()["crew"]) == {world.person_a.pk, world.person_b.pk}


def test_checking_a_pages_links_is_one_query_whatever_they_link(world):
    supervisor = signed_in(world.supervisor)

    def entries(count):
        for _ in range(count):
            here = f.IncidentTicketFactory(facility=world.facility_a, reporter=world.person_a)
            there = f.ServiceTicketFactory(facility=world.facility_b, requested_by=world.person_b)
            f.TimeEntryFactory(user=world.person_a, activity="incident", incident=here)
            f.TimeEntryFactory(user=world.person_a, activity="service", service_ticket=there)
            shift = f.ShiftFactory(user=world.person_a, facility=world.facility_a)
            f.TimeEntryFactory(user=world.person_a, activity="shift", shift=shift)

    entries(2)
    few = _count_queries(supervisor, "/api/time-entries/")
    entries(15)
    many = _count_queries(supervisor, "/api/time-entries/")
    assert few == many <= 6
