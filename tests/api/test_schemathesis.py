"""A property-based run against a live server: schemathesis generates requests from the API's own schema.

Each operation gets a few examples (CI-sized), sent by a signed-in administrator (every operation open to
them) with the CSRF header, against a world with rows to find. No answer may be a 500, and every answer
must match the schema: its status code documented, its body and headers as documented.
"""

import pytest
import requests
import schemathesis
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests import factories as f

from .conftest import PASSWORD
from .test_schema import _expected

CONTRACT_OPERATIONS = {
    (path, verb) for path, verbs in _expected().items() for verb in verbs if path != "/api/auth/logout/"
}
EXAMPLES = 6  # per operation: enough to find a 500 in the parsing of each parameter, small enough for CI
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


def _schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


schema = schemathesis.openapi.from_dict(_schema())


@pytest.fixture
def api_session(live_server, transactional_db, settings_for_the_run):
    """An administrator signed in through the API itself, with rows in and out of a supervisor's scope."""
    call_command("load_reference_data", verbosity=0)
    admin = f.SuperUserFactory(username="st-admin")
    a, b = f.LocationFactory(code="ST-A"), f.LocationFactory(code="ST-B")
    facility = f.FacilityFactory(location=a, code="ST-A-MCR")
    f.FacilityFactory(location=b, code="ST-B-MCR")
    person = f.UserFactory(username="st-person", home_location=a)
    f.IncidentTicketFactory(facility=facility, reporter=person)
    f.ServiceTicketFactory(facility=facility, requested_by=person)
    f.ShiftFactory(user=person, facility=facility)
    f.TimeOffRequestFactory(user=person)
    f.TimeEntryFactory(user=person)
    f.ScheduledEventFactory(facility=facility)

    session = requests.Session()
    token = session.get(f"{live_server.url}/api/csrf/").json()["csrfToken"]
    signed = session.post(
        f"{live_server.url}/api/auth/login/",
        json={"username": admin.username, "password": PASSWORD},
        headers={"X-CSRFToken": token, "Referer": live_server.url},
    )
    assert signed.status_code == 200, signed.text
    session.headers.update({"X-CSRFToken": session.cookies["csrftoken"], "Referer": live_server.url})
    yield session
    session.close()  # before the live server stops: no keep-alive connection is left for it to close


@pytest.fixture
def settings_for_the_run(settings):
    # generous throttles: the run probes validation, not the throttles (tests/api/test_auth.py does)
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"login": "1000/minute", "login_username": "1000/minute", "send_email": "1000/hour"},
    }


def test_no_500_and_no_answer_breaking_the_schema(live_server, api_session):
    """One live server and one world for every operation (signing out aside: it would end the run's session)."""
    calls = []
    for result in schema.exclude(path="/api/auth/logout/").get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
        def probe(case):
            case.cookies = {}  # the schema names the session cookie: the run's own session is the one to send
            response = case.call_and_validate(base_url=live_server.url, session=api_session, checks=CHECKS)
            calls.append((case.method, case.path, response.status_code))

        probe()
    operations = {(path, method.lower()) for method, path, _status in calls}
    assert operations == CONTRACT_OPERATIONS, sorted(operations ^ CONTRACT_OPERATIONS)
    signed_out = [(method, path) for method, path, status in calls if status == 401]
    assert not signed_out, f"the run's session was lost: {signed_out[:5]}"
    assert any(status == 200 for _m, _p, status in calls) and any(status == 400 for _m, _p, status in calls)
