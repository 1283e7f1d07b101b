"""A task on a real Celery worker (Redis broker, solo pool in a thread) writes as the system, under its task id."""

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core import mail

from apps.audit import task_context
from apps.core.actors import system_user
from apps.notifications.choices import EmailStatus
from apps.notifications.models import OutboundEmail
from apps.notifications.tasks import send_outbound_email
from tests.audit.helpers import assert_attributed
from tests.factories import OutboundEmailFactory

pytestmark = [
    pytest.mark.celery_worker,
    # the worker has its own database connection: it sees only committed rows
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not settings.CELERY_BROKER_URL.startswith("redis"), reason="needs Redis as the broker (set REDIS_URL)"
    ),
]

TASK_TIMEOUT = 30


@pytest.fixture
def worker(monkeypatch):
    from portal.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", False)
    # from the settings again: a test may have pointed the app elsewhere (tests/test_health.py resets it to None)
    monkeypatch.setitem(app.conf, "broker_url", settings.CELERY_BROKER_URL)
    app.control.purge()  # nothing left over from an earlier run reaches this worker
    with start_worker(app, perform_ping_check=False, loglevel="WARNING", shutdown_timeout=TASK_TIMEOUT) as started:
        yield started


def test_each_task_writes_as_the_system_under_its_own_task_id(worker):
    first, second = OutboundEmailFactory(), OutboundEmailFactory()

    results = [send_outbound_email.delay(first.pk), send_outbound_email.delay(second.pk)]
    for result in results:
        result.get(timeout=TASK_TIMEOUT)

    assert len(mail.outbox) == 2
    assert results[0].id != results[1].id
    for email, result in zip((first, second), results, strict=True):
        # claimed ("sending"), then sent: both changes are the task's
        rows = OutboundEmail.history.filter(id=email.pk, history_type="~").order_by("history_date")
        assert [row.status for row in rows] == [EmailStatus.SENDING, EmailStatus.SENT]
        for row in rows:
            assert_attributed(row, user=system_user(), reason=f"Task: {send_outbound_email.name}", request_id=result.id)
    assert task_context._open == {}, "every context the worker opened was closed"
