"""The console's Import button, through real admin requests: upload → preview → confirm, bad files, scope, jobs.

Celery runs eagerly here (tests/conftest.py); tests/dataio/test_import_job_worker.py runs the jobs on a real worker.
"""

import csv
import html
import io
import re

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from apps.console.scheduling.admin import ShiftAdmin
from apps.core.roles import Role
from apps.dataio.choices import ImportStatus
from apps.dataio.models import ImportJob
from apps.dataio.tasks import import_job_run
from apps.notifications.models import OutboundEmail
from apps.scheduling.models import Shift
from apps.scheduling.resources import ShiftResource
from tests.factories import FacilityFactory, LocationFactory, ShiftFactory, UserFactory
from tests.scheduling.conftest import london

pytestmark = pytest.mark.django_db

HEADERS = ["Employee ID", "Facility", "Position", "Starts", "Ends", "Status", "Notes"]
IMPORT_URL = reverse("admin:scheduling_shift_import")
CONFIRM_URL = reverse("admin:scheduling_shift_process_import")
CHANGELIST_URL = reverse("admin:scheduling_shift_changelist")


@pytest.fixture(autouse=True)
def shift_admin_imports(monkeypatch):
    """The Shift admin's Import button (another change registers the resources on every admin)."""
    if not ShiftAdmin.resource_classes:
        monkeypatch.setattr(ShiftAdmin, "resource_classes", [ShiftResource])


@pytest.fixture
def roles(db):
    call_command("load_reference_data", verbosity=0)


@pytest.fixture
def supervisor_client(client, roles, supervisor):
    client.force_login(supervisor)
    return client


def row(employee="E10001", facility="LON-MCR1", day=1, start="06:00", end="14:00", status="Draft", notes=""):
    return [employee, facility, "MCR operator", f"2026-07-{day:02d} {start}", f"2026-07-{day:02d} {end}", status, notes]


def csv_bytes(*rows, headers=HEADERS) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode()


def upload(client, data: bytes, name="shifts.csv", content_type="text/csv", **extra):
    return client.post(IMPORT_URL, {"import_file": SimpleUploadedFile(name, data, content_type=content_type), **extra})


def page(response) -> str:
    return html.unescape(response.content.decode())


def confirm(client, job: ImportJob):
    return client.post(CONFIRM_URL, {"job": str(job.uid)})


# --- upload and preview ------------------------------------------------------------------------------------------


def test_the_import_page_has_the_upload_form(root_client):
    response = root_client.get(IMPORT_URL)

    assert response.status_code == 200
    content = page(response)
    assert 'name="import_file"' in content
    assert "Employee ID, Facility, Position, Starts, Ends, Status, Notes" in content
    assert 'name="format"' not in content, "the format comes from the file's extension"


def test_the_preview_shows_counts_and_every_row_and_writes_nothing(root_client, alex, sam, mcr):
    ShiftFactory(
        user=alex,
        facility=mcr,
        position="MCR operator",
        starts_at=london(2026, 7, 1, 6),
        ends_at=london(2026, 7, 1, 14),
        notes="",
    )
    ShiftFactory(
        user=alex,
        facility=mcr,
        position="MCR operator",
        starts_at=london(2026, 7, 2, 6),
        ends_at=london(2026, 7, 2, 14),
        notes="",
    )
    data = csv_bytes(
        row(day=1),  # unchanged
        row(day=2, notes="late start"),  # update
        row(day=3),  # new
        row(employee="E10002", day=3, start="14:00", end="22:00"),  # new
    )

    response = upload(root_client, data)

    assert response.status_code == 200
    assert response.context["job_summary"] == {
        "total": 4,
        "new": 2,
        "updated": 1,
        "unchanged": 1,
        "errors": 0,
        "error_rows": 0,
        "key_columns": ["Employee ID", "Starts"],
    }
    assert [(r["row"], r["status"], r["key"]) for r in response.context["job_rows"]] == [
        (2, "unchanged", "E10001 · 2026-07-01 06:00"),
        (3, "update", "E10001 · 2026-07-02 06:00"),
        (4, "new", "E10001 · 2026-07-03 06:00"),
        (5, "new", "E10002 · 2026-07-03 14:00"),
    ]
    content = page(response)
    assert "Confirm import" in content
    assert "E10002 · 2026-07-03 14:00" in content
    assert Shift.objects.count() == 2
    job = ImportJob.objects.get()
    assert (job.dry_run, job.status, job.original_name, job.total_rows) == (
        True,
        ImportStatus.SUCCEEDED,
        "shifts.csv",
        4,
    )
    assert response.context["confirm_url"] == CONFIRM_URL


def test_the_row_list_stops_at_a_thousand_rows(root_client, settings, mcr):
    settings.IMPORT_BACKGROUND_ROWS = 5000
    settings.SHIFT_MIN_REST_HOURS = 0  # half-hour shifts half an hour apart: many rows, no rest between
    people = [UserFactory(employee_id=f"E3{n:04d}", home_location=mcr.location) for n in range(2)]
    rows = [
        row(employee=person.employee_id, day=1 + n % 28, start=f"{n // 28:02d}:00", end=f"{n // 28:02d}:30")
        for person in people
        for n in range(560)
    ]

    response = upload(root_client, csv_bytes(*rows))

    assert response.status_code == 200
    assert response.context["job_summary"]["new"] == 1120
    assert len(response.context["job_rows"]) == 1000
    assert "and 120 more rows" in page(response)


# --- confirm -----------------------------------------------------------------------------------------------------


def test_confirm_writes_the_rows_as_the_uploader_under_the_job(root_client, root, alex, sam, mcr):
    upload(root_client, csv_bytes(row(day=1), row(employee="E10002", day=1, start="14:00", end="22:00")))
    preview = ImportJob.objects.get()

    response = confirm(root_client, preview)

    assert response.status_code == 302
    assert response["Location"] == CHANGELIST_URL
    messages = [str(message) for message in response.wsgi_request._messages]
    assert messages == ["Imported shifts.csv: 2 new, 0 updated, 0 unchanged."]
    job = preview.imports.get()
    assert (job.dry_run, job.status, job.created_by) == (False, ImportStatus.SUCCEEDED, root)
    assert job.summary["new"] == 2 and job.started_at and job.finished_at
    record = Shift.objects.get(user=alex).history.get()
    assert record.history_user == root
    assert str(job.uid) in record.history_change_reason
    assert record.history_change_reason == f"Import job {job.uid}: shifts.csv"


def test_a_supervisor_imports_in_their_scope(supervisor_client, supervisor, alex, mcr):
    upload(supervisor_client, csv_bytes(row(day=1)))
    response = confirm(supervisor_client, ImportJob.objects.get())

    assert response.status_code == 302
    assert Shift.objects.get(user=alex).history.get().history_user == supervisor


def test_a_second_confirm_imports_nothing_more(root_client, alex, mcr):
    upload(root_client, csv_bytes(row(day=1)))
    preview = ImportJob.objects.get()
    confirm(root_client, preview)

    response = confirm(root_client, preview)

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:dataio_importjob_change", args=[preview.pk])
    assert "already been imported" in str(list(response.wsgi_request._messages)[-1])
    assert Shift.objects.count() == 1
    assert preview.imports.count() == 1


def test_a_confirm_that_now_fails_shows_the_errors_and_writes_nothing(root_client, alex, mcr):
    upload(root_client, csv_bytes(row(day=1)))
    preview = ImportJob.objects.get()
    # someone else puts alex on a clashing shift between the preview and the confirm
    ShiftFactory(user=alex, facility=mcr, starts_at=london(2026, 7, 1, 10), ends_at=london(2026, 7, 1, 18))

    response = confirm(root_client, preview)

    assert response.status_code == 200
    content = page(response)
    assert "Nothing was imported" in content
    assert "Alex Doe already has a shift" in content
    assert "Confirm import" not in content
    assert Shift.objects.count() == 1
    job = preview.imports.get()
    assert job.status == ImportStatus.FAILED and job.row_errors[0]["row"] == 2


def test_reimporting_the_same_file_changes_nothing(root_client, alex, sam, mcr):
    data = csv_bytes(row(day=1), row(employee="E10002", day=2))
    upload(root_client, data)
    confirm(root_client, ImportJob.objects.get())
    history = Shift.history.count()

    response = upload(root_client, data)

    assert response.context["job_summary"]["unchanged"] == 2
    assert (response.context["job_summary"]["new"], response.context["job_summary"]["updated"]) == (0, 0)
    assert {r["status"] for r in response.context["job_rows"]} == {"unchanged"}
    confirm(root_client, ImportJob.objects.filter(dry_run=True).first())
    assert Shift.history.count() == history


# --- bad files: a form error with the reason, nothing written, never a server error ----------------------------

DAMAGED_XLSX = b"PK\x03\x04" + b"\x00" * 40


@pytest.mark.parametrize(
    ("name", "data", "content_type", "message"),
    [
        (
            "shifts.pdf",
            b"%PDF-1.4",
            "application/pdf",
            "shifts.pdf is a .pdf file; upload a CSV, TSV, XLSX or JSON file.",
        ),
        ("shifts.csv", b"", "text/csv", "The submitted file is empty."),  # Django's own FileField check
        ("shifts.csv", b"  \n\n", "text/csv", "The file is empty."),
        ("shifts.csv", csv_bytes(), "text/csv", "The file has a header row but no data rows."),
        ("shifts.csv", "Employee ID\nE1\n".encode("utf-16"), "text/csv", "saved as UTF-16"),
        ("shifts.xlsx", DAMAGED_XLSX, "application/octet-stream", "The XLSX file is damaged or not really an XLSX"),
        (
            "shifts.csv",
            csv_bytes(row(), headers=[*HEADERS[:-1], "Shoe size"]),
            "text/csv",
            "Unknown column “Shoe size”",
        ),
        (
            "shifts.csv",
            csv_bytes(["LON-MCR1", "x"], headers=["Facility", "Position"]),
            "text/csv",
            "Missing required columns “Employee ID”, “Starts”",
        ),
        ("shifts.csv", csv_bytes(row(), row()), "text/csv", "Same Employee ID, Starts as row 2: a file may name each"),
        ("shifts.csv", csv_bytes(row(start="14:00", end="06:00")), "text/csv", "A shift must end after it starts."),
        (
            "shifts.csv",
            csv_bytes(row(status="Maybe")),
            "text/csv",
            "“Maybe” is not one of: Draft, Published, Cancelled.",
        ),
    ],
    ids=[
        "extension",
        "zero-bytes",
        "blank",
        "header-only",
        "undecodable",
        "corrupt-xlsx",
        "unknown-column",
        "missing-key-column",
        "duplicate-keys",
        "rule-break",
        "bad-choice",
    ],
)
def test_a_bad_upload_is_a_form_error_and_writes_nothing(root_client, alex, mcr, name, data, content_type, message):
    response = upload(root_client, data, name=name, content_type=content_type)

    assert response.status_code == 200
    assert response.context["form"].errors
    assert message in page(response)
    assert "Confirm import" not in page(response)
    assert Shift.objects.count() == 0


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(root_client, settings, alex, mcr):
    settings.IMPORT_MAX_UPLOAD_BYTES = 100
    data = csv_bytes(*[row(day=day) for day in range(1, 10)])

    response = upload(root_client, data)

    assert response.status_code == 200
    assert f"The file is larger than 100 bytes (it is {len(data)} bytes)." in page(response)
    assert not ImportJob.objects.exists()


def test_the_failing_rows_download_has_an_errors_column(root_client, alex, mcr):
    response = upload(root_client, csv_bytes(row(day=1), row(day=2, status="Maybe"), row(employee="E99999", day=3)))
    content = page(response)
    assert "Download the failing rows" in content

    download = root_client.get(response.context["failed_rows_url"])

    assert download.status_code == 200
    assert download["Content-Type"].startswith("text/csv")
    assert "shifts - failing rows.csv" in download["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert rows[0] == [*HEADERS, "Errors"]
    assert [r[0] for r in rows[1:]] == ["E10001", "E99999"]
    assert rows[1][-1] == "Status: “Maybe” is not one of: Draft, Published, Cancelled."
    assert rows[2][-1] == "Employee ID: No person with employee id “E99999”."


def test_the_failing_rows_of_an_xlsx_come_back_as_xlsx_and_reimport(root_client, alex, mcr):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    sheet.append(row(day=1, status="Maybe"))
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = upload(root_client, buffer.getvalue(), name="roster.xlsx", content_type="application/octet-stream")

    download = root_client.get(response.context["failed_rows_url"])

    assert download.status_code == 200
    failed = load_workbook(io.BytesIO(download.content)).active
    values = list(failed.iter_rows(values_only=True))
    assert values[0][-1] == "Errors" and values[1][-1].startswith("Status:")
    # fixed and uploaded again, the Errors column is ignored
    fixed = [[*values[1][:5], "Draft", values[1][6], values[1][7]]]
    response = upload(root_client, csv_bytes(*fixed, headers=[*HEADERS, "Errors"]))
    assert response.context["job_summary"]["new"] == 1 and not response.context["form"].errors


def test_a_facility_outside_the_supervisors_locations_reads_as_one_that_does_not_exist(supervisor_client, alex):
    paris = LocationFactory(code="PAR", name="Paris", timezone="Europe/Paris")
    FacilityFactory(code="PAR-MCR1", location=paris)

    elsewhere = upload(supervisor_client, csv_bytes(row(facility="PAR-MCR1")))
    nowhere = upload(supervisor_client, csv_bytes(row(facility="XXX-MCR9")))

    assert elsewhere.status_code == nowhere.status_code == 200
    assert "No facility with code “PAR-MCR1”." in page(elsewhere)
    assert page(elsewhere).replace("PAR-MCR1", "XXX-MCR9").count("No facility with code “XXX-MCR9”.") == page(
        nowhere
    ).count("No facility with code “XXX-MCR9”.")
    assert "outside the locations you cover" not in page(elsewhere)
    assert Shift.objects.count() == 0


# --- permissions -------------------------------------------------------------------------------------------------


def test_people_without_the_import_permission_get_403(client, roles, alex, mcr):
    auditor = UserFactory(username="aud", is_staff=True)
    auditor.groups.add(Group.objects.get(name=Role.AUDITOR))
    preview = ImportJob.objects.create(
        resource="apps.scheduling.resources.ShiftResource",
        file="imports/x.csv",
        format="csv",
        dry_run=True,
        status=ImportStatus.SUCCEEDED,
        created_by=auditor,
    )
    client.force_login(auditor)

    assert client.get(IMPORT_URL).status_code == 403
    assert upload(client, csv_bytes(row())).status_code == 403
    assert confirm(client, preview).status_code == 403
    assert not preview.imports.exists()


def test_only_the_creator_and_administrators_see_and_confirm_a_job(client, roles, root_client, supervisor, alex, mcr):
    upload(root_client, csv_bytes(row(day=1)))
    roots_preview = ImportJob.objects.get()
    client.force_login(supervisor)

    assert confirm(client, roots_preview).status_code == 404
    assert client.get(reverse("admin:dataio_importjob_change", args=[roots_preview.pk])).status_code == 404
    assert client.get(reverse("admin:dataio_importjob_status", args=[roots_preview.uid])).status_code == 404
    assert client.get(reverse("admin:dataio_importjob_failed_rows", args=[roots_preview.uid])).status_code == 404
    assert client.post(CONFIRM_URL, {"job": "not-a-uuid"}).status_code == 404
    assert Shift.objects.count() == 0


# --- large files: a background job with a progress page ---------------------------------------------------------


def test_a_large_file_is_previewed_and_imported_by_jobs(
    root_client, root, settings, alex, sam, mcr, django_capture_on_commit_callbacks
):
    settings.IMPORT_BACKGROUND_ROWS = 3
    data = csv_bytes(*[row(day=day) for day in range(1, 4)], *[row(employee="E10002", day=day) for day in (1, 2)])

    with django_capture_on_commit_callbacks(execute=True):
        response = upload(root_client, data)

    preview = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:dataio_importjob_change", args=[preview.pk])
    assert (preview.status, preview.summary["new"], preview.processed_rows) == (ImportStatus.SUCCEEDED, 5, 5)
    status = root_client.get(reverse("admin:dataio_importjob_status", args=[preview.uid])).json()
    assert status == {
        "status": "succeeded",
        "processed": 5,
        "total": 5,
        "percent": 100,
        "finished": True,
        "summary": {"total": 5, "new": 5, "updated": 0, "unchanged": 0, "errors": 0, "error_rows": 0},
    }
    job_page = root_client.get(response["Location"])
    assert job_page.status_code == 200
    assert "Confirm import" in page(job_page) and "E10002 · 2026-07-02 06:00" in page(job_page)
    assert OutboundEmail.objects.get().subject == "Preview of shifts.csv finished: 5 new, 0 updated"

    with django_capture_on_commit_callbacks(execute=True):
        response = confirm(root_client, preview)

    job = preview.imports.get()
    assert response["Location"] == reverse("admin:dataio_importjob_change", args=[job.pk])
    assert (job.status, job.summary["new"]) == (ImportStatus.SUCCEEDED, 5)
    assert Shift.objects.count() == 5
    assert Shift.objects.get(user=alex, starts_at=london(2026, 7, 1, 6)).history.get().history_user == root
    email = OutboundEmail.objects.get(subject__startswith="Import of")
    assert email.subject == "Import of shifts.csv finished: 5 new, 0 updated"
    assert email.recipients == [root.email]
    assert f"/admin/dataio/importjob/{job.pk}/change/" in email.body
    assert "Confirm import" not in page(root_client.get(response["Location"]))


def test_a_running_job_page_shows_a_progress_bar(root_client, root):
    job = ImportJob.objects.create(
        resource="apps.scheduling.resources.ShiftResource",
        file="imports/x.csv",
        format="csv",
        dry_run=True,
        status=ImportStatus.PENDING,
        total_rows=4000,
        created_by=root,
        original_name="big.csv",
    )

    response = root_client.get(reverse("admin:dataio_importjob_change", args=[job.pk]))

    assert response.status_code == 200
    content = page(response)
    assert 'id="import-progress-bar"' in content
    assert reverse("admin:dataio_importjob_status", args=[job.uid]) in content
    status = root_client.get(reverse("admin:dataio_importjob_status", args=[job.uid])).json()
    assert (status["status"], status["processed"], status["total"], status["finished"]) == ("pending", 0, 4000, False)


def test_a_background_job_that_breaks_ends_failed_with_the_reason(
    root_client, root, settings, alex, mcr, monkeypatch, django_capture_on_commit_callbacks
):
    settings.IMPORT_BACKGROUND_ROWS = 1

    def broken(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr("apps.dataio.jobs.import_dataset", broken)
    with django_capture_on_commit_callbacks(execute=True):
        upload(root_client, csv_bytes(row(day=1), row(day=2)))

    job = ImportJob.objects.get()
    assert job.status == ImportStatus.FAILED and job.finished_at is not None
    assert job.message == "The import stopped with an error: the database went away. Nothing was written."
    assert "the database went away" in page(root_client.get(reverse("admin:dataio_importjob_change", args=[job.pk])))
    assert OutboundEmail.objects.get().subject == "Preview of shifts.csv failed"

    # delivered again (acks late): a finished job is not run again, and its e-mail is not sent twice
    with django_capture_on_commit_callbacks(execute=True):
        import_job_run.delay(job.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert OutboundEmail.objects.count() == 1


def test_a_background_preview_with_errors_says_how_many(
    root_client, settings, alex, mcr, django_capture_on_commit_callbacks
):
    settings.IMPORT_BACKGROUND_ROWS = 1
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(root_client, csv_bytes(row(day=1, status="Maybe"), row(day=2, start="14:00", end="06:00")))

    job = ImportJob.objects.get()
    assert job.status == ImportStatus.FAILED and len(job.row_errors) == 2
    assert OutboundEmail.objects.get().subject == "Preview of shifts.csv failed: 2 errors"
    content = page(root_client.get(response["Location"]))
    assert "Download the failing rows" in content and "Confirm import" not in content
    assert re.search(r"2 errors", content)


# --- every admin that offers Import ------------------------------------------------------------------------------


def _importing_admins():
    from django.contrib import admin

    return sorted(
        (
            model_admin
            for model_admin in admin.site._registry.values()
            if getattr(model_admin, "resource_classes", None)
        ),
        key=lambda model_admin: model_admin.opts.label,
    )


@pytest.mark.parametrize("model_admin", _importing_admins(), ids=lambda model_admin: model_admin.opts.label)
def test_every_import_page_renders_and_refuses_a_header_only_file(root_client, model_admin):
    url = reverse(f"admin:{model_admin.opts.app_label}_{model_admin.opts.model_name}_import")
    resource = model_admin.get_import_resource_classes(None)[0]()
    columns = list(resource.column_fields())

    assert root_client.get(url).status_code == 200
    response = root_client.post(
        url, {"import_file": SimpleUploadedFile("sheet.csv", ",".join(columns).encode() + b"\n", "text/csv")}
    )

    assert response.status_code == 200
    assert "The file has a header row but no data rows." in page(response)
    assert not ImportJob.objects.exists()


def test_the_job_task_acks_late_and_stops_itself_before_it_is_killed():
    from apps.dataio.jobs import job_time_limit

    assert import_job_run.acks_late is True
    assert import_job_run.soft_time_limit == job_time_limit()
    assert import_job_run.time_limit > import_job_run.soft_time_limit


def test_a_job_left_running_by_a_dead_worker_ends_failed_when_looked_at(root_client, root, mcr):
    from datetime import timedelta

    from django.utils import timezone

    from apps.dataio.jobs import job_time_limit

    job = ImportJob.objects.create(
        resource="apps.scheduling.resources.ShiftResource",
        file="imports/x.csv",
        format="csv",
        dry_run=False,
        status=ImportStatus.RUNNING,
        total_rows=4000,
        created_by=root,
        original_name="big.csv",
        started_at=timezone.now() - timedelta(seconds=job_time_limit() + 600),
    )
    # a redelivered task does not start it again
    import_job_run.delay(job.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert "did not finish within" in job.message and "nothing was written" in job.message

    running = ImportJob.objects.create(
        resource=job.resource,
        file="imports/y.csv",
        format="csv",
        status=ImportStatus.RUNNING,
        total_rows=10,
        created_by=root,
        original_name="other.csv",
        started_at=timezone.now(),
    )
    import_job_run.delay(running.pk)
    running.refresh_from_db()
    assert running.status == ImportStatus.RUNNING, "a job running elsewhere is left to its worker"
    status = root_client.get(reverse("admin:dataio_importjob_status", args=[running.uid])).json()
    assert (status["status"], status["finished"]) == ("running", False)
