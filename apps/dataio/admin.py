"""Import jobs in the console: read-only; jobs are created by the import flow, not typed in."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from unfold.contrib.filters.admin import ChoicesDropdownFilter
from unfold.decorators import display

from apps.core.admin import PortalModelAdmin
from apps.core.admin_forms import LocalRangeDateFilter
from apps.core.admin_scope import ReadOnlyAdminMixin, ScopedAutocompleteSelectFilter

from .choices import ImportStatus
from .models import ImportJob

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
        "resource",
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
    search_fields = ["resource", "created_by__username", "created_by__employee_id"]
    ordering = ("-created_at",)
    fields = (
        "uid",
        "resource",
        "file",
        "format",
        "dry_run",
        "status_label",
        "progress",
        "row_errors",
        "created_by",
        "created_at",
        "started_at",
        "finished_at",
        "duration",
    )
    readonly_fields = fields

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
