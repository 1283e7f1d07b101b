"""The portal's model backend answers what Django's ModelBackend answers, reading both sources in one query."""

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts.models import User
from apps.core.auth import PortalModelBackend
from tests.factories import SuperUserFactory, UserFactory

pytestmark = pytest.mark.django_db


def _fresh(user):
    return User.objects.get(pk=user.pk)  # no permission caches


@pytest.fixture
def person():
    user = UserFactory()
    group = Group.objects.create(name="Readers of shifts")
    group.permissions.add(Permission.objects.get(codename="view_shift"))
    user.groups.add(group)
    user.user_permissions.add(Permission.objects.get(codename="change_shift"))
    return user


def test_the_same_permissions_as_djangos_backend_in_one_query(person):
    expected = ModelBackend().get_all_permissions(_fresh(person))
    user = _fresh(person)
    with CaptureQueriesContext(connection) as queries:
        found = PortalModelBackend().get_all_permissions(user)
        again = PortalModelBackend().get_all_permissions(user)  # from the user's cache
    assert found == again == expected == {"scheduling.view_shift", "scheduling.change_shift"}
    assert len(queries) == 1
    assert PortalModelBackend().get_user_permissions(user) == {"scheduling.change_shift"}
    assert PortalModelBackend().get_group_permissions(user) == {"scheduling.view_shift"}
    assert PortalModelBackend().has_perm(user, "scheduling.view_shift")
    assert not PortalModelBackend().has_perm(user, "scheduling.delete_shift")


def test_an_inactive_person_and_an_object_get_nothing(person):
    assert PortalModelBackend().get_all_permissions(_fresh(person), obj=person) == set()
    person.is_active = False
    person.save()
    assert PortalModelBackend().get_all_permissions(_fresh(person)) == set()


def test_a_superuser_has_every_permission():
    root = SuperUserFactory()
    assert PortalModelBackend().get_all_permissions(_fresh(root)) == ModelBackend().get_all_permissions(_fresh(root))
    assert len(PortalModelBackend().get_all_permissions(_fresh(root))) == Permission.objects.count()
