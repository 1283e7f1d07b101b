import pytest
from django.core.exceptions import ValidationError

from apps.facilities.choices import FacilityKind
from apps.facilities.services import facility_create, facility_update, location_create, location_update
from tests.factories import LocationFactory, SuperUserFactory

pytestmark = pytest.mark.django_db


def test_location_create_and_update_record_who():
    admin = SuperUserFactory()

    location = location_create(by=admin, code="LON", name="London", timezone="Europe/London")
    location_update(location=location, by=admin, name="London Broadcast Centre")

    location.refresh_from_db()
    assert location.name == "London Broadcast Centre"
    assert [h.history_user for h in location.history.all()] == [admin, admin]


def test_location_create_validates():
    LocationFactory(code="LON")

    with pytest.raises(ValidationError) as excinfo:
        location_create(by=None, code="LON", name="Again")
    assert "code" in excinfo.value.message_dict

    with pytest.raises(ValidationError):
        location_create(by=None, code="BAD", name="Bad zone", timezone="Mars/Olympus")


def test_facility_create_and_update():
    location = LocationFactory()

    facility = facility_create(by=None, location=location, code="LON-TX", name="Crystal Palace", kind="transmitter")
    facility_update(facility=facility, by=None, on_air_critical=True)

    facility.refresh_from_db()
    assert facility.kind == FacilityKind.TRANSMITTER
    assert facility.on_air_critical


def test_facility_create_rejects_unknown_kind():
    with pytest.raises(ValidationError) as excinfo:
        facility_create(by=None, location=LocationFactory(), code="X", name="X", kind="spaceship")
    assert "kind" in excinfo.value.message_dict
