"""Coverage requirements: written through their service (scope, one per facility and position, history), managed
on their console page, and found in the sidebar by those who may see them."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.urls import reverse

from apps.core.roles import Role
from apps.scheduling.coverage import (
    coverage_requirement_create,
    coverage_requirement_delete,
    coverage_requirement_update,
)
from apps.scheduling.models import CoverageRequirement
from tests.conftest import cover
from tests.factories import FacilityFactory, LocationFactory, UserFactory

from .conftest import page_text

pytestmark = pytest.mark.django_db

REQUIREMENTS = reverse("admin:scheduling_coveragerequirement_changelist")
ADD = reverse("admin:scheduling_coveragerequirement_add")


@pytest.fixture
def paris_mcr(db):
    paris = LocationFactory(code="PAR", name="Paris", timezone="Europe/Paris")
    return FacilityFactory(code="PAR-MCR", name="Paris master control", location=paris)


def test_a_supervisor_asks_for_coverage_at_a_facility_they_cover(supervisor, mcr):
    requirement = coverage_requirement_create(facility=mcr, position="  MCR   operator ", people=2, by=supervisor)

    assert (requirement.facility, requirement.position, requirement.people) == (mcr, "MCR operator", 2)
    assert requirement.history.get().history_user == supervisor


def test_not_at_a_facility_they_do_not_cover(supervisor, paris_mcr):
    with pytest.raises(ValidationError) as refused:
        coverage_requirement_create(facility=paris_mcr, position="MCR operator", by=supervisor)

    assert "facility" in refused.value.message_dict
    assert not CoverageRequirement.objects.exists()


def test_nor_move_one_there(supervisor, mcr, paris_mcr):
    requirement = coverage_requirement_create(facility=mcr, position="MCR operator", by=supervisor)

    with pytest.raises(ValidationError):
        coverage_requirement_update(requirement=requirement, facility=paris_mcr, by=supervisor)

    assert CoverageRequirement.objects.get().facility == mcr


def test_one_requirement_per_facility_and_position(supervisor, mcr):
    coverage_requirement_create(facility=mcr, position="MCR operator", by=supervisor)

    with pytest.raises(ValidationError, match="already has a requirement for that position"):
        coverage_requirement_create(facility=mcr, position="MCR operator", people=3, by=supervisor)


def test_a_delete_is_kept_in_history_with_who_and_why(supervisor, mcr):
    requirement = coverage_requirement_create(facility=mcr, position="MCR operator", by=supervisor)
    pk = requirement.pk

    coverage_requirement_delete(requirement=requirement, by=supervisor, reason="Room closed")

    assert not CoverageRequirement.objects.exists()
    last = CoverageRequirement.history.filter(id=pk).latest("history_date")
    assert (last.history_type, last.history_user, last.history_change_reason) == ("-", supervisor, "Room closed")


def test_nobody_writes_without_naming_themself(mcr):
    with pytest.raises(TypeError):
        coverage_requirement_create(facility=mcr, position="MCR operator")  # no `by`


# --- the console page --------------------------------------------------------------------------------------------


def test_the_console_page_saves_through_the_service(login, supervisor, mcr, paris_mcr):
    client = login(supervisor)

    response = client.post(ADD, {"facility": mcr.pk, "position": " MCR  operator", "people": 1})

    assert response.status_code == 302, page_text(response)
    requirement = CoverageRequirement.objects.get()
    assert requirement.position == "MCR operator"  # tidied by the service
    version = requirement.history.get()
    assert (version.history_user, version.history_change_reason) == (supervisor, "Added in the console")

    duplicate = client.post(ADD, {"facility": mcr.pk, "position": "MCR operator", "people": 2})
    assert duplicate.status_code == 200
    assert "already has a requirement for that position" in page_text(duplicate)

    elsewhere = client.post(ADD, {"facility": paris_mcr.pk, "position": "MCR operator", "people": 1})
    assert elsewhere.status_code == 200 and CoverageRequirement.objects.count() == 1


def test_the_console_page_deletes_through_the_service(login, supervisor, mcr):
    requirement = coverage_requirement_create(facility=mcr, position="MCR operator", by=supervisor)
    delete = reverse("admin:scheduling_coveragerequirement_delete", args=[requirement.pk])

    response = login(supervisor).post(delete, {"post": "yes"})

    assert response.status_code == 302
    last = CoverageRequirement.history.latest("history_date")
    assert (last.history_type, last.history_user) == ("-", supervisor)


def test_the_sidebar_offers_coverage_requirements_to_those_who_may_see_them(login, supervisor, london_hq):
    # the Shifts list: a page whose only link to coverage requirements is the sidebar's (the home lists every model)
    shifts = reverse("admin:scheduling_shift_changelist")
    auditor = cover(UserFactory(username="audrey", is_staff=True), london_hq)
    auditor.groups.add(Group.objects.get_or_create(name=Role.AUDITOR)[0])
    client = login(supervisor)
    assert f'href="{REQUIREMENTS}"' in page_text(client.get(shifts))
    assert client.get(REQUIREMENTS).status_code == 200

    client.force_login(auditor)
    assert f'href="{REQUIREMENTS}"' in page_text(client.get(shifts))

    supervisors = Group.objects.get(name=Role.SUPERVISOR)
    supervisors.permissions.remove(*Permission.objects.filter(codename__endswith="_coveragerequirement"))
    client.force_login(supervisor)
    assert f'href="{REQUIREMENTS}"' not in page_text(client.get(shifts))
