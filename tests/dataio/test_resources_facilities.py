"""Location and facility spreadsheets: codes as keys, time zones and labels in any case, scope, history."""

from zoneinfo import ZoneInfo

import pytest
import tablib

from apps.dataio.services import import_dataset
from apps.facilities.choices import FacilityKind, FacilityStatus
from apps.facilities.models import Facility, Location
from apps.facilities.resources import FacilityResource, LocationResource
from tests.factories import FacilityFactory, LocationFactory

pytestmark = pytest.mark.django_db

LOCATION_HEADERS = ["Code", "Name", "Address", "Time Zone", "Active"]
FACILITY_HEADERS = ["Code", "Location", "Name", "Kind", "Status", "On Air Critical"]


def run(resource_class, *rows, headers, user, dry_run=False):
    dataset = tablib.Dataset(*rows, headers=headers)
    return import_dataset(resource_class=resource_class, dataset=dataset, by=user, dry_run=dry_run, reason="Test")


def reimport(resource_class, queryset, user):
    """Export `queryset` to CSV text and import that text back."""
    exported = resource_class().export(queryset)
    return import_dataset(
        resource_class=resource_class,
        dataset=tablib.Dataset().load(exported.csv, format="csv"),
        by=user,
        dry_run=False,
        reason="Test",
    )


def counts(outcome):
    return outcome.new, outcome.updated, outcome.unchanged, [str(error) for error in outcome.errors]


# --- locations ---------------------------------------------------------------------------------------------------


def test_locations_reimport_of_an_export_changes_nothing(london_hq, root):
    LocationFactory(code="PAR", name="Paris", timezone="Europe/Paris", address="1 rue de Rivoli\n75001 Paris")
    before = Location.history.count()
    exported = LocationResource().export(Location.objects.filter(code="LON-HQ"))
    assert exported.headers == LOCATION_HEADERS
    assert exported[0] == ("LON-HQ", "London HQ", "", "Europe/London", "yes")
    assert counts(reimport(LocationResource, Location.objects.all(), root)) == (0, 0, Location.objects.count(), [])
    assert Location.history.count() == before


def test_locations_are_created_with_time_zones_in_any_case(root):
    outcome = run(
        LocationResource,
        ["MAN", "Manchester", "MediaCityUK", "europe/london", "Yes"],
        ["syd", "Sydney", "", "AUSTRALIA/SYDNEY", "no"],
        headers=["code", "NAME", "Address", "time zone", "active"],
        user=root,
    )
    assert counts(outcome) == (2, 0, 0, [])
    sydney = Location.objects.get(code="syd")
    assert sydney.timezone == ZoneInfo("Australia/Sydney") and not sydney.is_active
    record = sydney.history.get()
    assert (record.history_type, record.history_user, record.history_change_reason) == ("+", root, "Test")


def test_a_location_is_updated_in_the_columns_present_only(london_hq, root):
    london_hq.address = "Broadcasting House"
    london_hq.save()
    outcome = run(LocationResource, ["lon-hq", "London headquarters"], headers=["Code", "Name"], user=root)
    assert counts(outcome) == (0, 1, 0, [])
    london_hq.refresh_from_db()
    assert london_hq.name == "London headquarters"
    assert (london_hq.address, london_hq.timezone) == ("Broadcasting House", ZoneInfo("Europe/London"))
    assert london_hq.history.first().history_user == root


def test_a_bad_location_row_names_row_column_and_reason_and_nothing_is_written(root):
    outcome = run(
        LocationResource,
        ["MAN", "Manchester", "", "Europe/London", "yes"],
        ["LDS", "Leeds", "", "Europe/Leeds", "perhaps"],
        headers=LOCATION_HEADERS,
        user=root,
    )
    assert [str(error) for error in outcome.errors] == [
        "Row 3, Time Zone: “Europe/Leeds” is not a time zone; write its IANA name, e.g. Europe/London.",
        "Row 3, Active: “perhaps” is not yes or no.",
    ]
    assert not Location.objects.filter(code__in=["MAN", "LDS"]).exists()


def test_a_supervisor_changes_only_locations_they_cover(london_hq, supervisor):
    LocationFactory(code="PAR", name="Paris", timezone="Europe/Paris")
    outcome = run(
        LocationResource,
        ["LON-HQ", "London HQ (main)"],
        ["PAR", "Paris (main)"],
        ["MAN", "Manchester"],
        headers=["Code", "Name"],
        user=supervisor,
    )
    assert [str(error) for error in outcome.errors] == [
        "Row 3, Code: Paris (main) (PAR) is outside the locations you cover.",
        "Row 4, Code: Manchester (MAN) is outside the locations you cover.",
    ]
    assert Location.objects.get(code="PAR").name == "Paris"
    assert not Location.objects.filter(code="MAN").exists()


# --- facilities --------------------------------------------------------------------------------------------------


def test_facilities_reimport_of_an_export_changes_nothing(mcr, root):
    FacilityFactory(code="LON-TX1", location=mcr.location, kind=FacilityKind.TRANSMITTER, on_air_critical=True)
    before = Facility.history.count()
    exported = FacilityResource().export(Facility.objects.filter(code="LON-MCR1"))
    assert exported.headers == FACILITY_HEADERS
    assert exported[0] == ("LON-MCR1", "LON-HQ", "Master control 1", "Studio", "Operational", "no")
    assert counts(reimport(FacilityResource, Facility.objects.all(), root)) == (0, 0, 2, [])
    assert Facility.history.count() == before


def test_facilities_are_created_with_labels_in_any_case(london_hq, root):
    outcome = run(
        FacilityResource,
        ["LON-OB1", "lon-hq", "OB van 1", "ob VAN", "MAINTENANCE", "Y"],
        ["LON-STU9", "LON-HQ", "Studio 9", "", "", ""],
        headers=FACILITY_HEADERS,
        user=root,
    )
    assert counts(outcome) == (2, 0, 0, [])
    van = Facility.objects.get(code="LON-OB1")
    assert (van.location, van.kind, van.status, van.on_air_critical) == (
        london_hq,
        FacilityKind.OB_VAN,
        FacilityStatus.MAINTENANCE,
        True,
    )
    studio = Facility.objects.get(code="LON-STU9")  # empty cells take the model's defaults
    assert (studio.kind, studio.status, studio.on_air_critical) == (
        FacilityKind.OTHER,
        FacilityStatus.OPERATIONAL,
        False,
    )
    assert van.history.get().history_user == root


def test_a_facility_is_updated_in_the_columns_present_only(mcr, root):
    outcome = run(FacilityResource, ["LON-MCR1", "degraded"], headers=["Code", "Status"], user=root)
    assert counts(outcome) == (0, 1, 0, [])
    mcr.refresh_from_db()
    assert (mcr.status, mcr.name, mcr.kind) == (FacilityStatus.DEGRADED, "Master control 1", FacilityKind.STUDIO)
    assert mcr.history.first().history_change_reason == "Test"


def test_a_bad_facility_row_names_row_column_and_reason_and_nothing_is_written(london_hq, root):
    outcome = run(
        FacilityResource,
        ["LON-OB1", "LON-HQ", "OB van 1", "OB van", "Operational", "no"],
        ["LON-OB2", "NOWHERE", "OB van 2", "Hovercraft", "Operational", "no"],
        headers=FACILITY_HEADERS,
        user=root,
    )
    assert [str(error) for error in outcome.errors] == [
        "Row 3, Location: No location with code “NOWHERE”.",
        "Row 3, Kind: “Hovercraft” is not one of: Studio, Master control, Transmitter, Edit suite, OB van, "
        "Data centre, Office, Other.",
    ]
    assert not Facility.objects.exists()


def test_a_supervisor_cannot_import_a_facility_into_another_location(mcr, supervisor):
    LocationFactory(code="PAR", name="Paris", timezone="Europe/Paris")
    outcome = run(
        FacilityResource,
        ["LON-MCR1", "LON-HQ", "Master control 1 (new desk)"],
        ["PAR-MCR", "PAR", "Paris master control"],
        headers=["Code", "Location", "Name"],
        user=supervisor,
    )
    assert [str(error) for error in outcome.errors] == [
        "Row 3, Location: No location with code “PAR”."
    ]
    assert not Facility.objects.filter(code="PAR-MCR").exists()
    assert Facility.objects.get(code="LON-MCR1").name == "Master control 1"
