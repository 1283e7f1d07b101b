"""The admin's Export button streams: the changelist's filtered rows in the user's scope, the resource's headers,
formulas neutralised in CSV and XLSX, and a query count that does not grow with the rows."""

import csv
import io
import json
from datetime import UTC, datetime
from urllib.parse import urlencode

import openpyxl
import pytest
from django.contrib import admin
from django.core.management import call_command
from django.core.signals import request_finished
from django.db import close_old_connections, connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from import_export import fields
from import_export.resources import ModelResource
from unfold.contrib.import_export.forms import SelectableFieldsExportForm

from apps.dataio.exporting import can_stream, export_response, iter_export_rows, neutralise, restore_neutralised
from apps.facilities.models import Location
from apps.facilities.selectors import locations_visible_to
from tests.conftest import cover
from tests.factories import FacilityFactory, LocationFactory, ShiftFactory, UserFactory

pytestmark = pytest.mark.django_db

EXPORT = "admin:facilities_location_export"
HEADERS = ["Code", "Name"]
HYPERLINK = '=HYPERLINK("http://evil.example","click")'


class LocationExportResource(ModelResource):
    """Human headers like the portal's resources, but the test's own: these tests do not follow their columns."""

    code = fields.Field(attribute="code", column_name="Code")
    name = fields.Field(attribute="name", column_name="Name")

    class Meta:
        model = Location
        fields = ("code", "name")
        import_id_fields = ("code",)


@pytest.fixture
def location_admin(monkeypatch):
    model_admin = admin.site._registry[Location]
    monkeypatch.setattr(model_admin, "resource_classes", [LocationExportResource])
    return model_admin


@pytest.fixture
def roles(db):
    call_command("load_reference_data", verbosity=0)


@pytest.fixture
def places(london_hq):
    """London HQ plus two "North" sites (one inactive) and one in the south."""
    return {
        "north": LocationFactory(code="NOR-PARK", name="North Park"),
        "north_closed": LocationFactory(code="NOR-YARD", name="North Yard", is_active=False),
        "south": LocationFactory(code="SOU-HILL", name="South Hill"),
        "london": london_hq,
    }


def export(client, location_admin, fmt: str, params: dict | None = None, **data):
    """Post the export form as the page does: `format` is an index into the offered formats."""
    titles = [file_format().get_title() for file_format in location_admin.get_export_formats()]
    url = reverse(EXPORT) + (f"?{urlencode(params)}" if params else "")
    return client.post(url, {"resource": "0", "format": str(titles.index(fmt)), **data})


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def table(response, fmt: str) -> list[list]:
    """Header row first, then the data rows, whatever the format."""
    content = body(response)
    if fmt == "csv":
        assert content.startswith(b"\xef\xbb\xbf"), "CSV starts with the UTF-8 byte-order mark for Excel"
        return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    if fmt == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).active
        return [["" if value is None else value for value in row] for row in sheet.iter_rows(values_only=True)]
    objects = json.loads(content)
    return [HEADERS, *([item[header] for header in HEADERS] for item in objects)]


def expected_rows(location_admin, user, params: dict) -> list[list]:
    """What the changelist shows `user` with `params`, as import-export's get_export_queryset builds it."""
    request = RequestFactory().get("/", params)
    request.user = user
    return [[location.code, location.name] for location in location_admin.get_export_queryset(request)]


# --- rows: the changelist's filters and search, and the user's scope ------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_export_holds_exactly_the_filtered_rows_under_the_resource_headers(
    root_client, root, location_admin, places, fmt
):
    params = {"q": "north", "is_active__exact": "1"}

    response = export(root_client, location_admin, fmt, params)

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert response["Content-Disposition"].rstrip('"').endswith(f".{fmt}")
    header, *rows = table(response, fmt)
    assert header == HEADERS == LocationExportResource().get_export_headers()
    assert rows == [["NOR-PARK", "North Park"]]
    assert rows == expected_rows(location_admin, root, params)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_unfiltered_export_holds_every_row_in_changelist_order(root_client, root, location_admin, places, fmt):
    header, *rows = table(export(root_client, location_admin, fmt), fmt)

    assert rows == expected_rows(location_admin, root, {})
    assert rows == sorted(rows, key=lambda row: row[1])  # the changelist's ordering, by name
    assert {location.code for location in places.values()} <= {code for code, _name in rows}


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_supervisor_exports_only_rows_in_scope(roles, supervisor, client, location_admin, places, fmt):
    cover(supervisor, places["north_closed"])  # London HQ and North Yard; not North Park, not South Hill
    client.force_login(supervisor)

    _header, *everything = table(export(client, location_admin, fmt), fmt)
    _header, *north = table(export(client, location_admin, fmt, {"q": "north"}), fmt)

    assert everything == [["LON-HQ", "London HQ"], ["NOR-YARD", "North Yard"]]
    assert north == [["NOR-YARD", "North Yard"]] == expected_rows(location_admin, supervisor, {"q": "north"})


def test_rows_picked_with_the_export_action_stay_within_the_filter(root_client, location_admin, places):
    picked = [places["north"].pk, places["south"].pk]

    response = export(root_client, location_admin, "csv", {"q": "north"}, export_items=picked)

    _header, *rows = table(response, "csv")
    assert rows == [["NOR-PARK", "North Park"]]


def test_rows_picked_out_of_scope_are_refused(roles, supervisor, client, location_admin, places):
    client.force_login(supervisor)

    response = export(client, location_admin, "csv", export_items=[places["london"].pk, places["south"].pk])

    assert response.status_code == 200
    assert not response.streaming  # the form again, with its error: nothing was exported
    assert "South Hill" not in response.content.decode()


def test_selected_fields_limit_the_columns(root_client, location_admin, places, monkeypatch):
    monkeypatch.setattr(location_admin, "export_form_class", SelectableFieldsExportForm)

    response = export(root_client, location_admin, "csv", {"q": "south"}, locationexportresource_code="on")

    assert table(response, "csv") == [["Code"], ["SOU-HILL"]]


# --- formula injection ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_spreadsheet_formats_neutralise_formulas_but_not_numbers(root_client, location_admin, fmt):
    LocationFactory(code="F-LINK", name=HYPERLINK)
    LocationFactory(code="F-AT", name="@SUM(A1:A9)")
    LocationFactory(code="F-NEG", name="-5")

    _header, *rows = table(export(root_client, location_admin, fmt, {"q": "F-"}), fmt)

    assert sorted(rows) == [["F-AT", "'@SUM(A1:A9)"], ["F-LINK", f"'{HYPERLINK}"], ["F-NEG", "-5"]]


def test_xlsx_formula_cell_is_text_not_a_formula(root_client, location_admin):
    LocationFactory(code="F-LINK", name=HYPERLINK)

    content = body(export(root_client, location_admin, "xlsx", {"q": "F-LINK"}))

    cell = openpyxl.load_workbook(io.BytesIO(content)).active["B2"]
    assert (cell.data_type, cell.value) == ("s", f"'{HYPERLINK}")


def test_json_keeps_values_as_they_are(root_client, location_admin):
    LocationFactory(code="F-LINK", name=HYPERLINK)

    objects = json.loads(body(export(root_client, location_admin, "json", {"q": "F-LINK"})))

    assert objects == [{"Code": "F-LINK", "Name": HYPERLINK}]


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+2", "'=1+2"),
        ("+44 20 7946 0000", "'+44 20 7946 0000"),
        ("-2+3", "'-2+3"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("-5", "-5"),
        ("-0.25", "-0.25"),
        ("+1e3", "+1e3"),
        ("-inf", "'-inf"),
        ("'=quoted", "''=quoted"),
        ("'Allo 'Allo!", "'Allo 'Allo!"),
        ("O'Brien", "O'Brien"),
        ("", ""),
        (-5, -5),
        (None, None),
    ],
)
def test_neutralise_is_undone_by_restore(value, written):
    assert neutralise(value) == written
    assert restore_neutralised(neutralise(value)) == value


# --- formats and responses -----------------------------------------------------------------------------------------


def test_csv_is_a_streaming_response(root_client, location_admin, places):
    response = export(root_client, location_admin, "csv")

    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert body(response).count(b"\r\n") == 1 + Location.objects.count()


def _open_cursors() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_cursors")
        return cursor.fetchone()[0]


@pytest.mark.postgres
def test_a_download_cut_short_releases_its_cursor(root):
    # more rows than one flush of the writer; written in bulk (their history plays no part here)
    Location.objects.bulk_create(Location(code=f"CUT-{number:04d}", name=f"Cut {number}") for number in range(1200))
    response = export_response(
        LocationExportResource(), locations_visible_to(user=root), fmt="csv", filename="cut.csv", chunk_size=10
    )

    chunks = iter(response)
    assert _open_cursors() == 0  # nothing is read before the download starts
    assert next(chunks).startswith(b"\xef\xbb\xbfCode,Name")
    assert next(chunks).count(b"\r\n") == 500  # the first rows
    assert _open_cursors() == 1  # the export's server-side cursor, 10 rows at a time

    # what the server does when the client goes away (request_finished would also end the test's connection)
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)

    assert _open_cursors() == 0


def test_xlsx_is_a_file_response_openpyxl_reads(root_client, location_admin, places):
    response = export(root_client, location_admin, "xlsx")

    assert response.streaming
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert int(response["Content-Length"]) > 0
    workbook = openpyxl.load_workbook(io.BytesIO(body(response)))
    assert workbook.active.max_row == 1 + Location.objects.count()


def test_xlsx_writes_aware_datetimes_as_local_wall_clock_time(root_client, location_admin, settings, monkeypatch):
    settings.TIME_ZONE = "Europe/London"

    class StampedResource(LocationExportResource):
        created = fields.Field(column_name="Created")

        class Meta(LocationExportResource.Meta):
            fields = ("code", "name", "created")

        def dehydrate_created(self, location):
            return location.created_at  # aware, straight from the model: no widget turns it naive

    monkeypatch.setattr(location_admin, "resource_classes", [StampedResource])
    location = LocationFactory(code="STAMP", name="Stamped")
    Location.objects.filter(pk=location.pk).update(created_at=datetime(2024, 7, 1, 11, 30, tzinfo=UTC))

    _header, *rows = table(export(root_client, location_admin, "xlsx", {"q": "STAMP"}), "xlsx")

    assert rows == [["STAMP", "Stamped", datetime(2024, 7, 1, 12, 30)]]  # BST: UTC+1


def test_a_resource_that_needs_the_dataset_is_exported_the_buffered_way(root_client, location_admin, monkeypatch):
    class TotalledResource(LocationExportResource):
        def after_export(self, queryset, dataset, **kwargs):
            dataset.append(["TOTAL", str(len(dataset))])

    monkeypatch.setattr(location_admin, "resource_classes", [TotalledResource])
    LocationFactory(code="ONE", name="One")

    response = export(root_client, location_admin, "csv", {"q": "ONE"})

    assert not response.streaming
    assert list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")))) == [
        HEADERS,
        ["ONE", "One"],
        ["TOTAL", "1"],
    ]


def test_a_misconfigured_resource_fails_on_the_form_not_in_the_download(root_client, location_admin, monkeypatch):
    class MisorderedResource(LocationExportResource):
        def filter_export(self, queryset, **kwargs):
            return queryset.order_by("no_such_field")

    monkeypatch.setattr(location_admin, "resource_classes", [MisorderedResource])

    response = export(root_client, location_admin, "csv")

    assert response.status_code == 200
    assert not response.streaming
    assert "no_such_field" in response.content.decode()


# --- the portal's own resources ------------------------------------------------------------------------------------

RESOURCE_ADMINS = sorted(
    (model for model, model_admin in admin.site._registry.items() if getattr(model_admin, "resource_classes", None)),
    key=lambda model: model._meta.label,
)


@pytest.mark.parametrize("model", RESOURCE_ADMINS, ids=lambda model: model.__name__)
def test_every_declared_resource_streams_like_import_export_exports(root_client, root, mcr, alex, model):
    """No resource needs the Dataset (else it would silently fall back to the buffered export), and the streamed
    CSV holds what import-export's own `Resource.export()` would, cell for cell, formulas neutralised."""
    model_admin = admin.site._registry[model]
    request = RequestFactory().get("/")
    request.user = root
    resource = model_admin.get_export_resource_classes(request)[0]()
    assert can_stream(resource)

    titles = [file_format().get_title() for file_format in model_admin.get_export_formats()]
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_export")
    response = root_client.post(url, {"resource": "0", "format": str(titles.index("csv"))})

    assert response.streaming
    buffered = resource.export(model_admin.get_export_queryset(request))
    assert table(response, "csv") == [
        buffered.headers,
        *([("" if value is None else str(neutralise(value))) for value in row] for row in buffered),
    ]


# --- the page and permissions --------------------------------------------------------------------------------------


def test_export_page_renders_and_offers_csv_xlsx_json(root_client, location_admin):
    response = root_client.get(reverse(EXPORT))

    assert response.status_code == 200
    offered = [label for value, label in response.context["form"].fields["format"].choices if value != ""]
    assert offered == ["csv", "xlsx", "json"]


def test_staff_without_view_permission_is_refused(client, location_admin, places):
    client.force_login(UserFactory(username="nobody", is_staff=True))

    assert client.get(reverse(EXPORT)).status_code == 403
    assert export(client, location_admin, "csv").status_code == 403


# --- queries -------------------------------------------------------------------------------------------------------


def _export_queries(client, location_admin, fmt) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = export(client, location_admin, fmt)
        body(response)
    return len(queries)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_query_count_does_not_grow_with_rows(root_client, location_admin, fmt, monkeypatch):
    monkeypatch.setattr(location_admin, "export_chunk_size", 25)  # 60 rows cross chunk boundaries
    LocationFactory.create_batch(10)
    ten = _export_queries(root_client, location_admin, fmt)
    LocationFactory.create_batch(50)
    sixty = _export_queries(root_client, location_admin, fmt)

    assert ten == sixty


def test_a_shift_export_reads_people_and_facilities_once_per_chunk_not_once_per_row(db):
    from apps.scheduling.resources import ShiftResource

    people = UserFactory.create_batch(3)
    facility = FacilityFactory(code="MCR-9")
    for number in range(30):
        ShiftFactory(user=people[number % 3], facility=facility)
    resource = ShiftResource()

    with CaptureQueriesContext(connection) as queries:
        rows = list(iter_export_rows(resource, resource.get_queryset().order_by("starts_at"), chunk_size=100))

    assert [row[:2] for row in rows[:3]] == [[person.employee_id, "MCR-9"] for person in people]
    assert len(rows) == 30
    assert len(queries) == 3, "the shifts, then their people, then their facilities with locations"
