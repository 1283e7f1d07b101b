import gc
import io
import json
import time
import zipfile
from datetime import date, datetime

import pytest
from openpyxl import Workbook

from apps.dataio.formats import (
    ACCEPTED_EXTENSIONS,
    DEFAULT_MAX_UPLOAD_BYTES,
    ImportFileError,
    Upload,
    format_for,
    max_upload_bytes,
    read_upload,
)

MB = 1024 * 1024
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def read(data: bytes | str, filename: str = "shifts.csv", content_type: str | None = None) -> Upload:
    if isinstance(data, str):
        data = data.encode()
    return read_upload(data, filename=filename, content_type=content_type)


def refusal(data: bytes | str, filename: str = "shifts.csv", content_type: str | None = None) -> str:
    with pytest.raises(ImportFileError) as caught:
        read(data, filename, content_type)
    return str(caught.value)


def rows(upload: Upload) -> list[tuple]:
    return list(upload.dataset)


def xlsx_bytes(*sheet_rows, replace: dict[str, str] | None = None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in sheet_rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    if not replace:
        return buffer.getvalue()
    # Rewrite the sheet XML, e.g. to store a number the way other programs write it ("42.0").
    patched = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(patched, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = content.decode()
                for old, new in replace.items():
                    assert old in text
                    text = text.replace(old, new)
                content = text.encode()
            target.writestr(item, content)
    return patched.getvalue()


# --- extension, content type, size ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        ("a.csv", "csv"),
        ("A.CSV", "csv"),
        ("notes.txt", "csv"),
        ("a.tsv", "tsv"),
        ("a.tab", "tsv"),
        ("a.xlsx", "xlsx"),
        ("a.json", "json"),
        ("C:\\Users\\ops\\Desktop\\rota.v2.xlsx", "xlsx"),
    ],
)
def test_format_for_reads_the_extension(filename, expected):
    assert format_for(filename) == expected


def test_accepted_extensions_cover_every_format():
    assert ACCEPTED_EXTENSIONS == (".csv", ".txt", ".tsv", ".tab", ".xlsx", ".json")
    assert {format_for(f"x{extension}") for extension in ACCEPTED_EXTENSIONS} == {"csv", "tsv", "xlsx", "json"}


def test_unknown_extension_is_refused_naming_it_and_the_accepted_ones():
    assert refusal(b"%PDF-1.7", "report.pdf") == "report.pdf is a .pdf file; upload a CSV, TSV, XLSX or JSON file."


def test_missing_extension_is_refused():
    message = refusal("a\n1\n", "C:/exports/report")
    assert message == "report has no file extension; upload a CSV, TSV, XLSX or JSON file."


def test_old_xls_extension_gets_advice():
    assert "save it as an Excel Workbook (.xlsx)" in refusal(OLE2, "rota.xls")


@pytest.mark.parametrize("content_type", ["application/pdf", "image/png", "application/zip"])
def test_content_type_that_contradicts_the_extension_is_refused(content_type):
    message = refusal("name\nZoe\n", "people.csv", content_type)
    assert message.startswith("people.csv looks like ")
    assert f"({content_type}), not a CSV file; check that you picked the right file" in message


def test_pdf_content_type_is_named_in_plain_words():
    assert refusal("name\nZoe\n", "people.csv", "application/pdf").startswith(
        "people.csv looks like a PDF document (application/pdf), not a CSV file"
    )


def test_content_type_of_another_accepted_format_is_refused():
    assert refusal(xlsx_bytes(["name"], ["Zoe"]), "rota.xlsx", "text/csv") == (
        "rota.xlsx looks like a CSV file (text/csv), not an XLSX file; "
        "check that you picked the right file and upload a CSV, TSV, XLSX or JSON file."
    )


@pytest.mark.parametrize(
    ("filename", "content_type"),
    [
        ("people.csv", "application/octet-stream"),
        ("people.csv", "text/plain; charset=utf-8"),
        ("people.csv", "application/vnd.ms-excel"),
        ("people.csv", "text/csv"),
        ("people.csv", "application/x-something-new"),
        ("people.tsv", "text/tab-separated-values"),
        ("people.json", "application/json"),
        ("people.csv", ""),
    ],
)
def test_generic_and_matching_content_types_are_accepted(filename, content_type):
    data = '[{"name": "Zoe"}]' if filename.endswith(".json") else "name\nZoe\n"
    assert rows(read(data, filename, content_type)) == [("Zoe",)]


def test_file_over_the_limit_is_refused_before_parsing():
    data = b"\x00" * (DEFAULT_MAX_UPLOAD_BYTES + int(1.3 * MB))  # not a workbook at all: never parsed
    assert refusal(data, "big.xlsx") == "The file is larger than 20 MB (it is 21.3 MB)."


def test_file_just_over_the_limit_does_not_read_as_the_limit(settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = MB
    assert refusal(b"a" * (MB + 1)) == "The file is larger than 1 MB (it is 1.1 MB)."


def test_size_limit_comes_from_settings(settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 100
    assert max_upload_bytes() == 100
    assert refusal("name\n" + "x" * 200 + "\n") == "The file is larger than 100 bytes (it is 206 bytes)."
    assert rows(read("name\n" + "x" * 90 + "\n")) == [("x" * 90,)]


def test_size_limit_defaults_to_20_mb(settings):
    del settings.IMPORT_MAX_UPLOAD_BYTES
    assert max_upload_bytes() == 20 * MB


@pytest.mark.parametrize("data", [b"", b"   \r\n\t\n", b"\xef\xbb\xbf", b"\xef\xbb\xbf \n"])
@pytest.mark.parametrize("filename", ["a.csv", "a.tsv", "a.xlsx", "a.json"])
def test_empty_file_is_refused(data, filename):
    assert refusal(data, filename) == "The file is empty."


# --- CSV / TSV text ---------------------------------------------------------------------------------


def test_utf8_csv_without_bom():
    upload = read("Name , Role\nZoë,Director\n".encode())
    assert (upload.format, upload.encoding, upload.delimiter) == ("csv", "utf-8", ",")
    assert upload.dataset.headers == ["Name", "Role"]
    assert rows(upload) == [("Zoë", "Director")]


def test_utf8_csv_with_bom_strips_it():
    upload = read(b"\xef\xbb\xbf" + "Name,Role\nZoë,Director\n".encode())
    assert upload.encoding == "utf-8-sig"
    assert upload.dataset.headers == ["Name", "Role"]
    assert rows(upload) == [("Zoë", "Director")]


def test_cp1252_csv_falls_back_to_windows_encoding():
    upload = read("Name;Note\r\nZoë;“quoted” – 5 €\r\n".encode("cp1252"))
    assert (upload.encoding, upload.delimiter) == ("cp1252", ";")
    assert rows(upload) == [("Zoë", "“quoted” – 5 €")]


def test_bytes_undefined_in_both_encodings_are_refused_with_the_line():
    message = refusal(b"name\nok\nbad \x81\x8d\n")
    assert message.startswith("The file could not be read as text (line 3 has characters that are neither")
    assert 'save it as "CSV UTF-8"' in message


def test_binary_disguised_as_csv_is_refused():
    assert refusal(b"name\n\x00\x01\x02\x03\n") == (
        "The file could not be read as text (it contains binary data, so it is probably not a CSV file)."
    )


def test_workbook_renamed_to_csv_is_refused_with_advice():
    message = refusal(xlsx_bytes(["name"], ["Zoe"]), "people.csv")
    assert message.startswith("The file could not be read as text (it looks like an Excel workbook")


def test_utf16_text_is_refused_with_advice():
    message = refusal("name\tpost\nZoe\tEditor\n".encode("utf-16"), "people.txt")
    assert message.startswith('The file could not be read as text (it is saved as UTF-16 "Unicode text"')


def test_semicolon_csv():
    upload = read('name;price;note\nTape;1,50;"a;b"\n')
    assert upload.delimiter == ";"
    assert rows(upload) == [("Tape", "1,50", "a;b")]


def test_tab_in_csv_file_is_detected():
    upload = read("name\tprice, EUR\nTape\t1,50\n")
    assert upload.delimiter == "\t"
    assert upload.dataset.headers == ["name", "price, EUR"]
    assert rows(upload) == [("Tape", "1,50")]


def test_delimiter_inside_quoted_header_does_not_count():
    upload = read('"a;b";c\n1;2\n')
    assert upload.delimiter == ";"
    assert upload.dataset.headers == ["a;b", "c"]


def test_one_column_csv():
    upload = read("name\nZoe\nAmir\n")
    assert upload.delimiter == ","
    assert rows(upload) == [("Zoe",), ("Amir",)]


def test_quoted_newline_and_delimiter_stay_in_the_cell():
    upload = read('title,notes\r\nNews,"line one\r\nline two, still notes"\r\nSport,x\r\n')
    assert rows(upload) == [("News", "line one\r\nline two, still notes"), ("Sport", "x")]


def test_tsv_is_always_tab_separated():
    upload = read("name\tnote\nZoe\thas, commas; and semicolons\n", "people.tsv")
    assert (upload.format, upload.delimiter) == ("tsv", "\t")
    assert rows(upload) == [("Zoe", "has, commas; and semicolons")]


def test_blank_lines_are_skipped():
    upload = read("\n\nname,post\n\nZoe,Editor\n,\n   \nAmir,Producer\n\n")
    assert upload.dataset.headers == ["name", "post"]
    assert rows(upload) == [("Zoe", "Editor"), ("Amir", "Producer")]


def test_short_rows_are_padded():
    assert rows(read("a,b,c\n1\n1,2\n")) == [("1", "", ""), ("1", "2", "")]


def test_long_row_is_refused_with_its_spreadsheet_row_number():
    data = "a,b,c,d,e,f,g,h\n" + "1,2,3,4,5,6,7,8\n" * 5 + "1,2,3,4,5,6,7,8,9\n"
    assert refusal(data) == "Row 7 has 9 cells but the header has 8 columns."


def test_row_number_counts_blank_lines_and_multiline_cells_like_a_spreadsheet():
    data = 'a,b\n"x\ny",1\n\n1,2,3\n'
    assert refusal(data) == "Row 4 has 3 cells but the header has 2 columns."


def test_trailing_empty_cells_do_not_make_a_row_too_long():
    upload = read("a,b,,\n1,2,,\n3,4,,,,\n")
    assert upload.dataset.headers == ["a", "b"]
    assert rows(upload) == [("1", "2"), ("3", "4")]


def test_field_too_large_is_a_clear_refusal():
    message = refusal('a,b\n1,"' + "x" * 200_000 + "\n")
    assert message.startswith("Row 2 could not be read (field larger than field limit")
    assert "opened but never closed" in message


# --- header row -------------------------------------------------------------------------------------


def test_empty_header_cell_in_the_middle_is_refused():
    assert refusal("a,b,c,,e\n1,2,3,4,5\n") == "Column 4 (D) has no header."


def test_duplicate_headers_are_refused_case_insensitively():
    assert refusal("Name,post,name\n1,2,3\n") == (
        'The header "name" appears more than once (columns 1 and 3); every column needs its own header.'
    )


def test_header_only_is_refused():
    assert refusal("name,post\n\n,\n") == "The file has a header row but no data rows."


def test_blank_rows_only_is_empty():
    assert refusal(",,\n,,\n") == "The file is empty."


# --- XLSX -------------------------------------------------------------------------------------------


def test_xlsx_keeps_cell_types():
    on_air = datetime(2024, 3, 5, 18, 30)
    data = xlsx_bytes([" Show ", "On air", "Minutes", "Rating"], ["News", on_air, 30, 7.5], ["Sport", None, 45, None])
    upload = read(data, "rota.xlsx")
    assert (upload.format, upload.encoding, upload.delimiter) == ("xlsx", None, None)
    assert upload.dataset.headers == ["Show", "On air", "Minutes", "Rating"]
    assert rows(upload) == [("News", on_air, 30, 7.5), ("Sport", "", 45, "")]
    assert isinstance(upload.dataset[0][1], datetime)


def test_xlsx_integral_float_becomes_int():
    data = xlsx_bytes(["id", "share"], [42, 2.5], replace={"<v>42</v>": "<v>42.0</v>"})
    value = rows(read(data, "rota.xlsx"))[0][0]
    assert value == 42
    assert type(value) is int


def test_xlsx_date_cell_comes_back_as_datetime():
    upload = read(xlsx_bytes(["day"], [date(2024, 12, 24)]), "rota.xlsx")
    assert upload.dataset[0][0] == datetime(2024, 12, 24)


def test_xlsx_trailing_empty_rows_and_columns_are_ignored():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["name", "post"])
    sheet.append(["Zoe", "Editor"])
    sheet["D1"].number_format = "0.00"  # formatted but empty cells still appear in the file
    sheet["A40"].number_format = "0.00"
    sheet["F40"] = ""
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload = read(buffer.getvalue(), "rota.xlsx")
    assert upload.dataset.headers == ["name", "post"]
    assert rows(upload) == [("Zoe", "Editor")]


def test_xlsx_long_row_uses_the_sheet_row_number():
    data = xlsx_bytes(["name", "post"], [], ["Zoe", "Editor", "extra"])
    assert refusal(data, "rota.xlsx") == "Row 3 has 3 cells but the header has 2 columns."


def test_xlsx_header_only_and_empty_sheet():
    assert refusal(xlsx_bytes(["name", "post"]), "rota.xlsx") == "The file has a header row but no data rows."
    assert refusal(xlsx_bytes(), "rota.xlsx") == 'The first worksheet ("Sheet") is empty.'


def test_password_protected_xlsx_is_refused():
    message = refusal(OLE2 + b"\x00" * 1024, "rota.xlsx")
    assert message.startswith("The workbook is password-protected, or it is an old Excel 97-2003 (.xls) workbook")
    assert "save it without a password" in message


@pytest.mark.parametrize(
    "data",
    [
        b"name,post\nZoe,Editor\n",  # text renamed to .xlsx
        b"PK\x03\x04" + b"\x01" * 200,  # a broken zip
        b"PK\x05\x06" + b"\x00" * 18,  # an empty zip: no workbook parts
    ],
)
def test_damaged_xlsx_is_refused(data):
    assert refusal(data, "rota.xlsx") == "The XLSX file is damaged or not really an XLSX workbook."


def test_xlsx_with_a_damaged_sheet_is_refused():
    data = xlsx_bytes(["name"], ["Zoe"], replace={"</sheetData>": "<row><c><v>"})
    assert refusal(data, "rota.xlsx") == "The XLSX file is damaged or not really an XLSX workbook."


def test_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert refusal(buffer.getvalue(), "rota.xlsx") == "The XLSX file is damaged or not really an XLSX workbook."


# --- JSON -------------------------------------------------------------------------------------------


def test_json_list_of_objects_unites_keys_in_first_seen_order():
    records = [{"name": "Zoë", "minutes": 30}, {"post": "Editor", "name": "Amir", "minutes": None}]
    upload = read(json.dumps(records), "people.json")
    assert (upload.format, upload.encoding, upload.delimiter) == ("json", "utf-8", None)
    assert upload.dataset.headers == ["name", "minutes", "post"]
    assert rows(upload) == [("Zoë", 30, ""), ("Amir", "", "Editor")]


def test_json_with_bom():
    upload = read(b"\xef\xbb\xbf" + json.dumps([{"name": "Zoe"}]).encode(), "people.json")
    assert upload.encoding == "utf-8-sig"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ('[{"name": "Zoe"},]', "The file is not valid JSON: Expecting value (line 1, column 18)."),
        (
            '{"results": [{"name": "Zoe"}]}',
            'The JSON file must contain a list of records, like [{"name": ...}, {"name": ...}]; '
            "it contains an object ({...}).",
        ),
        ("[]", "The JSON file contains an empty list, so there is nothing to import."),
        (
            '[{"name": "Zoe"}, ["Amir"]]',
            'Item 2 of the JSON list is a list, not a record with named fields like [{"name": ...}, {"name": ...}].',
        ),
        ('["Zoe"]', "Item 1 of the JSON list is a text value, not a record with named fields"),
        ("[{}]", "The JSON records have no fields."),
        ('[{"name": 1, " ": 2}]', 'A record in the JSON file has a field without a name ("").'),
        ('[{"Name": 1, "name": 2}]', 'The header "name" appears more than once (columns 1 and 2)'),
        ("[" * 100_000, "The file is not valid JSON for import: it is nested too deeply."),
    ],
)
def test_json_that_is_not_a_list_of_records_is_refused(data, expected):
    assert refusal(data, "people.json").startswith(expected)


# --- speed ------------------------------------------------------------------------------------------


def test_large_csv_is_read_quickly():
    header = ",".join(f"column_{c}" for c in range(8))
    lines = (",".join(f"r{r:06}c{c}_abc" for c in range(8)) for r in range(100_000))
    data = (header + "\r\n" + "\r\n".join(lines) + "\r\n").encode()
    assert 9 * MB < len(data) < 12 * MB
    started = time.perf_counter()
    upload = read(data, "big.csv")
    elapsed = time.perf_counter() - started
    assert upload.dataset.height == 100_000
    assert upload.dataset.width == 8
    assert elapsed < 2, f"reading took {elapsed:.2f}s"


def test_collector_state_is_restored_after_reading():
    assert gc.isenabled()
    read("name\nZoe\n")
    assert gc.isenabled()
    with pytest.raises(ImportFileError):
        read("a,b\n1,2,3\n")
    assert gc.isenabled()
    gc.disable()
    try:
        read("name\nZoe\n")
        assert not gc.isenabled()
    finally:
        gc.enable()
