"""What every endpoint shares: pagination, ETags and conditional requests, verbs, CORS, errors, the docs pages."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from apps.api.exceptions import api_exception_handler
from apps.core.saving import instance_save
from apps.scheduling.choices import ShiftStatus
from apps.scheduling.models import SHIFT_OVERLAP_MESSAGE, Shift
from tests.factories import LocationFactory, ShiftFactory

from .conftest import signed_in

pytestmark = pytest.mark.django_db


def test_page_size_is_capped_at_200(world, clients):
    LocationFactory.create_batch(205)
    admin = clients["Administrator"]
    body = admin.get("/api/locations/", {"page_size": 1000}).json()
    assert len(body["results"]) == 200
    assert body["count"] == 207
    assert "page=2" in body["next"]
    default = admin.get("/api/locations/").json()
    assert len(default["results"]) == 50 and default["previous"] is None


def test_every_get_has_an_etag_and_if_none_match_gives_304(world, clients):
    staff = clients["Staff"]
    for path in ("/api/locations/", f"/api/locations/{world.a.pk}/", "/api/auth/user/"):
        first = staff.get(path)
        tag = first["ETag"]
        assert re.fullmatch(r'"[0-9a-f]{40}"', tag)
        again = staff.get(path, headers={"If-None-Match": tag})
        assert again.status_code == 304 and again.content == b"" and again["ETag"] == tag
        assert staff.get(path, headers={"If-None-Match": '"stale"'}).status_code == 200


def test_the_etag_changes_with_the_row(world, clients):
    path = f"/api/locations/{world.a.pk}/"
    before = clients["Staff"].get(path)["ETag"]
    world.a.name = "Alpha site, renamed"
    world.a.save()
    assert clients["Staff"].get(path, headers={"If-None-Match": before}).status_code == 200


def test_a_compressed_answer_is_the_same_json_and_its_weak_etag_still_works(world, clients):
    import gzip
    import json

    LocationFactory.create_batch(30)  # a body worth compressing (Django sends a small one as it is)
    staff = clients["Staff"]
    plain = staff.get("/api/locations/")
    packed = staff.get("/api/locations/", headers={"Accept-Encoding": "gzip"})
    assert packed["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(packed.content)) == plain.json()
    assert packed["ETag"] == f"W/{plain['ETag']}"
    assert staff.get("/api/locations/", headers={"If-None-Match": packed["ETag"]}).status_code == 304

    path = f"/api/profiles/{world.staff.pk}/"
    weak = f"W/{staff.get(path)['ETag']}"  # a row's tag as a browser sends back what it received compressed
    changed = staff.patch(path, {"phone": "+44 20 9"}, content_type="application/json", headers={"If-Match": weak})
    assert changed.status_code == 200, changed.content


def test_patch_with_a_stale_if_match_is_refused_and_writes_nothing(world, clients):
    staff = clients["Staff"]
    path = f"/api/profiles/{world.staff.pk}/"
    tag = staff.get(path)["ETag"]
    changed = staff.patch(path, {"phone": "+44 20 1"}, content_type="application/json", headers={"If-Match": tag})
    assert changed.status_code == 200, changed.content
    assert changed.json()["phone"] == "+44 20 1"
    assert changed["ETag"] != tag and changed["ETag"] == staff.get(path)["ETag"]

    stale = staff.patch(path, {"phone": "+44 20 2"}, content_type="application/json", headers={"If-Match": tag})
    assert stale.status_code == 412
    world.staff.refresh_from_db()
    assert world.staff.phone == "+44 20 1"


def test_verbs_the_contract_does_not_list_answer_405(world, clients):
    admin = clients["Administrator"]
    assert admin.put(f"/api/locations/{world.a.pk}/", {}, content_type="application/json").status_code == 405
    assert admin.patch(f"/api/locations/{world.a.pk}/", {}, content_type="application/json").status_code == 405
    assert admin.delete(f"/api/profiles/{world.staff.pk}/").status_code == 405
    assert admin.post("/api/incident-types/", {}, content_type="application/json").status_code == 405
    assert admin.get("/api/send-email/").status_code == 405
    assert admin.options("/api/locations/").status_code == 405


def test_an_unknown_path_under_api_is_a_json_404(world, clients):
    response = clients["Staff"].get("/api/nothing-here/")
    assert response.status_code == 404 and response.json() == {"detail": "Not found."}


def test_cors_lets_the_frontend_origin_in_with_credentials(world, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://frontend.example.org"]
    client = signed_in(world.staff)
    preflight = client.options(
        "/api/time-off-requests/",
        headers={
            "Origin": "https://frontend.example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, x-csrftoken, if-match",
        },
    )
    assert preflight.status_code == 200
    assert preflight["Access-Control-Allow-Origin"] == "https://frontend.example.org"
    assert preflight["Access-Control-Allow-Credentials"] == "true"
    assert "x-csrftoken" in preflight["Access-Control-Allow-Headers"]
    read = client.get("/api/locations/", headers={"Origin": "https://frontend.example.org"})
    assert read["Access-Control-Allow-Origin"] == "https://frontend.example.org"
    assert "ETag" in read["Access-Control-Expose-Headers"]
    other = client.get("/api/locations/", headers={"Origin": "https://evil.example.net"})
    assert "Access-Control-Allow-Origin" not in other


def test_docs_pages_load_nothing_from_elsewhere(world, clients):
    for path in ("/api/docs/", "/api/redoc/"):
        response = clients["Staff"].get(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        assert "/static/drf_spectacular_sidecar/" in html
        outside = re.findall(r'(?:src|href)="(https?:)?//[^"]*"', html) + re.findall(r"https?://[^\s\"'<>]+", html)
        assert not outside, f"{path} links {outside}"
    # ReDoc's own script shows Redocly's logo from their CDN: the page's policy keeps the browser from fetching it
    redoc = clients["Staff"].get("/api/redoc/").content.decode()
    assert "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'" in redoc
    schema = clients["Staff"].get("/api/schema/", headers={"Accept": "application/vnd.oai.openapi+json"})
    assert schema.status_code == 200 and schema.json()["openapi"].startswith("3.")


@pytest.mark.postgres
def test_database_refusal_reads_as_409(world):
    ShiftFactory(user=world.person_a, facility=world.facility_a, status=ShiftStatus.PUBLISHED)
    first = Shift.objects.get()
    clash = Shift(
        user=world.person_a,
        facility=world.facility_a,
        position="MCR operator",
        starts_at=first.starts_at,
        ends_at=first.ends_at,
        status=ShiftStatus.PUBLISHED,
    )
    clash.starts_at = first.starts_at.replace(minute=30)
    with pytest.raises(ValidationError) as refused:
        instance_save(instance=clash, by=world.supervisor)  # no rule checked first: the database decides
    response = api_exception_handler(refused.value, {"view": None})
    assert response.status_code == 409
    assert response.data == {"detail": SHIFT_OVERLAP_MESSAGE}


def test_anonymous_client_is_not_signed_in():
    assert Client().get("/api/locations/").status_code == 401
