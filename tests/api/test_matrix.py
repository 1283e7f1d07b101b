"""The API's permission matrix: role (and anonymous) × endpoint × verb × a row in and out of the role's scope.

Generated: the endpoints are matrix_spec.ENDPOINTS, the verbs each role may call are the API's own table
(`apps.api.permissions.VERBS`), what each role sees is the spec's `sees`. Every case is a real request.
Besides status codes it checks that no out-of-scope id appears anywhere: in a list, its count, a search,
a filter naming the out-of-scope place, or an error (an out-of-scope id answers exactly like a missing one).
"""

import logging

import pytest
from django.test import Client

from apps.api.permissions import CREATE, LIST, RETRIEVE, UPDATE, VERBS, refusal
from apps.core.roles import Role

from .conftest import signed_in
from .matrix_spec import ENDPOINTS, IN, OUT, ROLES, Place

MISSING_ID = 987654321


def _offers(resource: str, verb: str) -> bool:
    return verb in VERBS[resource]


@pytest.fixture(autouse=True)
def quiet_refusals():
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


def test_every_resource_of_the_table_is_in_the_matrix():
    covered = {endpoint.resource for endpoint in ENDPOINTS} | {"send-email"}
    assert covered == set(VERBS), "add the missing resources to ENDPOINTS in tests/api/matrix_spec.py"


def _rows(world, endpoint, role):
    user = world.users[role]
    coverers = (world.supervisor, world.auditor)
    places = {
        IN: Place(world.a, world.facility_a, owner=user, coverers=coverers),
        OUT: Place(world.b, world.facility_b, owner=world.person_b, coverers=()),
    }
    return places, {side: endpoint.build(place) for side, place in places.items()}


def _ids(response) -> set[int]:
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda endpoint: endpoint.resource)
@pytest.mark.parametrize("role", ROLES, ids=str)
def test_api_matrix(world, role, endpoint):
    places, rows = _rows(world, endpoint, role)
    client = signed_in(world.users[role])
    allowed = {verb for verb, roles in VERBS[endpoint.resource].items() if role in roles}
    problems = []

    def expect(what, got, want):
        if got != want:
            problems.append(f"{what}: got {got!r}, want {want!r}")

    listed = client.get(endpoint.path, {"page_size": 200})
    expect("list status", listed.status_code, 200 if LIST in allowed else 403)
    if listed.status_code == 200:
        ids = _ids(listed)
        visible_count = listed.json()["count"]
        for side, row in rows.items():
            expect(f"list holds the {side} row", row.pk in ids, endpoint.sees(role, side))
        expect("count is the rows listed", visible_count, len(ids) if visible_count <= 200 else visible_count)
        if endpoint.search:
            for side, row in rows.items():
                found = _ids(client.get(endpoint.path, {"search": endpoint.search(row)}))
                expect(f"search finds the {side} row", row.pk in found, endpoint.sees(role, side))
        for side, place in places.items():
            params = endpoint.filters(place)
            if params:
                found = _ids(client.get(endpoint.path, {**params, "page_size": 200}))
                expect(f"filter {params} finds the {side} row", rows[side].pk in found, endpoint.sees(role, side))

    missing = client.get(f"{endpoint.path}{MISSING_ID}/")
    for side, row in rows.items():
        read = client.get(f"{endpoint.path}{row.pk}/")
        if RETRIEVE not in allowed:
            expect(f"read {side}", read.status_code, 403)
        elif endpoint.sees(role, side):
            expect(f"read {side}", read.status_code, 200)
            expect(f"read {side} is the row", read.json().get("id"), row.pk)
        else:
            expect(
                f"read {side} (out of scope reads like missing)", (read.status_code, read.json()), (404, missing.json())
            )

    created = client.post(endpoint.path, {}, content_type="application/json")
    if not _offers(endpoint.resource, CREATE):
        expect("create (not in the contract)", created.status_code, 405)
    elif CREATE in allowed:
        expect("create with nothing", created.status_code, 400)
    else:
        refused = (403, {"detail": refusal(endpoint.resource, CREATE)})
        expect("create refused", (created.status_code, created.json()), refused)

    for side, row in rows.items():
        changed = client.patch(f"{endpoint.path}{row.pk}/", {}, content_type="application/json")
        if not _offers(endpoint.resource, UPDATE):
            expect(f"change {side} (not in the contract)", changed.status_code, 405)
        elif UPDATE not in allowed:
            expect(f"change {side} refused", changed.status_code, 403)
        elif not endpoint.sees(role, side):
            expect(
                f"change {side} (out of scope reads like missing)",
                (changed.status_code, changed.json()),
                (404, missing.json()),
            )
        else:
            # allowed by the table; the service's own rule may still refuse (403 with its sentence, or 400)
            if changed.status_code not in (200, 400, 403):
                problems.append(f"change {side}: got {changed.status_code}")

    assert not problems, f"{role} × {endpoint.resource}:\n" + "\n".join(problems)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda endpoint: endpoint.resource)
def test_anonymous_callers_get_401_on_every_verb(world, endpoint):
    client = Client()
    for response in (
        client.get(endpoint.path),
        client.get(f"{endpoint.path}1/"),
        client.post(endpoint.path, {}, content_type="application/json"),
        client.patch(f"{endpoint.path}1/", {}, content_type="application/json"),
    ):
        assert response.status_code in (401, 405), response
        if response.status_code == 401:
            assert response.json() == {"detail": "Authentication credentials were not provided."}


@pytest.mark.parametrize("role", ROLES, ids=str)
def test_send_email_matrix(world, role):
    response = signed_in(world.users[role]).post("/api/send-email/", {}, content_type="application/json")
    if role in VERBS["send-email"][CREATE]:
        assert response.status_code == 400
    else:
        assert (response.status_code, response.json()) == (403, {"detail": refusal("send-email", CREATE)})
    assert Client().post("/api/send-email/", {}, content_type="application/json").status_code == 401


def test_roles_named_in_the_table_are_the_portals():
    assert {role for verbs in VERBS.values() for roles in verbs.values() for role in roles} <= set(Role)
