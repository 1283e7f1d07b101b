"""Local time, one rule: the console's forms read and take the wall-clock time of the row's location, and refuse
a time that a clock change makes impossible or double, giving its readings. Storage stays UTC."""

import re
from datetime import UTC, datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from apps.core.localtime import clock_change_days, local_text, moment_from_local
from apps.core.roles import Role
from apps.scheduling.models import Shift
from apps.tickets.models import IncidentTicket
from tests.conftest import cover
from tests.factories import FacilityFactory, IncidentTypeFactory, LocationFactory, UserFactory

LONDON, NEW_YORK = ZoneInfo("Europe/London"), ZoneInfo("America/New_York")


# --- the rule --------------------------------------------------------------------------------------------------


def test_a_wall_clock_time_names_the_instant_of_its_zone():
    assert moment_from_local(datetime(2026, 1, 9, 14, 0), NEW_YORK) == datetime(2026, 1, 9, 19, 0, tzinfo=UTC)
    assert moment_from_local(datetime(2026, 7, 9, 14, 0), LONDON) == datetime(2026, 7, 9, 13, 0, tzinfo=UTC)


def test_a_time_the_clocks_jump_over_is_refused_with_its_two_readings():
    assert clock_change_days(LONDON, 2026)[0].isoformat() == "2026-03-29"
    with pytest.raises(ValidationError) as refused:
        moment_from_local(datetime(2026, 3, 29, 1, 30), LONDON)
    message = refused.value.messages[0]
    assert refused.value.code == "nonexistent_time"
    assert "01:30 on 29 Mar 2026 does not exist in Europe/London" in message
    assert "00:30 GMT (00:30 UTC)" in message and "02:30 BST (01:30 UTC)" in message


def test_a_time_the_clocks_go_back_over_is_refused_with_its_two_readings():
    with pytest.raises(ValidationError) as refused:
        moment_from_local(datetime(2026, 11, 1, 1, 30), NEW_YORK)
    message = refused.value.messages[0]
    assert refused.value.code == "ambiguous_time"
    assert "01:30 on 1 Nov 2026 happens twice in America/New_York" in message
    assert "01:30 EDT (05:30 UTC)" in message and "01:30 EST (06:30 UTC)" in message


def test_a_time_is_read_in_its_zone_and_the_zone_named_where_it_is_not_the_readers():
    moment = datetime(2026, 1, 9, 19, 0, tzinfo=UTC)
    assert local_text(moment, NEW_YORK, NEW_YORK) == "Fri 9 Jan 14:00"
    assert local_text(moment, NEW_YORK, LONDON) == "Fri 9 Jan 14:00 EST"


# --- the console's forms ---------------------------------------------------------------------------------------


@pytest.fixture
def new_york(db):
    location = LocationFactory(code="NYC", name="New York", timezone="America/New_York")
    return FacilityFactory(code="NYC-MCR", name="NY master control", location=location)


@pytest.fixture
def roles(db):
    call_command("load_reference_data", verbosity=0)


@pytest.fixture
def ny_supervisor(new_york, client, roles):
    user = UserFactory(username="nysup", is_staff=True, home_location=new_york.location)
    user.groups.add(Group.objects.get_or_create(name=Role.SUPERVISOR)[0])
    cover(user, new_york.location)
    client.force_login(user)
    return user


def shift_form(person, facility, *, day="09/01/2026", start="14:00", end="22:00", zone=None):
    data = {
        "user": person.pk,
        "facility": facility.pk,
        "position": "Operator",
        "starts_at_0": day,
        "starts_at_1": start,
        "ends_at_0": day,
        "ends_at_1": end,
        "notes": "",
    }
    if zone:
        data["typed_in_time_zone"] = zone
    return data


def test_a_shift_typed_for_new_york_is_new_york_time_and_shows_as_typed(client, ny_supervisor, new_york):
    person = UserFactory(home_location=new_york.location)
    add = reverse("admin:scheduling_shift_add")
    page = client.get(add + "?" + urlencode({"facility": new_york.pk}))
    assert "Local time at the facility: America/New_York." in page.content.decode()

    saved = client.post(add, shift_form(person, new_york, zone="America/New_York"))

    assert saved.status_code == 302, saved.context["adminform"].form.errors
    shift = Shift.objects.get(user=person)
    assert (shift.starts_at, shift.ends_at) == (
        datetime(2026, 1, 9, 19, 0, tzinfo=UTC),
        datetime(2026, 1, 10, 3, 0, tzinfo=UTC),
    )
    html = client.get(reverse("admin:scheduling_shift_change", args=[shift.pk])).content.decode()
    assert re.search(r'name="starts_at_1" value="14:00:00"', html)
    assert re.search(r'name="ends_at_1" value="22:00:00"', html)


def test_a_shift_at_a_clock_change_hour_is_refused_and_nothing_is_saved(client, ny_supervisor, new_york):
    person = UserFactory(home_location=new_york.location)
    refused = client.post(
        reverse("admin:scheduling_shift_add"),
        shift_form(person, new_york, day="08/03/2026", start="02:30", end="09:00", zone="America/New_York"),
    )
    assert refused.status_code == 200
    assert "02:30 on 8 Mar 2026 does not exist in America/New_York" in refused.content.decode()
    assert not Shift.objects.filter(user=person).exists()


def test_times_typed_while_the_form_showed_another_zone_are_refused_then_read_in_the_facilitys(
    client, ny_supervisor, new_york
):
    person = UserFactory(home_location=new_york.location)
    add = reverse("admin:scheduling_shift_add")
    refused = client.post(add, shift_form(person, new_york, zone="Europe/London"))
    assert refused.status_code == 200
    assert "typed while the form showed Europe/London time" in refused.content.decode()
    assert re.search(r'name="typed_in_time_zone" value="America/New_York"', refused.content.decode())
    assert not Shift.objects.filter(user=person).exists()
    assert client.post(add, shift_form(person, new_york, zone="America/New_York")).status_code == 302


def test_a_roster_cell_opens_the_form_at_its_local_morning(client, ny_supervisor, new_york):
    link = (
        reverse("admin:scheduling_shift_add")
        + "?"
        + urlencode({"facility": new_york.pk, "starts_at": "2026-01-09T06:00:00-05:00"})
    )
    html = client.get(link).content.decode()
    assert re.search(r'name="starts_at_0" value="09/01/2026"', html)
    assert re.search(r'name="starts_at_1" value="06:00:00"', html)
    assert re.search(r'name="ends_at_1" value="14:00:00"', html)


def test_an_incident_occurs_at_the_facilitys_local_time(client, ny_supervisor, new_york):
    incident_type = IncidentTypeFactory()
    add = reverse("admin:tickets_incidentticket_add")
    page = client.get(add).content.decode()
    zone = re.search(r'name="typed_in_time_zone" value="([^"]+)"', page).group(1)
    assert zone == "America/New_York"  # the reader's own zone until a facility is named
    data = {
        "title": "Encoder down",
        "description": "",
        "incident_type": incident_type.pk,
        "facility": new_york.pk,
        "severity": "SEV3",
        "reporter": ny_supervisor.pk,
        "occurred_at_0": "09/07/2026",
        "occurred_at_1": "14:00",
        "typed_in_time_zone": zone,
    }
    saved = client.post(add, data)
    assert saved.status_code == 302, saved.context["adminform"].form.errors
    assert IncidentTicket.objects.get(title="Encoder down").occurred_at == datetime(2026, 7, 9, 18, 0, tzinfo=UTC)


def test_a_shifts_history_shows_its_changed_times_in_the_facilitys_zone(client, ny_supervisor, new_york):
    from apps.scheduling.services import shift_update
    from tests.factories import ShiftFactory

    person = UserFactory(home_location=new_york.location)
    shift = ShiftFactory(
        user=person,
        facility=new_york,
        starts_at=datetime(2026, 1, 9, 19, 0, tzinfo=UTC),
        ends_at=datetime(2026, 1, 10, 3, 0, tzinfo=UTC),
    )
    shift_update(shift=shift, by=ny_supervisor, starts_at=datetime(2026, 1, 9, 20, 0, tzinfo=UTC))

    html = client.get(reverse("admin:scheduling_shift_history", args=[shift.pk])).content.decode()

    assert "Fri 9 Jan 2026 14:00 EST" in html and "Fri 9 Jan 2026 15:00 EST" in html


def test_signing_in_keeps_the_readers_zone_so_pages_read_it_without_a_query(client, new_york, roles):
    person = UserFactory(username="nyreader", is_staff=True, home_location=new_york.location)
    client.force_login(person)
    assert client.session["_portal_zone"] == [new_york.location.pk, "America/New_York"]


def test_the_incident_list_shows_times_in_the_facilitys_zone_named_where_not_the_readers(client, new_york, roles):
    from tests.factories import IncidentTicketFactory, SuperUserFactory

    london = LocationFactory(code="LDN", timezone="Europe/London")
    reader = SuperUserFactory(username="londoner", home_location=london)
    client.force_login(reader)
    IncidentTicketFactory(facility=new_york, title="NY fault", occurred_at=datetime(2026, 1, 9, 19, 0, tzinfo=UTC))
    london_studio = FacilityFactory(code="LDN-STU", location=london)
    IncidentTicketFactory(
        facility=london_studio, title="London fault", occurred_at=datetime(2026, 1, 9, 19, 0, tzinfo=UTC)
    )

    html = client.get(reverse("admin:tickets_incidentticket_changelist")).content.decode()

    assert "9 Jan 2026, 2 p.m. EST" in html  # New York's 14:00, named: the reader is in London
    assert "9 Jan 2026, 7 p.m." in html and "7 p.m. GMT" not in html  # London's own, as the reader reads it


def test_the_service_ticket_list_and_page_read_its_times_in_the_facilitys_zone(client, new_york, roles):
    from apps.tickets.models import ServiceTicket
    from tests.factories import ServiceTicketFactory, SuperUserFactory

    reader = SuperUserFactory(username="londoner", home_location=LocationFactory(code="LDN", timezone="Europe/London"))
    client.force_login(reader)
    ticket = ServiceTicketFactory(facility=new_york, title="Replace the NY fan")
    ServiceTicket.objects.filter(pk=ticket.pk).update(created_at=datetime(2026, 1, 9, 19, 0, tzinfo=UTC))

    listed = client.get(reverse("admin:tickets_serviceticket_changelist")).content.decode()
    page = client.get(reverse("admin:tickets_serviceticket_change", args=[ticket.pk])).content.decode()

    assert "9 Jan 2026, 2 p.m. EST" in listed  # New York's 14:00, named: the reader is in London
    assert "Times in America/New_York time." in page
    assert "9 Jan 2026, 2 p.m." in page and "9 Jan 2026, 7 p.m." not in page  # the record's time, New York's


def test_a_time_entrys_review_times_are_read_in_the_persons_home_zone(client, new_york, roles):
    from apps.timesheets.models import TimeEntry
    from tests.factories import SuperUserFactory, TimeEntryFactory

    reader = SuperUserFactory(username="londoner", home_location=LocationFactory(code="LDN", timezone="Europe/London"))
    client.force_login(reader)
    person = UserFactory(username="nyworker", home_location=new_york.location)
    entry = TimeEntryFactory(user=person)
    TimeEntry.objects.filter(pk=entry.pk).update(reviewed_at=datetime(2026, 1, 9, 19, 0, tzinfo=UTC))

    page = client.get(reverse("admin:timesheets_timeentry_change", args=[entry.pk])).content.decode()

    assert "Times in America/New_York time." in page
    assert re.search(r"9 Jan 2026, 2 p\.m\.", page) and not re.search(r"9 Jan 2026, 7 p\.m\.", page)
