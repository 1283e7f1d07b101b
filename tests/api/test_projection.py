"""Lists read as tuples (apps/api/projection.py) and rows read through a compiled plan (ModelOutput.read) show
exactly what DRF's own serializer shows: every field, every label, every hidden link."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from apps.accounts.models import User
from apps.api import urls
from apps.api.fields import ModelOutput
from apps.api.projection import projection_of
from apps.facilities.models import Facility, Location
from apps.tickets.models import IncidentTicket, IncidentType, ServiceTicket
from tests import factories as f

from .conftest import signed_in
from .matrix_spec import ENDPOINTS, Place

pytestmark = pytest.mark.django_db

VIEWSETS = {prefix: viewset for prefix, viewset, _basename in urls.router.registry}
# the outputs that read their lists as tuples; the others (method fields, labels of shifts and events) read objects
PROJECTED = {"locations", "facilities", "shifts", "incident-types", "incident-tickets", "time-off-requests"}


def test_the_outputs_that_can_be_read_as_tuples_are(world):
    projected = {prefix for prefix, viewset in VIEWSETS.items() if projection_of(viewset.output) is not None}
    assert projected == PROJECTED


def _a_busy_world(world):
    """Rows of every resource at both locations, with empty and filled links, a duplicate and a hidden link."""
    place_a = Place(world.a, world.facility_a, owner=world.staff, coverers=(world.supervisor, world.auditor))
    place_b = Place(world.b, world.facility_b, owner=world.person_b, coverers=())
    for endpoint in ENDPOINTS:
        for place in (place_a, place_b, place_a):
            endpoint.build(place)
    original = f.IncidentTicketFactory(facility=world.facility_b, reporter=world.person_b, title="Bravo original")
    f.IncidentTicketFactory(
        facility=world.facility_a,
        reporter=world.person_a,
        duplicate_of=original,
        status="duplicate",
        assignee=world.staff,
    )
    listed = f.IncidentTicketFactory(facility=world.facility_a, reporter=world.person_a)
    f.IncidentTicketFactory(facility=world.facility_a, reporter=world.person_a, duplicate_of=listed, status="duplicate")


@pytest.mark.parametrize("resource", sorted(PROJECTED))
@pytest.mark.parametrize("role", ["Administrator", "Supervisor", "Staff", "Auditor"])
def test_a_listed_row_is_the_row_a_get_answers(world, resource, role):
    _a_busy_world(world)
    client = signed_in(world.users[role])
    listed = client.get(f"/api/{resource}/", {"page_size": 200}).json()["results"]
    assert listed, f"{role} lists no {resource}"
    for row in listed:
        assert client.get(f"/api/{resource}/{row['id']}/").json() == row


def test_a_listed_duplicate_out_of_scope_shows_no_link_and_one_on_the_page_shows_its_link(world):
    original = f.IncidentTicketFactory(facility=world.facility_b, reporter=world.person_b, title="Bravo original")
    hidden = f.IncidentTicketFactory(
        facility=world.facility_a, reporter=world.person_a, duplicate_of=original, status="duplicate"
    )
    listed = f.IncidentTicketFactory(facility=world.facility_a, reporter=world.person_a)
    shown = f.IncidentTicketFactory(
        facility=world.facility_a, reporter=world.person_a, duplicate_of=listed, status="duplicate"
    )
    rows = {row["id"]: row for row in signed_in(world.supervisor).get("/api/incident-tickets/").json()["results"]}
    assert (rows[hidden.pk]["duplicate_of"], rows[hidden.pk]["duplicate_of_label"]) == (None, None)
    assert (rows[shown.pk]["duplicate_of"], rows[shown.pk]["duplicate_of_label"]) == (listed.pk, listed.reference)
    admin_rows = {row["id"]: row for row in signed_in(world.admin).get("/api/incident-tickets/").json()["results"]}
    assert admin_rows[hidden.pk]["duplicate_of"] == original.pk


@pytest.mark.parametrize("resource", sorted(VIEWSETS))
def test_the_compiled_read_is_drfs_own_reading(world, resource):
    _a_busy_world(world)
    viewset = VIEWSETS[resource]
    request = Request(APIRequestFactory().get("/"))
    request.user = world.admin
    instances = list(viewset.rows_from(world.admin)[:40])
    assert instances
    for instance in instances:
        output = viewset.output(instance, context={"request": request})
        drf = serializers.ModelSerializer.to_representation(output, instance)
        assert ModelOutput.read(output, instance) == drf


@pytest.mark.parametrize("model", [User, Location, Facility, IncidentType, IncidentTicket, ServiceTicket])
def test_a_label_is_built_from_its_label_fields_alone(world, model):
    f.IncidentTicketFactory(facility=world.facility_a, reporter=world.person_a)
    f.ServiceTicketFactory(facility=world.facility_a, requested_by=world.person_a)
    for row in model._default_manager.all()[:10]:
        assert model.label_from(*[getattr(row, name) for name in model.label_fields]) == str(row)
    narrow = list(model._default_manager.only(*model.label_fields)[:10])
    with CaptureQueriesContext(connection) as queries:
        [str(row) for row in narrow]
    assert not queries, f"{model.__name__}.__str__ reads more than its label_fields"
