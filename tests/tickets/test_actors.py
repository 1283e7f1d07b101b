"""Every ticket write names its actor: no default, no "None means the system", checked before anything runs."""

import inspect

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from apps.core.actors import system_user
from apps.notifications.models import OutboundEmail
from apps.tickets import breaches, notifications, rules, service_workflow, services, workflow
from apps.tickets.choices import IncidentStatus
from apps.tickets.models import IncidentTicket
from apps.tickets.transitions import is_supervisor_of
from apps.tickets.workflow import CHANGE_PERMISSION
from tests.factories import UserFactory

from .workflow_helpers import incident_at

WRITING_MODULES = (services, rules, workflow, service_workflow, breaches, notifications)

# public functions of those modules that write nothing: reads, rules, arithmetic
READS = {
    "incident_validate",
    "service_ticket_validate",
    "incident_fill_defaults",
    "incident_refresh_due_times",  # sets the clocks on the object it is given; the caller saves
    "maintenance_window_problem",
    "ticket_check_scope",
    "ticket_scope_owner",
    "ticket_assignee_problem",
    "person_label",
    "can_see",
    "not_visible_message",
    "check_editable",
    "incident_allowed_transitions",
    "service_ticket_allowed_transitions",
}


def public_functions() -> list:
    return [
        pytest.param(function, id=f"{module.__name__.rsplit('.', 1)[1]}.{name}")
        for module in WRITING_MODULES
        for name, function in inspect.getmembers(module, inspect.isfunction)
        if function.__module__ == module.__name__ and not name.startswith("_")
    ]


@pytest.mark.parametrize("function", public_functions())
def test_every_public_ticket_function_that_writes_requires_an_actor(function):
    if function.__name__ in READS:
        assert not getattr(function, "writes", False)
        return
    assert getattr(function, "writes", False), f"{function.__name__} writes: decorate it with @writes"
    parameter = inspect.signature(function).parameters["by"]
    assert parameter.kind is inspect.Parameter.KEYWORD_ONLY and parameter.default is inspect.Parameter.empty


@pytest.mark.django_db
@pytest.mark.parametrize("function", [param for param in public_functions() if param.values[0].__name__ not in READS])
@pytest.mark.parametrize("actor", [None, AnonymousUser(), "inactive"], ids=["nobody", "anonymous", "inactive"])
def test_a_missing_anonymous_or_inactive_actor_is_refused_before_anything_runs(function, actor):
    """Called with nothing else: had the check come later, the missing arguments would fail first."""
    if actor == "inactive":
        actor = UserFactory(is_active=False)
    with pytest.raises(PermissionDenied):
        function(by=actor)
    with pytest.raises(TypeError, match="missing required keyword-only argument: 'by'"):
        function()
    assert not OutboundEmail.objects.exists()


@pytest.mark.django_db
def test_nobody_is_nobodys_supervisor_and_the_system_is_everyones(outage, mcr, alex):
    incident = incident_at(IncidentStatus.NEW, incident_type=outage, facility=mcr, reporter=alex)
    assert not is_supervisor_of(None, incident, permission=CHANGE_PERMISSION)
    assert is_supervisor_of(system_user(), incident, permission=CHANGE_PERMISSION)
    assert workflow.incident_allowed_transitions(incident=incident, by=None) == []
    workflow.incident_acknowledge(incident=incident, by=system_user())
    assert IncidentTicket.objects.get().status == IncidentStatus.TRIAGED
