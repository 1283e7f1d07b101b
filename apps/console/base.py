"""The project's one base ModelAdmin: unfold + simple-history + guardian + import-export, mixed once."""

from django.core.exceptions import PermissionDenied
from guardian.admin import GuardedModelAdminMixin
from guardian.utils import get_user_obj_perms_model
from import_export.admin import ImportExportModelAdmin
from simple_history.admin import SimpleHistoryAdmin
from unfold.admin import ModelAdmin as UnfoldModelAdmin
from unfold.contrib.import_export.forms import ExportForm, ImportForm, SelectableFieldsExportForm

from apps.console import beat  # noqa: F401 - re-registers django-celery-beat's admins on unfold
from apps.console.dataio.exports import StreamingExportMixin
from apps.console.dataio.imports import ImportFlowMixin
from apps.console.history import HistoryAdminMixin
from apps.console.localtime import LocalTimeAdminMixin
from apps.console.paging import IdsFirstPaginator
from apps.console.scope import ScopedAdminMixin


class PortalModelAdmin(
    LocalTimeAdminMixin,
    ScopedAdminMixin,
    HistoryAdminMixin,
    SimpleHistoryAdmin,
    GuardedModelAdminMixin,
    ImportFlowMixin,
    StreamingExportMixin,
    ImportExportModelAdmin,
    UnfoldModelAdmin,
):
    """Base of every admin in the console.

    - scope: every list, page, choice and filter starts from the model's selector (apps/console/scope);
    - local time: a change form reads and takes times in the zone of the row's location (apps/console/localtime);
    - pages: a list's page is sorted on the table alone, then its rows read with their joins (apps/console/paging);

    - history: the "History" button on every object, with field-level changes and revert;
    - guardian: per-object permission pages, switched on per admin with `object_permissions = True`
      (locations carry scope; single tickets can be shared);
    - import-export: the Import / Export buttons appear only on admins that declare their own
      `resource_classes` (human headers, natural keys) — never the raw-id default resource;
      exports (CSV, XLSX, JSON) stream in constant memory (apps/console/dataio/exports).
    """

    object_permissions = False

    import_form_class = ImportForm
    export_form_class = ExportForm
    export_form_class_selectable = SelectableFieldsExportForm

    list_per_page = 50
    paginator = IdsFirstPaginator  # a page's ids from the table alone, then its 50 rows with their joins
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

    # --- guardian's object permission pages: only for people allowed to grant (administrators) ---------

    def has_manage_object_permissions(self, request) -> bool:
        """Granting scope on an object needs the add permission on its guardian permission table."""
        if not self.object_permissions:
            return False
        table = get_user_obj_perms_model(self.model)._meta
        return request.user.has_perm(f"{table.app_label}.add_{table.model_name}")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            "can_manage_object_permissions": self.has_manage_object_permissions(request),
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def obj_perms_manage_view(self, request, object_pk):
        self._require_manage_object_permissions(request)
        return super().obj_perms_manage_view(request, object_pk)

    def obj_perms_manage_user_view(self, request, object_pk, user_id):
        self._require_manage_object_permissions(request)
        return super().obj_perms_manage_user_view(request, object_pk, user_id)

    def obj_perms_manage_group_view(self, request, object_pk, group_id):
        self._require_manage_object_permissions(request)
        return super().obj_perms_manage_group_view(request, object_pk, group_id)

    def _require_manage_object_permissions(self, request) -> None:
        # guardian itself redirects a user without change permission to the index; refuse plainly instead
        if not self.has_manage_object_permissions(request):
            raise PermissionDenied

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
