"""Exports that stream: rows leave the database in chunks and reach the client without a tablib Dataset.

import-export's `Resource.export()` appends every row to a Dataset and the format then renders the whole
Dataset into one string; at 100,000 rows both live in memory at once. Here the same resource hooks run
(`before_export`, `filter_export`, `export_resource`/`export_field`, the widgets' `render`) but each row is
written out as soon as it is built:

- CSV and JSON are generators for a `StreamingHttpResponse`;
- XLSX is a zip, so it cannot go out before it is finished: openpyxl's write-only workbook keeps memory
  flat while the file builds in a spooled temporary file, which a `FileResponse` then sends.

Text cells in CSV and XLSX are neutralised against formula injection (OWASP "CSV injection"). JSON is not
opened by spreadsheets, so its values go out exactly as the resource renders them.
"""

import csv
import functools
import io
import re
import tempfile
from collections.abc import Generator, Iterable, Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.http import content_disposition_header
from import_export.fields import Field
from import_export.resources import Resource
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

DEFAULT_CHUNK_SIZE = 2000
FLUSH_EVERY_ROWS = 500
# an XLSX up to this size is built in memory, a larger one rolls over to a temporary file on disk
XLSX_SPOOL_BYTES = 16 * 1024 * 1024

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

# --- formula neutralisation -----------------------------------------------------------------------------------------

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
# A value that already starts with the quote and then a trigger (or a second quote) is quoted once more, so that
# `restore_neutralised` can undo exactly what `neutralise` did and an export re-imports unchanged.
_ESCAPED_AFTER_QUOTE = (*FORMULA_TRIGGERS, QUOTE)
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\Z")


def neutralise(value):
    """A text cell a spreadsheet could run as a formula, with a leading `'`; numbers and non-text untouched.

    "=HYPERLINK(...)" -> "'=HYPERLINK(...)", "@SUM(A1)" -> "'@SUM(A1)", "+44 20 7946 0000" -> "'+44 20 7946 0000";
    "-5" and "-0.25" stay as they are (a plain number is no formula).
    """
    if not isinstance(value, str) or not value:
        return value
    if value.startswith(FORMULA_TRIGGERS):
        return value if _PLAIN_NUMBER.match(value) else QUOTE + value
    if value.startswith(QUOTE) and value[1:2].startswith(_ESCAPED_AFTER_QUOTE):
        return QUOTE + value
    return value


def restore_neutralised(value):
    """The inverse of `neutralise`, for an import reading back one of our exports."""
    if isinstance(value, str) and value.startswith(QUOTE) and value[1:2].startswith(_ESCAPED_AFTER_QUOTE):
        return value[1:]
    return value


# --- rows -------------------------------------------------------------------------------------------------------------


def can_stream(resource: Resource) -> bool:
    """Whether the resource's export can be reproduced row by row.

    A resource that overrides `export()` or `after_export()` works on the finished Dataset (adds a column,
    reorders, totals): there is no Dataset here, so such a resource must take import-export's buffered path.
    """
    resource_class = type(resource)
    return resource_class.export is Resource.export and resource_class.after_export is Resource.after_export


def iter_export_rows(
    resource: Resource,
    queryset,
    *,
    selected_fields=None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    **export_kwargs,
) -> Generator[list, None, None]:
    """The rows `resource.export(queryset, export_fields=selected_fields, **export_kwargs)` would hold.

    Same hooks, same order as import-export 4.4's `Resource.export()`: `before_export` and `filter_export` when
    called, then, as the rows are read, one `export_resource` per object, the keyword arguments passed through
    to the widgets (so `force_native_type=True` gives XLSX native dates and numbers). `after_export` is not
    called: it receives the finished Dataset, which does not exist here (see `can_stream`).

    The database is not read until the first row is: a response nobody reads holds no cursor. The queryset
    keeps its `select_related`; `prefetch_related` is honoured too, one prefetch per chunk (Django 5
    `iterator(chunk_size=...)`), where import-export falls back to a Paginator.
    """
    kwargs = {**export_kwargs, "export_fields": selected_fields}
    resource.before_export(queryset, **kwargs)
    queryset = resource.filter_export(queryset, **kwargs)
    objects = queryset.iterator(chunk_size=chunk_size) if isinstance(queryset, QuerySet) else iter(queryset)

    if type(resource).export_resource is not Resource.export_resource:
        return _rows(objects, functools.partial(_export_resource, resource, selected_fields, kwargs))
    cells = _cell_renderers(resource, selected_fields, kwargs)
    return _rows(objects, lambda obj: [render(obj) for render in cells])


def _rows(objects: Iterator, render_row) -> Generator[list, None, None]:
    try:
        for obj in objects:
            yield render_row(obj)
    finally:
        # a download cut short releases its server-side cursor now, not whenever the garbage collector runs
        if hasattr(objects, "close"):
            objects.close()


def _export_resource(resource, selected_fields, kwargs, obj):
    return resource.export_resource(obj, selected_fields=selected_fields, **kwargs)


def _cell_renderers(resource: Resource, selected_fields, kwargs: dict) -> list:
    """One callable per exported column, worked out once instead of for every row.

    `Resource.export_resource` finds the fields again per row, and `Resource.export_field` finds each field's
    name (a scan of all fields) and its `dehydrate_<name>` method per cell: at 100,000 rows that lookup costs more
    than the values. The result is the same: the dehydrate method when there is one, else `field.export()`.
    A resource overriding `export_field` keeps its override, called per cell.
    """
    fields = resource.get_export_fields(selected_fields)
    export_field = type(resource).export_field
    if export_field is not Resource.export_field and not getattr(export_field, "only_adds_object", False):
        return [functools.partial(_export_field, resource, field, kwargs) for field in fields]
    model = getattr(resource._meta, "model", None)
    renderers = []
    for field in fields:
        dehydrate = field.get_dehydrate_method(resource.get_field_name(field))
        method = dehydrate if callable(dehydrate) else getattr(resource, dehydrate, None)
        if method is None:
            method = _column_renderer(model, field, kwargs) or functools.partial(_field_export, field, kwargs)
        renderers.append(method)
    return renderers


def _column_renderer(model, field, kwargs: dict):
    """For a plain field reading one column (or foreign key) of the model: read it and render it, nothing else.

    What `Field.export()` does for such a field, without splitting the attribute path and testing the value
    for a callable or a dict on every cell. None for anything else (paths, many-to-many, properties,
    `Field` subclasses), which keeps the general path.
    """
    attribute = field.attribute
    if model is None or type(field) is not Field or not attribute or "__" in attribute:
        return None
    try:
        model_field = model._meta.get_field(attribute)
    except FieldDoesNotExist:
        return None
    if not model_field.concrete or model_field.many_to_many:
        return None
    render = field.widget.render
    with_object = getattr(field.widget, "renders_with_object", False)

    def cell(obj):
        try:
            value = getattr(obj, attribute)
        except ObjectDoesNotExist:  # a foreign key to a row that is gone
            value = None
        return render(value, obj=obj, **kwargs) if with_object else render(value, **kwargs)

    return cell


def _export_field(resource, field, kwargs, obj):
    return resource.export_field(field, obj, **kwargs)


def _field_export(field, kwargs, obj):
    if getattr(field.widget, "renders_with_object", False):
        # e.g. a time, written in the zone of the object's location (import-export's own widgets warn on `obj`)
        return field.widget.render(field.get_value(obj), obj=obj, **kwargs)
    return field.export(obj, **kwargs)


# --- writers ----------------------------------------------------------------------------------------------------------


def stream_csv(headers: list[str], rows: Iterable[list]) -> Iterator[bytes]:
    """UTF-8 CSV with a byte-order mark (so Excel reads the accents right), in chunks of `FLUSH_EVERY_ROWS`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    yield ("\ufeff" + _drain(buffer)).encode("utf-8")
    for count, row in enumerate(rows, start=1):
        writer.writerow([neutralise(value) for value in row])
        if count % FLUSH_EVERY_ROWS == 0:
            yield _drain(buffer).encode("utf-8")
    if rest := _drain(buffer):
        yield rest.encode("utf-8")


class _ExportJSONEncoder(DjangoJSONEncoder):
    """Django's encoder (dates and datetimes as ISO 8601, Decimals as strings), anything else as its text."""

    def default(self, o):
        try:
            return super().default(o)
        except TypeError:
            return str(o)


def stream_json(headers: list[str], rows: Iterable[list]) -> Iterator[bytes]:
    """A JSON list of objects keyed by header, written object by object; not neutralised (no spreadsheet)."""
    encode = _ExportJSONEncoder(ensure_ascii=False).encode
    parts = ["["]
    for count, row in enumerate(rows):
        parts.append(("," if count else "") + "\n" + encode(dict(zip(headers, row, strict=False))))
        if len(parts) >= FLUSH_EVERY_ROWS:
            yield "".join(parts).encode("utf-8")
            parts.clear()
    parts.append("\n]\n")
    yield "".join(parts).encode("utf-8")


def write_xlsx(headers: list[str], rows: Iterable[list], fileobj, *, sheet_title: str = "Export"):
    """An XLSX workbook into `fileobj` (left at its start), built with openpyxl's write-only (flat memory) mode."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31])
    sheet.append([_xlsx_text(header) for header in headers])
    zone = timezone.get_current_timezone()
    for row in rows:
        sheet.append([_xlsx_value(value, zone) for value in row])
    workbook.save(fileobj)
    fileobj.seek(0)
    return fileobj


def _xlsx_text(text: str) -> str:
    # openpyxl refuses control characters with IllegalCharacterError, which would abort the whole export
    return ILLEGAL_CHARACTERS_RE.sub("\N{REPLACEMENT CHARACTER}", text)


def _xlsx_value(value, zone):
    if isinstance(value, str):
        return _xlsx_text(neutralise(value))
    if value is None or isinstance(value, int | float | Decimal | timedelta):
        return value
    if isinstance(value, datetime):
        # Excel has no time zones and openpyxl refuses aware values: the wall-clock time in the portal's zone
        return timezone.localtime(value, zone).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, time):
        return value.replace(tzinfo=None)
    if isinstance(value, date):
        return value
    return _xlsx_text(neutralise(str(value)))


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


# --- responses --------------------------------------------------------------------------------------------------------


def export_response(
    resource: Resource,
    queryset,
    *,
    fmt: str,
    filename: str,
    selected_fields=None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    export_kwargs: dict | None = None,
):
    """The download of `queryset` through `resource`: a StreamingHttpResponse (csv, json) or FileResponse (xlsx).

    `queryset` is the caller's, already limited to what the user may see (the admin passes the changelist's
    filtered, scoped queryset); nothing here widens it. The headers and the resource's `before_export` and
    `filter_export` run before the response is returned, so a misconfigured resource fails as an ordinary
    error (the export form shows it); a value that fails to render halfway through a CSV or JSON download
    can only cut that download short.
    """
    if fmt not in CONTENT_TYPES:
        raise ValueError(f"cannot stream an export as {fmt!r}")
    kwargs = {"force_native_type": fmt == "xlsx", **(export_kwargs or {})}
    headers = resource.get_export_headers(selected_fields=selected_fields)
    rows = iter_export_rows(resource, queryset, selected_fields=selected_fields, chunk_size=chunk_size, **kwargs)

    if fmt == "xlsx":
        spool = tempfile.SpooledTemporaryFile(max_size=XLSX_SPOOL_BYTES)  # noqa: SIM115 - FileResponse closes it
        try:
            write_xlsx(headers, rows, spool)
        except BaseException:
            spool.close()
            raise
        finally:
            rows.close()
        return FileResponse(spool, as_attachment=True, filename=filename, content_type=CONTENT_TYPES[fmt])

    write = stream_csv if fmt == "csv" else stream_json
    response = StreamingHttpResponse(_streamed(write(headers, rows), rows), content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


def _streamed(chunks: Generator[bytes, None, None], rows: Generator[list, None, None]) -> Generator[bytes, None, None]:
    """The body, written in the request's time zone and language although the view has returned by then.

    The server closes the response when the download ends or is cut short; closing this closes the rows too,
    and with them the database cursor.
    """
    zone, language = timezone.get_current_timezone(), translation.get_language()

    def generate():
        try:
            with timezone.override(zone), translation.override(language):
                yield from chunks
        finally:
            chunks.close()
            rows.close()

    return generate()
