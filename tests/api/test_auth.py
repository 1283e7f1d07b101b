"""Signing in from the frontend: csrf → login → current user → a POST with and without the header → logout."""

import pytest
from django.test import Client

from apps.api.auth import WRONG_CREDENTIALS
from apps.api.authentication import SYSTEM_REFUSED
from apps.core.actors import system_user
from apps.core.roles import Role

from .conftest import PASSWORD, signed_in

pytestmark = pytest.mark.django_db


def csrf_client() -> tuple[Client, str]:
    client = Client(enforce_csrf_checks=True)
    response = client.get("/api/csrf/")
    assert response.status_code == 200
    token = response.json()["csrfToken"]
    assert client.cookies["csrftoken"].value
    return client, token


def test_the_whole_flow_with_csrf_checks(world):
    client, token = csrf_client()

    refused = client.post(
        "/api/auth/login/", {"username": "api-staff", "password": PASSWORD}, content_type="application/json"
    )
    assert refused.status_code == 403
    assert refused.json()["detail"].startswith("CSRF Failed")

    login = client.post(
        "/api/auth/login/",
        {"username": "api-staff", "password": PASSWORD},
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert login.status_code == 200, login.content
    body = login.json()
    assert body["username"] == "api-staff"
    assert body["roles"] == [Role.STAFF]
    assert "tickets.add_incidentticket" in body["permissions"]
    assert body["location"] == world.a.pk and body["location_label"] == "Alpha site (API-A)"

    token = client.cookies["csrftoken"].value  # signing in rotates the token
    me = client.get("/api/auth/user/")
    assert me.status_code == 200 and me.json() == body

    without = client.post(
        "/api/time-off-requests/",
        {"kind": "vacation", "starts_on": "2031-07-01", "ends_on": "2031-07-03"},
        content_type="application/json",
    )
    assert without.status_code == 403
    assert without.json()["detail"].startswith("CSRF Failed")

    with_header = client.post(
        "/api/send-email/",
        {"to": [world.person_a.pk], "subject": "Hello", "body": "Hi"},
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    # CSRF passed; staff may not send e-mail: the role table's sentence
    assert with_header.status_code == 403
    assert with_header.json()["detail"] == "Only administrators and supervisors may send e-mail."

    logout_without = client.post("/api/auth/logout/")
    assert logout_without.status_code == 403
    logout = client.post("/api/auth/logout/", headers={"X-CSRFToken": token})
    assert logout.status_code == 204
    assert client.get("/api/auth/user/").status_code == 401


def test_one_message_for_a_wrong_password_and_an_unknown_user(world):
    client = Client()
    wrong = client.post(
        "/api/auth/login/", {"username": "api-staff", "password": "nope"}, content_type="application/json"
    )
    unknown = client.post(
        "/api/auth/login/", {"username": "nobody", "password": "nope"}, content_type="application/json"
    )
    assert wrong.status_code == unknown.status_code == 400
    assert wrong.json() == unknown.json() == {"non_field_errors": [WRONG_CREDENTIALS]}


def test_an_inactive_person_cannot_sign_in(world):
    world.person_a.is_active = False
    world.person_a.save()
    response = Client().post(
        "/api/auth/login/", {"username": "api-person-a", "password": PASSWORD}, content_type="application/json"
    )
    assert response.json() == {"non_field_errors": [WRONG_CREDENTIALS]}


def test_login_is_throttled_per_address(world, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "login": "3/minute"},
    }
    client = Client()
    answers = [
        client.post("/api/auth/login/", {"username": f"guess{n}", "password": "x"}, content_type="application/json")
        for n in range(4)
    ]
    assert [answer.status_code for answer in answers] == [400, 400, 400, 429]
    assert answers[-1]["Retry-After"]


def test_login_is_throttled_per_username_from_any_address(world, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "login_username": "2/minute"},
    }
    answers = [
        Client(REMOTE_ADDR=f"10.0.0.{n}").post(
            "/api/auth/login/", {"username": "API-Staff", "password": "x"}, content_type="application/json"
        )
        for n in range(3)
    ]
    assert [answer.status_code for answer in answers] == [400, 400, 429]
    # the right password does not get through the throttle either
    right = Client(REMOTE_ADDR="10.0.1.1").post(
        "/api/auth/login/", {"username": "api-staff", "password": PASSWORD}, content_type="application/json"
    )
    assert right.status_code == 429


def test_the_system_account_never_uses_the_api(world):
    system = system_user()
    assert Client().post(
        "/api/auth/login/", {"username": "system", "password": "x"}, content_type="application/json"
    ).json() == {"non_field_errors": [WRONG_CREDENTIALS]}
    # even activated and forced into a session, it is refused
    system.is_active = True
    system.save()
    response = signed_in(system).get("/api/incident-tickets/")
    assert response.status_code == 401
    assert response.json() == {"detail": SYSTEM_REFUSED}


def test_anonymous_callers_get_401_everywhere_but_csrf_and_login(world):
    client = Client()
    for path in ("/api/profiles/", "/api/incident-tickets/", "/api/auth/user/", "/api/schema/", "/api/docs/"):
        response = client.get(path)
        assert response.status_code == 401, path
    assert client.get("/api/csrf/").status_code == 200
