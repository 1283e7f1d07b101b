"""Reviewing time off in the console: what approving would touch is shown before anyone approves, a request's
page offers only the steps its status allows, pending requests come first, and shifts never go to the requester."""

import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.scheduling.choices import ShiftStatus, TimeOffStatus
from apps.scheduling.models import TimeOffRequest
from tests.factories import ShiftFactory, TimeOffRequestFactory, UserFactory

from .conftest import london, page_text

pytestmark = pytest.mark.django_db

TIME_OFF = reverse("admin:scheduling_timeoffrequest_changelist")


def change_url(request):
    return reverse("admin:scheduling_timeoffrequest_change", args=[request.pk])


def detail_url(name, request):
    return reverse(f"admin:scheduling_timeoffrequest_{name}_detail", args=[request.pk])


def published(person, facility, starts_at):
    return ShiftFactory(
        user=person, facility=facility, starts_at=starts_at, ends_at=starts_at + timedelta(hours=8),
        status=ShiftStatus.PUBLISHED,
    )  # fmt: skip


def request_of(person, first, last, status=TimeOffStatus.PENDING, **fields):
    return TimeOffRequestFactory(user=person, starts_on=first, ends_on=last, status=status, **fields)


def options(html: str, select_name: str) -> list[str]:
    select = re.search(rf'<select name="{select_name}".*?</select>', html, re.S)
    assert select, f"no select {select_name!r}"
    return [value for value in re.findall(r'<option value="([^"]*)"', select.group(0)) if value]


def test_the_approve_page_lists_the_shifts_on_those_days_before_anything_is_approved(login, supervisor, alex, mcr):
    request = request_of(alex, date(2026, 3, 3), date(2026, 3, 4))
    published(alex, mcr, london(2026, 3, 4, 6))
    published(alex, mcr, london(2026, 3, 9, 6))  # after the request: not listed
    client = login(supervisor)

    on_its_page = page_text(client.get(detail_url("approve", request)))
    from_the_list = page_text(
        client.post(TIME_OFF, {"action": "approve_selected", "_selected_action": [request.pk]})
    )

    for html in (on_its_page, from_the_list):
        assert "1 live shift on these days:" in html
        assert "Alex Doe, LON-MCR1 from 06:00 to 14:00 on 4 Mar (Europe/London)" in html
        assert "9 Mar" not in html
        assert "Cancel the overlapping shifts" in html
    assert TimeOffRequest.objects.get(pk=request.pk).status == TimeOffStatus.PENDING


def test_the_request_page_shows_the_shifts_on_its_days(login, supervisor, alex, mcr):
    request = request_of(alex, date(2026, 3, 3), date(2026, 3, 4))
    published(alex, mcr, london(2026, 3, 3, 22))

    html = page_text(login(supervisor).get(change_url(request)))

    assert "Shifts on these days" in html
    assert "Alex Doe, LON-MCR1 from 22:00 on 3 Mar to 06:00 on 4 Mar (Europe/London)" in html


def test_with_no_shift_on_those_days_approving_asks_nothing_about_shifts(login, supervisor, alex):
    request = request_of(alex, date(2026, 3, 3), date(2026, 3, 4))

    html = page_text(login(supervisor).get(detail_url("approve", request)))

    assert "No shifts on these days." in html
    assert 'name="cancel_overlapping"' not in html and 'name="reassign_to"' not in html
    response = login(supervisor).post(detail_url("approve", request), {"note": "Enjoy"})
    assert response.status_code == 302
    assert TimeOffRequest.objects.get(pk=request.pk).status == TimeOffStatus.APPROVED


def test_give_the_shifts_to_never_offers_the_requester(login, supervisor, alex, sam, mcr):
    request = request_of(alex, date(2026, 3, 3), date(2026, 3, 4))
    published(alex, mcr, london(2026, 3, 3, 6))
    client = login(supervisor)

    for html in (
        page_text(client.get(detail_url("approve", request))),
        page_text(client.post(TIME_OFF, {"action": "approve_selected", "_selected_action": [request.pk]})),
    ):
        offered = options(html, "reassign_to")
        assert str(sam.pk) in offered
        assert str(alex.pk) not in offered

    refused = client.post(detail_url("approve", request), {"note": "", "reassign_to": alex.pk})
    assert refused.status_code == 200 and "Select a valid choice" in page_text(refused)
    assert TimeOffRequest.objects.get(pk=request.pk).status == TimeOffStatus.PENDING


def test_a_request_page_offers_only_the_steps_its_status_allows(login, supervisor, alex, sam):
    pending = request_of(alex, date(2026, 3, 3), date(2026, 3, 4))
    approved = request_of(
        alex, date(2026, 4, 3), date(2026, 4, 4), TimeOffStatus.APPROVED,
        reviewed_by=supervisor, reviewed_at=timezone.now(),
    )  # fmt: skip
    denied = request_of(alex, date(2026, 5, 3), date(2026, 5, 4), TimeOffStatus.DENIED)
    client = login(supervisor)

    def offered(request) -> set[str]:
        html = page_text(client.get(change_url(request)))
        return {name for name in ("approve", "deny", "cancel") if f'href="{detail_url(name, request)}"' in html}

    assert offered(pending) == {"approve", "deny", "cancel"}
    assert offered(approved) == {"cancel"}
    assert offered(denied) == set()


def test_nobody_is_offered_the_review_of_their_own_request(login, supervisor):
    own = request_of(supervisor, date(2026, 3, 3), date(2026, 3, 4))

    html = page_text(login(supervisor).get(change_url(own)))

    assert f'href="{detail_url("approve", own)}"' not in html
    assert f'href="{detail_url("deny", own)}"' not in html
    assert f'href="{detail_url("cancel", own)}"' in html  # withdrawing one's own request is fine


def test_pending_requests_come_first_the_soonest_first(login, supervisor, alex, sam, london_hq):
    kim = UserFactory(username="kim", first_name="Kim", last_name="Poe", home_location=london_hq)
    old_approved = request_of(alex, date(2026, 1, 5), date(2026, 1, 6), TimeOffStatus.APPROVED)
    late_approved = request_of(sam, date(2026, 9, 5), date(2026, 9, 6), TimeOffStatus.APPROVED)
    pending_later = request_of(kim, date(2026, 6, 1), date(2026, 6, 2))
    pending_sooner = request_of(alex, date(2026, 4, 1), date(2026, 4, 2))
    denied = request_of(sam, date(2026, 5, 1), date(2026, 5, 1), TimeOffStatus.DENIED)

    response = login(supervisor).get(TIME_OFF)

    assert list(response.context["cl"].result_list) == [
        pending_sooner,
        pending_later,
        late_approved,
        denied,
        old_approved,
    ]
