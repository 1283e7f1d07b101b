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
        location_create(by=SuperUserFactory(), code="LON", name="Again")
    assert "code" in excinfo.value.message_dict

    with pytest.raises(ValidationError):
        location_create(by=SuperUserFactory(), code="BAD", name="Bad zone", timezone="Mars/Olympus")


def test_facility_create_and_update():
    location = LocationFactory()

    admin = SuperUserFactory()
    facility = facility_create(by=admin, location=location, code="LON-TX", name="Crystal Palace", kind="transmitter")
    facility_update(facility=facility, by=admin, on_air_critical=True)

    facility.refresh_from_db()
    assert facility.kind == FacilityKind.TRANSMITTER
    assert facility.on_air_critical


def test_facility_create_rejects_unknown_kind():
    with pytest.raises(ValidationError) as excinfo:
        facility_create(by=SuperUserFactory(), location=LocationFactory(), code="X", name="X", kind="spaceship")
    assert "kind" in excinfo.value.message_dict


def test_a_supervisor_changes_facilities_of_their_locations_only(london_hq):
    from django.contrib.auth.models import AnonymousUser
    from django.core.exceptions import PermissionDenied

    from tests.conftest import cover
    from tests.factories import FacilityFactory, UserFactory

    paris = LocationFactory(code="PAR", name="Paris")
    supervisor = cover(UserFactory(), london_hq)
    ours = FacilityFactory(location=london_hq, name="Ours")
    theirs = FacilityFactory(location=paris, name="Theirs")

    facility_update(facility=ours, by=supervisor, name="Ours, renamed")
    with pytest.raises(ValidationError) as moved:
        facility_update(facility=ours, by=supervisor, location=paris)
    with pytest.raises(ValidationError) as elsewhere:
        facility_update(facility=theirs, by=supervisor, name="Mine now")
    with pytest.raises(ValidationError) as new_site:
        location_create(by=supervisor, code="NEW", name="New site", timezone="Europe/London")
    with pytest.raises(PermissionDenied):
        facility_update(facility=ours, by=AnonymousUser(), name="Nobody")

    assert moved.value.message_dict == {"location": ["Paris (PAR) is outside the locations you cover."]}
    assert elsewhere.value.message_dict == {"location": ["Paris (PAR) is outside the locations you cover."]}
    assert new_site.value.message_dict == {"code": ["Only administrators add locations."]}
    theirs.refresh_from_db()
    ours.refresh_from_db()
    assert (ours.name, ours.location, theirs.name) == ("Ours, renamed", london_hq, "Theirs")
