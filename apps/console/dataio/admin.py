"""Import jobs in the console: read-only; jobs are created by the import flow (apps.console.dataio.imports).

A job's page is its change page with the job panel above the fields: a live progress bar while it runs (the
page polls `job/<uid>/status/`, a small JSON view), then the preview or the result — counts, errors, rows,
the failing rows to download (`job/<uid>/failed-rows/`) and Confirm for a clean preview.
"""

import io

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from unfold.contrib.filters.admin import ChoicesDropdownFilter
from unfold.decorators import display

from apps.console.base import PortalModelAdmin
from apps.console.dataio.imports import job_context
from apps.console.forms import LocalRangeDateFilter
from apps.console.scope import ReadOnlyAdminMixin, ScopedAutocompleteSelectFilter
from apps.dataio.choices import ImportFormat, ImportStatus
from apps.dataio.exporting import CONTENT_TYPES, stream_csv, write_xlsx
from apps.dataio.formats import ImportFileError
from apps.dataio.jobs import (
    import_job_expire_if_stale,
    import_job_failed_rows,
    import_job_notify,
    import_job_progress,
    job_resource_class,
)
from apps.dataio.models import ImportJob

IMPORT_STATUS_COLOURS = {
    ImportStatus.PENDING: "info",
    ImportStatus.RUNNING: "warning",
    ImportStatus.SUCCEEDED: "success",
    ImportStatus.FAILED: "danger",
}


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdminMixin, PortalModelAdmin):
    # a job is the record of what an import wrote: kept, like history; imports create jobs, not this page

    list_display = (
        "__str__",
        "what",
        "format",
        "dry_run",
        "status_label",
        "progress",
        "created_by",
        "started_at",
        "finished_at",
    )
    list_filter = (
        ("status", ChoicesDropdownFilter),
        ("format", ChoicesDropdownFilter),
        "dry_run",
        ("created_by", ScopedAutocompleteSelectFilter),
        ("created_at", LocalRangeDateFilter),
    )
    list_select_related = ("created_by",)
    search_fields = ["resource", "original_name", "created_by__username", "created_by__employee_id"]
    ordering = ("-created_at",)
    fields = (
        "uid",
        "what",
        "original_name",
        "format",
        "dry_run",
        "status_label",
        "progress",
        "message",
        "preview",
        "created_by",
        "created_at",
        "started_at",
        "finished_at",
        "duration",
    )
    readonly_fields = fields
    # outside the read-only form: the panel holds forms of its own (Confirm)
    change_form_outer_before_template = "admin/dataio/importjob/job_panel.html"

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path("job/<uuid:uid>/status/", self.admin_site.admin_view(self.status_view), name=f"{prefix}_status"),
            path(
                "job/<uuid:uid>/failed-rows/",
                self.admin_site.admin_view(self.failed_rows_view),
                name=f"{prefix}_failed_rows",
            ),
            *super().get_urls(),
        ]

    def _job(self, request, **lookup) -> ImportJob:
        """A job the user may see (their own; administrators: any), else 404; a job left running by a worker
        that died is ended here, when someone looks at it."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        job = get_object_or_404(self.get_queryset(request), **lookup)
        if import_job_expire_if_stale(job=job, by=request.user):
            import_job_notify(job=job, by=request.user, base_url=request.build_absolute_uri("/"))
        return job

    def change_view(self, request, object_id, form_url="", extra_context=None):
        job = self._job(request, pk=object_id) if str(object_id).isdigit() else None
        panel = job_context(request, job) if job is not None else {}
        return super().change_view(request, object_id, form_url, {**panel, **(extra_context or {})})

    def status_view(self, request, uid):
        """{status, processed, total, percent, finished, summary}: what the job page's progress bar polls."""
        job = self._job(request, uid=uid)
        return JsonResponse(import_job_progress(job=job).as_dict(), headers={"Cache-Control": "no-store"})

    def failed_rows_view(self, request, uid):
        """The failing rows as uploaded plus an "Errors" column: XLSX for an XLSX upload, CSV otherwise."""
        job = self._job(request, uid=uid)
        try:
            failed = import_job_failed_rows(job=job)
        except (OSError, ImportFileError) as exc:
            raise Http404("The uploaded file of this job can no longer be read.") from exc
        stem = job.display_name.rsplit(".", 1)[0] or "import"
        headers, rows = list(failed.headers), (list(row) for row in failed)
        if job.format == ImportFormat.XLSX:
            content = write_xlsx(headers, rows, io.BytesIO(), sheet_title="Failing rows").getvalue()
            filename, content_type = f"{stem} - failing rows.xlsx", CONTENT_TYPES["xlsx"]
        else:
            content = b"".join(stream_csv(headers, rows))
            filename, content_type = f"{stem} - failing rows.csv", CONTENT_TYPES["csv"]
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = content_disposition_header(True, filename)
        return response

    @display(description=_("what"), ordering="resource")
    def what(self, obj: ImportJob) -> str:
        resource_class = job_resource_class(obj)
        return resource_class.get_display_name() if resource_class is not None else obj.resource

    @display(description=_("status"), ordering="status", label=IMPORT_STATUS_COLOURS)
    def status_label(self, obj: ImportJob):
        return obj.status, obj.get_status_display()

    @display(description=_("progress"))
    def progress(self, obj: ImportJob) -> str:
        return f"{obj.processed_rows} / {obj.total_rows} ({obj.progress_percent}%)"

    @display(description=_("duration"))
    def duration(self, obj: ImportJob) -> str:
        if obj.started_at is None or obj.finished_at is None:
            return "-"
        return str(obj.finished_at - obj.started_at).split(".")[0]
