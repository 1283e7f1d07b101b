"""The permission matrix: every role x every model in the console x every action x a row in and out of scope.

Generated, not written case by case: the models are the admin's registry, the actions each admin's own (Django's
delete_selected, its custom actions, unfold's detail actions), what each role may do is fixtures/roles.json, and
the few facts the admins state for everyone (read-only pages, custom action permissions) are in matrix_spec.py.
A model added to the console gets its rows here once it has a ModelSpec, and fails until it has one.

Every case is a real request through the test client, logged in as a user of the role. The world (roles, two
locations, one user per role, the rows) is built once for the module inside a transaction; each test runs in a
savepoint of it, so what a request changes is rolled back before the next test. A test is one role and one model;
it runs all their cases and reports every mismatch at once, as a table.
"""

import logging

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.db import transaction
from django.test.utils import override_settings

from .matrix import Grants, UnmappedPermission, build_world, detail_actions, list_actions, run_cases, table
from .matrix import object_permissions_url_exists as has_object_permissions_page
from .matrix_spec import MODEL_SPECS, ROLES, role_permissions

REGISTERED = sorted(admin.site._registry, key=lambda model: model._meta.label)
SPEC_FILE = "tests/permissions/matrix_spec.py"


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Roles and rows for every test of the module, rolled back after the last one."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
                call_command("load_reference_data", verbosity=0)
                built = build_world()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield built
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def quiet_refusals():
    """Hundreds of expected 403s and 404s: keep their warnings (and tracebacks) out of a failure's report."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


def test_the_spec_covers_the_console():
    problems = [
        f"{model._meta.label} is in the console without a ModelSpec: add one to MODEL_SPECS in {SPEC_FILE} "
        "(its scope kind, a builder, what its admin refuses to everyone)"
        for model in REGISTERED
        if model not in MODEL_SPECS
    ]
    problems += [
        f"{model._meta.label} has a ModelSpec but is not in the console: remove it from {SPEC_FILE}"
        for model in MODEL_SPECS
        if model not in admin.site._registry
    ]
    for model in (model for model in REGISTERED if model in MODEL_SPECS):
        if bool(MODEL_SPECS[model].object_permissions) != has_object_permissions_page(model):
            problems.append(
                f"{model._meta.label}: ModelSpec.object_permissions says the admin has no object permissions page, "
                "or that it has one: name the permission the page needs, or None"
            )
        model_admin = admin.site._registry[model]
        for _name, permissions in [*list_actions(model_admin), *detail_actions(model_admin)]:
            for role in ROLES:
                try:
                    Grants(role, model).can_run(permissions)
                except UnmappedPermission as error:
                    problems.append(str(error))
                    break
    assert not problems, "\n".join(dict.fromkeys(problems))


def test_the_roles_are_the_fixtures_roles():
    assert set(ROLES) == set(role_permissions()), f"ROLES in {SPEC_FILE} and fixtures/roles.json name other roles"


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label)
@pytest.mark.parametrize("role", list(ROLES), ids=str)
def test_permission_matrix(world, db, client, monkeypatch, quiet_refusals, role, model):
    if model not in MODEL_SPECS:
        pytest.fail(f"{model._meta.label} has no ModelSpec in {SPEC_FILE}: the matrix cannot build its rows")
    client.force_login(world.users[role])

    cases = run_cases(client, monkeypatch, role, model, world.rows[role, model])

    mismatches = [case for case in cases if not case.ok]
    assert not mismatches, f"{len(mismatches)} of {len(cases)} cases differ:\n{table(role, model, mismatches)}"
