"""An administrator grants and revokes location scope from the console: person, role and location pages."""

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from guardian.shortcuts import assign_perm

from apps.core.roles import Role
from apps.facilities.models import LocationGroupObjectPermission, LocationUserObjectPermission
from apps.tickets.selectors import incidents_visible_to
from tests.factories import FacilityFactory, IncidentTicketFactory, LocationFactory, UserFactory
from tests.tickets.html_forms import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def roles():
    call_command("load_reference_data", verbosity=0)
    return {group.name: group for group in Group.objects.all()}


@pytest.fixture
def administrator(roles):
    user = UserFactory(username="admin1", is_staff=True)
    user.groups.add(roles[Role.ADMINISTRATOR])
    return user


@pytest.fixture
def admin_client(client, administrator):
    client.force_login(administrator)
    return client


@pytest.fixture
def supervisor(roles):
    user = UserFactory(username="sup1", is_staff=True)
    user.groups.add(roles[Role.SUPERVISOR])
    return user


@pytest.fixture
def london():
    return LocationFactory(code="LON-HQ", name="London HQ")


@pytest.fixture
def leeds():
    return LocationFactory(code="LEEDS", name="Leeds")


def _inline_prefix(data: dict, model: str) -> str:
    return next(name[: -len("-TOTAL_FORMS")] for name in data if name.endswith("-TOTAL_FORMS") and model in name)


def _add_row(data: dict, prefix: str, location) -> dict:
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = str(index + 1)
    data[f"{prefix}-{index}-content_object"] = str(location.pk)
    return data


def test_grant_from_the_persons_page_makes_the_location_visible(admin_client, supervisor, london, leeds):
    incident = IncidentTicketFactory(facility=FacilityFactory(location=london), title="Transmitter off air")
    IncidentTicketFactory(facility=FacilityFactory(location=leeds), title="Leeds printer jam")
    url = reverse("admin:accounts_user_change", args=[supervisor.pk])
    data = form_data(admin_client.get(url), "user_form")
    prefix = _inline_prefix(data, "locationuserobjectpermission")

    response = admin_client.post(url, _add_row(data, prefix, london))

    assert response.status_code == 302, response.context and response.context["errors"]
    grant = LocationUserObjectPermission.objects.get(user=supervisor)
    assert (grant.content_object, grant.permission.codename) == (london, "cover_location")
    assert list(incidents_visible_to(user=supervisor)) == [incident]
    assert grant.history.get().history_user.username == "admin1"


def test_the_persons_page_lists_covered_locations_and_revokes_them(admin_client, supervisor, london, leeds):
    assign_perm("facilities.cover_location", supervisor, london)
    assign_perm("facilities.cover_location", supervisor, leeds)
    url = reverse("admin:accounts_user_change", args=[supervisor.pk])
    response = admin_client.get(url)
    assert "London HQ (LON-HQ)" in response.content.decode()
    data = form_data(response, "user_form")
    prefix = _inline_prefix(data, "locationuserobjectpermission")
    row = next(
        index
        for index in range(int(data[f"{prefix}-TOTAL_FORMS"]))
        if data[f"{prefix}-{index}-content_object"] == str(leeds.pk)
    )
    data[f"{prefix}-{row}-DELETE"] = "on"

    assert admin_client.post(url, data).status_code == 302

    assert [grant.content_object for grant in LocationUserObjectPermission.objects.filter(user=supervisor)] == [london]


def test_granting_the_same_location_twice_is_a_form_error(admin_client, supervisor, london):
    assign_perm("facilities.cover_location", supervisor, london)
    url = reverse("admin:accounts_user_change", args=[supervisor.pk])
    data = form_data(admin_client.get(url), "user_form")
    prefix = _inline_prefix(data, "locationuserobjectpermission")

    response = admin_client.post(url, _add_row(data, prefix, london))

    assert response.status_code == 200
    assert "already exists" in response.content.decode() or "listed twice" in response.content.decode()
    assert LocationUserObjectPermission.objects.filter(user=supervisor).count() == 1


def test_grant_to_a_role_covers_every_member(admin_client, roles, supervisor, london):
    night_desk = Group.objects.create(name="Night desk")
    supervisor.groups.add(night_desk)
    IncidentTicketFactory(facility=FacilityFactory(location=london))
    url = reverse("admin:auth_group_change", args=[night_desk.pk])
    data = form_data(admin_client.get(url), "group_form")
    prefix = _inline_prefix(data, "locationgroupobjectpermission")

    assert admin_client.post(url, _add_row(data, prefix, london)).status_code == 302

    assert LocationGroupObjectPermission.objects.get(group=night_desk).content_object == london
    assert incidents_visible_to(user=supervisor).count() == 1


def test_grant_from_the_locations_page(admin_client, supervisor, london):
    manage = reverse("admin:facilities_location_permissions_manage_user", args=[london.pk, supervisor.pk])

    response = admin_client.post(manage, {"permissions": ["cover_location"]})

    assert response.status_code == 302
    assert LocationUserObjectPermission.objects.get(user=supervisor).content_object == london


def test_a_supervisor_cannot_grant_scope(client, supervisor, london):
    assign_perm("facilities.cover_location", supervisor, london)
    client.force_login(supervisor)

    assert client.get(reverse("admin:facilities_location_permissions", args=[london.pk])).status_code == 403
    # people pages are read-only for supervisors: no grant rows can be posted
    own_page = client.get(reverse("admin:accounts_user_change", args=[supervisor.pk]))
    assert own_page.status_code == 200
    assert 'name="_save"' not in own_page.content.decode()


def test_sharing_a_single_ticket_is_for_administrators(admin_client, supervisor, london):
    assign_perm("facilities.cover_location", supervisor, london)
    incident = IncidentTicketFactory(facility=FacilityFactory(location=london))
    change = reverse("admin:tickets_incidentticket_change", args=[incident.pk])
    sharing = reverse("admin:tickets_incidentticket_permissions", args=[incident.pk])
    client = Client()
    client.force_login(supervisor)

    assert sharing not in client.get(change).content.decode()
    assert client.get(sharing).status_code == 403
    assert sharing in admin_client.get(change).content.decode()
    assert admin_client.get(sharing).status_code == 200


def test_a_ticket_shared_with_a_contractor_is_visible_to_them_alone(admin_client, roles, london):
    contractor = UserFactory(username="contractor")
    contractor.groups.add(roles[Role.STAFF])
    shared, other = IncidentTicketFactory.create_batch(2, facility=FacilityFactory(location=london))
    manage = reverse("admin:tickets_incidentticket_permissions_manage_user", args=[shared.pk, contractor.pk])

    assert admin_client.post(manage, {"permissions": ["view_incidentticket"]}).status_code == 302

    assert list(incidents_visible_to(user=contractor)) == [shared]
