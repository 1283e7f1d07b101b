"""Ticket services: references, SLA on create, editing rules, notes, history."""

from datetime import timedelta
from functools import partial

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

import apps.tickets.services as services
from apps.core.actors import system_user
from apps.core.models import ReferenceCounter
from apps.core.saving import instance_validate
from apps.scheduling.choices import EventKind
from apps.tickets import rules
from apps.tickets.choices import IncidentStatus, ServicePriority, ServiceStatus, Severity
from apps.tickets.models import IncidentTicket, ServiceTicket, TicketNote
from apps.tickets.rules import incident_validate
from apps.tickets.services import (
    incident_create,
    incident_update,
    service_ticket_create,
    service_ticket_update,
    ticket_note_add,
)
from tests.factories import (
    FacilityFactory,
    IncidentTicketFactory,
    IncidentTypeFactory,
    LocationFactory,
    ScheduledEventFactory,
    ServiceTicketFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(outage, mcr, alex, an_hour_ago):
    """incident_create with sensible defaults; keyword arguments override them."""

    def report(**overrides):
        values = {
            "title": "Audio drop on channel 1",
            "incident_type": outage,
            "facility": mcr,
            "reporter": alex,
            "occurred_at": an_hour_ago,
            "by": system_user(),
        }
        return incident_create(**(values | overrides))

    return report


def counter(prefix: str) -> int:
    row = ReferenceCounter.objects.filter(prefix=prefix).first()
    return row.last_value if row else 0


# --- creating incidents -----------------------------------------------------------------------


def test_create_opens_a_new_ticket_at_the_types_default_severity_with_due_times(
    report, outage, an_hour_ago, supervisor
):
    incident = report(by=supervisor)  # the supervisor covers London HQ, where mcr is

    incident.refresh_from_db()
    assert incident.reference == "INC-000001"
    assert incident.status == IncidentStatus.NEW
    assert incident.severity == outage.default_severity == Severity.SEV3
    assert incident.response_due_at == an_hour_ago + timedelta(minutes=30)
    assert incident.resolve_due_at == an_hour_ago + timedelta(hours=4)
    record = incident.history.get()
    assert (record.history_type, record.history_user, record.history_change_reason) == ("+", supervisor, "Reported")


def test_an_explicit_severity_wins_over_the_types_default(report, an_hour_ago):
    incident = report(severity=Severity.SEV2)
    assert incident.severity == Severity.SEV2
    assert incident.response_due_at == an_hour_ago + timedelta(minutes=15)


def test_references_are_sequential_and_per_kind(report, mcr, alex):
    assert [report().reference for _ in range(3)] == ["INC-000001", "INC-000002", "INC-000003"]
    srv = service_ticket_create(title="Replace lamp", facility=mcr, requested_by=alex, by=system_user())
    assert srv.reference == "SRV-000001"


def test_a_refused_create_takes_no_number(report, monkeypatch):
    """Every rule is checked before the counter is touched: its row stays locked only for the save itself."""
    assert report().reference == "INC-000001"
    allocate, allocated = services.reference_allocate, []

    def spy(**kwargs):
        allocated.append(allocate(**kwargs))
        return allocated[-1]

    monkeypatch.setattr(services, "reference_allocate", spy)
    with pytest.raises(ValidationError) as error:
        report(title="")

    assert error.value.message_dict == {"title": ["This field cannot be blank."]}
    assert allocated == [] and counter("INC") == 1
    assert report().reference == "INC-000002"
    assert IncidentTicket.objects.count() == 2


def test_a_create_that_fails_at_save_gives_its_number_back(report, monkeypatch):
    allocate, allocated = services.reference_allocate, []

    def spy(**kwargs):
        allocated.append(allocate(**kwargs))
        return allocated[-1]

    def broken_save(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "reference_allocate", spy)
    monkeypatch.setattr(services, "instance_save", broken_save)
    with pytest.raises(RuntimeError):
        report()
    monkeypatch.undo()

    assert allocated == ["INC-000001"], "the number was taken inside the service's transaction..."
    assert counter("INC") == 0, "...and given back when it rolled back"
    assert report().reference == "INC-000001"


def test_create_names_every_broken_rule_at_once(report, outage):
    outage.is_active = False
    outage.save()
    with pytest.raises(ValidationError) as error:
        report(title="", occurred_at=timezone.now() + timedelta(hours=1), severity="SEV9")
    assert error.value.message_dict == {
        "title": ["This field cannot be blank."],
        "severity": ["Value 'SEV9' is not a valid choice."],
        "incident_type": ["“Outage” is no longer in use; pick an active incident type."],
        "occurred_at": ["An incident cannot have occurred in the future."],
    }
    assert not IncidentTicket.objects.exists()


def test_validating_without_writing_is_incident_validate_and_full_clean(outage, mcr, alex, an_hour_ago):
    """The one way to check without writing (the console's forms do it): nothing saved, no number taken."""
    incident = IncidentTicket(
        reference=rules.NEW_REFERENCE,
        title="Audio drop",
        incident_type=outage,
        facility=mcr,
        reporter=alex,
        occurred_at=an_hour_ago,
    )
    rules.incident_fill_defaults(incident=incident)
    instance_validate(instance=incident, validate=partial(incident_validate, incident=incident))

    incident.title, incident.occurred_at = "", timezone.now() + timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        instance_validate(instance=incident, validate=partial(incident_validate, incident=incident))
    assert error.value.message_dict == {
        "occurred_at": ["An incident cannot have occurred in the future."],
        "title": ["This field cannot be blank."],
    }
    assert not IncidentTicket.objects.exists()
    assert counter("INC") == 0


# --- editing incidents ------------------------------------------------------------------------


def test_update_changes_plain_fields_and_records_who(report, supervisor):
    incident = report()
    returned = incident_update(incident=incident, title="Audio drop, both channels", off_air_seconds=90, by=supervisor)

    assert returned is incident
    incident.refresh_from_db()
    assert (incident.title, incident.off_air_seconds) == ("Audio drop, both channels", 90)
    assert incident.history.first().history_user == supervisor


def test_only_someone_who_can_see_a_ticket_changes_it(report, sam):
    """sam is staff: not the ticket's reporter nor its assignee, and covers no location."""
    incident = report()
    with pytest.raises(PermissionDenied, match="INC-000001 is not a ticket you can see."):
        incident_update(incident=incident, title="Mine now", by=sam)
    assert IncidentTicket.objects.get().title == "Audio drop on channel 1"


def test_an_edit_that_changes_nothing_writes_nothing(report):
    incident = report()
    updated_at = incident.updated_at
    incident_update(
        incident=incident, title=incident.title, facility=incident.facility, severity="SEV3", by=system_user()
    )
    assert incident.history.count() == 1
    assert IncidentTicket.objects.get().updated_at == updated_at


def test_a_closed_ticket_cannot_be_edited(report):
    incident = report()
    IncidentTicket.objects.filter(pk=incident.pk).update(
        status=IncidentStatus.CLOSED, resolved_at=timezone.now(), closed_at=timezone.now()
    )
    with pytest.raises(ValidationError) as error:
        incident_update(incident=incident, title="Something else", by=system_user())
    assert error.value.messages == ["INC-000001 is closed; reopen it to change it."]
    incident.refresh_from_db()
    assert incident.title == "Audio drop on channel 1"


def test_update_refuses_workflow_fields_and_rejects_typos(report):
    incident = report()
    with pytest.raises(ValidationError) as error:
        incident_update(
            incident=incident, status=IncidentStatus.RESOLVED, response_due_at=timezone.now(), by=system_user()
        )
    assert set(error.value.message_dict) == {"status", "response_due_at"}
    assert error.value.message_dict["status"] == [rules.STATUS_BY_WORKFLOW[IncidentTicket]]
    assert error.value.message_dict["response_due_at"] == [
        "Response due at cannot be edited directly; the portal sets it, or the ticket workflow changes it."
    ]
    with pytest.raises(TypeError, match="no field 'titel'"):
        incident_update(incident=incident, titel="typo", by=system_user())


def test_update_works_on_the_stored_row_not_a_stale_copy(report):
    stale = report()
    IncidentTicket.objects.filter(pk=stale.pk).update(status=IncidentStatus.IN_PROGRESS)

    incident_update(incident=stale, title="Edited from an old page", by=system_user())

    fresh = IncidentTicket.objects.get(pk=stale.pk)
    assert (fresh.status, fresh.title) == (IncidentStatus.IN_PROGRESS, "Edited from an old page")
    assert stale.status == IncidentStatus.IN_PROGRESS, "the caller's object is brought up to date"


def test_moving_the_start_after_the_resolution_is_refused(report, an_hour_ago):
    incident = report()
    IncidentTicket.objects.filter(pk=incident.pk).update(
        status=IncidentStatus.RESOLVED, resolved_at=an_hour_ago + timedelta(minutes=10)
    )
    with pytest.raises(ValidationError) as error:
        incident_update(incident=incident, occurred_at=an_hour_ago + timedelta(minutes=30), by=system_user())
    assert error.value.messages == ["An incident cannot be resolved before it occurred."]


def test_keeping_a_retired_type_is_fine_but_switching_to_one_is_not(report, outage):
    incident = report()
    outage.is_active = False
    outage.save()
    incident_update(incident=incident, title="Still an outage", by=system_user())  # unchanged type: no complaint

    retired = IncidentTypeFactory(code="legacy", name="Legacy", is_active=False)
    with pytest.raises(ValidationError) as error:
        incident_update(incident=incident, incident_type=retired, by=system_user())
    assert error.value.message_dict == {
        "incident_type": ["“Legacy” is no longer in use; pick an active incident type."]
    }


def test_a_ticket_without_due_times_gets_them_on_its_next_edit(outage):
    imported = IncidentTicketFactory(incident_type=outage, response_due_at=None, resolve_due_at=None)
    incident_update(incident=imported, title="Imported without clocks", by=system_user())
    assert imported.response_due_at == imported.occurred_at + timedelta(minutes=30)


# --- service tickets --------------------------------------------------------------------------


def test_service_ticket_create_and_update(mcr, alex, sam, supervisor, root):
    ticket = service_ticket_create(
        title="Replace lamp in studio 2", facility=mcr, requested_by=alex, priority=ServicePriority.HIGH, by=supervisor
    )
    assert (ticket.reference, ticket.status, ticket.history.get().history_user) == ("SRV-000001", "open", supervisor)

    service_ticket_update(ticket=ticket, assignee=sam, due_on=timezone.localdate(), by=root)
    ticket.refresh_from_db()
    assert ticket.assignee == sam
    assert ticket.history.first().history_user == root

    with pytest.raises(ValidationError) as error:
        service_ticket_update(ticket=ticket, status=ServiceStatus.DONE, by=system_user())
    assert set(error.value.message_dict) == {"status"}
    with pytest.raises(ValidationError) as error:
        service_ticket_create(title="x", facility=mcr, requested_by=alex, priority="whenever", by=system_user())
    assert error.value.message_dict == {"priority": ["Value 'whenever' is not a valid choice."]}
    assert ServiceTicket.objects.count() == 1


# --- notes ------------------------------------------------------------------------------------


def test_notes_go_on_either_kind_of_ticket(report, sam):
    incident = report()
    service_ticket = ServiceTicketFactory()

    on_incident = ticket_note_add(ticket=incident, by=sam, text="  Restarted the encoder.  ")
    on_service = ticket_note_add(ticket=service_ticket, by=sam, text="Lamp ordered.")

    assert (on_incident.incident, on_incident.service_ticket, on_incident.text) == (
        incident,
        None,
        "Restarted the encoder.",
    )
    assert (on_service.incident, on_service.service_ticket) == (None, service_ticket)
    assert on_incident.history.get().history_user == sam


@pytest.mark.parametrize("text", ["", "   \n "])
def test_a_note_without_text_is_refused(report, sam, text):
    with pytest.raises(ValidationError) as error:
        ticket_note_add(ticket=report(), by=sam, text=text)
    assert error.value.message_dict == {"text": ["A note needs some text."]}
    assert not TicketNote.objects.exists()


def test_a_note_needs_a_saved_ticket(sam):
    with pytest.raises(ValidationError, match="Save the ticket"):
        ticket_note_add(ticket=IncidentTicket(), by=sam, text="Hello")
    with pytest.raises(TypeError):
        ticket_note_add(ticket=sam, by=sam, text="Hello")


# --- location scope -----------------------------------------------------------------------------------------------

OUTSIDE = ["Salford Quays (SAL) is outside the locations you cover."]


@pytest.fixture
def salford_studio(db):
    """A facility outside London HQ, the one location the `supervisor` fixture covers."""
    return FacilityFactory(code="SAL-STU1", name="Studio S", location=LocationFactory(code="SAL", name="Salford Quays"))


def test_an_incident_is_not_opened_at_or_moved_to_a_location_outside_the_callers_cover(
    report, supervisor, alex, sam, root, salford_studio
):
    with pytest.raises(ValidationError) as error:
        report(facility=salford_studio, by=supervisor)
    assert error.value.message_dict == {"facility": OUTSIDE}
    with pytest.raises(ValidationError) as error:
        report(by=sam)  # reporting for someone else needs cover of the place, and of the person
    assert error.value.message_dict == {
        "facility": ["London HQ (LON-HQ) is outside the locations you cover."],
        "reporter": ["Alex Doe is not one of the people of your locations."],
    }
    report(facility=salford_studio, by=alex).delete()  # whoever reports may do so where it happened
    assert counter("INC") == 1, "a refused ticket takes no reference"

    incident = report(by=supervisor)
    with pytest.raises(ValidationError) as error:
        incident_update(incident=incident, facility=salford_studio, by=supervisor)
    assert error.value.message_dict == {"facility": OUTSIDE}
    incident.refresh_from_db()
    assert incident.facility.code == "LON-MCR1"

    incident_update(incident=incident, facility=salford_studio, by=root)  # administrators put tickets anywhere
    with pytest.raises(PermissionDenied):  # moved out of the supervisor's locations, it is no longer theirs
        incident_update(incident=incident, title="Still dropping audio", by=supervisor)
    assert report(facility=salford_studio, by=system_user()).facility == salford_studio  # commands and tasks
    with pytest.raises(PermissionDenied, match="must name who makes it"):
        report(facility=salford_studio, by=None)  # nobody is not the system: it fails closed


def test_a_ticket_names_only_people_and_windows_its_writer_can_see(report, mcr, alex, supervisor, salford_studio):
    """As the forms' choices have it; an unchanged value is kept, whoever it is."""
    stranger = UserFactory(first_name="Sal", last_name="Ford", home_location=salford_studio.location)
    elsewhere = ScheduledEventFactory(title="Salford window", kind=EventKind.MAINTENANCE, facility=salford_studio)
    with pytest.raises(ValidationError) as error:
        report(reporter=stranger, assignee=stranger, by=supervisor)
    assert error.value.message_dict == {
        "reporter": ["Sal Ford is not one of the people of your locations."],
        "assignee": ["Sal Ford is not one of the people of your locations."],
    }
    incident = report(reporter=stranger, by=system_user())
    incident_update(incident=incident, title="Renamed, reporter kept", by=supervisor)
    with pytest.raises(ValidationError) as error:
        incident_update(incident=incident, assignee=stranger, by=supervisor)
    assert error.value.message_dict == {"assignee": ["Sal Ford is not one of the people of your locations."]}

    with pytest.raises(ValidationError) as error:
        service_ticket_create(
            title="Lamp", facility=mcr, requested_by=stranger, scheduled_event=elsewhere, by=supervisor
        )
    assert error.value.message_dict == {
        "requested_by": ["Sal Ford is not one of the people of your locations."],
        "scheduled_event": [
            f"“{elsewhere}” is not an event you can see.",
            f"“{elsewhere}” is at Salford Quays (SAL), not at London HQ (LON-HQ).",
        ],
    }
    assert not ServiceTicket.objects.exists()


def test_a_service_ticket_is_not_requested_at_or_moved_to_a_location_outside_the_callers_cover(
    mcr, alex, supervisor, salford_studio
):
    with pytest.raises(ValidationError) as error:
        service_ticket_create(title="Lamp", facility=salford_studio, requested_by=alex, by=supervisor)
    assert error.value.message_dict == {"facility": OUTSIDE}

    ticket = service_ticket_create(title="Lamp", facility=mcr, requested_by=alex, by=supervisor)
    with pytest.raises(ValidationError) as error:
        service_ticket_update(ticket=ticket, facility=salford_studio, by=supervisor)
    assert error.value.message_dict == {"facility": OUTSIDE}
    assert ServiceTicket.objects.get().facility == mcr
