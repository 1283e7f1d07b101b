"""The Activity page: every change, newest first, filterable, linking to histories, and scoped to the reader."""

from datetime import datetime, timedelta

import pytest
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.audit.history import change_context
from apps.audit.models import ActivityEntry
from apps.core.actors import system_user
from apps.tickets.models import IncidentTicket
from apps.tickets.services import incident_update
from tests.factories import FacilityFactory, IncidentTicketFactory, UserFactory

pytestmark = pytest.mark.django_db

ACTIVITY = reverse("admin:audit_activityentry_changelist")


def listed(client, **params) -> list[ActivityEntry]:
    response = client.get(ACTIVITY, params)
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def history_url(entry: ActivityEntry) -> str:
    ct = entry.content_type
    return reverse(f"admin:{ct.app_label}_{ct.model}_history", args=[entry.object_id])


@pytest.fixture
def incidents(supervisor, mcr, paris_studio, sam):
    """One incident in the supervisor's scope and one outside it, each logged then edited by Sam."""
    # Sam reported both: a ticket is changed only by someone who sees it
    ours = IncidentTicketFactory(facility=mcr, title="Encoder down in London", reporter=sam)
    theirs = IncidentTicketFactory(facility=paris_studio, title="Encoder down in Paris", reporter=sam)
    with change_context(user=sam, reason="Triage", request_id="req-triage"):
        incident_update(incident=ours, by=sam, title="Encoders down in London")
        incident_update(incident=theirs, by=sam, title="Encoders down in Paris")
    return ours, theirs


def test_lists_every_change_newest_first_each_linking_to_its_objects_history(login, root, incidents):
    client = login(root)
    response = client.get(ACTIVITY)
    entries = list(response.context["cl"].result_list)

    assert entries == sorted(entries, key=lambda e: (e.history_date, e.pk), reverse=True)
    ours, theirs = incidents
    assert {(e.object_id, e.history_type) for e in entries} >= {
        (ours.pk, "+"),
        (ours.pk, "~"),
        (theirs.pk, "+"),
        (theirs.pk, "~"),
    }
    page = response.content.decode()
    for entry in entries:
        if entry.content_type.model_class() in admin.site._registry:  # the rest show their name, unlinked
            assert f'href="{history_url(entry)}"' in page
    assert f'href="{ACTIVITY}?request_id=req-triage"' in page
    assert client.get(history_url(entries[0])).status_code == 200


def test_a_supervisor_never_sees_changes_of_objects_outside_their_scope(login, supervisor, incidents):
    ours, theirs = incidents
    client = login(supervisor)

    entries = listed(client)
    incident_type = ContentType.objects.get_for_model(IncidentTicket)
    assert {e.object_id for e in entries if e.content_type == incident_type} == {ours.pk}
    assert "Paris" not in client.get(ACTIVITY).content.decode()
    assert listed(client, q="Paris") == []
    assert [e.object_id for e in listed(client, request_id="req-triage")] == [ours.pk]


def test_filters_by_user_model_action_and_request_id(login, root, sam, incidents, mcr):
    ours, _ = incidents
    with change_context(user=root, request_id="req-cleanup"):
        facility = FacilityFactory(location=mcr.location)
        facility_id = facility.pk
        facility.delete()
    client = login(root)

    assert {(e.user, e.change_reason) for e in listed(client, user__id__exact=sam.pk)} == {(sam, "Triage")}
    incident_type = ContentType.objects.get_for_model(IncidentTicket)
    assert {e.content_type for e in listed(client, model=incident_type.pk)} == {incident_type}
    deletions = listed(client, history_type__exact="-")
    assert [(e.object_id, e.history_type) for e in deletions] == [(facility_id, "-")]
    assert {e.request_id for e in listed(client, request_id="req-cleanup")} == {"req-cleanup"}
    assert len(listed(client, request_id="req-cleanup")) == 2  # created, then deleted


def test_the_user_filter_autocompletes_people(login, supervisor, sam):
    response = login(supervisor).get(
        reverse("admin:autocomplete"),
        {"app_label": "audit", "model_name": "activityentry", "field_name": "user", "term": "Lead"},
    )
    assert response.status_code == 200
    assert [row["text"] for row in response.json()["results"]] == [str(supervisor)]


def test_filters_by_local_date_range(login, root, incidents):
    ours, theirs = incidents
    last_year = timezone.make_aware(datetime(timezone.now().year - 1, 3, 10, 12))
    ActivityEntry.objects.filter(object_id=theirs.pk).update(history_date=last_year)
    ActivityEntry.objects.filter(object_id=ours.pk).update(history_date=last_year + timedelta(days=5))
    client = login(root)

    day = f"{last_year.year}-03-10"
    on_the_day = listed(client, history_date_from=day, history_date_to=day)  # both ends inclusive
    assert {e.object_id for e in on_the_day} == {theirs.pk}
    later = listed(client, history_date_from=f"{last_year.year}-03-11", history_date_to=f"{last_year.year}-03-31")
    assert {e.object_id for e in later} == {ours.pk}


def test_the_page_is_read_only_and_needs_its_view_permission(login, root, incidents):
    client = login(root)
    entry = ActivityEntry.objects.first()
    assert client.get(reverse("admin:audit_activityentry_add")).status_code == 403
    change_page = client.get(reverse("admin:audit_activityentry_change", args=[entry.pk]))
    assert change_page.status_code == 200 and 'name="_save"' not in change_page.content.decode()
    assert client.post(reverse("admin:audit_activityentry_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    assert ActivityEntry.objects.filter(pk=entry.pk).exists()

    staff_member = UserFactory(is_staff=True)  # in the console, without view_activityentry
    assert login(staff_member).get(ACTIVITY).status_code == 403


def test_the_sidebar_offers_the_activity_page_to_supervisors_and_auditors(login, supervisor, auditor):
    for reader in (supervisor, auditor):
        assert f'href="{ACTIVITY}"' in login(reader).get(reverse("admin:index")).content.decode()


@pytest.mark.parametrize("reader", ["root", "supervisor"])
def test_query_count_does_not_grow_with_rows(login, request, reader, mcr, paris_studio):
    client = login(request.getfixturevalue(reader))

    def add_changes(count):
        for n in range(count // 2):
            IncidentTicketFactory(facility=mcr if n % 2 else paris_studio)  # creating writes one entry...
            incident = IncidentTicket.objects.order_by("-pk").first()
            incident_update(incident=incident, by=system_user(), title=f"Changed {n}")  # ...changing another

    add_changes(10)
    client.get(ACTIVITY)  # warm caches (content types, session)
    with CaptureQueriesContext(connection) as ten:
        assert client.get(ACTIVITY).status_code == 200
    add_changes(50)
    with CaptureQueriesContext(connection) as sixty:
        assert client.get(ACTIVITY).status_code == 200

    assert len(sixty) <= len(ten), "\n".join(q["sql"] for q in sixty.captured_queries)
    assert not any("COUNT(" in q["sql"].upper() for q in sixty.captured_queries)
