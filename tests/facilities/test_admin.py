import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.facilities.choices import FacilityKind, FacilityStatus
from apps.facilities.models import Facility, Location
from tests.conftest import cover
from tests.factories import FacilityFactory, GroupFactory, LocationFactory, SuperUserFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user():
    return SuperUserFactory(username="root")


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def _inline_management(prefix: str, total: int = 0, initial: int = 0) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def test_location_changelist_shows_facility_count(admin_client):
    london = LocationFactory(code="LON-HQ", name="London HQ")
    FacilityFactory.create_batch(3, location=london)
    LocationFactory(code="MAN", name="Manchester")

    response = admin_client.get(reverse("admin:facilities_location_changelist"))

    assert response.status_code == 200
    counts = {loc.code: loc.facility_count for loc in response.context["cl"].result_list}
    assert (counts["LON-HQ"], counts["MAN"]) == (3, 0)


def test_location_changelist_search(admin_client):
    LocationFactory(code="LON-HQ", name="London HQ")
    LocationFactory(code="MAN", name="Manchester")

    response = admin_client.get(reverse("admin:facilities_location_changelist"), {"q": "manch"})

    assert [loc.code for loc in response.context["cl"].result_list] == ["MAN"]


def _changelist_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_location_changelist_has_no_query_per_row(admin_client):
    url = reverse("admin:facilities_location_changelist")
    for n in range(10):
        FacilityFactory.create_batch(2, location=LocationFactory(code=f"A{n:02d}"))
    admin_client.get(url)
    with_10 = _changelist_queries(admin_client, url)
    for n in range(20):
        FacilityFactory.create_batch(2, location=LocationFactory(code=f"B{n:02d}"))
    with_30 = _changelist_queries(admin_client, url)

    assert with_30 == with_10


def test_facility_changelist_has_no_query_per_row(admin_client):
    url = reverse("admin:facilities_facility_changelist")
    FacilityFactory.create_batch(10)
    admin_client.get(url)
    with_10 = _changelist_queries(admin_client, url)
    FacilityFactory.create_batch(20)
    with_30 = _changelist_queries(admin_client, url)

    assert with_30 == with_10


def test_location_add_with_inline_facility(admin_client, admin_user):
    data = {
        "code": "BHAM",
        "name": "Birmingham",
        "address": "1 Broad St",
        "timezone": "Europe/London",
        "is_active": "on",
        **_inline_management("facilities", total=1),
        "facilities-0-code": "BHAM-MCR",
        "facilities-0-name": "Birmingham MCR",
        "facilities-0-kind": FacilityKind.MASTER_CONTROL,
        "facilities-0-status": FacilityStatus.OPERATIONAL,
        "facilities-0-on_air_critical": "on",
    }

    response = admin_client.post(reverse("admin:facilities_location_add"), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    location = Location.objects.get(code="BHAM")
    facility = location.facilities.get()
    assert facility.code == "BHAM-MCR" and facility.on_air_critical
    assert location.history.get().history_user == admin_user
    assert facility.history.get().history_user == admin_user


def test_location_change(admin_client):
    location = LocationFactory(code="LON", name="London")

    response = admin_client.post(
        reverse("admin:facilities_location_change", args=[location.pk]),
        {
            "code": "LON",
            "name": "London Broadcast Centre",
            "address": "",
            "timezone": "Europe/London",
            **_inline_management("facilities"),
        },
    )

    assert response.status_code == 302
    location.refresh_from_db()
    assert location.name == "London Broadcast Centre"
    assert location.is_active is False


def test_location_change_page_has_object_permissions(admin_client):
    location = LocationFactory()

    response = admin_client.get(reverse("admin:facilities_location_change", args=[location.pk]))

    assert response.status_code == 200
    assert b"permissions" in response.content


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "LON-TX"}, ["LON-TX"]),
        ({"q": "manchester"}, ["MAN-ST1"]),
        ({"kind__exact": FacilityKind.TRANSMITTER}, ["LON-TX"]),
        ({"status__exact": FacilityStatus.DOWN}, ["MAN-ST1"]),
        ({"on_air_critical__exact": "1"}, ["LON-TX"]),
    ],
)
def test_facility_changelist_search_and_filters(admin_client, params, expected):
    london = LocationFactory(code="LON", name="London")
    manchester = LocationFactory(code="MAN", name="Manchester")
    FacilityFactory(code="LON-TX", location=london, kind=FacilityKind.TRANSMITTER, on_air_critical=True)
    FacilityFactory(code="MAN-ST1", location=manchester, status=FacilityStatus.DOWN)

    response = admin_client.get(reverse("admin:facilities_facility_changelist"), params)

    assert response.status_code == 200
    assert [f.code for f in response.context["cl"].result_list] == expected


def test_facility_changelist_filters_by_location_and_shows_status_label(admin_client):
    london = LocationFactory(code="LON", name="London")
    FacilityFactory(code="LON-TX", location=london, status=FacilityStatus.DEGRADED)
    FacilityFactory(code="ELSEWHERE")

    response = admin_client.get(reverse("admin:facilities_facility_changelist"), {"location__id__exact": london.pk})

    assert [f.code for f in response.context["cl"].result_list] == ["LON-TX"]
    assert "Degraded" in response.content.decode()


def test_facility_add_and_change(admin_client):
    location = LocationFactory()
    data = {
        "location": location.pk,
        "code": "NEW-STUDIO",
        "name": "Studio A",
        "kind": FacilityKind.STUDIO,
        "status": FacilityStatus.OPERATIONAL,
    }

    response = admin_client.post(reverse("admin:facilities_facility_add"), data)
    assert response.status_code == 302
    facility = Facility.objects.get(code="NEW-STUDIO")

    data["status"] = FacilityStatus.MAINTENANCE
    response = admin_client.post(reverse("admin:facilities_facility_change", args=[facility.pk]), data)
    assert response.status_code == 302
    facility.refresh_from_db()
    assert facility.status == FacilityStatus.MAINTENANCE
    assert facility.history.count() == 2


def test_location_autocomplete_from_facility(admin_client):
    LocationFactory(code="LON-HQ", name="London HQ")
    LocationFactory(code="MAN", name="Manchester")

    response = admin_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "facilities", "model_name": "facility", "field_name": "location", "term": "lon"},
    )

    assert response.status_code == 200
    assert [row["text"] for row in response.json()["results"]] == ["London HQ (LON-HQ)"]


def test_facility_autocomplete_searches_location(admin_client):
    FacilityFactory(code="LON-TX", location=LocationFactory(code="LON", name="London"))
    FacilityFactory(code="MAN-TX", location=LocationFactory(code="MAN", name="Manchester"))

    from django.contrib import admin as django_admin

    model_admin = django_admin.site._registry[Facility]
    request = admin_client.get(reverse("admin:facilities_facility_changelist")).wsgi_request
    queryset, _ = model_admin.get_search_results(request, model_admin.get_queryset(request), "manchester")
    assert [f.code for f in queryset] == ["MAN-TX"]


def test_locations_and_facilities_are_seen_by_those_who_cover_them():
    from django.contrib.auth.models import AnonymousUser

    from apps.facilities.selectors import facilities_visible_to, locations_visible_to

    london, leeds = LocationFactory(code="LON", name="London"), LocationFactory(code="LEEDS", name="Leeds")
    london_studio, leeds_studio = FacilityFactory(location=london), FacilityFactory(location=leeds)
    supervisor = cover(UserFactory(is_staff=True, home_location=leeds), london)
    leeds_team = GroupFactory(name="Leeds team")
    cover(leeds_team, leeds)
    team_member = UserFactory()
    team_member.groups.add(leeds_team)
    staff_member = UserFactory(home_location=london)  # based in London, covers nothing

    assert list(locations_visible_to(user=supervisor)) == [london]
    assert list(facilities_visible_to(user=supervisor)) == [london_studio]
    assert list(locations_visible_to(user=team_member)) == [leeds]  # covered through a role
    assert list(facilities_visible_to(user=team_member)) == [leeds_studio]
    assert not locations_visible_to(user=staff_member).exists()
    assert not facilities_visible_to(user=staff_member).exists()
    assert locations_visible_to(user=SuperUserFactory()).count() == Location.objects.count()
    assert facilities_visible_to(user=SuperUserFactory()).count() == 2
    assert not locations_visible_to(user=AnonymousUser()).exists()
    assert not facilities_visible_to(user=AnonymousUser()).exists()
