"""Publish, copy a week, cancel, reassign and time off review: services, console actions, e-mails, races."""

import threading
from datetime import UTC, date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from apps.notifications.models import OutboundEmail
from apps.scheduling.choices import ShiftStatus, TimeOffKind, TimeOffStatus
from apps.scheduling.models import Shift, TimeOffRequest
from apps.scheduling.publishing import shift_copy_week, shift_publish
from apps.scheduling.time_off import time_off_request_approve
from tests.factories import ShiftFactory, TimeOffRequestFactory

from .conftest import london

SHIFTS = reverse("admin:scheduling_shift_changelist")
TIME_OFF = reverse("admin:scheduling_timeoffrequest_changelist")


def _draft(person, facility, starts_at, hours=8, status=ShiftStatus.DRAFT):
    return ShiftFactory(
        user=person, facility=facility, starts_at=starts_at, ends_at=starts_at + timedelta(hours=hours), status=status
    )


def _action(client, url, action, rows, **data):
    return client.post(url, {"action": action, "_selected_action": [row.pk for row in rows], **data}, follow=True)


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# --- publish ---------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_publishing_selected_drafts_mails_each_person_once(root_client, alex, sam, mcr):
    alex.email, sam.email = "alex@example.org", "sam@example.org"
    alex.save(), sam.save()
    drafts = [_draft(alex, mcr, london(2026, 3, 2, 6)), _draft(alex, mcr, london(2026, 3, 3, 6))]
    drafts.append(_draft(sam, mcr, london(2026, 3, 2, 14)))

    response = _action(root_client, SHIFTS, "publish_selected", drafts)

    assert set(Shift.objects.values_list("status", flat=True)) == {ShiftStatus.PUBLISHED}
    assert any(message.startswith("Published 3:") for message in _messages(response))
    emails = OutboundEmail.objects.order_by("recipients")
    assert [email.recipients for email in emails] == [["alex@example.org"], ["sam@example.org"]]
    assert "2 shifts of yours have been published" in emails[0].body
    assert "from 06:00 to 14:00 on 3 Mar (Europe/London)" in emails[0].body


@pytest.mark.django_db
def test_publish_rechecks_time_off_and_rest_and_reports_skips(root_client, alex, sam, mcr):
    TimeOffRequestFactory(
        user=alex, kind=TimeOffKind.VACATION, starts_on=date(2026, 3, 2), ends_on=date(2026, 3, 2),
        status=TimeOffStatus.APPROVED,
    )  # fmt: skip
    over_time_off = _draft(alex, mcr, london(2026, 3, 2, 6))
    _draft(sam, mcr, london(2026, 3, 2, 6), status=ShiftStatus.PUBLISHED)
    short_rest = _draft(sam, mcr, london(2026, 3, 2, 20))  # 6 h after the published one (made behind the rules)
    already = _draft(sam, mcr, london(2026, 3, 5, 6), status=ShiftStatus.PUBLISHED)

    response = _action(root_client, SHIFTS, "publish_selected", [over_time_off, short_rest, already])

    text = " | ".join(_messages(response))
    assert "Alex Doe has approved vacation time off on 2 Mar 2026" in text
    assert "Sam Roe would have 6 h of rest after the shift at LON-MCR1 ending Mon 2 Mar 14:00" in text
    assert "it is published, not a draft." in text
    assert Shift.objects.get(pk=over_time_off.pk).status == ShiftStatus.DRAFT
    assert OutboundEmail.objects.count() == 0


@pytest.mark.django_db
def test_publish_a_week_page_publishes_the_drafts_of_that_local_week(root_client, alex, mcr):
    inside = _draft(alex, mcr, london(2026, 3, 8, 20))  # Sunday evening: still the week of Mon 2 Mar
    outside = _draft(alex, mcr, london(2026, 3, 9, 8))
    url = reverse("admin:scheduling_shift_publish_week")

    assert root_client.get(url).status_code == 200
    response = root_client.post(url, {"location": mcr.location.pk, "week_of": "2026-03-04"}, follow=True)

    assert response.status_code == 200
    assert Shift.objects.get(pk=inside.pk).status == ShiftStatus.PUBLISHED
    assert Shift.objects.get(pk=outside.pk).status == ShiftStatus.DRAFT


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_supervisors_publishing_conflicting_shifts_at_once_only_one_wins(alex, mcr, root):
    # two drafts 6 h apart (made behind the rules, as an older roster could hold them): only one may be published
    first = _draft(alex, mcr, london(2026, 3, 2, 6))
    second = _draft(alex, mcr, london(2026, 3, 2, 20))
    barrier, results = threading.Barrier(2), {}

    def publish(shift):
        try:
            barrier.wait()
            results[shift.pk] = shift_publish(shifts=[shift], by=root)[0].done
        finally:
            connection.close()

    threads = [threading.Thread(target=publish, args=(shift,)) for shift in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results.values()) == [False, True]
    assert Shift.objects.filter(status=ShiftStatus.PUBLISHED).count() == 1


# --- copy a week -----------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_copy_week_keeps_local_times_across_dst_and_reports_skips(alex, sam, mcr, root):
    _draft(alex, mcr, london(2026, 3, 23, 6))  # Mon before London's spring change
    _draft(sam, mcr, london(2026, 3, 24, 22))  # a night
    _draft(alex, mcr, london(2026, 3, 30, 18), hours=4)  # 4 h after alex's copy would end
    outcomes = shift_copy_week(location=mcr.location, week_of=date(2026, 3, 25), weeks=1, by=root)

    done = {outcome.item.user_id: outcome for outcome in outcomes if outcome.done}
    skipped = [outcome for outcome in outcomes if not outcome.done]
    assert [outcome.item.user_id for outcome in skipped] == [alex.pk]
    assert "would have 4 h of rest before the shift at LON-MCR1 starting Mon 30 Mar 18:00" in skipped[0].message
    copy = Shift.objects.get(pk=done[sam.pk].item.pk)
    assert copy.status == ShiftStatus.DRAFT
    assert copy.starts_at == london(2026, 3, 31, 22)  # 21:00 UTC now, 22:00 UTC the week before
    assert copy.starts_at.astimezone(UTC).hour == 21


@pytest.mark.django_db
def test_copy_week_page_copies_to_the_next_weeks(root_client, alex, mcr):
    _draft(alex, mcr, london(2026, 3, 2, 6), status=ShiftStatus.PUBLISHED)

    response = root_client.post(
        reverse("admin:scheduling_shift_copy_week"),
        {"location": mcr.location.pk, "week_of": "2026-03-02", "weeks": 2},
        follow=True,
    )

    assert any(message.startswith("Copied as drafts 2:") for message in _messages(response))
    starts = list(Shift.objects.filter(status=ShiftStatus.DRAFT).order_by("starts_at").values_list("starts_at"))
    assert [start for (start,) in starts] == [london(2026, 3, 9, 6), london(2026, 3, 16, 6)]


# --- cancel and reassign ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_cancel_and_reassign_through_the_console(root_client, alex, sam, mcr):
    one = _draft(alex, mcr, london(2026, 3, 2, 6))
    two = _draft(alex, mcr, london(2026, 3, 3, 6))
    _draft(sam, mcr, london(2026, 3, 3, 20))  # sam would get 6 h of rest after `two`

    _action(root_client, SHIFTS, "cancel_selected", [one])
    form = _action(root_client, SHIFTS, "reassign_selected", [one, two])
    response = _action(root_client, SHIFTS, "reassign_selected", [two], apply="1", person=sam.pk)

    assert Shift.objects.get(pk=one.pk).status == ShiftStatus.CANCELLED
    assert "Reassign shifts" in form.content.decode()
    assert "Sam Roe would have 6 h of rest before the shift" in " ".join(_messages(response))
    assert Shift.objects.get(pk=two.pk).user == alex


# --- time off review -----------------------------------------------------------------------------------------------


@pytest.fixture
def pending(alex):
    alex.email = "alex@example.org"
    alex.save()
    return TimeOffRequestFactory(
        user=alex, kind=TimeOffKind.VACATION, starts_on=date(2026, 3, 3), ends_on=date(2026, 3, 4),
        status=TimeOffStatus.PENDING,
    )  # fmt: skip


@pytest.mark.django_db
def test_approving_lists_the_overlapping_shifts_and_mails_the_requester(root_client, pending, alex, mcr, root):
    shift = _draft(alex, mcr, london(2026, 3, 4, 6), status=ShiftStatus.PUBLISHED)

    form = _action(root_client, TIME_OFF, "approve_selected", [pending])
    response = _action(root_client, TIME_OFF, "approve_selected", [pending], apply="1", note="Enjoy")

    assert "Cancel the overlapping shifts" in form.content.decode()
    pending.refresh_from_db()
    assert (pending.status, pending.reviewed_by, pending.review_note) == (TimeOffStatus.APPROVED, root, "Enjoy")
    assert "overlaps live shifts, still on the roster: Alex Doe, LON-MCR1 from 06:00 to 14:00 on 4 Mar" in " ".join(
        _messages(response)
    )
    assert Shift.objects.get(pk=shift.pk).status == ShiftStatus.PUBLISHED
    email = OutboundEmail.objects.get()
    assert email.recipients == ["alex@example.org"] and "approved by Robin Root" in email.body
    assert "Note: Enjoy" in email.body


@pytest.mark.django_db
def test_approving_can_cancel_the_overlapping_shifts(root_client, pending, alex, mcr):
    shift = _draft(alex, mcr, london(2026, 3, 3, 6), status=ShiftStatus.PUBLISHED)

    _action(root_client, TIME_OFF, "approve_selected", [pending], apply="1", note="", cancel_overlapping="on")

    assert Shift.objects.get(pk=shift.pk).status == ShiftStatus.CANCELLED
    assert "These shifts of yours have been cancelled" in OutboundEmail.objects.get().body


@pytest.mark.django_db
def test_denying_mails_the_requester_and_a_reviewed_request_is_skipped(root_client, pending):
    _action(root_client, TIME_OFF, "deny_selected", [pending], apply="1", note="Short-staffed")
    again = _action(root_client, TIME_OFF, "deny_selected", [pending], apply="1", note="again")

    assert TimeOffRequest.objects.get(pk=pending.pk).status == TimeOffStatus.DENIED
    assert "it is denied, not pending." in " ".join(_messages(again))
    email = OutboundEmail.objects.get()
    assert email.subject.startswith("Time off denied") and "Note: Short-staffed" in email.body


@pytest.mark.django_db
def test_approving_can_give_the_overlapping_shifts_to_someone_else_with_every_rule_checked(
    root_client, pending, alex, sam, mcr
):
    shift = _draft(alex, mcr, london(2026, 3, 3, 6), status=ShiftStatus.PUBLISHED)
    # sam works until 01:00 that night: 5 hours before the 06:00 shift, short of the 8-hour rest
    late = _draft(sam, mcr, london(2026, 3, 2, 17), status=ShiftStatus.PUBLISHED)
    late.ends_at = london(2026, 3, 3, 1)
    late.save()

    form = _action(root_client, TIME_OFF, "approve_selected", [pending])
    assert f'<option value="{sam.pk}"' not in form.content.decode(), "sam lacks the rest: not offered"
    refused = _action(root_client, TIME_OFF, "approve_selected", [pending], apply="1", note="", reassign_to=sam.pk)

    assert TimeOffRequest.objects.get(pk=pending.pk).status == TimeOffStatus.PENDING, "nothing approved"
    assert Shift.objects.get(pk=shift.pk).user == alex
    assert "Select a valid choice" in refused.content.decode()

    late.delete()
    form = _action(root_client, TIME_OFF, "approve_selected", [pending])
    assert f'<option value="{sam.pk}"' in form.content.decode(), "with his rest, sam is offered"
    done = _action(root_client, TIME_OFF, "approve_selected", [pending], apply="1", note="", reassign_to=sam.pk)

    assert TimeOffRequest.objects.get(pk=pending.pk).status == TimeOffStatus.APPROVED
    assert Shift.objects.get(pk=shift.pk).user == sam
    assert "the overlapping shifts went to Sam Roe" in " ".join(_messages(done))


@pytest.mark.django_db
def test_the_approve_service_refuses_to_give_a_shift_to_someone_it_breaks_a_rule_for(root, pending, alex, sam, mcr):
    shift = _draft(alex, mcr, london(2026, 3, 3, 6), status=ShiftStatus.PUBLISHED)
    late = _draft(sam, mcr, london(2026, 3, 2, 17), status=ShiftStatus.PUBLISHED)
    late.ends_at = london(2026, 3, 3, 1)  # 5 hours before the 06:00 shift, short of the 8-hour rest
    late.save()

    with pytest.raises(ValidationError) as refused:
        time_off_request_approve(time_off_request=pending, by=root, reassign_to=sam)

    assert "cannot go to Sam Roe" in " ".join(refused.value.messages)
    assert TimeOffRequest.objects.get(pk=pending.pk).status == TimeOffStatus.PENDING, "nothing approved"
    assert Shift.objects.get(pk=shift.pk).user == alex


@pytest.mark.django_db
def test_cancel_and_reassign_together_is_refused_on_the_form(root_client, pending, alex, sam, mcr):
    _draft(alex, mcr, london(2026, 3, 3, 6), status=ShiftStatus.PUBLISHED)  # something to cancel or give away
    response = _action(
        root_client, TIME_OFF, "approve_selected", [pending], apply="1", cancel_overlapping="on", reassign_to=sam.pk
    )

    assert "not both" in response.content.decode()
    assert TimeOffRequest.objects.get(pk=pending.pk).status == TimeOffStatus.PENDING


@pytest.mark.django_db
def test_a_request_is_approved_from_its_own_page(root_client, pending, alex, mcr):
    shift = _draft(alex, mcr, london(2026, 3, 3, 6), status=ShiftStatus.PUBLISHED)
    url = reverse("admin:scheduling_timeoffrequest_approve_detail", args=[pending.pk])
    page = root_client.get(reverse("admin:scheduling_timeoffrequest_change", args=[pending.pk]))
    assert f'href="{url}"' in page.content.decode()

    form = root_client.get(url)
    assert form.status_code == 200 and "Cancel the overlapping shifts" in form.content.decode()
    assert TimeOffRequest.objects.get(pk=pending.pk).status == TimeOffStatus.PENDING, "a GET reviews nothing"
    response = root_client.post(url, {"note": "Cover found", "cancel_overlapping": "on"})

    assert response["Location"] == reverse("admin:scheduling_timeoffrequest_change", args=[pending.pk])
    pending.refresh_from_db()
    assert (pending.status, pending.review_note) == (TimeOffStatus.APPROVED, "Cover found")
    assert Shift.objects.get(pk=shift.pk).status == ShiftStatus.CANCELLED


@pytest.mark.django_db
def test_a_request_denied_from_its_page_and_a_second_review_says_why_not(root_client, pending):
    url = reverse("admin:scheduling_timeoffrequest_deny_detail", args=[pending.pk])

    root_client.post(url, {"note": "Short-staffed"})
    again = root_client.post(url, {"note": "again"}, follow=True)

    assert TimeOffRequest.objects.get(pk=pending.pk).status == TimeOffStatus.DENIED
    assert "it is denied, not pending." in " ".join(str(message) for message in again.context["messages"])
