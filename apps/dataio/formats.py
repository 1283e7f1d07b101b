"""Turn an uploaded spreadsheet into a `tablib.Dataset`, or refuse it with one message a person can act on.

The admin import page and the Celery import job both call `read_upload`; whatever is wrong with the file
surfaces as `ImportFileError`, whose text is shown to the administrator as it is.
"""

from __future__ import annotations

import codecs
import csv
import gc
import io
import json
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import tablib
from django.conf import settings
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from .choices import ImportFormat

DEFAULT_MAX_UPLOAD_BYTES = 20 * 1024 * 1024

CSV, TSV, XLSX, JSON = ImportFormat.CSV.value, ImportFormat.TSV.value, ImportFormat.XLSX.value, ImportFormat.JSON.value
_FORMAT_BY_EXTENSION = {".csv": CSV, ".txt": CSV, ".tsv": TSV, ".tab": TSV, ".xlsx": XLSX, ".json": JSON}
ACCEPTED_EXTENSIONS = tuple(_FORMAT_BY_EXTENSION)
_UPLOAD_ONE_OF = "upload a CSV, TSV, XLSX or JSON file"

EMPTY_FILE = "The file is empty."
HEADER_ONLY = "The file has a header row but no data rows."
DAMAGED_XLSX = "The XLSX file is damaged or not really an XLSX workbook."
PROTECTED_XLSX = (
    "The workbook is password-protected, or it is an old Excel 97-2003 (.xls) workbook; "
    "save it without a password as an Excel Workbook (.xlsx) and upload it again."
)

_OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # encrypted OOXML and legacy .xls share this container
_ZIP_SIGNATURE = b"PK\x03\x04"
_NOT_WHITESPACE = re.compile(rb"\S")
_LEADING_BLANK_LINES = re.compile(r"(?:[ \t]*(?:\r\n|\r|\n))*")
# When the header holds as many of one as of another, the rarer character in ordinary text wins: a comma
# inside an unquoted header ("Last, first") is more likely than a stray tab or semicolon.
_DELIMITER_PREFERENCE = ("\t", ";", ",")
_SNIFF_CHARS = 64 * 1024

# Content types that say nothing about the file; the bytes decide.
_GENERIC_CONTENT_TYPES = frozenset(
    {
        "application/octet-stream",
        "binary/octet-stream",
        "application/unknown",
        "application/x-unknown",
        "application/force-download",
        "application/x-download",
        "text/plain",
    }
)
_CONTENT_TYPES = {
    # Windows sends application/vnd.ms-excel for .csv when Excel is installed.
    CSV: frozenset(
        {
            "text/csv",
            "text/x-csv",
            "application/csv",
            "application/x-csv",
            "text/comma-separated-values",
            "text/x-comma-separated-values",
            "text/tab-separated-values",
            "application/vnd.ms-excel",
        }
    ),
    TSV: frozenset(
        {
            "text/tab-separated-values",
            "text/x-tab-separated-values",
            "text/tsv",
            "text/csv",
            "application/vnd.ms-excel",
        }
    ),
    XLSX: frozenset(
        {
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "application/zip",
            "application/x-zip-compressed",
            "application/vnd.ms-excel",
        }
    ),
    JSON: frozenset({"application/json", "text/json", "application/x-json", "text/x-json"}),
}
_FOREIGN_MAIN_TYPES = {"image": "an image", "audio": "an audio file", "video": "a video", "font": "a font"}
_FOREIGN_CONTENT_TYPES = {
    "application/pdf": "a PDF document",
    "application/msword": "a Word document",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "a Word document",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "a PowerPoint presentation",
    "application/vnd.ms-powerpoint": "a PowerPoint presentation",
    "application/rtf": "a rich-text document",
    "text/rtf": "a rich-text document",
    "text/html": "a web page",
    "application/gzip": "a compressed archive",
    "application/x-gzip": "a compressed archive",
    "application/x-tar": "an archive",
    "application/x-7z-compressed": "a compressed archive",
    "application/vnd.rar": "a compressed archive",
    "application/x-rar-compressed": "a compressed archive",
    "application/x-msdownload": "a program",
    "application/vnd.oasis.opendocument.spreadsheet": "an OpenDocument spreadsheet (.ods)",
}
_TEXT_ADVICE = {
    CSV: 'save it as "CSV UTF-8" and upload it again',
    TSV: "save it as UTF-8 text and upload it again",
    JSON: "save it as UTF-8 text and upload it again",
}


class ImportFileError(Exception):
    """Bad upload; str(exc) is the message shown to the user, e.g. 'The file is empty.'"""


@dataclass(frozen=True)
class Upload:
    dataset: tablib.Dataset  # headers = first row, stripped of whitespace; data rows as tuples
    format: str  # an ImportFormat value
    encoding: str | None  # "utf-8", "utf-8-sig" or "cp1252" for text formats; None for xlsx
    delimiter: str | None  # ",", ";" or "\t" for csv/tsv


def max_upload_bytes() -> int:
    return int(getattr(settings, "IMPORT_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES))


def format_for(filename: str) -> str:
    """The import format a file name's extension stands for; an extension we do not read is refused."""
    name = _display_name(filename)
    _, dot, suffix = name.rpartition(".")
    extension = f".{suffix.lower()}" if dot else ""
    if extension in _FORMAT_BY_EXTENSION:
        return _FORMAT_BY_EXTENSION[extension]
    if not extension:
        raise ImportFileError(f"{name} has no file extension; {_UPLOAD_ONE_OF}.")
    if extension == ".xls":
        raise ImportFileError(
            f"{name} is an old Excel 97-2003 (.xls) workbook; save it as an Excel Workbook (.xlsx) and upload it again."
        )
    raise ImportFileError(f"{name} is a {extension} file; {_UPLOAD_ONE_OF}.")


def read_upload(data: bytes, *, filename: str, content_type: str | None = None) -> Upload:
    """Read an upload's bytes into a Dataset; every problem with the file is an ImportFileError."""
    name = _display_name(filename)
    file_format = format_for(filename)
    _check_content_type(file_format, content_type, name)
    limit = max_upload_bytes()
    if len(data) > limit:
        raise ImportFileError(f"The file is larger than {_size(limit)} (it is {_size(len(data), round_up=True)}).")
    start = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    if not _NOT_WHITESPACE.search(data, start):
        raise ImportFileError(EMPTY_FILE)

    if file_format == XLSX:
        return Upload(dataset=_read_xlsx(data), format=XLSX, encoding=None, delimiter=None)
    encoding = _text_encoding(data, file_format)
    if file_format == JSON:
        with cyclic_gc_paused():
            dataset = _read_json(data, encoding)
        return Upload(dataset=dataset, format=JSON, encoding=encoding, delimiter=None)
    delimiter = "\t" if file_format == TSV else _detect_delimiter(data[start : start + _SNIFF_CHARS], encoding)
    with cyclic_gc_paused():
        dataset = _read_delimited(data, encoding, delimiter)
    return Upload(dataset=dataset, format=file_format, encoding=encoding, delimiter=delimiter)


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Cyclic garbage collection off for a while (then back on as it was).

    Reading text builds a few hundred thousand lists (and dicts, for JSON) of plain values, none of them in
    a cycle. Left running, the cyclic collector rescans the growing table again and again, which triples the
    time of a 100,000-row read. Reference counting still frees everything meanwhile."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


# --- checks before parsing -------------------------------------------------------------------------


def _display_name(filename: str) -> str:
    """The bare file name (browsers on Windows may send a whole path)."""
    return (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip() or "The file"


def _check_content_type(file_format: str, content_type: str | None, name: str) -> None:
    """Refuse only a content type that clearly names something else; unknown ones are left to the bytes."""
    kind = (content_type or "").split(";", 1)[0].strip().lower()
    if not kind or kind in _GENERIC_CONTENT_TYPES or kind in _CONTENT_TYPES[file_format]:
        return
    described = _FOREIGN_CONTENT_TYPES.get(kind) or _FOREIGN_MAIN_TYPES.get(kind.split("/", 1)[0])
    if described is None:
        other = next((fmt for fmt, kinds in _CONTENT_TYPES.items() if kind in kinds), None)
        if other is None:
            return
        described = f"{_a_format(other)} file"
    raise ImportFileError(
        f"{name} looks like {described} ({kind}), not {_a_format(file_format)} file; "
        f"check that you picked the right file and {_UPLOAD_ONE_OF}."
    )


def _a_format(file_format: str) -> str:
    """'a CSV', 'an XLSX'."""
    return f"an {file_format.upper()}" if file_format == XLSX else f"a {file_format.upper()}"


def _size(num_bytes: int, *, round_up: bool = False) -> str:
    """'20 MB', '21.3 MB', '512 KB', '900 bytes'; rounding the actual size up keeps it from reading as the limit."""
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if num_bytes >= factor:
            tenths = -(-num_bytes * 10 // factor) if round_up else (num_bytes * 10 + factor // 2) // factor
            whole, tenth = divmod(tenths, 10)
            return f"{whole}.{tenth} {unit}" if tenth else f"{whole} {unit}"
    return f"{num_bytes} bytes"


def _text_encoding(data: bytes, file_format: str) -> str:
    """UTF-8 (with or without a BOM), else Windows-1252; anything else is not text we can read."""

    def unreadable(reason: str) -> ImportFileError:
        return ImportFileError(f"The file could not be read as text ({reason}).")

    label = file_format.upper()
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise unreadable(f'it is saved as UTF-16 "Unicode text"; {_TEXT_ADVICE[file_format]}')
    if data.startswith(_ZIP_SIGNATURE):
        raise unreadable(f"it looks like an Excel workbook; upload it as .xlsx, or save it as {label}")
    if data.startswith(_OLE2_SIGNATURE):
        raise unreadable(f"it looks like an old Excel .xls workbook; save it as {label} or .xlsx")
    if b"\x00" in data:
        raise unreadable(f"it contains binary data, so it is probably not {_a_format(file_format)} file")
    # Decoded only to check; parsing streams from the bytes so the whole text is not held twice.
    encoding = "utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8"
    try:
        str(data, encoding)
        return encoding
    except UnicodeDecodeError:
        pass
    try:
        str(data, "cp1252")
        return "cp1252"
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise unreadable(
            f"line {line} has characters that are neither UTF-8 nor Windows-1252; {_TEXT_ADVICE[file_format]}"
        ) from None


# --- building the table ----------------------------------------------------------------------------


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _headers(cells: Iterable[Any], *, trim: bool = True) -> list[str]:
    names = ["" if cell is None else str(cell).strip() for cell in cells]
    while trim and names and not names[-1]:
        names.pop()
    seen: dict[str, int] = {}
    for column, name in enumerate(names, start=1):
        if not name:
            raise ImportFileError(f"Column {column} ({get_column_letter(column)}) has no header.")
        key = name.casefold()
        if key in seen:
            raise ImportFileError(
                f'The header "{name}" appears more than once (columns {seen[key]} and {column}); '
                "every column needs its own header."
            )
        seen[key] = column
    return names


def _dataset(rows: Iterator[tuple[int, list[Any]]], *, empty_message: str = EMPTY_FILE) -> tablib.Dataset:
    """Header from the first row, then the data rows fitted to its width. `rows` yields only non-blank rows,
    numbered as a spreadsheet shows them (the first line is row 1)."""
    first = next(rows, None)
    if first is None:
        raise ImportFileError(empty_message)
    headers = _headers(first[1])
    width = len(headers)
    body = []
    for number, cells in rows:
        if len(cells) < width:
            cells = cells + [""] * (width - len(cells))
        elif len(cells) > width:
            # Trailing empty cells (a trailing delimiter, a formatted empty cell) are not a longer row.
            used = len(cells)
            while _is_empty(cells[used - 1]):
                used -= 1
            if used > width:
                raise ImportFileError(f"Row {number} has {used} cells but the header has {width} columns.")
            cells = cells[:width]
        body.append(cells)
    if not body:
        raise ImportFileError(HEADER_ONLY)
    return tablib.Dataset(*body, headers=headers)


# --- CSV / TSV -------------------------------------------------------------------------------------


def _detect_delimiter(head: bytes, encoding: str) -> str:
    """Comma, semicolon or tab: whichever the header line holds most of outside quotes (comma if none)."""
    text = head.decode(encoding.removesuffix("-sig"), errors="ignore")
    counts = dict.fromkeys(_DELIMITER_PREFERENCE, 0)
    quoted = False
    for char in text[_LEADING_BLANK_LINES.match(text).end() :]:
        if char == '"':
            quoted = not quoted
        elif quoted:
            continue
        elif char in "\r\n":
            break
        elif char in counts:
            counts[char] += 1
    best = max(_DELIMITER_PREFERENCE, key=counts.__getitem__)
    return best if counts[best] else ","


def _delimited_rows(reader: Iterator[list[str]]) -> Iterator[tuple[int, list[str]]]:
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            if "".join(cells).strip():
                yield number, cells
    except csv.Error as exc:
        raise ImportFileError(
            f'Row {number + 1} could not be read ({exc}); check it for a quote (") that is opened but never closed.'
        ) from None


def _read_delimited(data: bytes, encoding: str, delimiter: str) -> tablib.Dataset:
    with io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="") as stream:
        return _dataset(_delimited_rows(csv.reader(stream, delimiter=delimiter)))


# --- XLSX ------------------------------------------------------------------------------------------


def _cell_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _xlsx_rows(sheet) -> Iterator[tuple[int, list[Any]]]:
    # The sheet is parsed lazily, so a damaged sheet can fail at any row, with whatever openpyxl,
    # zipfile or the XML parser raise.
    values = sheet.iter_rows(values_only=True)
    number = 0
    while True:
        try:
            row = next(values, None)
        except Exception as exc:
            raise ImportFileError(DAMAGED_XLSX) from exc
        if row is None:
            return
        number += 1  # openpyxl yields an empty row for each missing one, so this is the sheet's row number
        if not all(_is_empty(value) for value in row):
            yield number, [_cell_value(value) for value in row]


def _read_xlsx(data: bytes) -> tablib.Dataset:
    if data.startswith(_OLE2_SIGNATURE):
        raise ImportFileError(PROTECTED_XLSX)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # BadZipFile, KeyError, InvalidFileException, XML errors…: all mean "not a workbook"
        raise ImportFileError(DAMAGED_XLSX) from exc
    try:
        if not workbook.worksheets:
            raise ImportFileError("The workbook has no worksheets.")
        sheet = workbook.worksheets[0]
        # The stored dimensions can be wrong or huge (a formatted column down to row 1,048,576); read what is there.
        sheet.reset_dimensions()
        return _dataset(_xlsx_rows(sheet), empty_message=f'The first worksheet ("{sheet.title}") is empty.')
    finally:
        workbook.close()


# --- JSON ------------------------------------------------------------------------------------------


def _json_kind(value: Any) -> str:
    if isinstance(value, dict):
        return "an object ({...})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a text value"
    if isinstance(value, bool):
        return "true/false"
    if value is None:
        return "null"
    return "a number"


def _read_json(data: bytes, encoding: str) -> tablib.Dataset:
    example = '[{"name": ...}, {"name": ...}]'
    try:
        records = json.loads(str(data, encoding))
    except json.JSONDecodeError as exc:
        raise ImportFileError(
            f"The file is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})."
        ) from None
    except RecursionError:
        raise ImportFileError("The file is not valid JSON for import: it is nested too deeply.") from None
    if not isinstance(records, list):
        raise ImportFileError(
            f"The JSON file must contain a list of records, like {example}; it contains {_json_kind(records)}."
        )
    if not records:
        raise ImportFileError("The JSON file contains an empty list, so there is nothing to import.")
    keys: dict[str, None] = {}
    for position, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            raise ImportFileError(
                f"Item {position} of the JSON list is {_json_kind(record)}, not a record with named fields "
                f"like {example}."
            )
        keys.update(dict.fromkeys(record))
    if not keys:
        raise ImportFileError("The JSON records have no fields.")
    if any(not key.strip() for key in keys):
        raise ImportFileError('A record in the JSON file has a field without a name ("").')
    headers = _headers(keys, trim=False)
    rows = [["" if record.get(key) is None else record[key] for key in keys] for record in records]
    return tablib.Dataset(*rows, headers=headers)
