"""Who sees which tickets and notes: the locations one covers, one's own and assigned tickets, tickets shared;
and the order of urgency."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.utils import timezone
from guardian.shortcuts import assign_perm

from apps.core.actors import system_user
from apps.core.roles import Role
from apps.tickets.choices import IncidentStatus, Severity
from apps.tickets.models import IncidentTicket
from apps.tickets.selectors import (
    incident_types_list,
    incidents_by_urgency,
    incidents_visible_to,
    service_tickets_visible_to,
    ticket_notes_visible_to,
)
from apps.tickets.services import incident_create
from tests.conftest import cover
from tests.factories import (
    FacilityFactory,
    IncidentTicketFactory,
    IncidentTypeFactory,
    LocationFactory,
    ServiceTicketFactory,
    TicketNoteFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def man_studio(db):
    """A facility in Manchester, outside London HQ (which the `supervisor` fixture covers)."""
    return FacilityFactory(code="MAN-STU1", name="Studio M", location=LocationFactory(code="MAN", name="Manchester"))


@pytest.fixture
def tickets(alex, sam, mcr, man_studio):
    """Alex reported one incident and is assigned another; Sam has the rest. Some at mcr (London), some not."""
    return {
        "reported by alex": IncidentTicketFactory(title="reported by alex", reporter=alex, facility=mcr),
        "assigned to alex": IncidentTicketFactory(
            title="assigned to alex", reporter=sam, assignee=alex, facility=man_studio
        ),
        "sam's": IncidentTicketFactory(title="sam's", reporter=sam, assignee=sam, facility=mcr),
        "requested by alex": ServiceTicketFactory(title="requested by alex", requested_by=alex, facility=mcr),
        "srv assigned to alex": ServiceTicketFactory(
            title="srv assigned to alex", requested_by=sam, assignee=alex, facility=man_studio
        ),
        "sam's request": ServiceTicketFactory(title="sam's request", requested_by=sam, facility=man_studio),
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


def console_user(role: Role):
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


@pytest.mark.parametrize("through", ["person", "role"])
@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.AUDITOR])
def test_console_roles_see_the_tickets_and_notes_of_the_locations_they_cover(tickets, london_hq, role, through):
    viewer = console_user(role)
    cover(viewer if through == "person" else viewer.groups.get(), london_hq)
    at_london = TicketNoteFactory(incident=tickets["sam's"])
    on_london_request = TicketNoteFactory(incident=None, service_ticket=tickets["requested by alex"])
    TicketNoteFactory(incident=tickets["assigned to alex"])  # in Manchester
    TicketNoteFactory(incident=None, service_ticket=tickets["sam's request"])  # in Manchester

    assert titles(incidents_visible_to(user=viewer)) == {"reported by alex", "sam's"}
    assert titles(service_tickets_visible_to(user=viewer)) == {"requested by alex"}
    assert set(ticket_notes_visible_to(user=viewer)) == {at_london, on_london_request}


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.AUDITOR])
def test_console_roles_covering_nothing_see_their_own_and_shared_tickets_only(tickets, man_studio, role):
    viewer = console_user(role)
    own = IncidentTicketFactory(title="reported by the viewer", reporter=viewer, facility=man_studio)
    assign_perm("tickets.view_incidentticket", viewer, tickets["assigned to alex"])  # shared with them
    assign_perm("tickets.view_serviceticket", viewer.groups.get(), tickets["sam's request"])  # with their role
    note = TicketNoteFactory(incident=own)
    on_shared = TicketNoteFactory(incident=tickets["assigned to alex"])
    TicketNoteFactory(incident=tickets["sam's"])

    assert titles(incidents_visible_to(user=viewer)) == {"reported by the viewer", "assigned to alex"}
    assert titles(service_tickets_visible_to(user=viewer)) == {"sam's request"}
    assert set(ticket_notes_visible_to(user=viewer)) == {note, on_shared}


def test_administrators_see_every_ticket_and_note(tickets):
    viewer = console_user(Role.ADMINISTRATOR)
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


def test_incidents_by_urgency_is_the_sla_state_then_severity_then_the_running_deadline(outage, mcr, alex):
    """The one definition of urgency (the console's list and queues use it)."""

    def incident(title, severity, minutes_ago, **fields):
        made = incident_create(
            title=title, incident_type=outage, facility=mcr, reporter=alex, severity=severity,
            occurred_at=timezone.now() - timedelta(minutes=minutes_ago), by=system_user(),
        )  # fmt: skip
        IncidentTicket.objects.filter(pk=made.pk).update(**fields)
        return title

    now = timezone.now()
    finished = incident("Finished SEV1", Severity.SEV1, 20, status=IncidentStatus.RESOLVED, resolved_at=now)
    calm_sev1 = incident("Calm SEV1", Severity.SEV1, 1)  # responding due in 6.5 min: on track
    calm_sev4 = incident("Calm SEV4", Severity.SEV4, 1)
    soon_sev3 = incident("At risk SEV3", Severity.SEV3, 25)  # 5 min left of 30: at risk
    late_sev4 = incident("Breached SEV4", Severity.SEV4, 90)  # responding was due after 60 min

    ordered = [ticket.title for ticket in incidents_by_urgency(IncidentTicket.objects.all(), now=timezone.now())]

    assert ordered == [late_sev4, soon_sev3, calm_sev1, calm_sev4, finished]
