"""The actor is required and fails closed: every public writing function of scheduling and timesheets.

The walk reads each module's public functions: one that takes `by` must be a `@writes` service (keyword-only
`by`, no default), refusing a missing, absent, anonymous or deactivated actor before it touches anything; one
that does not take `by` must be a read or a rule check, listed below. A writing function added without `by`
fails here until it is given one (or, if it only reads, is listed).
"""

import inspect
from importlib import import_module

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from apps.core.actors import system_user
from tests.factories import UserFactory

MODULES = (
    "apps.scheduling.services",
    "apps.scheduling.publishing",
    "apps.scheduling.time_off",
    "apps.scheduling.notifications",
    "apps.scheduling.steps",
    "apps.timesheets.services",
)
# public functions that write nothing: rule checks, lookups, wording, locks taken by the writers
READS = {
    "adopt",
    "administrator_check",
    "changed_fields",
    "day_label",
    "days_span",
    "hours_label",
    "keep_stored",
    "local_span",
    "location_zone",
    "people_lock",
    "person_name",
    "scheduled_event_checks",
    "scheduled_event_delete_blockers",
    "scheduled_event_validate",
    "shift_checks",
    "shift_delete_blockers",
    "shift_validate",
    "shift_warnings",
    "shifts_of_week",
    "shifts_over_time_off",
    "step_named",
    "step_row",
    "step_to",
    "stored_in_scope",
    "time_entry_change_check",
    "time_entry_checks",
    "time_entry_validate",
    "time_off_request_change_check",
    "time_off_request_checks",
    "time_off_request_validate",
    "week_bounds",
}
# writes with no actor of their own: the caller's service passes its `by` through them
PLUMBING: set[str] = set()


def public_functions():
    for name in MODULES:
        module = import_module(name)
        for attribute, value in vars(module).items():
            if attribute.startswith("_") or not inspect.isfunction(value):
                continue
            if value.__module__ != module.__name__:
                continue  # imported from elsewhere: walked where it is defined
            yield f"{name}.{attribute}", value


FUNCTIONS = dict(public_functions())
WRITERS = {path: function for path, function in FUNCTIONS.items() if "by" in inspect.signature(function).parameters}


def test_the_walk_finds_the_services():
    names = {path.rsplit(".", 1)[1] for path in WRITERS}
    assert {"shift_create", "shift_publish", "time_off_request_approve", "time_entry_reject"} <= names
    assert {"shifts_published_notify", "shift_delete", "time_off_request_cancel"} <= names


@pytest.mark.parametrize("path", sorted(FUNCTIONS))
def test_every_public_function_is_a_writes_service_or_a_read(path):
    function = FUNCTIONS[path]
    name = path.rsplit(".", 1)[1]
    if name in READS or name in PLUMBING:
        return
    assert getattr(function, "writes", False), f"{path} takes no actor: decorate it with @writes and give it `by`"
    parameter = inspect.signature(function).parameters["by"]
    assert parameter.kind is inspect.Parameter.KEYWORD_ONLY
    assert parameter.default is inspect.Parameter.empty


@pytest.mark.django_db
@pytest.mark.parametrize("path", sorted(path for path in WRITERS if path.rsplit(".", 1)[1] not in READS | PLUMBING))
def test_every_writer_refuses_a_missing_or_anonymous_or_inactive_actor(path):
    function = WRITERS[path]
    inactive = UserFactory(is_active=False)

    with pytest.raises(TypeError, match="missing required keyword-only argument: 'by'"):
        function()
    for actor in (None, AnonymousUser(), inactive):
        with pytest.raises(PermissionDenied):
            function(by=actor)


@pytest.mark.django_db
def test_the_system_account_is_an_actor_it_is_passed_explicitly(alex, mcr):
    from apps.scheduling.services import shift_create
    from tests.scheduling.conftest import london

    shift = shift_create(
        user=alex,
        facility=mcr,
        position="MCR operator",
        starts_at=london(2026, 3, 3, 6),
        ends_at=london(2026, 3, 3, 14),
        by=system_user(),
    )

    assert shift.history.get().history_user == system_user()
