"""Suite-wide settings (fast hashing, in-process Celery, a throwaway media folder), location scope, shared people."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from guardian.shortcuts import assign_perm

from apps.core.roles import Role
from apps.core.scope import COVER_PERMISSION
from tests.factories import FacilityFactory, LocationFactory, SuperUserFactory, UserFactory


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path, monkeypatch):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    # Tasks run in-process unless a test starts a real worker. The Celery app read its
    # configuration at import, so the switch is made on the app itself as well.
    from portal.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = True
    monkeypatch.setitem(app.conf, "task_always_eager", True)
    monkeypatch.setitem(app.conf, "task_eager_propagates", True)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` need PostgreSQL features; on SQLite they are skipped, with the reason."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL); the SQLite path has no such feature")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def on_postgres() -> bool:
    return connection.vendor == "postgresql"


# --- location scope -----------------------------------------------------------------------------------------------


def cover(user_or_group, *locations):
    """Give a person or a role the portal's location scope on `locations`, as the console grants it.

    `facilities.cover_location` is a django-guardian object permission on the Location; whoever holds it
    sees (and may put things at) that location, its facilities and the people based there.
    """
    for location in locations:
        assign_perm(f"facilities.{COVER_PERMISSION}", user_or_group, location)
    return user_or_group


# --- people and places several packages share (scheduling, tickets, timesheets) ----------------------------------


@pytest.fixture
def london_hq(db):
    """The station's main location: where alex, sam and the supervisor's scope are."""
    return LocationFactory(code="LON-HQ", name="London HQ", timezone="Europe/London")


@pytest.fixture
def mcr(london_hq):
    return FacilityFactory(code="LON-MCR1", name="Master control 1", location=london_hq)


@pytest.fixture
def alex(london_hq):
    return UserFactory(
        username="alex", first_name="Alex", last_name="Doe", employee_id="E10001", home_location=london_hq
    )


@pytest.fixture
def sam(london_hq):
    return UserFactory(username="sam", first_name="Sam", last_name="Roe", employee_id="E10002", home_location=london_hq)


@pytest.fixture
def supervisor(london_hq):
    """A console supervisor covering London HQ (so mcr, alex and sam are in their scope), nothing else."""
    user = UserFactory(username="sup", first_name="Pat", last_name="Lead", is_staff=True)
    user.groups.add(Group.objects.get_or_create(name=Role.SUPERVISOR)[0])
    return cover(user, london_hq)


@pytest.fixture
def root(db):
    return SuperUserFactory(username="root", first_name="Robin", last_name="Root")


@pytest.fixture
def root_client(client, root):
    client.force_login(root)
    return client
