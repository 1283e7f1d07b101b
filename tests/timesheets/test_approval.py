"""Time entries approved and rejected in bulk from the console, and each person's weekly total in the list."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from apps.timesheets.choices import TimeEntryStatus
from apps.timesheets.models import TimeEntry
from apps.timesheets.services import time_entry_approve
from tests.factories import TimeEntryFactory

pytestmark = pytest.mark.django_db

ENTRIES = reverse("admin:timesheets_timeentry_changelist")


def _action(client, action, entries):
    data = {"action": action, "_selected_action": [entry.pk for entry in entries]}
    return client.post(ENTRIES, data, follow=True)


def test_approving_in_bulk_stamps_the_reviewer_and_skips_reviewed_entries(root_client, root, alex, sam):
    submitted = [TimeEntryFactory(user=alex, work_date=date(2026, 3, 2)), TimeEntryFactory(user=sam)]
    rejected = TimeEntryFactory(user=alex, work_date=date(2026, 3, 3), status=TimeEntryStatus.REJECTED)

    response = _action(root_client, "approve_selected", [*submitted, rejected])

    messages = [str(message) for message in response.context["messages"]]
    assert messages[0].startswith("Approved 2:")
    assert any("it is rejected, not submitted." in message for message in messages)
    for entry in submitted:
        entry.refresh_from_db()
        assert (entry.status, entry.reviewed_by) == (TimeEntryStatus.APPROVED, root)
        assert entry.reviewed_at is not None
    assert TimeEntry.objects.get(pk=rejected.pk).reviewed_by is None


def test_rejecting_in_bulk(root_client, alex):
    entry = TimeEntryFactory(user=alex)

    _action(root_client, "reject_selected", [entry])

    entry.refresh_from_db()
    assert entry.status == TimeEntryStatus.REJECTED


def test_nobody_approves_their_own_time(root):
    entry = TimeEntryFactory(user=root)

    with pytest.raises(ValidationError, match="nobody reviews their own time."):
        time_entry_approve(time_entry=entry, by=root)

    assert TimeEntry.objects.get(pk=entry.pk).status == TimeEntryStatus.SUBMITTED


def test_the_list_shows_the_persons_monday_to_sunday_total_without_rejected_entries(root_client, alex, sam):
    TimeEntryFactory(user=alex, work_date=date(2026, 3, 2), minutes=480)  # Monday
    TimeEntryFactory(user=alex, work_date=date(2026, 3, 8), minutes=90, activity="admin")  # Sunday, same week
    TimeEntryFactory(user=alex, work_date=date(2026, 3, 9), minutes=60)  # next Monday
    TimeEntryFactory(user=alex, work_date=date(2026, 3, 4), minutes=600, status=TimeEntryStatus.REJECTED)
    TimeEntryFactory(user=sam, work_date=date(2026, 3, 2), minutes=30)

    response = root_client.get(ENTRIES)

    totals = {(entry.user_id, entry.work_date): entry.week_minutes for entry in response.context["cl"].result_list}
    assert totals[(alex.pk, date(2026, 3, 2))] == 570
    assert totals[(alex.pk, date(2026, 3, 8))] == 570
    assert totals[(alex.pk, date(2026, 3, 9))] == 60
    assert totals[(sam.pk, date(2026, 3, 2))] == 30
    assert "9h30" in response.content.decode()
