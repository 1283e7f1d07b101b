"""Ticket triage from the console, through real HTTP: every workflow step as a changelist action (on a mix of
tickets, some of which the workflow refuses) and as an action on a ticket's page, their forms, who may use them,
and one request id for everything one action writes."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from guardian.shortcuts import assign_perm

from apps.core.actors import system_user
from apps.core.roles import Role
from apps.tickets.choices import IncidentStatus
from apps.tickets.models import IncidentTicket, TicketNote
from apps.tickets.services import incident_create, ticket_note_add
from tests.conftest import cover
from tests.factories import FacilityFactory, LocationFactory, ShiftFactory, UserFactory
from tests.tickets.admin_steps import FORM, INCIDENTS, change_url, detail_url, messages_of, offered_steps, run_bulk
from tests.tickets.html_forms import form_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("roles")]


@pytest.fixture
def studio(mcr):
    return FacilityFactory(code="LON-STU2", name="Studio 2", location=mcr.location)


@pytest.fixture
def make(outage, mcr, alex):
    """An incident opened an hour ago through the service, then put at `status` with that status's timestamps."""

    def build(status=IncidentStatus.NEW, *, facility=mcr, **fields):
        incident = incident_create(
            title=f"Fault ({status})",
            incident_type=outage,
            facility=facility,
            reporter=alex,
            occurred_at=timezone.now() - timedelta(hours=1),
            by=system_user(),
        )
        moment = timezone.now() - timedelta(minutes=30)
        changes = {"status": status, **fields}
        if status != IncidentStatus.NEW:
            changes.setdefault("acknowledged_at", moment)
        if status == IncidentStatus.ON_HOLD:
            changes["on_hold_since"] = moment
        if status in (IncidentStatus.RESOLVED, IncidentStatus.CLOSED):
            changes.update(resolved_at=moment, resolution="Swapped the encoder")
        if status == IncidentStatus.CLOSED:
            changes["closed_at"] = moment
        IncidentTicket.objects.filter(pk=incident.pk).update(**changes)
        incident.refresh_from_db()
        return incident

    return build


# --- incidents, in bulk from the list --------------------------------------------------------------------------------


def test_bulk_resolve_asks_for_the_resolution_then_resolves_what_it_can_and_says_why_it_skipped_the_rest(
    lead_client, supervisor, make
):
    working, triaged, closed = (make(status) for status in ("in_progress", "triaged", "closed"))
    selected = {"action": "resolve", "index": "0", "_selected_action": [working.pk, triaged.pk, closed.pk]}

    page = lead_client.post(INCIDENTS, selected)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Resolve: 3 tickets" in html and "INC-000003" in html and 'name="resolution"' in html

    response = lead_client.post(
        INCIDENTS, form_data(page, FORM) | {"resolution": "Swapped the exciter", "off_air_minutes": "3"}
    )

    assert response.status_code == 302
    assert messages_of(lead_client) == [
        "Resolved 2 tickets: INC-000001, INC-000002.",
        "INC-000003 skipped: INC-000003 is “Closed”: only a ticket that is “Triaged” or “In progress” or “On hold” "
        "can be resolved.",
    ]
    for incident in (working, triaged):
        incident.refresh_from_db()
        assert (incident.status, incident.resolution, incident.off_air_seconds) == (
            "resolved",
            "Swapped the exciter",
            180,
        )
    closed.refresh_from_db()
    assert (closed.status, closed.resolution) == (IncidentStatus.CLOSED, "Swapped the encoder")
    # one action, one request: every row it wrote carries the request's id, and says what was done
    rows = IncidentTicket.history.filter(request_id=response["X-Request-ID"])
    assert sorted(row.id for row in rows) == sorted([working.pk, triaged.pk])
    assert {row.history_change_reason for row in rows} == {"Console action: Resolve…; Resolved"}
    assert {row.history_user for row in rows} == {supervisor}


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"resolution": "  "}, "This field is required."),
        ({"resolution": "Fixed", "off_air_minutes": "-5"}, "Ensure this value is greater than or equal to 0."),
    ],
)
def test_a_bad_bulk_form_shows_its_error_and_writes_nothing(lead_client, make, fields, error):
    incident = make(IncidentStatus.IN_PROGRESS)

    response = run_bulk(lead_client, INCIDENTS, "resolve", [incident], **fields)

    assert response.status_code == 200
    html = response.content.decode()
    assert error in html and f'id="{FORM}"' in html
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.IN_PROGRESS
    assert not IncidentTicket.history.filter(id=incident.pk, history_change_reason__contains="Resolve").exists()


@pytest.mark.parametrize(
    ("action", "fields", "before", "after", "refused", "reported"),
    [
        ("acknowledge", {}, "new", "triaged", "in_progress", "Acknowledged 1 ticket: INC-000001."),
        ("start", {}, "triaged", "in_progress", "resolved", "Started work on 1 ticket: INC-000001."),
        ("hold", {}, "in_progress", "on_hold", "new", "Put 1 ticket on hold: INC-000001."),
        ("resume", {}, "on_hold", "in_progress", "triaged", "Resumed work on 1 ticket: INC-000001."),
        ("close", {}, "resolved", "closed", "in_progress", "Closed 1 ticket: INC-000001."),
        ("reopen", {"reason": "It came back"}, "closed", "in_progress", "new", "Reopened 1 ticket: INC-000001."),
        ("assign_to_me", {}, "new", "triaged", "closed", "Assigned 1 ticket to you: INC-000001."),
        ("set_severity", {"severity": "SEV1"}, "new", "new", "resolved", "Changed the severity of 1 ticket to SEV1:"),
        ("add_note", {"text": "Vendor on site"}, "on_hold", "on_hold", "closed", "Added a note to 1 ticket:"),
    ],
)
def test_every_incident_step_runs_in_bulk_and_skips_the_tickets_it_cannot_take(
    lead_client, make, action, fields, before, after, refused, reported
):
    done, skipped = make(before), make(refused)

    response = run_bulk(lead_client, INCIDENTS, action, [done, skipped], **fields)

    assert response.status_code == 302, response.content.decode()[:2000]
    shown = messages_of(lead_client)
    assert shown[0].startswith(reported)
    assert len(shown) == 2 and shown[1].startswith("INC-000002 skipped: ")
    done.refresh_from_db()
    skipped.refresh_from_db()
    assert (done.status, skipped.status) == (after, refused)


def test_bulk_steps_with_people_and_tickets_to_pick(lead_client, supervisor, make, alex, mcr, studio):
    # assign to…: Alex is based at London HQ, which the supervisor covers
    new, closed = make(), make(IncidentStatus.CLOSED)
    run_bulk(lead_client, INCIDENTS, "assign_to", [new, closed], assignee=alex.pk)
    assert messages_of(lead_client)[0] == "Assigned 1 ticket to Alex Doe: INC-000001."
    new.refresh_from_db()
    assert (new.assignee, new.status) == (alex, IncidentStatus.TRIAGED)

    # on call: Alex is on a published shift at master control now; nobody is at Studio 2
    now = timezone.now()
    ShiftFactory(
        user=alex,
        facility=mcr,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=7),
        status="published",
    )
    mcr_ticket, studio_ticket = make(), make(facility=studio)
    run_bulk(lead_client, INCIDENTS, "assign_on_call", [mcr_ticket, studio_ticket])
    shown = messages_of(lead_client)
    assert shown[0] == "Assigned 1 ticket to whoever is on call: INC-000003 (Alex Doe)."
    assert shown[1].startswith("INC-000004 skipped: Nobody is on a published shift at Studio 2 (LON-STU2) now")

    # duplicate of…: the notes of each duplicate move to the survivor; the survivor itself is skipped
    survivor, copy = make(IncidentStatus.TRIAGED), make()
    ticket_note_add(ticket=copy, by=alex, text="Seen on the gallery monitor.")
    response = run_bulk(lead_client, INCIDENTS, "mark_duplicate", [copy, survivor], duplicate_of=survivor.pk)
    shown = messages_of(lead_client)
    assert shown == [
        f"Marked 1 ticket duplicate of {survivor.reference}: {copy.reference}.",
        f"{survivor.reference} skipped: A ticket cannot be a duplicate of itself.",
    ]
    copy.refresh_from_db()
    assert (copy.status, copy.duplicate_of) == (IncidentStatus.DUPLICATE, survivor)
    assert "Seen on the gallery monitor." in survivor.notes.values_list("text", flat=True)
    # the ticket, the note moved and the two notes naming each other: all one request
    request_id = response["X-Request-ID"]
    assert IncidentTicket.history.filter(request_id=request_id).count() == 1
    assert TicketNote.history.filter(request_id=request_id).count() == 3


def test_the_pickers_offer_only_the_people_and_tickets_in_scope(lead_client, make, alex):
    stranger = UserFactory(username="stranger", home_location=LocationFactory(code="FAR"))
    retired = UserFactory(username="retired", home_location=alex.home_location, is_active=False)
    incident = make()
    for person in (stranger, retired):
        response = run_bulk(lead_client, INCIDENTS, "assign_to", [incident], assignee=person.pk)
        assert response.status_code == 200
        assert "Pick an active person of the locations you cover." in response.content.decode()

    elsewhere = FacilityFactory(code="FAR-STU", location=stranger.home_location)
    hidden = make(facility=elsewhere)  # made through the service; the supervisor does not cover FAR
    response = run_bulk(lead_client, INCIDENTS, "mark_duplicate", [incident], duplicate_of=hidden.pk)
    assert "Pick an incident you can see." in response.content.decode()
    incident.refresh_from_db()
    assert (incident.status, incident.assignee) == (IncidentStatus.NEW, None)


# --- incidents, on their own page ------------------------------------------------------------------------------------


INCIDENT_STEPS = (
    "assign_to_me", "assign_to", "assign_on_call", "set_severity", "acknowledge", "start", "hold", "resume", "resolve",
    "close", "reopen", "mark_duplicate", "add_note",
)  # fmt: skip


def offered_on_page(client, ticket, steps=INCIDENT_STEPS) -> set[str]:
    return offered_steps(client, ticket, steps)


def test_a_ticket_page_offers_the_steps_the_workflow_allows_now(lead_client, make):
    assert offered_on_page(lead_client, make()) == {
        "acknowledge", "start", "assign_to_me", "assign_to", "assign_on_call", "set_severity", "mark_duplicate",
        "add_note",
    }  # fmt: skip
    assert offered_on_page(lead_client, make(IncidentStatus.ON_HOLD)) >= {"resume", "resolve", "mark_duplicate"}
    assert offered_on_page(lead_client, make(IncidentStatus.RESOLVED)) == {"close", "reopen", "add_note"}

    # a closed ticket is read-only, and yet its page offers "Reopen…" (and nothing else)
    closed = make(IncidentStatus.CLOSED)
    assert 'name="_save"' not in lead_client.get(change_url(closed)).content.decode()
    assert offered_on_page(lead_client, closed) == {"reopen"}


def test_a_step_on_a_ticket_page_shows_its_form_then_applies_it(lead_client, supervisor, make):
    incident = make(IncidentStatus.IN_PROGRESS)
    page = lead_client.get(detail_url(incident, "resolve"))
    assert page.status_code == 200
    assert "Resolve INC-000001" in page.content.decode()

    response = lead_client.post(detail_url(incident, "resolve"), form_data(page, FORM) | {"resolution": "Reseated"})

    assert response.status_code == 302 and response["Location"] == change_url(incident)
    incident.refresh_from_db()
    assert (incident.status, incident.resolution) == (IncidentStatus.RESOLVED, "Reseated")
    assert "Resolved INC-000001." in messages_of(lead_client)
    [row] = IncidentTicket.history.filter(request_id=response["X-Request-ID"])
    assert (row.history_user, row.history_change_reason) == (supervisor, "Console action: Resolve…; Resolved")


def test_a_step_without_input_asks_for_a_confirmation_on_the_ticket_page(lead_client, make):
    incident = make()
    page = lead_client.get(detail_url(incident, "acknowledge"))
    assert page.status_code == 200 and "Acknowledge INC-000001" in page.content.decode()
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.NEW  # a GET changes nothing

    lead_client.post(detail_url(incident, "acknowledge"), form_data(page, FORM))
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.TRIAGED
    assert "Acknowledged INC-000001." in messages_of(lead_client)


def test_a_closed_ticket_is_reopened_from_its_page_with_the_reason_in_its_notes(lead_client, make):
    incident = make(IncidentStatus.CLOSED)
    page = lead_client.get(detail_url(incident, "reopen"))

    lead_client.post(detail_url(incident, "reopen"), form_data(page, FORM) | {"reason": "Dropped out again"})

    incident.refresh_from_db()
    assert (incident.status, incident.closed_at) == (IncidentStatus.IN_PROGRESS, None)
    assert list(incident.notes.values_list("text", flat=True)) == ["Reopened: Dropped out again"]


@pytest.mark.parametrize(
    ("step", "status", "fields", "error"),
    [
        ("resolve", "in_progress", {"resolution": ""}, "This field is required."),
        ("mark_duplicate", "triaged", {"duplicate_of": "self"}, "A ticket cannot be a duplicate of itself."),
        ("assign_to", "new", {"assignee": "stranger"}, "Pick an active person of the locations you cover."),
        ("acknowledge", "in_progress", {}, "INC-000001 is “In progress”: only a ticket that is “New” can be"),
        ("set_severity", "new", {"severity": "SEV3"}, "INC-000001 is already SEV3."),
    ],
)
def test_a_refused_step_on_a_ticket_page_shows_why_and_writes_nothing(lead_client, make, step, status, fields, error):
    incident = make(status)
    stranger = UserFactory(username="stranger", home_location=LocationFactory(code="FAR"))
    values = {"self": incident.pk, "stranger": stranger.pk}
    page = lead_client.get(detail_url(incident, step))
    data = form_data(page, FORM) | {name: values.get(value, value) for name, value in fields.items()}
    before = IncidentTicket.history.filter(id=incident.pk).count()

    response = lead_client.post(detail_url(incident, step), data)

    assert response.status_code == 200
    assert error in response.content.decode()
    assert IncidentTicket.history.filter(id=incident.pk).count() == before
    assert IncidentTicket.objects.get(pk=incident.pk).status == status


def test_a_ticket_page_shows_its_workflow_state(lead_client, make):
    incident = make(IncidentStatus.ON_HOLD, held_seconds=1800)
    html = lead_client.get(change_url(incident)).content.decode()
    for text in ["On hold", "On hold since", "Time held", "On track", "SLA"]:
        assert text in html, text


# --- who may ---------------------------------------------------------------------------------------------------------


@pytest.fixture
def auditor(london_hq):
    user = UserFactory(username="aud", is_staff=True, home_location=london_hq)
    user.groups.add(Group.objects.get(name=Role.AUDITOR))
    return cover(user, london_hq)


@pytest.fixture
def engineer(sam):
    """Staff with a console login: sees the tickets assigned to them, changes nothing there."""
    sam.is_staff = True
    sam.save()
    sam.groups.add(Group.objects.get(name=Role.STAFF))
    return sam


@pytest.mark.parametrize("who", ["auditor", "engineer"])
def test_auditors_and_staff_are_offered_no_step_and_refused_one(client, request, make, sam, who):
    client.force_login(request.getfixturevalue(who))
    incident = make(IncidentStatus.IN_PROGRESS, assignee=sam)

    listing = client.get(INCIDENTS)
    assert listing.status_code == 200 and incident.reference in listing.content.decode()
    action_form = listing.context["action_form"]  # None: the list has no action at all for them
    assert action_form is None or [value for value, _label in action_form.fields["action"].choices if value] == []
    response = client.post(INCIDENTS, {"action": "resolve", "index": "0", "_selected_action": [incident.pk]})
    assert response.status_code == 200 and f'id="{FORM}"' not in response.content.decode()  # the list again

    assert offered_on_page(client, incident) == set()
    assert client.get(detail_url(incident, "resolve")).status_code == 403
    assert client.post(detail_url(incident, "resolve"), {"resolution": "Fixed"}).status_code == 403
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.IN_PROGRESS


def test_a_supervisor_is_offered_every_step_and_refused_by_the_workflow_where_it_applies(
    lead_client, supervisor, make, outage
):
    offered = lead_client.get(INCIDENTS).context["action_form"].fields["action"].choices
    assert {value for value, _label in offered} >= {
        "assign_to_me", "assign_to", "assign_on_call", "set_severity", "acknowledge", "start", "hold", "resume",
        "resolve", "close", "reopen", "mark_duplicate", "add_note",
    }  # fmt: skip

    # a ticket of another location shared with the supervisor: visible, but not theirs to triage
    elsewhere = make(facility=FacilityFactory(code="SAL-STU", location=LocationFactory(code="SAL")))
    assign_perm("tickets.view_incidentticket", supervisor, elsewhere)
    run_bulk(lead_client, INCIDENTS, "acknowledge", [elsewhere])
    [message] = messages_of(lead_client)
    assert (
        message == f"{elsewhere.reference} skipped: Only {elsewhere.reference}'s assignee or a supervisor of "
        f"{elsewhere.facility.location} can acknowledge it."
    )
    assert lead_client.get(detail_url(elsewhere, "acknowledge")).status_code == 200
    # its page offers no step of the workflow (only a note, which ticket_note_add allows whoever sees the ticket)
    assert offered_on_page(lead_client, elsewhere) == {"add_note"}


def test_a_ticket_out_of_scope_is_not_found(lead_client, make):
    hidden = make(facility=FacilityFactory(code="FAR-STU", location=LocationFactory(code="FAR")))
    assert lead_client.get(detail_url(hidden, "acknowledge")).status_code == 404
    assert lead_client.post(detail_url(hidden, "acknowledge")).status_code == 404
    run_bulk(lead_client, INCIDENTS, "acknowledge", [hidden])
    hidden.refresh_from_db()
    assert hidden.status == IncidentStatus.NEW
