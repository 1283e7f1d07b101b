"""Writes made in the console name what was done, and share the request's id with everything else it wrote."""

import pytest
from django.urls import reverse

from apps.facilities.models import Location, LocationUserObjectPermission
from apps.notifications.choices import EmailStatus
from tests.factories import LocationFactory, OutboundEmailFactory
from tests.tickets.html_forms import form_data

pytestmark = pytest.mark.django_db

NO_FACILITIES = {
    "facilities-TOTAL_FORMS": "0",
    "facilities-INITIAL_FORMS": "0",
    "facilities-MIN_NUM_FORMS": "0",
    "facilities-MAX_NUM_FORMS": "1000",
}


@pytest.fixture
def root_client(login, root):
    return login(root)


def newest(history):
    return history.order_by("-history_date", "-history_id").first()


def assert_written_by_the_request(row, response, reason, user):
    assert (row.history_change_reason, row.history_user, row.request_id) == (reason, user, response["X-Request-ID"])


def test_add_and_change_forms(root_client, root):
    added = root_client.post(
        reverse("admin:facilities_location_add"),
        {"code": "BHAM", "name": "Birmingham", "timezone": "Europe/London", "is_active": "on", **NO_FACILITIES},
    )
    assert added.status_code == 302
    location = Location.objects.get(code="BHAM")
    assert_written_by_the_request(newest(location.history), added, "Added in the console", root)

    change_url = reverse("admin:facilities_location_change", args=[location.pk])
    data = form_data(root_client.get(change_url), "location_form")
    changed = root_client.post(change_url, {**data, "name": "Birmingham Mailbox"})
    assert changed.status_code == 302
    assert_written_by_the_request(newest(location.history), changed, "Changed in the console", root)


def test_delete_page_and_delete_selected(root_client, root):
    one, other = LocationFactory(), LocationFactory()

    deleted = root_client.post(reverse("admin:facilities_location_delete", args=[one.pk]), {"post": "yes"})
    assert deleted.status_code == 302
    row = newest(Location.history.filter(id=one.pk))
    assert row.history_type == "-"
    assert_written_by_the_request(row, deleted, "Deleted in the console", root)

    deleted = root_client.post(
        reverse("admin:facilities_location_changelist"),
        {"action": "delete_selected", "_selected_action": [other.pk], "post": "yes"},
    )
    assert deleted.status_code == 302
    assert not Location.objects.filter(pk=other.pk).exists()
    assert_written_by_the_request(newest(Location.history.filter(id=other.pk)), deleted, "Deleted in the console", root)


def test_changelist_action_and_unfold_detail_action(root_client, root):
    email = OutboundEmailFactory(status=EmailStatus.FAILED)

    response = root_client.post(
        reverse("admin:notifications_outboundemail_changelist"),
        {"action": "retry_sending", "_selected_action": [email.pk]},
    )
    assert response.status_code == 302
    retried = email.history.filter(request_id=response["X-Request-ID"]).order_by("history_date").first()
    assert_written_by_the_request(retried, response, "Console action: Retry sending", root)

    email.status = EmailStatus.FAILED
    email.save()
    response = root_client.get(reverse("admin:notifications_outboundemail_retry_sending_detail", args=[email.pk]))
    assert response.status_code == 302
    retried = email.history.filter(request_id=response["X-Request-ID"]).order_by("history_date").first()
    assert_written_by_the_request(retried, response, "Console action: Retry sending", root)


def test_object_permission_screen(root_client, root, london, alex):
    """Scope grants are kept with history: guardian's screen names its writes too."""
    url = reverse("admin:facilities_location_permissions_manage_user", args=[london.pk, alex.pk])

    response = root_client.post(url, {"permissions": ["cover_location"]})

    assert response.status_code == 302
    grant = LocationUserObjectPermission.objects.get(user=alex, content_object=london)
    reason = "Object permissions changed in the console"
    assert_written_by_the_request(newest(grant.history), response, reason, root)
