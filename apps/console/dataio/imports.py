"""The admin's Import button: upload, preview, confirm — in unfold's look, through apps.dataio.jobs.

import-export's URLs and permission check stay (`<model>/import/`, `<model>/process_import/`,
`has_import_permission`); its views are replaced:

- `import_action` (the Import page): a file and, when the admin declares several, which resource. The file is
  read by `read_upload` (its `ImportFileError` becomes the form's error) and stored as a preview job. Up to
  `background_threshold()` rows the preview runs here and the page shows it: counts, every error, the rows one
  by one (the first PREVIEW_ROWS), the failing rows to download, and Confirm when there is no error. A larger
  file is previewed by a Celery task: the page redirects to the job's page, which shows its progress.
- `process_import` (Confirm) takes a preview job's uid and imports it as a new job: here when it is small
  (back to the list with "Imported shifts.csv: 3 new, …"), else in the background like the preview.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from unfold.widgets import UnfoldAdminFileFieldWidget, UnfoldAdminSelectWidget

from apps.dataio.choices import ImportStatus
from apps.dataio.formats import ACCEPTED_EXTENSIONS, ImportFileError, max_upload_bytes, read_upload
from apps.dataio.jobs import (
    import_job_confirm,
    import_job_create,
    import_job_enqueue,
    import_job_run,
    job_path,
    job_resource_class,
    summary_text,
)
from apps.dataio.models import ImportJob
from apps.dataio.selectors import import_jobs_visible_to
from apps.dataio.services import background_threshold, resource_path

ERRORS_SHOWN = 5000  # beyond this the page would not be readable; the failing-rows file has every one
ROW_LABELS = {
    "new": ("New", "success"),
    "update": ("Update", "info"),
    "unchanged": ("Unchanged", ""),
    "delete": ("Delete", "warning"),
    "error": ("Error", "danger"),
}


class ImportUploadForm(forms.Form):
    resource = forms.ChoiceField(label=_("What to import"), choices=(), required=False)
    import_file = forms.FileField(
        label=_("File to import"),
        widget=UnfoldAdminFileFieldWidget(attrs={"accept": ",".join(ACCEPTED_EXTENSIONS)}),
        help_text=_("CSV, TSV, XLSX or JSON, with a header row; the format is read from the file's extension."),
    )

    def __init__(self, *args, resource_classes, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(str(index), resource.get_display_name()) for index, resource in enumerate(resource_classes)]
        field = self.fields["resource"]
        field.choices = choices
        if len(choices) == 1:
            field.widget = forms.HiddenInput()
            self.initial["resource"] = "0"
        else:
            field.widget = UnfoldAdminSelectWidget(choices=choices)

    def resource_index(self) -> int:
        try:
            return int(self.cleaned_data.get("resource") or 0)
        except ValueError:
            return 0


class _SizeOnly(bytes):
    """An upload over the size limit, not read into memory: `read_upload` refuses it by its length alone, with
    the same message (and the real size) as any other oversized file."""

    def __new__(cls, size: int):
        instance = super().__new__(cls, b"")
        instance._size = size
        return instance

    def __len__(self) -> int:
        return self._size


def _upload_bytes(uploaded) -> bytes:
    if uploaded.size is not None and uploaded.size > max_upload_bytes():
        return _SizeOnly(uploaded.size)
    uploaded.seek(0)
    return uploaded.read()


# --- what the pages show of a job --------------------------------------------------------------------------------


def importing_admin(job: ImportJob):
    """The registered admin whose Import button imports what the job names, or None."""
    resource_class = job_resource_class(job)
    if resource_class is None:
        return None
    return admin.site._registry.get(resource_class._meta.model)


def can_confirm(request, job: ImportJob, model_admin=None) -> bool:
    model_admin = model_admin or importing_admin(job)
    return bool(
        job.dry_run
        and job.status == ImportStatus.SUCCEEDED
        and model_admin is not None
        and model_admin.has_import_permission(request)
        and job.resource in {resource_path(cls) for cls in model_admin.get_import_resource_classes(request)}
        and not job.imports.exists()
    )


def job_context(request, job: ImportJob) -> dict:
    """The template context of a job's result: counts, errors, rows, the failing-rows link, Confirm."""
    model_admin = importing_admin(job)
    summary = job.summary or {}
    errors = job.row_errors[:ERRORS_SHOWN]
    confirm_url = None
    if can_confirm(request, job, model_admin):
        confirm_url = _admin_url(model_admin, "process_import")
    rows = []
    for row in job.row_preview:
        label, variant = ROW_LABELS.get(row["status"], ROW_LABELS["error"])
        rows.append({**row, "label": label, "variant": variant})
    listed_total = summary.get("total", job.total_rows)
    has_row_errors = any(error.get("row") is not None for error in job.row_errors)
    return {
        "job": job,
        "job_summary": summary,
        "job_summary_text": summary_text(summary),
        "job_counts": [
            (_("New"), summary.get("new", 0)),
            (_("To update") if job.dry_run else _("Updated"), summary.get("updated", 0)),
            (_("Unchanged"), summary.get("unchanged", 0)),
            (_("Errors"), summary.get("errors", 0)),
        ],
        "job_errors": errors,
        "job_errors_total": len(job.row_errors),
        "job_errors_more": max(0, len(job.row_errors) - len(errors)),
        "job_rows": rows,
        "job_rows_more": max(0, listed_total - len(rows)),
        "job_key_columns": summary.get("key_columns", []),
        "job_page_url": job_path(job),
        "failed_rows_url": reverse("admin:dataio_importjob_failed_rows", args=[job.uid]) if has_row_errors else None,
        "confirm_url": confirm_url,
        "confirmed_import": job.imports.first() if job.dry_run else None,
        "status_url": reverse("admin:dataio_importjob_status", args=[job.uid]),
        "changelist_url": _admin_url(model_admin, "changelist") if model_admin else None,
        "import_url": _admin_url(model_admin, "import") if model_admin else None,
    }


def _admin_url(model_admin, view: str) -> str | None:
    opts = model_admin.opts
    try:
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}")
    except NoReverseMatch:
        return None


def _base_url(request) -> str:
    return request.build_absolute_uri("/")


# --- the mixin ---------------------------------------------------------------------------------------------------


class ImportFlowMixin:
    """Put before import-export's ImportMixin (ImportExportModelAdmin) in the admin's bases."""

    import_template_name = "admin/dataio/import.html"

    def import_action(self, request, **kwargs):
        if not self.has_import_permission(request):
            raise PermissionDenied
        resource_classes = self.get_import_resource_classes(request)
        form = ImportUploadForm(request.POST or None, request.FILES or None, resource_classes=resource_classes)
        job = None
        if request.method == "POST" and form.is_valid():
            resource_class = resource_classes[form.resource_index()]
            uploaded = form.cleaned_data["import_file"]
            data = _upload_bytes(uploaded)
            try:
                upload = read_upload(data, filename=uploaded.name, content_type=uploaded.content_type)
            except ImportFileError as exc:
                form.add_error("import_file", str(exc))
            else:
                job = import_job_create(
                    resource_class=resource_class, data=data, filename=uploaded.name, upload=upload, by=request.user
                )
                if job.total_rows > background_threshold():
                    import_job_enqueue(job=job, by=request.user, base_url=_base_url(request))
                    messages.info(
                        request,
                        f"{job.display_name} has {job.total_rows:,} rows: it is being checked in the background. "
                        "This page shows the progress; you will also get an e-mail when the preview is ready.",
                    )
                    return redirect(job_path(job))
                job = import_job_run(job=job, by=request.user, dataset=upload.dataset)
                _add_job_errors(form, job)
        return self.render_import_page(request, form=form, job=job, resource_classes=resource_classes)

    @method_decorator(require_POST)
    def process_import(self, request, **kwargs):
        """Confirm: import the preview job named by the POSTed `job` uid."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        preview = self._preview_for(request, request.POST.get("job", ""))
        try:
            job = import_job_confirm(preview=preview, by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(job_path(preview))
        if job.total_rows > background_threshold():
            import_job_enqueue(job=job, by=request.user, base_url=_base_url(request))
            messages.info(
                request,
                f"Importing {job.display_name} ({job.total_rows:,} rows) in the background. This page shows the "
                "progress; you will also get an e-mail when it ends.",
            )
            return redirect(job_path(job))
        job = import_job_run(job=job, by=request.user)
        if job.status == ImportStatus.SUCCEEDED:
            messages.success(request, f"Imported {job.display_name}: {summary_text(job.summary)}.")
            return HttpResponseRedirect(_admin_url(self, "changelist"))
        resource_classes = self.get_import_resource_classes(request)
        form = ImportUploadForm(resource_classes=resource_classes)
        return self.render_import_page(request, form=form, job=job, resource_classes=resource_classes)

    def _preview_for(self, request, uid: str) -> ImportJob:
        """The preview job `uid`, if the user may see it and it imports into this admin's model (else 404)."""
        try:
            job = import_jobs_visible_to(user=request.user).filter(uid=uid).first()
        except ValidationError:  # not a UUID
            job = None
        paths = {resource_path(cls) for cls in self.get_import_resource_classes(request)}
        if job is None or job.resource not in paths:
            raise Http404("No such import preview.")
        return job

    def render_import_page(self, request, *, form, job=None, resource_classes=()):
        resources = [resource_class() for resource_class in resource_classes]
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import %(things)s") % {"things": self.opts.verbose_name_plural},
            "opts": self.opts,
            "form": form,
            "media": self.media + form.media,
            "fields_list": [(resource.get_display_name(), list(resource.column_fields())) for resource in resources],
            "key_columns": resources[0].key_columns() if len(resources) == 1 else [],
            "background_threshold": background_threshold(),
        }
        if job is not None:
            context.update(job_context(request, job))
        request.current_app = self.admin_site.name
        return TemplateResponse(request, [self.import_template_name], context)


def _add_job_errors(form: ImportUploadForm, job: ImportJob) -> None:
    """A failed preview is the form's error too: file-level errors (unknown columns…) under the file field,
    a count of the row errors above it."""
    if job.status != ImportStatus.FAILED:
        return
    file_errors = [error["message"] for error in job.row_errors if error.get("row") is None]
    for message in file_errors:
        form.add_error("import_file", message)
    row_errors = [error for error in job.row_errors if error.get("row") is not None]
    if row_errors:
        rows = len({error["row"] for error in row_errors})
        form.add_error(
            None,
            f"Nothing was imported: {len(row_errors):,} error{'s' if len(row_errors) != 1 else ''} in {rows:,} "
            f"row{'s' if rows != 1 else ''} (listed below). Fix the file — the failing rows can be downloaded "
            "with an Errors column — and upload it again.",
        )
