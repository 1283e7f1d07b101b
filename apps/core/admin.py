"""The project's one base ModelAdmin: unfold + simple-history + guardian + import-export, mixed once."""

from guardian.admin import GuardedModelAdminMixin
from import_export.admin import ImportExportModelAdmin
from simple_history.admin import SimpleHistoryAdmin
from unfold.admin import ModelAdmin as UnfoldModelAdmin
from unfold.contrib.import_export.forms import ExportForm, ImportForm, SelectableFieldsExportForm

from . import beat_admin  # noqa: F401 - re-registers django-celery-beat's admins on unfold


class PortalModelAdmin(SimpleHistoryAdmin, GuardedModelAdminMixin, ImportExportModelAdmin, UnfoldModelAdmin):
    """Base of every admin in the console.

    - history: the "History" button on every object, with field-level changes and revert;
    - guardian: per-object permission pages, switched on per admin with `object_permissions = True`
      (locations carry scope; single tickets can be shared);
    - import-export: the Import / Export buttons appear only on admins that declare their own
      `resource_classes` (human headers, natural keys) — never the raw-id default resource.
    """

    object_permissions = False

    import_form_class = ImportForm
    export_form_class = ExportForm
    export_form_class_selectable = SelectableFieldsExportForm

    list_per_page = 50
    list_filter_submit = True
    list_fullwidth = False
    show_full_result_count = False
    warn_unsaved_form = True
    compressed_fields = True
    save_on_top = False

    def __init__(self, model, admin_site):
        super().__init__(model, admin_site)
        if not self.object_permissions:
            # guardian's change form only adds the "Object permissions" button; keep the plain one
            self.change_form_template = None
            self.include_object_permissions_urls = False

    def _declares_resources(self) -> bool:
        return bool(getattr(self, "resource_classes", None))

    def has_import_permission(self, request):
        return (
            self._declares_resources() and self.has_add_permission(request) and super().has_import_permission(request)
        )

    def has_export_permission(self, request):
        return (
            self._declares_resources() and self.has_view_permission(request) and super().has_export_permission(request)
        )
