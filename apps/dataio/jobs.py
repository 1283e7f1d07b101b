"""Import jobs: one row per preview (dry run) or import of an uploaded file, its progress, its outcome, its e-mail.

The console's import page calls these services for every upload. A file of up to `background_threshold()` rows
is previewed and imported in the request; a larger one runs in a Celery task (apps.dataio.tasks), which
publishes its progress to the cache (the import runs in one transaction, so the job row cannot show progress
until it commits) and e-mails the job's creator when it ends.

A job's life: pending → running → succeeded | failed. A preview that found errors is failed; a confirmed
preview is imported by a new job (dry_run False) pointing back at it, sharing its stored file.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

import tablib
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from apps.core.actors import is_system, writes
from apps.core.queue import task_send
from apps.core.saving import instance_save

from .choices import ImportStatus
from .formats import Upload, read_upload
from .models import ImportJob
from .resources import ERRORS_COLUMN, PortalResource
from .services import (
    ImportOutcome,
    ProgressReporter,
    RowError,
    failed_rows_dataset,
    import_dataset,
    resource_class_at,
    resource_path,
)

logger = logging.getLogger(__name__)

PREVIEW_ROWS = 1000  # rows listed one by one on the preview; the counts cover them all
DEFAULT_TIME_LIMIT = 60 * 60  # seconds a background job may run before it is stopped and marked failed
STALE_GRACE = timedelta(minutes=2)
PROGRESS_KEPT_SECONDS = 10 * 60  # the last published count, after the job ended
STATUS_LABELS = {"new": "new", "update": "update", "skip": "unchanged", "delete": "delete"}


def job_time_limit() -> int:
    return int(getattr(settings, "IMPORT_JOB_TIME_LIMIT", DEFAULT_TIME_LIMIT))


def progress_key(job: ImportJob) -> str:
    return f"import-progress:{job.uid}"


def job_path(job: ImportJob) -> str:
    return reverse("admin:dataio_importjob_change", args=[job.pk])


def job_resource_class(job: ImportJob) -> type[PortalResource] | None:
    """The resource the job names, or None for a job recorded before resources were named by path."""
    try:
        return resource_class_at(job.resource)
    except (ImportError, ValueError):
        return None


def count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def summary_text(summary: dict) -> str:
    """'1,234 new, 0 updated, 12 unchanged' (and ', 3 errors' when there are some)."""
    parts = [f"{summary.get(name, 0):,} {label}" for name, label in (("new", "new"), ("updated", "updated"))]
    parts.append(f"{summary.get('unchanged', 0):,} unchanged")
    if summary.get("errors"):
        parts.append(count(summary["errors"], "error"))
    return ", ".join(parts)


# --- creating ---------------------------------------------------------------------------------------------------


@writes
def import_job_create(
    *, resource_class: type[PortalResource], data: bytes, filename: str, upload: Upload, by
) -> ImportJob:
    """A pending preview of an uploaded file (already read by `read_upload`); the file is stored with it."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].strip() or "upload"
    job = ImportJob(
        resource=resource_path(resource_class),
        format=upload.format,
        dry_run=True,
        total_rows=len(upload.dataset),
        original_name=name[:255],
        created_by=by,
    )
    # stored under the job's id: the person's file name (any length, any characters) stays in original_name
    job.file.save(f"{job.uid}.{upload.format}", ContentFile(data), save=False)
    job.full_clean()
    instance_save(instance=job, by=by)
    return job


@writes
@transaction.atomic
def import_job_confirm(*, preview: ImportJob, by) -> ImportJob:
    """The import of a clean preview, as a new pending job on the same file. Refused with a ValidationError
    when the preview had errors, is not finished, or was confirmed already."""
    preview = ImportJob.objects.select_for_update().get(pk=preview.pk)
    if not preview.dry_run:
        raise ValidationError("This job is an import, not a preview; there is nothing to confirm.")
    if preview.status != ImportStatus.SUCCEEDED:
        raise ValidationError("Only a preview without errors can be imported; fix the file and upload it again.")
    if preview.imports.exists():
        raise ValidationError("This preview has already been imported; upload the file again to import it again.")
    job = ImportJob(
        resource=preview.resource,
        file=preview.file.name,
        format=preview.format,
        dry_run=False,
        total_rows=preview.total_rows,
        original_name=preview.original_name,
        created_by=by,
        preview=preview,
    )
    job.full_clean()
    try:
        instance_save(instance=job, by=by)
    except IntegrityError as exc:  # a second Confirm won the race past the lock (other databases)
        raise ValidationError("This preview has already been imported.") from exc
    return job


# --- running ----------------------------------------------------------------------------------------------------


def _claim(job: ImportJob, *, by) -> bool:
    """Mark a pending job running; False when it is running elsewhere or finished (a task delivered twice)."""
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().get(pk=job.pk)
        if locked.status == ImportStatus.PENDING:
            locked.status = ImportStatus.RUNNING
            locked.started_at = timezone.now()
            locked.processed_rows = 0
            fields = ["status", "started_at", "processed_rows", "updated_at"]
            instance_save(instance=locked, by=by, update_fields=fields)
            claimed = True
        else:
            claimed = False
    job.refresh_from_db()
    return claimed


def _is_stale(job: ImportJob) -> bool:
    if job.status != ImportStatus.RUNNING or job.started_at is None:
        return False
    return timezone.now() - job.started_at > timedelta(seconds=job_time_limit()) + STALE_GRACE


@writes
def import_job_expire_if_stale(*, job: ImportJob, by) -> bool:
    """Mark failed a job left running by a worker that died (killed, out of memory, hard time limit).

    Nothing of it was written (one transaction). Returns True when this call ended the job.
    """
    if not _is_stale(job):
        return False
    minutes = job_time_limit() // 60
    return _finish_failed(
        job,
        f"The {job.kind.lower()} did not finish within {minutes} minutes (the worker running it stopped); "
        "nothing was written. Upload the file again, or split it into smaller files.",
        by=by,
        only_if_running=True,
    )


def _finish_failed(job: ImportJob, message: str, *, by, only_if_running: bool = False) -> bool:
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().get(pk=job.pk)
        if locked.is_finished or (only_if_running and locked.status != ImportStatus.RUNNING):
            job.refresh_from_db()
            return False
        now = timezone.now()
        locked.status = ImportStatus.FAILED
        locked.message = message
        locked.started_at = locked.started_at or now
        locked.finished_at = now
        instance_save(
            instance=locked, by=by, update_fields=["status", "message", "started_at", "finished_at", "updated_at"]
        )
    job.refresh_from_db()
    return True


@writes
def import_job_fail(*, job: ImportJob, message: str, by) -> ImportJob:
    """End a pending or running job as failed, for `message` (e.g. the task could not be queued)."""
    _finish_failed(job, message, by=by)
    return job


def read_job_file(job: ImportJob) -> Upload:
    with job.file.open("rb") as stored:
        data = stored.read()
    return read_upload(data, filename=job.display_name)


def _check_may_run(job: ImportJob, by) -> None:
    if not is_system(by) and by.pk != job.created_by_id:
        raise PermissionDenied(f"Only {job.created_by} runs this job; they uploaded it.")


@writes
def import_job_run(*, job: ImportJob, by, dataset: tablib.Dataset | None = None) -> ImportJob:
    """Run a pending job to its end: claim it, read its file (unless `dataset` is given), import, record.

    Safe to call twice: a job running elsewhere or already finished is returned as it is (a stale running
    job is marked failed). Never raises for what goes wrong inside the import: the job ends failed with
    a message, and the import's transaction has written nothing. Run by the person who uploaded the file
    (small files, in their request) or the system (a Celery task); the rows are always checked and written
    as that person's.
    """
    _check_may_run(job, by)
    if not _claim(job, by=by):
        import_job_expire_if_stale(job=job, by=by)
        return job
    try:
        if dataset is None:
            dataset = read_job_file(job).dataset
        resource_class = job_resource_class(job)
        if resource_class is None:
            raise ValueError(f"“{job.resource}” is not an import the portal knows")
        progress = ProgressReporter(key=progress_key(job), total=len(dataset))
        # the rows and the job's outcome commit together: a job never says "succeeded" for rows that are not there
        with transaction.atomic():
            outcome = import_dataset(
                resource_class=resource_class,
                dataset=dataset,
                by=job.created_by,
                dry_run=job.dry_run,
                reason=f"Import job {job.uid}: {job.display_name}",
                progress=progress,
            )
            _record(job, outcome, dataset, resource_class, by=by)
    except SoftTimeLimitExceeded:
        _finish_failed(
            job,
            f"The {job.kind.lower()} took longer than {job_time_limit() // 60} minutes and was stopped; nothing "
            "was written. Split the file into smaller files and import them one by one.",
            by=by,
        )
    except Exception as exc:  # the job must end, whatever broke; the traceback goes to the log
        logger.exception("import job %s failed", job.uid)
        what = "file could not be read" if isinstance(exc, OSError) else "import stopped with an error"
        _finish_failed(job, f"The {what}: {exc}. Nothing was written.", by=by)
    finally:
        # not deleted: a status read that saw the job running just before it ended still finds the last count
        cache.touch(progress_key(job), PROGRESS_KEPT_SECONDS)
    return job


def _row_preview(
    outcome: ImportOutcome, dataset: tablib.Dataset, key_columns: list[str], errors: dict[int, list[str]]
) -> list[dict]:
    headers = list(dataset.headers or [])
    positions = [headers.index(column) for column in key_columns if column in headers]
    rows = []
    for index, status in enumerate(outcome.statuses[:PREVIEW_ROWS]):
        number = index + 2  # the header is row 1
        cells = dataset[index] if index < len(dataset) else ()
        key = " · ".join(str(cells[position]) for position in positions if position < len(cells))
        label = "error" if number in errors else STATUS_LABELS.get(status, "error")
        rows.append({"row": number, "status": label, "key": key})
    return rows


def _record(job: ImportJob, outcome: ImportOutcome, dataset: tablib.Dataset, resource_class, *, by) -> None:
    key_columns = resource_class().key_columns()
    errors_by_row: dict[int, list[str]] = {}
    for error in outcome.errors:
        if error.row is not None:
            errors_by_row.setdefault(error.row, []).append(error.message)
    now = timezone.now()
    job.status = ImportStatus.FAILED if outcome.failed else ImportStatus.SUCCEEDED
    job.summary = {
        "total": outcome.total,
        "new": outcome.new,
        "updated": outcome.updated,
        "unchanged": outcome.unchanged,
        "errors": len(outcome.errors),
        "error_rows": outcome.error_rows,
        "key_columns": key_columns,
    }
    job.row_errors = [error.as_dict() for error in outcome.errors]
    job.row_preview = _row_preview(outcome, dataset, key_columns, errors_by_row)
    job.processed_rows = min(len(outcome.statuses), job.total_rows)
    if outcome.failed and not job.dry_run:
        job.message = "Nothing was imported: the rows below failed (the data may have changed since the preview)."
    job.finished_at = now
    instance_save(
        instance=job,
        by=by,
        update_fields=[
            "status",
            "summary",
            "row_errors",
            "row_preview",
            "processed_rows",
            "message",
            "finished_at",
            "updated_at",
        ]
    )


# --- reading back -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class JobProgress:
    status: str
    processed: int
    total: int
    finished: bool
    summary: dict

    @property
    def percent(self) -> int:
        return min(100, int(100 * self.processed / self.total)) if self.total else (100 if self.finished else 0)

    def as_dict(self) -> dict:
        return {
            "status": self.status,
            "processed": self.processed,
            "total": self.total,
            "percent": self.percent,
            "finished": self.finished,
            "summary": self.summary,
        }


def import_job_progress(*, job: ImportJob) -> JobProgress:
    """Where the job is: rows processed so far (from the cache while it runs), its counts once it ended."""
    processed = job.processed_rows
    if job.status == ImportStatus.RUNNING:
        published = cache.get(progress_key(job))
        if published is None:  # not started counting yet, or ended since the job was read
            job.refresh_from_db()
            processed = job.processed_rows
        else:
            processed = int(published)
    if job.is_finished and job.status == ImportStatus.SUCCEEDED:
        processed = job.total_rows
    summary = {name: value for name, value in job.summary.items() if name != "key_columns"}
    return JobProgress(
        status=job.status,
        processed=min(processed, job.total_rows),
        total=job.total_rows,
        finished=job.is_finished,
        summary=summary,
    )


def job_row_errors(job: ImportJob) -> list[RowError]:
    return [RowError(error.get("row"), error.get("column", ""), error.get("message", "")) for error in job.row_errors]


def import_job_failed_rows(*, job: ImportJob) -> tablib.Dataset:
    """The job's failing rows as uploaded, with an "Errors" column (an "Errors" column of the upload is replaced)."""
    dataset = read_job_file(job).dataset
    stale = [header for header in dataset.headers or [] if str(header).strip().casefold() == ERRORS_COLUMN.casefold()]
    for header in stale:
        del dataset[header]
    return failed_rows_dataset(dataset, ImportOutcome(errors=job_row_errors(job)))


# --- telling the creator ----------------------------------------------------------------------------------------


@writes
def import_job_notify(*, job: ImportJob, by, base_url: str = ""):
    """One e-mail to the job's creator when a background job ends (queued in the outbox, sent by a task).

    Idempotent: a second call for the same job returns the first message.
    """
    from apps.notifications.services import email_queue  # the outbox's models import nothing of ours

    if not job.is_finished:
        return None
    address = (job.created_by.email or "").strip()
    if not address:
        logger.warning("import job %s ended but %s has no e-mail address", job.uid, job.created_by)
        return None
    name = job.display_name
    summary = job.summary or {}
    what = "Preview" if job.dry_run else "Import"
    if job.status == ImportStatus.SUCCEEDED:
        counts = f"{summary.get('new', 0):,} new, {summary.get('updated', 0):,} updated"
        subject = f"{what} of {name} finished: {counts}"
        if job.dry_run:
            next_step = "The preview found no errors: open the job and confirm it to import the rows."
        else:
            next_step = f"The rows were imported: {summary_text(summary)}."
    else:
        errors = summary.get("errors", 0)
        subject = f"{what} of {name} failed: {count(errors, 'error')}" if errors else f"{what} of {name} failed"
        next_step = job.message or (
            "Nothing was written. Fix the rows below (the job page has the failing rows to download, with an "
            "Errors column) and upload the file again."
        )
    lines = [f"Hello {job.created_by.get_short_name() or job.created_by.get_username()},", "", next_step]
    if job.row_errors:
        lines += ["", "First errors:"]
        lines += [f"- {error}" for error in job_row_errors(job)[:10]]
        if len(job.row_errors) > 10:
            lines.append(f"- and {len(job.row_errors) - 10:,} more; the job page has them all and the failing rows.")
    lines += ["", f"The job: {base_url.rstrip('/')}{job_path(job)}"]
    return email_queue(
        by=by,
        recipients=[address],
        subject=subject,
        body="\n".join(lines),
        idempotency_key=f"import-job:{job.uid}:finished",
    )


RUN_TASK = "apps.dataio.tasks.import_job_run"


@writes
def import_job_enqueue(*, job: ImportJob, by, base_url: str = "") -> None:
    """Run the job in a Celery task once the current transaction commits; a broker that cannot be reached
    ends the job failed at once rather than leaving it pending."""
    job_id = job.pk

    def send() -> None:
        try:
            task_send(RUN_TASK, job_id, base_url=base_url)
        except Exception as exc:
            logger.exception("import job %s could not be queued", job.uid)
            import_job_fail(
                job=job,
                by=by,
                message=f"The job could not be queued ({exc}); nothing was written. Try again in a few minutes.",
            )

    transaction.on_commit(send)
