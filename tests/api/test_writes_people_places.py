"""Writes on people, places and the outbox: the console's sentences for bad input, its history for good input."""

import html

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import reverse

from apps.accounts.models import User
from apps.api.accounts import OWN_ONLY
from apps.facilities.models import Facility, Location
from apps.notifications.models import OutboundEmail

from .conftest import signed_in

pytestmark = pytest.mark.django_db

NO_FACILITIES = {
    "facilities-TOTAL_FORMS": "0",
    "facilities-INITIAL_FORMS": "0",
    "facilities-MIN_NUM_FORMS": "0",
    "facilities-MAX_NUM_FORMS": "1000",
}
# a 1×1 GIF
PIXEL = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)


def newest(history):
    return history.order_by("-history_date", "-history_id").first()


def assert_written_by_the_call(row, response, method: str, path: str, user):
    assert row.history_user == user
    assert row.history_change_reason == f"API: {method} {path}"
    assert row.request_id == response["X-Request-ID"]


def test_an_administrator_adds_a_location_with_history_naming_the_call(world):
    response = signed_in(world.admin).post(
        "/api/locations/",
        {"code": "BHAM", "name": "Birmingham", "timezone": "Europe/London"},
        content_type="application/json",
        headers={"X-Request-ID": "frontend-req-42"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["code"], body["timezone"], body["is_active"]) == ("BHAM", "Europe/London", True)
    location = Location.objects.get(code="BHAM")
    assert body["id"] == location.pk
    assert response["X-Request-ID"] == "frontend-req-42"
    assert_written_by_the_call(newest(location.history), response, "POST", "/api/locations/", world.admin)


def test_a_duplicate_code_reads_as_the_console_says_it(world):
    api = signed_in(world.admin).post(
        "/api/locations/", {"code": "API-A", "name": "Again"}, content_type="application/json"
    )
    console = signed_in(world.admin).post(
        reverse("admin:facilities_location_add"),
        {"code": "API-A", "name": "Again", "timezone": "UTC", "is_active": "on", **NO_FACILITIES},
    )
    assert api.status_code == 400
    sentence = api.json()["code"][0]
    assert sentence == "Location with this Code already exists."
    assert sentence in html.unescape(console.content.decode())


def test_a_facility_names_its_location_by_id_and_an_unknown_timezone_is_the_models_sentence(world):
    admin = signed_in(world.admin)
    added = admin.post(
        "/api/facilities/",
        {"location": world.b.pk, "code": "API-B-STU", "name": "Bravo studio", "kind": "studio"},
        content_type="application/json",
    )
    assert added.status_code == 201, added.content
    assert added.json()["location_label"] == "Bravo site (API-B)" and added.json()["kind_label"] == "Studio"
    assert Facility.objects.get(code="API-B-STU").history.get().history_change_reason == "API: POST /api/facilities/"
    missing = admin.post(
        "/api/facilities/", {"location": 987654, "code": "X", "name": "X"}, content_type="application/json"
    )
    assert missing.json() == {"location": ["No location with id 987654."]}


def test_supervisors_do_not_add_places(world):
    response = signed_in(world.supervisor).post(
        "/api/facilities/", {"location": world.a.pk, "code": "X", "name": "X"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json() == {"detail": "Only administrators may add facilities."}


def test_a_person_changes_their_own_phone_and_photo_and_nothing_else(world):
    staff = signed_in(world.staff)
    path = f"/api/profiles/{world.staff.pk}/"
    phone = staff.patch(path, {"phone": "+44 20 7946 0000"}, content_type="application/json")
    assert phone.status_code == 200 and phone.json()["phone"] == "+44 20 7946 0000"
    assert_written_by_the_call(newest(world.staff.history), phone, "PATCH", path, world.staff)

    photo = staff.patch(
        path,
        encode_multipart(BOUNDARY, {"profile_image": SimpleUploadedFile("me.gif", PIXEL, content_type="image/gif")}),
        content_type=MULTIPART_CONTENT,
    )
    assert photo.status_code == 200, photo.content
    assert photo.json()["profile_image"].startswith("http://testserver/media/avatars/me")

    title = staff.patch(path, {"title": "Chief engineer"}, content_type="application/json")
    assert title.status_code == 403 and title.json() == {"detail": OWN_ONLY}
    colleague = staff.patch(f"/api/profiles/{world.person_a.pk}/", {"phone": "1"}, content_type="application/json")
    assert colleague.status_code == 403 and colleague.json() == {"detail": OWN_ONLY}
    world.person_a.refresh_from_db()
    assert world.person_a.phone == ""


def test_an_administrator_adds_and_changes_people(world):
    admin = signed_in(world.admin)
    added = admin.post(
        "/api/profiles/",
        {
            "username": "newbie",
            "employee_id": "E77777",
            "first_name": "New",
            "last_name": "Bie",
            "location": world.b.pk,
        },
        content_type="application/json",
    )
    assert added.status_code == 201, added.content
    person = User.objects.get(username="newbie")
    assert not person.has_usable_password()
    assert added.json()["location_label"] == "Bravo site (API-B)"
    moved = admin.patch(
        f"/api/profiles/{person.pk}/", {"location": world.a.pk, "title": "Engineer"}, content_type="application/json"
    )
    assert moved.status_code == 200 and moved.json()["location"] == world.a.pk
    taken = admin.post(
        "/api/profiles/", {"username": "other", "employee_id": "E77777"}, content_type="application/json"
    )
    assert taken.status_code == 400
    assert taken.json() == {"employee_id": ["User with this Employee ID already exists."]}


def test_a_supervisor_changing_a_person_out_of_scope_gets_404_in_scope_403(world):
    supervisor = signed_in(world.supervisor)
    assert (
        supervisor.patch(f"/api/profiles/{world.person_b.pk}/", {}, content_type="application/json").status_code == 404
    )
    assert (
        supervisor.patch(f"/api/profiles/{world.person_a.pk}/", {}, content_type="application/json").status_code == 403
    )


# --- send e-mail ------------------------------------------------------------------------------------------------


def test_send_email_queues_through_the_outbox_and_answers_202(world, django_capture_on_commit_callbacks):
    supervisor = signed_in(world.supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        response = supervisor.post(
            "/api/send-email/",
            {"to": [world.person_a.pk, world.staff.email.upper()], "subject": "Rota", "body": "New rota is out."},
            content_type="application/json",
        )
    assert response.status_code == 202, response.content
    email = OutboundEmail.objects.get()
    assert response.json() == {
        "id": email.pk,
        "recipients": [world.person_a.email, world.staff.email],
        "subject": "Rota",
    }
    assert [message.to for message in mail.outbox] == [[world.person_a.email, world.staff.email]]
    created = email.history.order_by("history_date").first()
    assert_written_by_the_call(created, response, "POST", "/api/send-email/", world.supervisor)


def test_recipients_out_of_scope_read_like_unknown_ones(world):
    response = signed_in(world.supervisor).post(
        "/api/send-email/",
        {"to": [world.person_b.pk, 987654, "nobody@example.org"], "subject": "S", "body": "B"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "to": [
            f"No active person you can see with an e-mail address has the id {world.person_b.pk}.",
            "No active person you can see with an e-mail address has the id 987654.",
            "No active person you can see with an e-mail address has the address nobody@example.org.",
        ]
    }
    assert not OutboundEmail.objects.exists()


def test_an_idempotency_key_makes_a_retry_answer_the_first_answer(world):
    supervisor = signed_in(world.supervisor)
    send = {"to": [world.person_a.pk], "subject": "Once", "body": "Only once."}
    first = supervisor.post(
        "/api/send-email/", send, content_type="application/json", headers={"Idempotency-Key": "abc-123"}
    )
    retry = supervisor.post(
        "/api/send-email/", send, content_type="application/json", headers={"Idempotency-Key": "abc-123"}
    )
    assert first.status_code == retry.status_code == 202
    assert first.json() == retry.json()
    assert OutboundEmail.objects.count() == 1
    # another person's same key is another message
    admin = signed_in(world.admin).post(
        "/api/send-email/", send, content_type="application/json", headers={"Idempotency-Key": "abc-123"}
    )
    assert admin.json()["id"] != first.json()["id"]


def test_send_email_is_throttled_per_person(world, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "send_email": "2/hour"},
    }
    supervisor = signed_in(world.supervisor)
    send = {"to": [world.person_a.pk], "subject": "S", "body": "B"}
    codes = [supervisor.post("/api/send-email/", send, content_type="application/json").status_code for _ in range(3)]
    assert codes == [202, 202, 429]
    assert signed_in(world.admin).post("/api/send-email/", send, content_type="application/json").status_code == 202


def test_staff_and_auditors_send_no_email(world):
    for user in (world.staff, world.auditor):
        response = signed_in(user).post(
            "/api/send-email/",
            {"to": [world.person_a.pk], "subject": "S", "body": "B"},
            content_type="application/json",
        )
        assert response.status_code == 403
