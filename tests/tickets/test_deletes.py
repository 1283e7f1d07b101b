"""Tickets are closed or cancelled through their workflow; only an administrator deletes one, through the service,
and history (so the Activity page) says who did."""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from apps.audit.models import ActivityEntry
from apps.console.history import DELETED
from apps.core.actors import system_user
from apps.core.roles import Role
from apps.tickets.choices import IncidentStatus
from apps.tickets.models import IncidentTicket, ServiceTicket, TicketNote
from apps.tickets.services import (
    incident_create,
    incident_delete,
    service_ticket_create,
    service_ticket_delete,
    ticket_note_add,
)
from apps.timesheets.choices import Activity
from tests.factories import TimeEntryFactory

from .workflow_helpers import console_user, incident_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(outage, mcr, alex, an_hour_ago):
    incident = incident_create(
        title="Encoder down", incident_type=outage, facility=mcr, reporter=alex, occurred_at=an_hour_ago, by=alex
    )
    ticket_note_add(ticket=incident, text="Logged twice by mistake.", by=alex)
    return incident


@pytest.fixture
def service_ticket(mcr, alex):
    return service_ticket_create(title="Replace lamp", facility=mcr, requested_by=alex, by=alex)


@pytest.fixture
def administrator(roles):
    """An Administrator by role (not a superuser), covering no location: administrators see everything."""
    return console_user("ada", Role.ADMINISTRATOR, first_name="Ada", last_name="Admin")


def delete_url(ticket) -> str:
    return reverse(f"admin:tickets_{ticket._meta.model_name}_delete", args=[ticket.pk])


def changelist(ticket) -> str:
    return reverse(f"admin:tickets_{ticket._meta.model_name}_changelist")


@pytest.mark.parametrize("kind", ["incident", "service_ticket"])
def test_a_supervisor_cannot_delete_a_ticket_even_with_the_model_permission(request, lead_client, supervisor, kind):
    ticket = request.getfixturevalue(kind)
    model = ticket._meta.model_name
    supervisor.user_permissions.add(Permission.objects.get(codename=f"delete_{model}"))

    assert lead_client.get(delete_url(ticket)).status_code == 403
    assert lead_client.post(delete_url(ticket), {"post": "yes"}).status_code == 403
    bulk = lead_client.post(
        changelist(ticket), {"action": "delete_selected", "_selected_action": [ticket.pk], "post": "yes"}
    )
    assert bulk.status_code == 302  # Django: "No action selected", as for an action that is not offered
    assert "delete_selected" not in lead_client.get(changelist(ticket)).context["action_form"].fields["action"].choices
    assert type(ticket).objects.filter(pk=ticket.pk).exists()


def test_an_administrators_delete_is_in_history_naming_them(client, administrator, incident):
    client.force_login(administrator)
    response = client.post(delete_url(incident), {"post": "yes"})

    assert response.status_code == 302
    assert not IncidentTicket.objects.exists() and not TicketNote.objects.exists()
    record = IncidentTicket.history.filter(id=incident.pk).latest("history_date")
    assert (record.history_type, record.history_user, record.history_change_reason) == ("-", administrator, DELETED)
    note_record = TicketNote.history.filter(history_type="-").get()
    assert (note_record.history_user, note_record.history_change_reason) == (administrator, DELETED)
    entry = ActivityEntry.objects.get(
        content_type=ContentType.objects.get_for_model(IncidentTicket), history_id=record.history_id
    )
    assert (entry.user, entry.change_reason, entry.request_id) == (administrator, DELETED, record.request_id)


def test_an_administrators_bulk_delete_goes_through_the_service_ticket_by_ticket(
    client, administrator, service_ticket, mcr, alex
):
    other = service_ticket_create(title="Fix door", facility=mcr, requested_by=alex, by=alex)
    client.force_login(administrator)
    response = client.post(
        changelist(service_ticket),
        {"action": "delete_selected", "_selected_action": [service_ticket.pk, other.pk], "post": "yes"},
    )

    assert response.status_code == 302
    assert not ServiceTicket.objects.exists()
    deleted = ServiceTicket.history.filter(history_type="-").order_by("id")
    assert [(row.id, row.history_user) for row in deleted] == [
        (service_ticket.pk, administrator),
        (other.pk, administrator),
    ]


def test_the_delete_services_refuse_everyone_but_administrators(
    incident, service_ticket, supervisor, administrator, alex
):
    with pytest.raises(PermissionDenied) as refused:
        incident_delete(incident=incident, by=supervisor)
    assert str(refused.value) == (
        f"Only an administrator can delete {incident.reference}; cancel or close it through its workflow instead."
    )
    with pytest.raises(PermissionDenied):
        service_ticket_delete(ticket=service_ticket, by=supervisor)
    assert IncidentTicket.objects.exists() and ServiceTicket.objects.exists()

    spent = TimeEntryFactory(user=alex, activity=Activity.INCIDENT, incident=incident, minutes=30)
    incident_delete(incident=incident, by=administrator, reason="Logged twice")
    service_ticket_delete(ticket=service_ticket, by=system_user())
    record = IncidentTicket.history.filter(history_type="-").get()
    assert (record.history_user, record.history_change_reason) == (administrator, "Logged twice")
    assert ServiceTicket.history.filter(history_type="-").get().history_user == system_user()
    spent.refresh_from_db()
    assert spent.incident is None, "the time spent stays, without its link"
    unlinked = spent.history.first()
    assert (unlinked.incident_id, unlinked.history_user, unlinked.history_change_reason) == (
        None,
        administrator,
        "Logged twice",
    )


def test_a_ticket_others_point_to_is_not_deleted_and_the_refusal_says_which(incident, administrator, outage, mcr, alex):
    duplicate = incident_at(
        IncidentStatus.DUPLICATE, incident_type=outage, facility=mcr, reporter=alex, survivor=incident
    )
    with pytest.raises(ValidationError) as refused:
        incident_delete(incident=incident, by=administrator)
    assert refused.value.messages == [f"{incident} cannot be deleted: incident tickets still refer to it."]
    assert IncidentTicket.objects.count() == 2 and duplicate.duplicate_of == incident
    assert TicketNote.objects.filter(incident=incident).exists(), "its notes are kept with it"
