"""Roles with their real permissions, two locations, and console users scoped to one of them."""

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from guardian.shortcuts import assign_perm

from apps.core.roles import Role
from tests.factories import FacilityFactory, LocationFactory, SuperUserFactory, UserFactory


@pytest.fixture
def roles(db):
    call_command("load_reference_data", verbosity=0)


@pytest.fixture
def london(db):
    return LocationFactory(code="LON-HQ", name="London HQ", timezone="Europe/London")


@pytest.fixture
def paris(db):
    return LocationFactory(code="PAR-HQ", name="Paris HQ", timezone="Europe/Paris")


@pytest.fixture
def mcr(london):
    return FacilityFactory(code="LON-MCR1", name="Master control 1", location=london)


@pytest.fixture
def studio(london):
    return FacilityFactory(code="LON-STU1", name="Studio 1", location=london)


@pytest.fixture
def paris_studio(paris):
    return FacilityFactory(code="PAR-STU1", name="Studio Paris", location=paris)


def console_user(username: str, role: Role, *, covers=(), **fields):
    """A console user in `role`, covering `covers` (guardian's cover_location, as the portal grants it)."""
    user = UserFactory(username=username, is_staff=True, **fields)
    user.groups.add(Group.objects.get(name=role))
    for location in covers:
        assign_perm("facilities.cover_location", user, location)
    return user


@pytest.fixture
def supervisor(roles, london):
    return console_user("sup", Role.SUPERVISOR, covers=[london], first_name="Pat", last_name="Lead")


@pytest.fixture
def auditor(roles, london):
    return console_user("aud", Role.AUDITOR, covers=[london], first_name="Ada", last_name="Audit")


@pytest.fixture
def root(db):
    return SuperUserFactory(username="root", first_name="Robin", last_name="Root")


@pytest.fixture
def alex(db):
    return UserFactory(username="alex", first_name="Alex", last_name="Doe", employee_id="E10001")


@pytest.fixture
def sam(db):
    return UserFactory(username="sam", first_name="Sam", last_name="Roe", employee_id="E10002")


@pytest.fixture
def login(client):
    def as_user(user):
        client.force_login(user)
        return client

    return as_user
