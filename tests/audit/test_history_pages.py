"""An object's history pages: readable differences, and the user's scope (out of scope → 404, not 403)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.audit.diffs import local_moment
from apps.audit.history import change_context
from apps.facilities.choices import FacilityKind
from apps.facilities.services import facility_update
from apps.scheduling.services import scheduled_event_update
from apps.tickets.choices import Severity
from apps.tickets.services import incident_update
from tests.factories import (
    FacilityFactory,
    IncidentTicketFactory,
    LocationFactory,
    ScheduledEventFactory,
    ShiftFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def history_url(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_history", args=[obj.pk])


def version_url(obj, version) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_simple_history", args=[obj.pk, version.pk])


def newest_changes(client, obj) -> dict[str, tuple[str, str]]:
    """{field label: (old, new)} of the newest row on the object's history page, as the page shows them."""
    response = client.get(history_url(obj))
    assert response.status_code == 200
    newest = response.context["page_obj"].object_list[0]
    return {change["field"]: (change["old"], change["new"]) for change in newest.history_delta_changes}


def test_incident_changes_show_choice_labels_names_and_local_times(login, root, mcr, studio, sam):
    incident = IncidentTicketFactory(facility=mcr, severity=Severity.SEV3, assignee=None)

    incident_update(incident=incident, by=root, severity=Severity.SEV1, assignee=sam, facility=studio)

    changes = newest_changes(login(root), incident)
    assert changes["Severity"] == ("SEV3 — minor", "SEV1 — off air / critical")
    assert changes["Assignee"] == ("—", "Sam Roe (E10002)")
    assert changes["Facility"] == ("Master control 1 (LON-MCR1)", "Studio 1 (LON-STU1)")
    incident.refresh_from_db()
    with timezone.override(studio.location.timezone):  # the page reads in the zone of the incident's location
        assert changes["Resolve due at"] == ("—", local_moment(incident.resolve_due_at))
        assert local_moment(incident.resolve_due_at).endswith(timezone.localtime(incident.resolve_due_at).tzname())


def test_facility_changes_show_yes_no_and_a_deleted_location_by_its_last_name(login, root, paris):
    old_site = LocationFactory(code="OLD-SITE", name="Old site")
    facility = FacilityFactory(location=old_site, kind=FacilityKind.STUDIO, on_air_critical=False)

    facility_update(facility=facility, by=root, location=paris, kind=FacilityKind.MASTER_CONTROL, on_air_critical=True)
    old_site.delete()

    changes = newest_changes(login(root), facility)
    assert changes["Location"] == ("Old site (OLD-SITE) (deleted)", "Paris HQ (PAR-HQ)")
    assert changes["Kind"] == ("Studio", "Master control")
    assert changes["On air critical"] == ("No", "Yes")


def test_crew_changes_list_the_people_by_name(login, root, mcr, alex, sam):
    event = ScheduledEventFactory(facility=mcr)

    scheduled_event_update(event=event, by=root, crew=[sam, alex])

    changes = newest_changes(login(root), event)
    assert changes["Crew"] == ("—", "Alex Doe (E10001), Sam Roe (E10002)")


def test_history_page_shows_the_reason_and_links_the_request_to_the_activity_page(login, root, mcr):
    incident = IncidentTicketFactory(facility=mcr)
    with change_context(user=root, reason="Escalated by the duty manager", request_id="req-0123456789"):
        incident_update(incident=incident, by=root, title="Transmitter off air")

    page = login(root).get(history_url(incident)).content.decode()

    assert "Escalated by the duty manager" in page
    activity = reverse("admin:audit_activityentry_changelist")
    assert f'<a href="{activity}?request_id=req-0123456789">req-0123</a>' in page


def test_a_supervisor_reads_history_in_scope_and_gets_404_outside_it(login, supervisor, mcr, paris_studio):
    ours = IncidentTicketFactory(facility=mcr)
    theirs = IncidentTicketFactory(facility=paris_studio)
    client = login(supervisor)

    assert client.get(history_url(ours)).status_code == 200
    assert client.get(version_url(ours, ours.history.get())).status_code == 200

    assert client.get(history_url(theirs)).status_code == 404
    assert client.get(version_url(theirs, theirs.history.get())).status_code == 404
    # nor through an object in scope: the version must belong to the object in the address
    mixed = reverse("admin:tickets_incidentticket_simple_history", args=[ours.pk, theirs.history.get().pk])
    assert client.get(mixed).status_code == 404


def test_a_deleted_objects_history_is_shown_to_administrators_only(login, root, supervisor, mcr):
    shift = ShiftFactory(facility=mcr)  # in the supervisor's scope while it exists
    first = shift.history.get()
    shift_id = shift.pk
    shift.delete()
    shift.pk = shift_id

    root_client = login(root)
    assert root_client.get(history_url(shift)).status_code == 200
    version_page = root_client.get(version_url(shift, first))
    assert version_page.status_code == 200
    assert version_page.context["revert_disabled"]  # nothing to revert onto

    supervisor_client = login(supervisor)
    assert supervisor_client.get(history_url(shift)).status_code == 404
    assert supervisor_client.get(version_url(shift, first)).status_code == 404


def test_without_the_view_permission_history_is_403(login, mcr):
    incident = IncidentTicketFactory(facility=mcr)
    nobody = UserFactory(is_staff=True)  # may open the console, holds no permission

    client = login(nobody)
    assert client.get(history_url(incident)).status_code == 403
    assert client.get(version_url(incident, incident.history.get())).status_code == 403
