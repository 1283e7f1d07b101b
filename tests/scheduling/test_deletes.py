"""Shifts, events, time off and time entries are cancelled, not deleted, by everyone but administrators; an
administrator's delete goes through the model's delete service: in history with who and why, on Activity."""

from datetime import date

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from apps.audit.models import ActivityEntry
from apps.core.roles import Role
from apps.scheduling.models import ScheduledEvent, Shift, TimeOffRequest
from apps.scheduling.services import shift_delete
from apps.timesheets.models import TimeEntry
from tests.factories import (
    ScheduledEventFactory,
    ServiceTicketFactory,
    ShiftFactory,
    TimeEntryFactory,
    TimeOffRequestFactory,
    UserFactory,
)

from .conftest import london

pytestmark = pytest.mark.django_db

DELETED = "Deleted in the console"


@pytest.fixture
def administrator(roles, london_hq):
    """An Administrator by role (not a superuser)."""
    user = UserFactory(username="admin2", first_name="Ada", last_name="Min", is_staff=True, home_location=london_hq)
    user.groups.add(Group.objects.get(name=Role.ADMINISTRATOR))
    return user


@pytest.fixture
def rows(alex, mcr):
    return {
        Shift: ShiftFactory(user=alex, facility=mcr, starts_at=london(2026, 3, 3, 6), ends_at=london(2026, 3, 3, 14)),
        ScheduledEvent: ScheduledEventFactory(facility=mcr, starts_at=london(2026, 3, 3, 18)),
        TimeOffRequest: TimeOffRequestFactory(user=alex, starts_on=date(2026, 3, 9), ends_on=date(2026, 3, 9)),
        TimeEntry: TimeEntryFactory(user=alex, work_date=date(2026, 3, 3)),
    }


def _url(obj, view):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_{view}", args=[obj.pk] if obj.pk else [])


def _changelist(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


@pytest.mark.parametrize("model", [Shift, ScheduledEvent, TimeOffRequest, TimeEntry], ids=lambda m: m.__name__)
def test_a_supervisor_can_neither_open_the_delete_page_nor_bulk_delete(login, supervisor, rows, model):
    """Supervisors hold delete_shift and delete_scheduledevent in roles.json; the console does not rely on it."""
    client = login(supervisor)
    row = rows[model]

    page = client.get(_url(row, "delete"))
    posted = client.post(_url(row, "delete"), {"post": "yes"})
    listing = client.get(_changelist(model))
    bulk = client.post(_changelist(model), {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"})

    assert (page.status_code, posted.status_code) == (403, 403)
    offered = [name for name, _label in listing.context["action_form"].fields["action"].choices]
    assert "delete_selected" not in offered
    assert bulk.status_code == 302  # back to the list ("No action selected"): the action is not theirs
    assert model.objects.filter(pk=row.pk).exists()


@pytest.mark.parametrize("model", [Shift, ScheduledEvent, TimeOffRequest, TimeEntry], ids=lambda m: m.__name__)
def test_an_administrators_delete_is_in_history_and_on_activity(login, administrator, rows, model):
    client = login(administrator)
    row = rows[model]
    pk = row.pk

    confirm = client.get(_url(row, "delete"))
    deleted = client.post(_url(row, "delete"), {"post": "yes"})

    assert confirm.status_code == 200
    assert deleted.status_code == 302
    assert not model.objects.filter(pk=pk).exists()
    record = model.history.filter(id=pk).latest("history_id")
    assert (record.history_type, record.history_user, record.history_change_reason) == ("-", administrator, DELETED)
    entry = ActivityEntry.objects.get(content_type=ContentType.objects.get_for_model(model), history_id=record.pk)
    assert (entry.history_type, entry.user, entry.change_reason) == ("-", administrator, DELETED)


def test_an_administrators_bulk_delete_goes_through_the_service_row_by_row(login, administrator, alex, mcr):
    shifts = [
        ShiftFactory(user=alex, facility=mcr, starts_at=london(2026, 3, day, 6), ends_at=london(2026, 3, day, 14))
        for day in (3, 4)
    ]
    client = login(administrator)

    response = client.post(
        _changelist(Shift),
        {"action": "delete_selected", "_selected_action": [shift.pk for shift in shifts], "post": "yes"},
    )

    assert response.status_code == 302
    assert not Shift.objects.exists()
    records = Shift.history.filter(history_type="-")
    assert {(r.id, r.history_user, r.history_change_reason) for r in records} == {
        (shift.pk, administrator, DELETED) for shift in shifts
    }


def test_a_shift_with_time_entries_or_an_event_with_service_tickets_is_listed_as_protected(
    login, administrator, alex, mcr
):
    shift = ShiftFactory(user=alex, facility=mcr, starts_at=london(2026, 3, 3, 6), ends_at=london(2026, 3, 3, 14))
    entry = TimeEntryFactory(user=alex, work_date=date(2026, 3, 3), activity="shift", shift=shift)
    event = ScheduledEventFactory(facility=mcr, starts_at=london(2026, 3, 3, 18))
    ticket = ServiceTicketFactory(facility=mcr, scheduled_event=event)
    client = login(administrator)

    shift_page = client.get(_url(shift, "delete"))
    shift_post = client.post(_url(shift, "delete"), {"post": "yes"})
    event_post = client.post(_url(event, "delete"), {"post": "yes"})

    assert f"Time entry: {entry}" in shift_page.content.decode()
    assert shift_post.status_code == event_post.status_code == 200  # the "protected" page again, nothing deleted
    assert f"Service ticket: {ticket}" in event_post.content.decode()
    assert Shift.objects.filter(pk=shift.pk).exists() and ScheduledEvent.objects.filter(pk=event.pk).exists()


def test_the_delete_service_refuses_everyone_but_administrators(supervisor, alex, mcr, administrator):
    shift = ShiftFactory(user=alex, facility=mcr, starts_at=london(2026, 3, 3, 6), ends_at=london(2026, 3, 3, 14))

    with pytest.raises(PermissionDenied, match="Only administrators delete shifts; cancel the shift instead."):
        shift_delete(shift=shift, by=supervisor, reason="Tidy up")
    assert Shift.objects.filter(pk=shift.pk).exists()

    pk = shift.pk
    shift_delete(shift=shift, by=administrator, reason="Entered twice")
    record = Shift.history.get(id=pk, history_type="-")
    assert (record.history_user, record.history_change_reason) == (administrator, "Entered twice")
