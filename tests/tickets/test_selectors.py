"""Who sees which tickets and notes: console roles all, everyone else their own and their assigned."""

import pytest
from django.contrib.auth.models import AnonymousUser, Group

from apps.core.roles import Role
from apps.tickets.selectors import (
    incident_types_list,
    incidents_visible_to,
    service_tickets_visible_to,
    ticket_notes_visible_to,
)
from tests.factories import (
    IncidentTicketFactory,
    IncidentTypeFactory,
    ServiceTicketFactory,
    TicketNoteFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def tickets(alex, sam):
    """Alex reported one incident and is assigned another; Sam has the rest."""
    return {
        "reported by alex": IncidentTicketFactory(title="reported by alex", reporter=alex),
        "assigned to alex": IncidentTicketFactory(title="assigned to alex", reporter=sam, assignee=alex),
        "sam's": IncidentTicketFactory(title="sam's", reporter=sam, assignee=sam),
        "requested by alex": ServiceTicketFactory(title="requested by alex", requested_by=alex),
        "srv assigned to alex": ServiceTicketFactory(title="srv assigned to alex", requested_by=sam, assignee=alex),
        "sam's request": ServiceTicketFactory(title="sam's request", requested_by=sam),
    }


def titles(queryset) -> set[str]:
    return set(queryset.values_list("title", flat=True))


def test_staff_see_the_tickets_they_reported_or_are_assigned(alex, tickets, django_assert_num_queries):
    assert titles(incidents_visible_to(user=alex)) == {"reported by alex", "assigned to alex"}
    assert titles(service_tickets_visible_to(user=alex)) == {"requested by alex", "srv assigned to alex"}
    with django_assert_num_queries(1):  # the role check is cached on the user: one query, scoped in SQL
        rows = list(incidents_visible_to(user=alex))
        assert {row.facility.code for row in rows}  # list columns come with the rows


def test_staff_see_the_notes_on_those_tickets_only(alex, sam, tickets):
    mine = TicketNoteFactory(incident=tickets["assigned to alex"], text="on alex's incident")
    TicketNoteFactory(incident=tickets["sam's"], text="on sam's incident")
    on_request = TicketNoteFactory(incident=None, service_ticket=tickets["requested by alex"], text="on alex's request")
    TicketNoteFactory(incident=None, service_ticket=tickets["sam's request"], text="on sam's request")

    assert set(ticket_notes_visible_to(user=alex)) == {mine, on_request}


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.ADMINISTRATOR, Role.AUDITOR])
def test_console_roles_see_every_ticket_and_note(tickets, role):
    viewer = UserFactory()
    viewer.groups.add(Group.objects.get_or_create(name=role)[0])
    TicketNoteFactory(incident=tickets["sam's"])

    assert incidents_visible_to(user=viewer).count() == 3
    assert service_tickets_visible_to(user=viewer).count() == 3
    assert ticket_notes_visible_to(user=viewer).count() == 1


def test_superusers_see_everything(root, tickets):
    assert incidents_visible_to(user=root).count() == 3


def test_anonymous_and_deactivated_users_see_nothing(alex, tickets):
    alex.is_active = False
    for user in (AnonymousUser(), alex):
        assert not incidents_visible_to(user=user).exists()
        assert not service_tickets_visible_to(user=user).exists()
        assert not ticket_notes_visible_to(user=user).exists()


def test_incident_types_are_reference_data():
    IncidentTypeFactory(name="Outage")
    IncidentTypeFactory(name="Retired", is_active=False)
    assert [t.name for t in incident_types_list()] == ["Outage", "Retired"]
    assert [t.name for t in incident_types_list(active_only=True)] == ["Outage"]
