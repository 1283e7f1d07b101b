"""Import jobs on a real Celery worker (Redis broker, solo pool in a thread): live progress, one e-mail, all or nothing.

The job page polls the status URL while the worker imports in its own transaction; progress reaches the page
through the cache (Redis), not the job row.
"""

import csv
import io
import time
from datetime import date, timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.console.scheduling.admin import ShiftAdmin
from apps.dataio.choices import ImportStatus
from apps.dataio.models import ImportJob
from apps.notifications.models import OutboundEmail
from apps.scheduling.models import Shift
from apps.scheduling.resources import ShiftResource
from tests.factories import ShiftFactory, UserFactory
from tests.scheduling.conftest import london

pytestmark = [
    pytest.mark.celery_worker,
    # the worker has its own database connection: it sees only committed rows
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not settings.CELERY_BROKER_URL.startswith("redis"), reason="needs Redis as the broker (set REDIS_URL)"
    ),
]

HEADERS = ["Employee ID", "Facility", "Position", "Starts", "Ends", "Status", "Notes"]
PEOPLE = 20
DAYS = 150  # PEOPLE x DAYS rows
JOB_TIMEOUT = 120


@pytest.fixture
def worker(monkeypatch, settings):
    from portal.celery import app

    settings.IMPORT_BACKGROUND_ROWS = 10
    if not ShiftAdmin.resource_classes:
        monkeypatch.setattr(ShiftAdmin, "resource_classes", [ShiftResource])
    monkeypatch.setitem(app.conf, "task_always_eager", False)
    monkeypatch.setitem(app.conf, "broker_url", settings.CELERY_BROKER_URL)
    app.control.purge()
    with start_worker(app, perform_ping_check=False, loglevel="WARNING", shutdown_timeout=JOB_TIMEOUT) as started:
        yield started


@pytest.fixture
def people(mcr):
    return [UserFactory(username=f"op{n}", employee_id=f"E4{n:04d}", home_location=mcr.location) for n in range(PEOPLE)]


def roster(people, *, mcr_code="LON-MCR1") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    first = date(2026, 7, 1)
    for person in people:
        for offset in range(DAYS):
            day = first + timedelta(days=offset)
            writer.writerow([person.employee_id, mcr_code, "MCR operator", f"{day} 06:00", f"{day} 14:00", "Draft", ""])
    return buffer.getvalue().encode()


def watch(client, job: ImportJob) -> list[dict]:
    """Poll the job's status URL as its page does, until it ends; every answer, in order."""
    url = reverse("admin:dataio_importjob_status", args=[job.uid])
    seen = []
    deadline = time.monotonic() + JOB_TIMEOUT
    while time.monotonic() < deadline:
        response = client.get(url)
        assert response.status_code == 200
        seen.append(response.json())
        if seen[-1]["finished"]:
            return seen
        time.sleep(0.05)
    raise AssertionError(f"job {job.uid} did not finish in {JOB_TIMEOUT}s; last status {seen[-1]}")


def finished_email(job: ImportJob) -> OutboundEmail:
    """The job's e-mail: queued by the worker just after the job's end is committed (the page may see the end first)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        email = OutboundEmail.objects.filter(idempotency_key=f"import-job:{job.uid}:finished").first()
        if email is not None:
            return email
        time.sleep(0.05)
    raise AssertionError(f"no e-mail for job {job.uid}")


def latest_preview() -> ImportJob:
    return ImportJob.objects.filter(dry_run=True).latest("created_at")


def test_a_large_import_shows_live_progress_and_mails_its_creator_once(worker, root_client, root, people):
    rows = PEOPLE * DAYS

    response = root_client.post(
        reverse("admin:scheduling_shift_import"),
        {"import_file": SimpleUploadedFile("roster.csv", roster(people), content_type="text/csv")},
    )
    preview = latest_preview()
    assert response["Location"] == reverse("admin:dataio_importjob_change", args=[preview.pk])
    seen = watch(root_client, preview)

    assert seen[-1]["status"] == "succeeded" and seen[-1]["summary"]["new"] == rows
    assert any(0 < answer["processed"] < rows for answer in seen if not answer["finished"]), seen
    processed = [answer["processed"] for answer in seen]
    assert processed == sorted(processed), "progress never goes back"

    response = root_client.post(reverse("admin:scheduling_shift_process_import"), {"job": str(preview.uid)})
    job = preview.imports.get()
    assert response["Location"] == reverse("admin:dataio_importjob_change", args=[job.pk])
    seen = watch(root_client, job)

    assert seen[-1] == {
        "status": "succeeded",
        "processed": rows,
        "total": rows,
        "percent": 100,
        "finished": True,
        "summary": {"total": rows, "new": rows, "updated": 0, "unchanged": 0, "errors": 0, "error_rows": 0},
    }
    assert any(answer["status"] == "running" for answer in seen)
    assert Shift.objects.count() == rows
    record = Shift.history.filter(user=people[0]).first()
    assert record.history_user == root and record.history_change_reason == f"Import job {job.uid}: roster.csv"
    assert finished_email(job).subject == f"Import of roster.csv finished: {rows:,} new, 0 updated"
    assert finished_email(preview).subject == f"Preview of roster.csv finished: {rows:,} new, 0 updated"
    assert OutboundEmail.objects.count() == 2, "one e-mail per job"


def test_a_failing_import_ends_failed_with_its_errors_and_writes_nothing(worker, root_client, alex, mcr, people):
    response = root_client.post(
        reverse("admin:scheduling_shift_import"),
        {"import_file": SimpleUploadedFile("roster.csv", roster([alex, *people]), content_type="text/csv")},
    )
    assert response.status_code == 302
    preview = latest_preview()
    assert watch(root_client, preview)[-1]["status"] == "succeeded"
    # between the preview and the confirm, alex gets a clashing shift on the last day of the file
    last_day = date(2026, 7, 1) + timedelta(days=DAYS - 1)
    ShiftFactory(
        user=alex,
        facility=mcr,
        starts_at=london(last_day.year, last_day.month, last_day.day, 10),
        ends_at=london(last_day.year, last_day.month, last_day.day, 18),
    )

    root_client.post(reverse("admin:scheduling_shift_process_import"), {"job": str(preview.uid)})
    job = preview.imports.get()
    seen = watch(root_client, job)

    assert seen[-1]["status"] == "failed" and seen[-1]["summary"]["errors"] == 1
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert [(error["row"], error["column"]) for error in job.row_errors] == [(DAYS + 1, "Starts")]
    assert job.row_errors[0]["message"].startswith("Alex Doe already has a shift")
    assert Shift.objects.count() == 1, "nothing of the file was written"
    email = finished_email(job)
    assert email.subject == "Import of roster.csv failed: 1 error"
    page = root_client.get(reverse("admin:dataio_importjob_change", args=[job.pk]))
    assert "Alex Doe already has a shift" in page.content.decode()
