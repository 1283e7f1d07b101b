"""Putting incidents at any point of their workflow, and the people who act on them, for the workflow tests."""

from datetime import timedelta

from django.contrib.auth.models import Group
from django.utils import timezone

from apps.core.actors import system_user
from apps.core.roles import Role
from apps.tickets.choices import IncidentStatus
from apps.tickets.models import IncidentTicket
from apps.tickets.services import incident_create
from tests.conftest import cover
from tests.factories import UserFactory


def console_user(username: str, role: str, *locations, **fields):
    user = UserFactory(username=username, is_staff=role != Role.STAFF, **fields)
    user.groups.add(Group.objects.get(name=role))
    return cover(user, *locations)


def incident_at(status: str, *, incident_type, facility, reporter, assignee=None, survivor=None) -> IncidentTicket:
    """An incident opened an hour ago through the service, then put at `status` with that status's timestamps."""
    incident = incident_create(
        title=f"Fault ({status})",
        incident_type=incident_type,
        facility=facility,
        reporter=reporter,
        assignee=assignee,
        occurred_at=timezone.now() - timedelta(hours=1),
        by=system_user(),
    )
    moment = timezone.now() - timedelta(minutes=30)
    fields = {"status": status}
    if status != IncidentStatus.NEW:
        fields["acknowledged_at"] = moment
    if status == IncidentStatus.ON_HOLD:
        fields["on_hold_since"] = moment + timedelta(minutes=10)
    if status in (IncidentStatus.RESOLVED, IncidentStatus.CLOSED):
        fields.update(resolved_at=moment + timedelta(minutes=5), resolution="Swapped the encoder")
    if status == IncidentStatus.CLOSED:
        fields["closed_at"] = moment + timedelta(minutes=20)
    if status == IncidentStatus.DUPLICATE:
        fields["duplicate_of"] = survivor
    IncidentTicket.objects.filter(pk=incident.pk).update(**fields)
    incident.refresh_from_db()
    return incident
