"""The actor rule itself: who may write, and the system account."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from apps.core.actors import actor_check, is_system, system_user, writes
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_person_and_the_system_may_write():
    actor_check(UserFactory())
    actor_check(system_user())


@pytest.mark.parametrize(
    ("actor", "sentence"),
    [
        (None, "A change must name who makes it; nobody was given."),
        (AnonymousUser(), "You must be logged in to change anything."),
    ],
)
def test_nobody_and_anonymous_are_refused(actor, sentence):
    with pytest.raises(PermissionDenied) as refused:
        actor_check(actor)
    assert str(refused.value) == sentence


def test_a_deactivated_person_is_refused():
    person = UserFactory(is_active=False, first_name="Gone", last_name="Away", employee_id="E77")
    with pytest.raises(PermissionDenied) as refused:
        actor_check(person)
    assert str(refused.value) == "Gone Away (E77) is not active and cannot change anything."


def test_only_the_system_account_is_the_system():
    assert is_system(system_user())
    assert not is_system(UserFactory(username="sysadmin"))
    assert not is_system(None)


def test_writes_refuses_a_service_whose_actor_is_optional_or_positional():
    with pytest.raises(TypeError, match="must not give `by` a default"):

        @writes
        def optional(*, by=None):
            return by

    with pytest.raises(TypeError, match="keyword-only `by`"):

        @writes
        def positional(by):
            return by


def test_writes_checks_the_actor_before_the_service_runs():
    ran = []

    @writes
    def service(*, thing, by):
        ran.append(thing)

    with pytest.raises(TypeError, match="'by'"):
        service(thing=1)
    with pytest.raises(PermissionDenied):
        service(thing=2, by=AnonymousUser())
    service(thing=3, by=system_user())
    assert ran == [3]
