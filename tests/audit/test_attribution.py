"""Every write path names its author, its reason and its request id, on the history row and the Activity entry."""

from io import StringIO

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from apps.audit import task_context
from apps.audit.history import change_context, current_change
from apps.audit.middleware import ChangeContextMiddleware
from apps.audit.models import ActivityEntry
from apps.core.actors import system_user
from apps.facilities.models import Facility, Location
from apps.facilities.services import location_update
from apps.notifications.models import OutboundEmail
from apps.notifications.tasks import send_outbound_email
from apps.tickets.models import IncidentType
from tests.audit.helpers import assert_attributed
from tests.factories import LocationFactory, OutboundEmailFactory, SuperUserFactory, UserFactory

pytestmark = pytest.mark.django_db

SEND_TASK_REASON = f"Task: {send_outbound_email.name}"


def test_service_call_inside_a_context_takes_its_reason_and_request():
    location = LocationFactory()
    importer = SuperUserFactory()

    with change_context(user=importer, reason="Import: locations.csv (job 7)", request_id="job-7"):
        location_update(location=location, by=importer, name="Renamed")

    assert_attributed(
        location.history.first(), user=importer, reason="Import: locations.csv (job 7)", request_id="job-7"
    )


def test_an_explicit_author_wins_over_the_context():
    location = LocationFactory()
    supervisor, importer = SuperUserFactory(), UserFactory()

    with change_context(user=importer, reason="Import", request_id="job-8"):
        location_update(location=location, by=supervisor, name="Renamed")

    assert_attributed(location.history.first(), user=supervisor, reason="Import", request_id="job-8")


def test_bulk_write_rows_share_the_context():
    importer = UserFactory()
    locations = [Location(code=f"BULK-{n}", name=f"Bulk {n}", timezone="Europe/Paris") for n in range(3)]

    with change_context(user=importer, reason="Import: sites") as context:
        bulk_create_with_history(locations, Location)

    rows = list(Location.history.filter(code__startswith="BULK-"))
    assert len(rows) == 3
    for row in rows:
        assert_attributed(row, user=importer, reason="Import: sites", request_id=context.request_id)
    assert ActivityEntry.objects.filter(request_id=context.request_id).count() == 3


@pytest.mark.postgres
def test_a_large_bulk_write_copies_file_fields_as_their_names():
    """Past COPY_MIN_ROWS the history rows go through COPY; a file field's history value is its name, not its file."""
    from apps.accounts.models import User
    from apps.core.bulk import COPY_MIN_ROWS

    people = [
        User(username=f"bulk{n}", employee_id=f"B{n:05d}", avatar=f"avatars/bulk{n}.png") for n in range(COPY_MIN_ROWS)
    ]

    bulk_create_with_history(people, User)

    assert User.history.filter(username="bulk7").get().avatar == "avatars/bulk7.png"


def test_a_bulk_update_over_forty_rows_reads_as_one_event():
    supervisor = UserFactory()
    locations = LocationFactory.create_batch(40)
    for location in locations:
        location.is_active = False

    with change_context(user=supervisor, reason="Admin action: deactivate 40 locations") as context:
        bulk_update_with_history(locations, Location, ["is_active"])

    rows = Location.history.filter(request_id=context.request_id)
    assert rows.count() == 40
    assert {(row.history_type, row.history_user_id, row.history_change_reason) for row in rows} == {
        ("~", supervisor.pk, "Admin action: deactivate 40 locations")
    }
    assert ActivityEntry.objects.filter(request_id=context.request_id, user=supervisor).count() == 40


def test_nested_context_keeps_the_request_id_and_user_and_names_its_own_reason():
    location = LocationFactory()
    user = SuperUserFactory()

    with (
        change_context(user=user, reason="Web request: POST /x", request_id="outer"),
        change_context(reason="Admin action: deactivate"),
    ):
        location_update(location=location, by=user, is_active=False)

    assert_attributed(location.history.first(), user=user, reason="Admin action: deactivate", request_id="outer")


# --- web requests -------------------------------------------------------------------------------------


@pytest.fixture
def root():
    return SuperUserFactory(username="root")


@pytest.fixture
def root_client(client, root):
    client.force_login(root)
    return client


def _location_with_a_facility() -> dict:
    return {
        "code": "BHAM",
        "name": "Birmingham",
        "address": "1 Broad St",
        "timezone": "Europe/London",
        "is_active": "on",
        "facilities-TOTAL_FORMS": "1",
        "facilities-INITIAL_FORMS": "0",
        "facilities-MIN_NUM_FORMS": "0",
        "facilities-MAX_NUM_FORMS": "1000",
        "facilities-0-code": "BHAM-MCR",
        "facilities-0-name": "Birmingham MCR",
        "facilities-0-kind": "master_control",
        "facilities-0-status": "operational",
    }


def _rows_of_the_new_location():
    location = Location.objects.get(code="BHAM")
    return [location.history.get(), Facility.objects.get(code="BHAM-MCR").history.get()]


def test_admin_post_records_the_signed_in_user_under_one_request_id(root_client, root):
    response = root_client.post(reverse("admin:facilities_location_add"), _location_with_a_facility())

    assert response.status_code == 302
    request_id = response["X-Request-ID"]
    assert len(request_id) == 32
    rows = _rows_of_the_new_location()
    assert {row.request_id for row in rows} == {request_id}
    assert {row.history_user_id for row in rows} == {root.pk}
    assert all(row.history_change_reason for row in rows)
    entries = ActivityEntry.objects.filter(request_id=request_id)
    assert entries.count() == 2
    assert set(entries.values_list("user_id", flat=True)) == {root.pk}


def test_a_sane_incoming_request_id_is_honoured(root_client):
    response = root_client.post(
        reverse("admin:facilities_location_add"), _location_with_a_facility(), HTTP_X_REQUEST_ID="edge-7f3a.42_b"
    )

    assert response["X-Request-ID"] == "edge-7f3a.42_b"
    assert {row.request_id for row in _rows_of_the_new_location()} == {"edge-7f3a.42_b"}


@pytest.mark.parametrize("header", ["has spaces", "x" * 65, "semi;colon", "ünïcode"])
def test_an_insane_incoming_request_id_is_replaced(root_client, header):
    response = root_client.get(reverse("admin:index"), HTTP_X_REQUEST_ID=header)

    assert response.status_code == 200
    assert response["X-Request-ID"] != header
    assert len(response["X-Request-ID"]) == 32


def test_every_response_carries_a_request_id(client):
    response = client.get(reverse("admin:login"))

    assert len(response["X-Request-ID"]) == 32


def test_middleware_reads_the_user_when_writing_not_when_the_request_arrives():
    """A view that signs someone in (or DRF authenticating later) still names who wrote."""
    location = LocationFactory()
    person = UserFactory()
    seen = {}

    def view(request):
        request.user = person  # what login() does mid-request
        location.name = "Renamed"
        bulk_update_with_history([location], Location, ["name"])  # bulk writers take their author from the context
        seen["request_id"] = request.request_id
        return HttpResponse("ok")

    request = RequestFactory().post("/console/locations/7/rename/")
    request.user = AnonymousUser()
    response = ChangeContextMiddleware(view)(request)

    assert response["X-Request-ID"] == seen["request_id"]
    assert_attributed(
        location.history.first(),
        user=person,
        reason="Web request: POST /console/locations/7/rename/",
        request_id=seen["request_id"],
    )
    assert current_change() is None


def test_an_anonymous_web_write_is_refused_and_writes_nothing():
    location = LocationFactory(name="Before")
    refused = {}

    def view(request):
        try:
            location_update(location=location, by=request.user, name="Renamed")
        except PermissionDenied as error:
            refused["message"] = str(error)
        return HttpResponse("ok")

    request = RequestFactory().post("/healthz")
    request.user = AnonymousUser()
    ChangeContextMiddleware(view)(request)

    assert refused["message"] == "You must be logged in to change anything."
    location.refresh_from_db()
    assert location.name == "Before"
    assert location.history.count() == 1  # its creation only


# --- management commands --------------------------------------------------------------------------------


def test_command_writes_as_the_system_under_one_request_id():
    call_command("load_reference_data", stdout=StringIO())

    rows = list(IncidentType.history.all())
    assert rows
    (request_id,) = {row.request_id for row in rows}
    assert request_id
    for row in rows:
        assert_attributed(row, user=system_user(), reason="Command: load_reference_data", request_id=request_id)


def test_command_called_from_a_users_context_keeps_the_user():
    person = UserFactory()

    with change_context(user=person, request_id="req-9"):
        call_command("load_reference_data", stdout=StringIO())

    row = IncidentType.history.first()
    assert_attributed(row, user=person, reason="Command: load_reference_data", request_id="req-9")


# --- Celery tasks (eager; the real worker is in test_worker.py) -------------------------------------------


def test_eager_task_writes_as_the_system_under_its_task_id():
    email = OutboundEmailFactory()

    result = send_outbound_email.delay(email.pk)

    row = OutboundEmail.history.filter(id=email.pk).first()
    assert row.history_type == "~"
    assert_attributed(row, user=system_user(), reason=SEND_TASK_REASON, request_id=result.id)
    assert current_change() is None
    assert task_context._open == {}


def test_eager_task_inside_a_request_restores_the_request_context_after():
    email = OutboundEmailFactory()
    person = UserFactory()

    with change_context(user=person, request_id="web-1") as outer:
        result = send_outbound_email.delay(email.pk)
        assert current_change() is outer

    row = OutboundEmail.history.filter(id=email.pk).first()
    assert_attributed(row, user=system_user(), reason=SEND_TASK_REASON, request_id=result.id)


def test_eager_retries_close_every_context_they_open(settings, monkeypatch):
    settings.EMAIL_BACKEND = "tests.notifications.test_outbox.FailingEmailBackend"
    monkeypatch.setitem(send_outbound_email.app.conf, "task_eager_propagates", False)
    email = OutboundEmailFactory()

    result = send_outbound_email.delay(email.pk)

    assert current_change() is None
    assert task_context._open == {}
    rows = OutboundEmail.history.filter(id=email.pk, history_type="~")
    assert rows.count() >= 2
    assert {(row.history_user_id, row.history_change_reason, row.request_id) for row in rows} == {
        (system_user().pk, SEND_TASK_REASON, result.id)
    }
