"""The actor is required and fails closed: every writing service names who writes, and refuses nobody.

Walks the service modules of every app below the console (services, workflows, publishing, review, jobs,
notifications). Each public function there either writes — then it is `@writes` (apps.core.actors),
takes a keyword-only `by` without a default, and refuses a missing, `None` or anonymous actor before
doing anything — or it is listed below as one that writes nothing, with why. A new service module
joins the walk by its name being added to SERVICE_MODULES.
"""

import inspect
from importlib import import_module
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from tests.architecture.test_layering import FLOORS
from tests.factories import UserFactory

APPS_DIR = Path(__file__).resolve().parents[2] / "apps"
DOMAIN_APPS = [app for floor in FLOORS for app in floor]
SERVICE_MODULES = (
    "services",
    "workflow",
    "service_workflow",
    "publishing",
    "time_off",
    "jobs",
    "notifications",
    "breaches",
    "steps",
    "coverage",
)
SKIPPED_MODULES = ("models", "choices", "apps", "admin", "migrations", "tests")

# Public functions of service modules that write nothing, and why a caller needs no actor for them.
WRITES_NOTHING = {
    "apps.core.services.reference_allocate": "advances a counter in the caller's transaction, which names the actor",
    "apps.core.services.reference_allocate_block": "the same, for a block of references",
    "apps.audit.services.activity_record": "indexes a history row that already names its author",
    "apps.audit.services.activity_record_many": "the same, in bulk",
    "apps.audit.services.historical_models": "a list of models",
    "apps.accounts.services.calendar_token_hash": "a hash of a token",
    "apps.notifications.services.email_claim_timeout": "a duration read from settings",
    "apps.notifications.services.email_claim_seconds_left": "reads a row",
    "apps.dataio.services.resource_path": "a dotted path",
    "apps.dataio.services.resource_class_at": "imports a class",
    "apps.dataio.services.outcome_of": "summarises a result",
    "apps.dataio.services.failed_rows_dataset": "builds a file in memory",
    "apps.dataio.services.background_threshold": "a number read from settings",
    "apps.dataio.jobs.job_time_limit": "a number read from settings",
    "apps.dataio.jobs.progress_key": "a cache key",
    "apps.dataio.jobs.job_path": "a URL",
    "apps.dataio.jobs.job_resource_class": "imports a class",
    "apps.dataio.jobs.count": "text",
    "apps.dataio.jobs.summary_text": "text",
    "apps.dataio.jobs.read_job_file": "reads the stored upload",
    "apps.dataio.jobs.import_job_progress": "reads the job and its progress counter",
    "apps.dataio.jobs.job_row_errors": "reads the job",
    "apps.dataio.jobs.import_job_failed_rows": "builds a file in memory",
    "apps.tickets.workflow.incident_allowed_transitions": "reads which steps a person may take",
    "apps.tickets.service_workflow.service_ticket_allowed_transitions": "reads which steps a person may take",
    "apps.scheduling.coverage.coverage_requirement_check": "a scope check",
    "apps.scheduling.publishing.shifts_of_week": "reads a week's shifts",
    "apps.scheduling.publishing.week_bounds": "date arithmetic",
    "apps.scheduling.services.administrator_check": "refuses all but administrators; the caller names the actor",
    "apps.scheduling.services.adopt": "copies a saved row's values onto the caller's instance",
    "apps.scheduling.services.changed_fields": "compares values",
    "apps.scheduling.services.keep_stored": "reads the stored workflow fields",
    "apps.scheduling.services.people_lock": "a lock taken by the writers inside their transaction",
    "apps.scheduling.services.scheduled_event_checks": "a rule check",
    "apps.scheduling.services.scheduled_event_delete_blockers": "reads what refers to an event",
    "apps.scheduling.services.scheduled_event_validate": "a rule check, for forms and previews",
    "apps.scheduling.services.shift_checks": "a rule check",
    "apps.scheduling.services.shift_delete_blockers": "reads what refers to a shift",
    "apps.scheduling.services.shift_validate": "a rule check, for forms and previews",
    "apps.scheduling.services.step_row": "reads the row a step changes",
    "apps.scheduling.services.stored_in_scope": "reads a row and checks its scope",
    "apps.scheduling.services.time_off_request_change_check": "a rule check",
    "apps.scheduling.services.time_off_request_checks": "a rule check",
    "apps.scheduling.services.time_off_request_validate": "a rule check, for forms and previews",
    "apps.scheduling.time_off.shifts_over_time_off": "reads the shifts on a request's days",
    "apps.scheduling.steps.step_named": "looks a step up in the table",
    "apps.scheduling.steps.step_to": "looks a step up in the table",
    "apps.timesheets.services.hours_label": "text",
    "apps.timesheets.services.time_entry_change_check": "a rule check",
    "apps.timesheets.services.time_entry_checks": "a rule check",
    "apps.timesheets.services.time_entry_validate": "a rule check, for forms and previews",
}


def _modules() -> list[str]:
    names = []
    for app in DOMAIN_APPS:
        for path in sorted((APPS_DIR / app).rglob("*.py")):
            relative = path.relative_to(APPS_DIR.parent).with_suffix("")
            if any(part in SKIPPED_MODULES for part in relative.parts[2:]) or relative.name == "__init__":
                continue
            names.append(".".join(relative.parts))
    return names


def _public_functions(module_name: str):
    module = import_module(module_name)
    for name, function in vars(module).items():
        if name.startswith("_") or not inspect.isfunction(function) or function.__module__ != module_name:
            continue
        yield f"{module_name}.{name}", function


def _functions_held_to_the_rule():
    held = {}
    for module_name in _modules():
        if module_name.rsplit(".", 1)[-1] not in SERVICE_MODULES:
            continue
        for path, function in _public_functions(module_name):
            if path not in WRITES_NOTHING:
                held[path] = function
    return held


HELD = _functions_held_to_the_rule()


def test_the_walk_finds_the_services():
    assert {
        "apps.facilities.services.facility_update",
        "apps.notifications.services.email_queue",
        "apps.tickets.workflow.incident_resolve",
        "apps.tickets.notifications.incident_notify_breach",
        "apps.scheduling.publishing.shift_publish",
        "apps.scheduling.time_off.time_off_request_approve",
        "apps.scheduling.coverage.coverage_requirement_create",
        "apps.timesheets.services.time_entry_reject",
        "apps.dataio.jobs.import_job_run",
    } <= set(HELD)


def test_functions_listed_as_writing_nothing_exist():
    for path in WRITES_NOTHING:
        module_name, _, name = path.rpartition(".")
        assert inspect.isfunction(getattr(import_module(module_name), name, None)), f"{path} is gone: unlist it"


@pytest.mark.parametrize("path", sorted(HELD))
def test_a_writing_service_requires_its_actor(path):
    function = HELD[path]
    assert getattr(function, "writes", False), f"{path} writes (or takes `by`) but is not @writes"
    parameter = inspect.signature(function).parameters.get("by")
    assert parameter is not None, f"{path} takes no `by`"
    assert parameter.kind is inspect.Parameter.KEYWORD_ONLY, f"{path}: `by` must be keyword-only"
    assert parameter.default is inspect.Parameter.empty, f"{path}: `by` must have no default"


@pytest.mark.django_db
@pytest.mark.parametrize("path", sorted(HELD))
def test_a_writing_service_refuses_a_missing_anonymous_or_inactive_actor(path):
    function = HELD[path]
    others = {
        name: object()
        for name, parameter in inspect.signature(function).parameters.items()
        if name != "by" and parameter.default is inspect.Parameter.empty and parameter.kind.name != "VAR_KEYWORD"
    }
    with pytest.raises(TypeError, match="'by'"):
        function(**others)
    with pytest.raises(PermissionDenied, match="nobody was given"):
        function(**others, by=None)
    with pytest.raises(PermissionDenied, match="must be logged in"):
        function(**others, by=AnonymousUser())
    with pytest.raises(PermissionDenied, match="is not active"):
        function(**others, by=UserFactory(is_active=False))
