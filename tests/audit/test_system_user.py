"""The system account: what tasks and commands act as, and nobody can sign in as."""

from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from apps.accounts.models import User
from apps.audit.system import as_system
from apps.core import actors
from apps.core.actors import SYSTEM_USERNAME, system_user

pytestmark = pytest.mark.django_db


def test_system_user_is_created_once_inactive_and_reads_as_the_system():
    user = system_user()

    assert system_user() == user
    assert User.objects.filter(username=SYSTEM_USERNAME).count() == 1
    assert user.is_system_account
    assert not user.is_active and not user.is_staff and not user.is_superuser
    assert not user.has_usable_password()
    assert user.employee_id == "SYSTEM"
    assert str(user) == "Portal (automatic) (SYSTEM)"
    creation = user.history.get()
    assert creation.history_type == "+"
    assert creation.history_user_id == user.pk


def test_system_user_can_never_sign_in(client):
    user = system_user()
    user.set_password("guessable-Pass-1")
    user.is_active = True
    user.save()

    assert authenticate(username=SYSTEM_USERNAME, password="guessable-Pass-1") is None
    assert not client.login(username=SYSTEM_USERNAME, password="guessable-Pass-1")


def test_a_person_is_not_the_system_account():
    assert not User(username="sysadmin").is_system_account


def test_system_user_survives_its_row_going_away():
    """A flushed test database, or a rolled-back transaction that created it, leaves a stale cached key."""
    first = system_user()
    User.objects.filter(pk=first.pk).delete()

    second = system_user()

    assert second.pk != first.pk
    assert actors._system_user_pk == second.pk
    assert User.objects.filter(username=SYSTEM_USERNAME).get() == second


def test_a_context_that_writes_nothing_creates_no_account():
    with as_system(reason="Task: nothing to do"):
        pass

    assert not User.objects.filter(username=SYSTEM_USERNAME).exists()


def test_a_dry_run_creates_no_account():
    call_command("load_reference_data", "--dry-run", stdout=StringIO())

    assert not User.objects.filter(username=SYSTEM_USERNAME).exists()


def test_demo_logins_never_list_the_system_account(settings):
    settings.DEBUG = True
    settings.PORTAL_ENVIRONMENT = "development"
    system_user()
    out = StringIO()

    call_command("demo_logins", stdout=out)

    assert SYSTEM_USERNAME not in out.getvalue()
