"""Nobody is nobody's supervisor; the system account acts everywhere (the walk over every service is
tests/architecture/test_actors.py)."""

import pytest

from apps.core.actors import system_user
from apps.tickets import workflow
from apps.tickets.choices import IncidentStatus
from apps.tickets.models import IncidentTicket
from apps.tickets.transitions import is_supervisor_of
from apps.tickets.workflow import CHANGE_PERMISSION

from .workflow_helpers import incident_at


@pytest.mark.django_db
def test_nobody_is_nobodys_supervisor_and_the_system_is_everyones(outage, mcr, alex):
    incident = incident_at(IncidentStatus.NEW, incident_type=outage, facility=mcr, reporter=alex)
    assert not is_supervisor_of(None, incident, permission=CHANGE_PERMISSION)
    assert is_supervisor_of(system_user(), incident, permission=CHANGE_PERMISSION)
    assert workflow.incident_allowed_transitions(incident=incident, by=None) == []
    workflow.incident_acknowledge(incident=incident, by=system_user())
    assert IncidentTicket.objects.get().status == IncidentStatus.TRIAGED
