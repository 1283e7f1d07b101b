from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from apps.notifications.choices import EmailStatus
from apps.notifications.models import OutboundEmail
from tests.factories import OutboundEmailFactory, SuperUserFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:notifications_outboundemail_changelist"


@pytest.fixture
def admin_client(client):
    client.force_login(SuperUserFactory(username="root"))
    return client


def test_changelist_shows_status_and_recipients(admin_client):
    OutboundEmailFactory(subject="Loss of signal", recipients=["mcr@example.org", "eng@example.org"])
    OutboundEmailFactory(subject="Encoder fault", status=EmailStatus.FAILED, last_error="refused")

    response = admin_client.get(reverse(CHANGELIST))

    assert response.status_code == 200
    content = response.content.decode()
    assert "mcr@example.org, eng@example.org" in content
    assert "Failed" in content and "Queued" in content


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "signal"}, ["Loss of signal"]),
        ({"q": "eng@example"}, ["Loss of signal"]),
        ({"status__exact": EmailStatus.FAILED}, ["Encoder fault"]),
        ({"created_at_from": "2000-01-01"}, ["Encoder fault", "Loss of signal"]),
        ({"created_at_to": "2000-01-01"}, []),
    ],
)
def test_changelist_search_and_filters(admin_client, params, expected):
    OutboundEmailFactory(subject="Loss of signal", recipients=["eng@example.org"])
    OutboundEmailFactory(subject="Encoder fault", status=EmailStatus.FAILED)

    response = admin_client.get(reverse(CHANGELIST), params)

    assert response.status_code == 200
    assert sorted(e.subject for e in response.context["cl"].result_list) == expected


def test_created_date_range_includes_both_days(admin_client):
    OutboundEmailFactory(subject="Today")
    yesterday = OutboundEmailFactory(subject="Yesterday")
    OutboundEmail.objects.filter(pk=yesterday.pk).update(created_at=timezone.now() - timedelta(days=1))
    today = timezone.localdate().isoformat()

    response = admin_client.get(reverse(CHANGELIST), {"created_at_from": today, "created_at_to": today})

    assert [e.subject for e in response.context["cl"].result_list] == ["Today"]


def test_no_add_and_detail_is_read_only(admin_client):
    email = OutboundEmailFactory()

    assert admin_client.get(reverse("admin:notifications_outboundemail_add")).status_code == 403
    response = admin_client.get(reverse("admin:notifications_outboundemail_change", args=[email.pk]))
    assert response.status_code == 200
    assert email.subject in response.content.decode()


def test_retry_action_sends_failed_and_queued_rows(admin_client, django_capture_on_commit_callbacks):
    failed = OutboundEmailFactory(status=EmailStatus.FAILED, attempts=6, last_error="refused")
    queued = OutboundEmailFactory()

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse(CHANGELIST),
            {"action": "retry_sending", "_selected_action": [failed.pk, queued.pk]},
            follow=True,
        )

    assert response.status_code == 200
    assert "2 message(s) queued for sending." in response.content.decode()
    failed.refresh_from_db()
    queued.refresh_from_db()
    assert (failed.status, queued.status) == (EmailStatus.SENT, EmailStatus.SENT)
    assert len(mail.outbox) == 2


def test_retry_detail_action(admin_client, django_capture_on_commit_callbacks):
    failed = OutboundEmailFactory(status=EmailStatus.FAILED)
    url = reverse("admin:notifications_outboundemail_retry_sending_detail", args=[failed.pk])

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.get(url)

    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.status == EmailStatus.SENT


def test_retry_needs_change_permission(client):
    from django.contrib.auth.models import Permission

    viewer = UserFactory(is_staff=True, is_superuser=False)
    viewer.user_permissions.set(Permission.objects.filter(codename="view_outboundemail"))
    client.force_login(viewer)
    email = OutboundEmailFactory(status=EmailStatus.FAILED)

    response = client.get(reverse("admin:notifications_outboundemail_retry_sending_detail", args=[email.pk]))

    assert response.status_code == 403


def test_outbox_is_hidden_from_staff():
    from apps.notifications.selectors import outbound_emails_visible_to

    OutboundEmailFactory()

    assert not outbound_emails_visible_to(user=UserFactory()).exists()
    assert outbound_emails_visible_to(user=SuperUserFactory()).count() == 1


def test_a_message_being_sent_shows_as_sending_with_its_claim_and_message_id(admin_client):
    email = OutboundEmailFactory(subject="Loss of signal", status=EmailStatus.SENDING, claimed_at=timezone.now())

    listing = admin_client.get(reverse(CHANGELIST)).content.decode()
    detail = admin_client.get(reverse("admin:notifications_outboundemail_change", args=[email.pk])).content.decode()

    assert "Sending" in listing
    assert "Sending" in detail and "Claimed at" in detail
    assert escape(email.message_id) in detail


@pytest.mark.parametrize(
    ("claimed_seconds_ago", "status", "expected"),
    [
        (None, EmailStatus.SENT, "The message was already sent."),
        (5, EmailStatus.SENDING, "The message is being sent right now."),
        (3600, EmailStatus.FAILED, "A worker stopped while sending this message; it may already have been delivered."),
    ],
    ids=["sent", "sending", "interrupted"],
)
def test_retry_detail_explains_what_it_did_not_retry(
    admin_client, django_capture_on_commit_callbacks, claimed_seconds_ago, status, expected
):
    if claimed_seconds_ago is None:
        email = OutboundEmailFactory(status=EmailStatus.SENT, sent_at=timezone.now(), attempts=1)
    else:
        claimed_at = timezone.now() - timedelta(seconds=claimed_seconds_ago)
        email = OutboundEmailFactory(status=EmailStatus.SENDING, claimed_at=claimed_at, attempts=1)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = admin_client.get(
            reverse("admin:notifications_outboundemail_retry_sending_detail", args=[email.pk]), follow=True
        )

    assert callbacks == []
    assert escape(expected) in response.content.decode()
    email.refresh_from_db()
    assert (email.status, email.attempts) == (status, 1)
    assert mail.outbox == []


def test_retry_action_leaves_sent_and_sending_rows_and_says_so(admin_client, django_capture_on_commit_callbacks):
    sent = OutboundEmailFactory(status=EmailStatus.SENT, sent_at=timezone.now())
    sending = OutboundEmailFactory(status=EmailStatus.SENDING, claimed_at=timezone.now())

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse(CHANGELIST), {"action": "retry_sending", "_selected_action": [sent.pk, sending.pk]}, follow=True
        )

    content = response.content.decode()
    assert "0 message(s) queued for sending." in content
    assert "2 message(s) not queued: already sent, being sent, or interrupted mid-send" in content
    assert mail.outbox == []
