"""Reverting to a historical version from its page: through the services' rules, recorded, refused when it must be."""

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from apps.audit.diffs import local_moment
from apps.audit.models import ActivityEntry
from apps.console.localtime import zone_of
from apps.core.actors import system_user
from apps.scheduling.choices import EventKind
from apps.scheduling.models import Shift
from apps.scheduling.services import scheduled_event_create, scheduled_event_update, shift_create, shift_update
from apps.tickets.services import incident_update
from tests.factories import IncidentTicketFactory
from tests.tickets.html_forms import form_data

pytestmark = pytest.mark.django_db

REVERT_BUTTON = 'name="_save"'


def version_url(obj, version) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_simple_history", args=[obj.pk, version.pk])


def history_url(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_history", args=[obj.pk])


def revert_reason(version, obj) -> str:
    """The reason the revert records: the version's time in the row's zone, as its history page shows it."""
    with timezone.override(zone_of(getattr(obj, "facility", None)) or timezone.get_current_timezone()):
        return f"Reverted to the version of {local_moment(version.history_date)} (#{version.history_id})"


def post_revert(client, obj, version):
    """Open the version's page and press Revert with the form as shown (the old version's values)."""
    page = client.get(version_url(obj, version))
    assert page.status_code == 200
    assert REVERT_BUTTON in page.content.decode()
    data = form_data(page, f"historical{obj._meta.model_name}_form")  # simple-history names it so
    return client.post(version_url(obj, version), {**data, "_save": "Revert"})


def assert_recorded_revert(obj, version, *, by):
    newest = obj.history.order_by("-history_date", "-history_id").first()
    reason = revert_reason(version, obj)
    assert (newest.history_type, newest.history_user, newest.history_change_reason) == ("~", by, reason)
    entry = ActivityEntry.objects.get(content_type=ContentType.objects.get_for_model(obj), history_id=newest.pk)
    assert (entry.user, entry.change_reason) == (by, revert_reason(version, obj))


@pytest.fixture
def on_the_hour():
    return timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=3)


def test_a_supervisor_reverts_an_incident_and_the_revert_is_recorded(login, supervisor, mcr):
    occurred = timezone.now().replace(second=0, microsecond=0) - timedelta(hours=1)
    incident = IncidentTicketFactory(facility=mcr, title="Encoder down", occurred_at=occurred)
    incident_update(incident=incident, by=supervisor, title="Encoder and mux down", description="Both chains.")
    first = incident.history.earliest("history_date")
    client = login(supervisor)

    response = post_revert(client, incident, first)

    assert response.status_code == 302
    assert response["Location"] == history_url(incident)
    incident.refresh_from_db()
    assert (incident.title, incident.description) == ("Encoder down", "")
    assert_recorded_revert(incident, first, by=supervisor)
    page = client.get(response["Location"]).content.decode()
    assert "was reverted: Reverted to the version of" in page


def test_a_supervisor_reverts_a_shift_through_the_service(login, supervisor, mcr, studio, alex, on_the_hour):
    shift = shift_create(
        user=alex,
        facility=mcr,
        position="MCR operator",
        starts_at=on_the_hour,
        ends_at=on_the_hour + timedelta(hours=8),
        by=supervisor,
    )
    first = shift.history.get()
    shift_update(
        shift=shift, by=supervisor, facility=studio, position="Floor manager", ends_at=on_the_hour + timedelta(hours=10)
    )

    response = post_revert(login(supervisor), shift, first)

    assert response.status_code == 302
    shift.refresh_from_db()
    assert (shift.facility, shift.position, shift.ends_at) == (mcr, "MCR operator", on_the_hour + timedelta(hours=8))
    assert_recorded_revert(shift, first, by=supervisor)


def test_a_revert_restores_the_versions_many_to_many_values(login, supervisor, mcr, alex, sam, on_the_hour):
    event = scheduled_event_create(
        title="Evening news",
        kind=EventKind.LIVE_BROADCAST,
        facility=mcr,
        starts_at=on_the_hour,
        ends_at=on_the_hour + timedelta(hours=1),
        crew=[alex],  # based elsewhere (out of scope): still a value the version had, so restorable
        by=supervisor,
    )
    first = event.history.order_by("history_date", "history_id").last()  # the crew is set after the row is saved
    scheduled_event_update(event=event, by=supervisor, title="Late news", crew=[sam])

    response = post_revert(login(supervisor), event, first)

    assert response.status_code == 302
    event.refresh_from_db()
    assert (event.title, list(event.crew.all())) == ("Evening news", [alex])


@pytest.fixture
def shift_a_moved_away_and_b_in_its_old_place(supervisor, mcr, alex, on_the_hour):
    """Shift A was 08–16 on day 1, then moved to day 2; shift B now takes 10–18 on day 1."""
    shift_a = shift_create(
        user=alex,
        facility=mcr,
        position="MCR operator",
        starts_at=on_the_hour,
        ends_at=on_the_hour + timedelta(hours=8),
        by=supervisor,
    )
    first = shift_a.history.get()
    shift_update(
        shift=shift_a,
        by=supervisor,
        starts_at=on_the_hour + timedelta(days=1),
        ends_at=on_the_hour + timedelta(days=1, hours=8),
    )
    shift_create(
        user=alex,
        facility=mcr,
        position="MCR operator",
        starts_at=on_the_hour + timedelta(hours=2),
        ends_at=on_the_hour + timedelta(hours=10),
        by=supervisor,
    )
    return shift_a, first


def assert_nothing_written(shift_a, on_the_hour, history_rows_before, activity_before):
    shift_a.refresh_from_db()
    assert shift_a.starts_at == on_the_hour + timedelta(days=1)
    assert shift_a.history.count() == history_rows_before
    assert ActivityEntry.objects.count() == activity_before
    assert not ActivityEntry.objects.filter(change_reason__startswith="Reverted").exists()


def test_a_revert_that_would_overlap_is_refused_with_the_reason(
    login, supervisor, shift_a_moved_away_and_b_in_its_old_place, on_the_hour
):
    shift_a, first = shift_a_moved_away_and_b_in_its_old_place
    client = login(supervisor)  # signing in writes a history row of its own (last login)
    before = (shift_a.history.count(), ActivityEntry.objects.count())

    response = post_revert(client, shift_a, first)

    assert response.status_code == 200
    assert "already has a shift at LON-MCR1" in response.content.decode()
    assert_nothing_written(shift_a, on_the_hour, *before)


def test_a_revert_refused_only_when_saving_shows_the_reason_not_a_500(
    login, supervisor, shift_a_moved_away_and_b_in_its_old_place, on_the_hour, monkeypatch
):
    """A concurrent save can win between the form's dry run and the save: the page shows why, nothing is kept."""
    shift_a, first = shift_a_moved_away_and_b_in_its_old_place
    client = login(supervisor)
    before = (shift_a.history.count(), ActivityEntry.objects.count())
    # the dry run sees no clash (as if shift B were saved a moment later); the service's save still refuses
    monkeypatch.setattr("apps.console.forms.instance_validate", lambda **kwargs: None)

    response = post_revert(client, shift_a, first)

    assert response.status_code == 200
    assert response.context["adminform"].form.rejected_at_save is not None  # refused by the save, not the dry run
    assert "already has a shift at LON-MCR1" in response.content.decode()
    assert_nothing_written(shift_a, on_the_hour, *before)


def test_an_auditor_reads_history_but_has_no_revert_button_and_a_revert_is_refused(login, auditor, mcr):
    incident = IncidentTicketFactory(facility=mcr, title="Encoder down")
    incident_update(incident=incident, by=system_user(), title="Encoder and mux down")
    first = incident.history.earliest("history_date")
    rows_before = incident.history.count()
    client = login(auditor)

    history = client.get(history_url(incident))
    assert history.status_code == 200
    assert "to revert to a previous version" not in history.content.decode()
    page = client.get(version_url(incident, first))
    assert page.status_code == 200
    assert REVERT_BUTTON not in page.content.decode()

    data = form_data(page, "historicalincidentticket_form")
    assert client.post(version_url(incident, first), {**data, "_save": "Revert"}).status_code == 403
    incident.refresh_from_db()
    assert incident.title == "Encoder and mux down"
    assert incident.history.count() == rows_before


def test_a_revert_outside_the_supervisors_scope_is_404(login, supervisor, paris_studio):
    incident = IncidentTicketFactory(facility=paris_studio, title="Encoder down")
    incident_update(incident=incident, by=system_user(), title="Encoder and mux down")
    first = incident.history.earliest("history_date")

    response = login(supervisor).post(version_url(incident, first), {"title": "Encoder down", "_save": "Revert"})

    assert response.status_code == 404
    incident.refresh_from_db()
    assert incident.title == "Encoder and mux down"


def test_a_deleted_object_cannot_be_reverted(login, root, mcr, alex, on_the_hour):
    shift = shift_create(
        user=alex,
        facility=mcr,
        position="MCR operator",
        starts_at=on_the_hour,
        ends_at=on_the_hour + timedelta(hours=8),
        by=root,
    )
    first, shift_id = shift.history.get(), shift.pk
    shift.delete()
    shift.pk = shift_id

    response = login(root).post(version_url(shift, first), {"position": "MCR operator", "_save": "Revert"})

    assert response.status_code == 403
    assert not Shift.objects.filter(pk=shift_id).exists()
