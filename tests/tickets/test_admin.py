"""The tickets console through real HTTP: what a supervisor sees, and that every write goes through the services."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from apps.console.tickets import incidents as admin_module
from apps.core.actors import system_user
from apps.core.models import ReferenceCounter
from apps.tickets.choices import IncidentStatus, ServicePriority, Severity
from apps.tickets.models import IncidentTicket, ServiceTicket, TicketNote
from apps.tickets.services import incident_create, service_ticket_create, ticket_note_add
from tests.conftest import cover
from tests.factories import FacilityFactory, IncidentTicketFactory, IncidentTypeFactory, LocationFactory, UserFactory
from tests.tickets.html_forms import form_data

pytestmark = pytest.mark.django_db

INCIDENTS = reverse("admin:tickets_incidentticket_changelist")
INCIDENT_ADD = reverse("admin:tickets_incidentticket_add")


def change_url(obj) -> str:
    return reverse(f"admin:tickets_{obj._meta.model_name}_change", args=[obj.pk])


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


@pytest.fixture
def incidents(outage, mcr, alex, sam):
    now = timezone.now().replace(microsecond=0)
    studio = FacilityFactory(code="LON-STU2", name="Studio 2", location=mcr.location)
    return {
        "off_air": incident_create(
            title="Transmitter off air",
            incident_type=outage,
            facility=mcr,
            reporter=alex,
            assignee=sam,
            severity=Severity.SEV1,
            occurred_at=now - timedelta(hours=2),
            by=system_user(),
        ),
        "drift": incident_create(
            title="Studio clock drifting",
            incident_type=outage,
            facility=studio,
            reporter=alex,
            severity=Severity.SEV4,
            occurred_at=now - timedelta(minutes=50),  # responding (60 minutes at SEV4) is at risk: 10 minutes left
            by=system_user(),
        ),
    }


# --- the incident list ------------------------------------------------------------------------


def test_incident_list_shows_the_columns_a_supervisor_needs(root_client, incidents, sam):
    html = page(root_client.get(INCIDENTS))

    for text in ["INC-000001", "Transmitter off air", "LON-MCR1 · Master control 1", "SEV1", "New", "Sam Roe"]:
        assert text in html
    assert "Breached" in html  # SEV1 responds within 7.5 minutes; it started two hours ago
    for column in ["Incident", "Severity", "Status", "SLA", "Assignee", "Occurred at", "Response due at"]:
        assert column in html
    assert "Resolve due at" in html


def test_incident_list_rows_are_compact_two_lines_at_most(root_client, incidents, sam):
    """The title over its facility and the assignee over their employee ID share a cell: no facility column."""
    html = page(root_client.get(INCIDENTS))

    row = re.search(r"<tr[^>]*>(?:(?!</tr>).)*Transmitter off air.*?</tr>", html, re.S).group(0)
    cells = re.findall(r'<t[hd] class="[^"]*\bfield-([a-z_]+)', row)
    assert cells == [
        "reference", "incident", "severity_label", "status_label", "sla_label", "assignee_column",
        "occurred", "response_due", "resolve_due",
    ]  # fmt: skip
    incident_cell = re.search(r'field-incident".*?</td>', row, re.S).group(0)
    assert "Transmitter off air" in incident_cell and "LON-MCR1 · Master control 1" in incident_cell
    assignee_cell = re.search(r'field-assignee_column".*?</td>', row, re.S).group(0)
    assert "Sam Roe" in assignee_cell and sam.employee_id in assignee_cell


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ({"severity__exact": "SEV1"}, "Transmitter off air", "Studio clock drifting"),
        ({"status__exact": ["new", "triaged"], "severity__exact": "SEV4"}, "Studio clock drifting", "Transmitter"),
        ({"sla": "breached"}, "Transmitter off air", "Studio clock drifting"),
        ({"sla": "at_risk"}, "Studio clock drifting", "Transmitter off air"),
        ({"q": "LON-STU2"}, "Studio clock drifting", "Transmitter off air"),
        ({"q": "Roe"}, "Transmitter off air", "Studio clock drifting"),
        ({"q": "INC-000002"}, "Studio clock drifting", "Transmitter off air"),
    ],
)
def test_incident_list_filters_and_search(root_client, incidents, query, shown, hidden):
    html = page(root_client.get(INCIDENTS, query))
    assert shown in html
    assert hidden not in html


def test_incident_list_filters_by_related_rows_and_date_range(root_client, incidents, mcr):
    html = page(root_client.get(INCIDENTS, {"facility__id__exact": mcr.pk}))
    assert "Transmitter off air" in html and "Studio clock drifting" not in html

    an_hour_ago = timezone.localtime() - timedelta(hours=1)
    since = {"occurred_at_from_0": f"{an_hour_ago:%Y-%m-%d}", "occurred_at_from_1": f"{an_hour_ago:%H:%M:%S}"}
    html = page(root_client.get(INCIDENTS, since))
    assert "Studio clock drifting" in html and "Transmitter off air" not in html


def test_staff_in_the_console_list_only_their_own_tickets(client, incidents, sam):
    sam.is_staff = True
    sam.save()
    sam.user_permissions.add(Permission.objects.get(codename="view_incidentticket"))
    client.force_login(sam)

    html = page(client.get(INCIDENTS))
    assert "Transmitter off air" in html  # assigned to Sam
    assert "Studio clock drifting" not in html
    assert client.get(change_url(incidents["drift"])).status_code == 404  # out of scope: as if it did not exist


def test_a_supervisor_lists_the_tickets_of_the_locations_they_cover(client, root_client, incidents, supervisor, outage):
    salford = LocationFactory(code="SAL", name="Salford Quays")
    elsewhere = FacilityFactory(code="SAL-STU1", name="Studio S", location=salford)
    in_salford = IncidentTicketFactory(title="Talkback down", incident_type=outage, facility=elsewhere)
    assert 'name="facility__location__id__exact"' in page(root_client.get(INCIDENTS))  # the location filter
    assert "Salford Quays" in location_choices(root_client)  # offers it to administrators as they type
    client.force_login(supervisor)  # covers London HQ, where both incidents of the fixture are
    supervisor.user_permissions.add(Permission.objects.get(codename="view_incidentticket"))
    assert 'name="facility__location__id__exact"' not in page(client.get(INCIDENTS))  # may not search locations
    supervisor.user_permissions.add(Permission.objects.get(codename="view_location"))  # as the role may
    cover(supervisor, LocationFactory(code="LEEDS", name="Leeds"))

    html = page(client.get(INCIDENTS))
    assert 'name="facility__location__id__exact"' in html
    assert "Transmitter off air" in html and "Studio clock drifting" in html
    assert "Talkback down" not in html
    assert "Salford Quays" not in html
    choices = location_choices(client)
    assert "Leeds" in choices and "Salford Quays" not in choices  # nor among the location filter's choices
    assert client.get(change_url(incidents["drift"])).status_code == 200
    assert client.get(change_url(in_salford)).status_code == 404


def location_choices(client) -> str:
    """What the incident list's location filter offers (an autocomplete: the locations come as one types)."""
    answer = client.get(
        "/admin/autocomplete/", {"app_label": "facilities", "model_name": "facility", "field_name": "location"}
    )
    assert answer.status_code == 200
    return " ".join(row["text"] for row in answer.json()["results"])


# --- adding an incident -----------------------------------------------------------------------


def test_add_form_defaults_severity_to_the_type_and_the_reporter_to_me(root_client, root):
    html = page(root_client.get(INCIDENT_ADD))
    assert "The incident type&#x27;s default" in html
    assert form_data(root_client.get(INCIDENT_ADD), "incidentticket_form")["reporter"] == str(root.pk)


def fill_add_form(client, **fields) -> dict:
    data = form_data(client.get(INCIDENT_ADD), "incidentticket_form")
    return data | fields


def test_adding_an_incident_goes_through_the_service(root_client, root, outage, mcr, sam):
    occurred = timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=10)
    data = fill_add_form(
        root_client,
        title="Encoder 3 rebooting",
        incident_type=outage.pk,
        facility=mcr.pk,
        assignee=sam.pk,
        occurred_at_0=f"{occurred:%Y-%m-%d}",
        occurred_at_1=f"{occurred:%H:%M}",
    )
    response = root_client.post(INCIDENT_ADD, data, follow=True)

    incident = IncidentTicket.objects.get()
    assert (incident.reference, incident.severity, incident.reporter, incident.assignee) == (
        "INC-000001",
        Severity.SEV3,
        root,
        sam,
    )
    assert incident.occurred_at == occurred
    assert incident.response_due_at == occurred + timedelta(minutes=30)
    assert incident.resolve_due_at == occurred + timedelta(hours=4)
    record = incident.history.get()
    assert (record.history_user, record.history_change_reason) == (root, "Added in the console; Reported")
    assert "INC-000001 Encoder 3 rebooting" in page(response)  # the success message names the new ticket


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"title": ""}, "This field is required."),
        ({"occurred_at_0": "2999-01-01"}, "An incident cannot have occurred in the future."),
        ({"severity": "SEV9"}, "Select a valid choice."),
    ],
)
def test_a_bad_add_shows_the_error_and_writes_nothing(root_client, outage, mcr, fields, error):
    data = fill_add_form(root_client, title="Encoder 3 rebooting", incident_type=outage.pk, facility=mcr.pk)
    html = page(root_client.post(INCIDENT_ADD, data | fields))

    assert error in html
    assert not IncidentTicket.objects.exists()
    assert not ReferenceCounter.objects.filter(last_value__gt=0).exists()


def test_a_rule_of_the_service_shows_on_the_form_next_to_its_field(root_client, mcr):
    retired = IncidentTypeFactory(name="Legacy fault", is_active=False)
    data = fill_add_form(root_client, title="Encoder 3", incident_type=retired.pk, facility=mcr.pk)
    html = page(root_client.post(INCIDENT_ADD, data))

    assert "“Legacy fault” is no longer in use; pick an active incident type." in html
    assert not IncidentTicket.objects.exists()


# --- changing an incident ---------------------------------------------------------------------


def test_change_page_shows_the_ticket_its_clocks_and_notes(root_client, incidents, sam):
    incident = incidents["off_air"]
    ticket_note_add(ticket=incident, by=sam, text="Vendor called back.")

    html = page(root_client.get(change_url(incident)))
    for text in ["INC-000001", "New", "Breached", "Vendor called back.", "Add a note", "Response due at"]:
        assert text in html
    assert 'name="status"' not in html  # the workflow owns the status
    assert 'name="response_due_at"' not in html


def test_severity_and_assignee_change_through_the_actions_not_the_form(root_client, root, incidents, sam):
    """The actions triage, check and tell people; a form field beside them would be a second way round that."""
    incident = incidents["drift"]
    ticket_note_add(ticket=incident, by=sam, text="Seen on the gallery clock.")
    html = page(root_client.get(change_url(incident)))
    assert 'name="severity"' not in html and 'name="assignee"' not in html
    data = form_data(root_client.get(change_url(incident)), "incidentticket_form")
    data |= {"severity": "SEV2", "notes-2-0-text": "Escalated: drift is now 4 seconds.", "status": "closed"}

    response = root_client.post(change_url(incident), data)

    assert response.status_code == 302, form_errors(response)
    incident.refresh_from_db()
    assert (incident.severity, incident.status) == (Severity.SEV4, IncidentStatus.NEW)
    assert [(n.text, n.author) for n in incident.notes.all()] == [
        ("Seen on the gallery clock.", sam),
        ("Escalated: drift is now 4 seconds.", root),
    ]


def test_a_closed_incident_is_read_only_in_the_console(root_client, incidents):
    incident = incidents["drift"]
    IncidentTicket.objects.filter(pk=incident.pk).update(
        status=IncidentStatus.CLOSED, resolved_at=timezone.now(), closed_at=timezone.now()
    )
    html = page(root_client.get(change_url(incident)))
    assert 'name="_save"' not in html
    assert 'name="title"' not in html
    # no note box either: a note on a closed ticket cannot be saved (reopen it first)
    assert "Add a note" not in html and 'name="notes-2-0-text"' not in html

    assert root_client.post(change_url(incident), {"title": "Sneaky edit"}).status_code == 403
    incident.refresh_from_db()
    assert incident.title == "Studio clock drifting"


def test_history_page_shows_who_changed_what_and_an_old_version_opens(root_client, incidents):
    incident = incidents["drift"]
    data = form_data(root_client.get(change_url(incident)), "incidentticket_form")
    root_client.post(change_url(incident), data | {"title": "Studio 2 clock drifting"})

    html = page(root_client.get(reverse("admin:tickets_incidentticket_history", args=[incident.pk])))
    assert "Reported" in html
    assert "Studio 2 clock drifting" in html
    assert "Robin Root" in html

    first = incident.history.last()
    html = page(root_client.get(reverse("admin:tickets_incidentticket_simple_history", args=[incident.pk, first.pk])))
    assert 'value="Studio clock drifting"' in html


def test_a_ticket_closed_while_the_form_was_open_is_not_saved(root_client, incidents, monkeypatch):
    """The form passed the service's dry run; by the real save the ticket was closed: say so, save nothing."""
    incident = incidents["drift"]
    update = admin_module.incident_update

    def closed_meanwhile(*, incident, **kwargs):  # the form's dry run validated; only the save calls the service
        IncidentTicket.objects.filter(pk=incident.pk).update(
            status=IncidentStatus.CLOSED, resolved_at=timezone.now(), closed_at=timezone.now()
        )
        return update(incident=incident, **kwargs)

    monkeypatch.setattr(admin_module, "incident_update", closed_meanwhile)
    data = form_data(root_client.get(change_url(incident)), "incidentticket_form")
    response = root_client.post(change_url(incident), data | {"title": "Too late"}, follow=True)

    assert "INC-000002 is closed; reopen it to change it." in page(response)
    incident.refresh_from_db()
    assert incident.title == "Studio clock drifting"


# --- service tickets --------------------------------------------------------------------------


def test_service_tickets_are_added_and_edited_through_the_services(root_client, root, mcr):
    add_url = reverse("admin:tickets_serviceticket_add")
    data = form_data(root_client.get(add_url), "serviceticket_form")
    response = root_client.post(add_url, data | {"title": "Replace studio lamp", "facility": mcr.pk})
    assert response.status_code == 302, form_errors(response)

    ticket = ServiceTicket.objects.get()
    assert (ticket.reference, ticket.requested_by, ticket.history.get().history_user) == ("SRV-000001", root, root)

    data = form_data(root_client.get(change_url(ticket)), "serviceticket_form")
    response = root_client.post(change_url(ticket), data | {"priority": ServicePriority.URGENT})
    assert response.status_code == 302, form_errors(response)
    ticket.refresh_from_db()
    assert ticket.priority == ServicePriority.URGENT

    html = page(root_client.get(reverse("admin:tickets_serviceticket_changelist"), {"priority__exact": "urgent"}))
    assert "SRV-000001" in html and "Urgent" in html


def test_a_bad_service_ticket_add_writes_nothing(root_client, mcr):
    add_url = reverse("admin:tickets_serviceticket_add")
    data = form_data(root_client.get(add_url), "serviceticket_form")
    html = page(root_client.post(add_url, data | {"title": "", "facility": mcr.pk}))
    assert "This field is required." in html
    assert not ServiceTicket.objects.exists()


# --- notes and incident types -----------------------------------------------------------------


def test_notes_are_added_from_their_own_list_and_never_edited(root_client, root, incidents):
    add_url = reverse("admin:tickets_ticketnote_add")
    data = form_data(root_client.get(add_url), "ticketnote_form")
    response = root_client.post(add_url, data | {"incident": incidents["off_air"].pk, "text": "Spare exciter fitted."})
    assert response.status_code == 302, form_errors(response)

    note = TicketNote.objects.get()
    assert (note.incident, note.author, note.text) == (incidents["off_air"], root, "Spare exciter fitted.")
    html = page(root_client.get(change_url(note)))
    assert "Spare exciter fitted." in html and 'name="_save"' not in html
    html = page(root_client.get(reverse("admin:tickets_ticketnote_changelist"), {"q": "exciter"}))
    assert f'href="{change_url(incidents["off_air"])}"' in html and "INC-000001" in html


def test_a_note_must_belong_to_exactly_one_ticket(root_client, incidents):
    service_ticket = service_ticket_create(
        title="Lamp", facility=incidents["off_air"].facility, requested_by=UserFactory(), by=system_user()
    )
    add_url = reverse("admin:tickets_ticketnote_add")
    data = form_data(root_client.get(add_url), "ticketnote_form")
    both = data | {"incident": incidents["off_air"].pk, "service_ticket": service_ticket.pk, "text": "Hi"}

    html = page(root_client.post(add_url, both))
    assert "A note belongs to exactly one ticket" in html
    assert not TicketNote.objects.exists()


def test_incident_types_show_their_clocks_readably(root_client, outage):
    html = page(root_client.get(reverse("admin:tickets_incidenttype_changelist")))
    assert "30 min" in html and "4 h" in html
    html = page(root_client.get(change_url(outage)))
    assert "SEV1: respond within 8 min, resolve within 1 h" in html
    assert "SEV4: respond within 1 h, resolve within 8 h" in html


def form_errors(response) -> str:
    """On a failed post, the errors the page shows (to make an assertion message useful)."""
    context = response.context or {}
    errors = [str(context["adminform"].form.errors)] if "adminform" in context else []
    errors += [str(formset.formset.errors) for formset in context.get("inline_admin_formsets", [])]
    return " ".join(errors) or f"status {response.status_code}"


def test_list_pages_do_not_run_a_query_per_row(root_client, django_assert_max_num_queries, outage):
    for _ in range(30):
        IncidentTicketFactory(incident_type=outage, assignee=UserFactory(), reporter=UserFactory())
    root_client.get(INCIDENTS)
    with django_assert_max_num_queries(15):
        page(root_client.get(INCIDENTS))
