"""The OpenAPI schema: generated here, valid OpenAPI 3, and the contract's path × verb table exactly (API.md)."""

import pytest
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

from apps.api.permissions import VERBS

pytestmark = pytest.mark.django_db

# API.md, Authentication and Resources: the paths and verbs the frontend calls (":id/" is "{id}/")
CONTRACT = {
    "/api/csrf/": {"get"},
    "/api/auth/login/": {"post"},
    "/api/auth/logout/": {"post"},
    "/api/auth/user/": {"get"},
    "/api/profiles/": {"get", "post"},
    "/api/profiles/{id}/": {"get", "patch"},
    "/api/locations/": {"get", "post"},
    "/api/locations/{id}/": {"get"},
    "/api/facilities/": {"get", "post"},
    "/api/facilities/{id}/": {"get"},
    "/api/shifts/": {"get", "post"},
    "/api/shifts/{id}/": {"get"},
    "/api/incident-types/": {"get"},
    "/api/incident-types/{id}/": {"get"},
    "/api/incident-tickets/": {"get", "post"},
    "/api/incident-tickets/{id}/": {"get", "patch"},
    "/api/service-tickets/": {"get", "post"},
    "/api/service-tickets/{id}/": {"get", "patch"},
    "/api/time-entries/": {"get", "post"},
    "/api/time-entries/{id}/": {"get", "patch"},
    "/api/scheduled-events/": {"get", "post"},
    "/api/scheduled-events/{id}/": {"get", "patch"},
    "/api/time-off-requests/": {"get", "post"},
    "/api/time-off-requests/{id}/": {"get", "patch"},
    "/api/send-email/": {"post"},
}
HTTP_VERBS = {"get", "post", "put", "patch", "delete", "head", "options", "trace"}


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def _expected() -> dict[str, set[str]]:
    return {path: set(verbs) for path, verbs in CONTRACT.items()}


def test_the_schema_is_valid_openapi_3(schema):
    validate_schema(schema)
    assert schema["openapi"].startswith("3.")


def test_the_schema_holds_the_contracts_paths_and_verbs_exactly(schema):
    documented = {path: {verb for verb in item if verb in HTTP_VERBS} for path, item in schema["paths"].items()}
    assert documented == _expected()


def test_the_role_table_names_the_contracts_verbs(schema):
    """The views read VERBS; every verb it grants is a documented operation, and every write has a row in it."""
    for resource, verbs in VERBS.items():
        for verb in verbs:
            path = f"/api/{resource}/" + ("{id}/" if verb in ("retrieve", "partial_update") else "")
            method = {"list": "get", "retrieve": "get", "create": "post", "partial_update": "patch"}[verb]
            assert method in CONTRACT[path], f"{resource} {verb} is not in the contract"


def test_every_operation_documents_its_errors_and_conditional_headers(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method not in HTTP_VERBS:
                continue
            codes = set(operation["responses"])
            where = f"{method.upper()} {path}"
            if path not in ("/api/csrf/", "/api/auth/login/", "/api/auth/logout/"):
                assert "401" in codes, where
            if method in ("post", "patch"):
                assert {"400", "403", "415"} <= codes, where
            if method == "patch":
                assert "412" in codes and "409" in codes, where
                assert any(p["name"] == "If-Match" and p["in"] == "header" for p in operation["parameters"]), where
            if method == "get":
                assert "304" in codes, where
                assert "ETag" in operation["responses"]["200"]["headers"], where
            if "{id}" in path:
                assert "404" in codes, where


def test_lists_document_their_filters_search_and_ordering(schema):
    parameters = {p["name"]: p for p in schema["paths"]["/api/incident-tickets/"]["get"]["parameters"]}
    for name in ("page", "page_size", "search", "ordering", "status", "facility", "mine", "occurred_at__gte"):
        assert name in parameters, name
    assert "`reference`, `title`" in parameters["search"]["description"]
    assert "`occurred_at`" in parameters["ordering"]["description"]
    assert parameters["facility"]["schema"]["type"] == "integer"
    assert "mine" not in {p["name"] for p in schema["paths"]["/api/locations/"]["get"]["parameters"]}
