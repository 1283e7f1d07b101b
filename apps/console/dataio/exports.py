"""The admin's Export button, streaming: CSV, XLSX and JSON through apps.dataio.exporting.

import-export's `ExportMixin.export_action` stays in charge of the page: the permission check, the form
(format, resource, selectable fields), the changelist's filters and search (`get_export_queryset`, which starts
from the scoped `get_queryset`) and the rows picked with the "export" action. Only the last step,
`_do_file_export`, is replaced: instead of `get_export_data` building a tablib Dataset and one string, the
rows are written while they are read.
"""

import logging

from django.core.exceptions import PermissionDenied
from import_export.formats import base_formats
from import_export.signals import post_export

from apps.dataio.exporting import DEFAULT_CHUNK_SIZE, can_stream, export_response

logger = logging.getLogger(__name__)

STREAMED_FORMATS = {
    base_formats.CSV: "csv",
    base_formats.XLSX: "xlsx",
    base_formats.JSON: "json",
}


class StreamingExportMixin:
    """Put before import-export's ExportMixin (ImportExportModelAdmin) in the admin's bases."""

    #: rows fetched from the database per round trip (and per prefetch_related query)
    export_chunk_size = DEFAULT_CHUNK_SIZE

    def get_export_formats(self):
        return [file_format for file_format in STREAMED_FORMATS if file_format().can_export()]

    def _do_file_export(self, file_format, request, queryset, export_form=None):
        # import-export checks this in get_export_data(), which the streaming path does not call
        if not self.has_export_permission(request):
            raise PermissionDenied
        fmt = STREAMED_FORMATS.get(type(file_format))
        # the same keyword arguments import-export hands to the resource and its widgets
        export_kwargs = {
            "force_native_type": type(file_format) in base_formats.BINARY_FORMATS,
            "encoding": self.to_encoding,
            "export_form": export_form,
        }
        resource_class = self.choose_export_resource_class(export_form, request)
        resource = resource_class(**self.get_export_resource_kwargs(request, **export_kwargs))
        if fmt is None or not can_stream(resource):
            logger.info(
                "%s: the %s export of %s is buffered, not streamed",
                type(self).__name__,
                file_format.get_title(),
                resource_class.__name__,
            )
            return super()._do_file_export(file_format, request, queryset, export_form=export_form)

        response = export_response(
            resource,
            queryset,
            fmt=fmt,
            filename=self.get_export_filename(request, queryset, file_format),
            selected_fields=self.get_export_resource_fields_from_form(export_form),
            chunk_size=self.export_chunk_size,
            export_kwargs=export_kwargs,
        )
        post_export.send(sender=None, model=self.model)
        return response

    def get_valid_export_item_pks(self, request):
        # rows picked with the "export" action are checked against the user's scope, not the whole table
        # (import-export's default, deprecated since 4.x; its export_action still calls it)
        return self.get_queryset(request).values_list("pk", flat=True)
