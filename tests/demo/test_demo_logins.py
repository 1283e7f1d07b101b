from io import StringIO

import pytest
from django.core.management import call_command

from apps.demo.logins import DEMO_PASSWORD
from tests.factories import SuperUserFactory, UserFactory

pytestmark = pytest.mark.django_db


def run(**options) -> str:
    out = StringIO()
    call_command("demo_logins", stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def demo_users():
    SuperUserFactory(username="admin")
    UserFactory(username="supervisor", is_staff=True)
    UserFactory(username="staff")
    UserFactory(username="auditor", is_staff=True)


@pytest.fixture
def demo_mode(settings):
    settings.DEBUG = True
    settings.PORTAL_ENVIRONMENT = "development"


def test_prints_the_four_logins_in_demo_mode(demo_mode, demo_users):
    output = run()

    assert DEMO_PASSWORD in output
    for username in ("admin", "supervisor", "staff", "auditor"):
        assert f"  {username}" in output
    assert "4 demo login(s)" in output


def test_prints_only_existing_demo_users(demo_mode):
    SuperUserFactory(username="admin")
    UserFactory(username="someone-real")

    output = run()

    assert "  admin" in output
    assert "supervisor" not in output
    assert "someone-real" not in output


def test_without_demo_users_prints_a_note(demo_mode):
    output = run()

    assert output.count("\n") == 1
    assert "seed_demo" in output
    assert DEMO_PASSWORD not in output


@pytest.mark.parametrize(("debug", "environment"), [(False, "development"), (True, "production")])
def test_outside_demo_mode_prints_a_note(settings, demo_users, debug, environment):
    settings.DEBUG = debug
    settings.PORTAL_ENVIRONMENT = environment

    output = run()

    assert output.count("\n") == 1
    assert DEMO_PASSWORD not in output
    assert "supervisor" not in output


def test_quiet_at_verbosity_zero(demo_mode, demo_users):
    assert run(verbosity=0) == ""
