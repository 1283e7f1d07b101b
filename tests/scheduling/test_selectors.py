"""Who sees which shifts, events and time off: the locations one covers, plus one's own rows (in SQL)."""

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from apps.core.roles import Role
from apps.scheduling.selectors import (
    scheduled_events_visible_to,
    shifts_visible_to,
    time_off_requests_visible_to,
)
from tests.conftest import cover
from tests.factories import (
    FacilityFactory,
    LocationFactory,
    ScheduledEventFactory,
    ShiftFactory,
    TimeOffRequestFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def manchester(db):
    return LocationFactory(code="MAN", name="Manchester")


@pytest.fixture
def kim(manchester):
    """Based in Manchester, outside London HQ (which the `supervisor` fixture covers)."""
    return UserFactory(username="kim", first_name="Kim", last_name="Poe", home_location=manchester)


@pytest.fixture
def rows(alex, sam, kim, mcr, manchester):
    """Alex and Sam are based at London HQ, Kim in Manchester; each works at one place or the other."""
    man_studio = FacilityFactory(code="MAN-STU1", name="Studio M", location=manchester)
    news = ScheduledEventFactory(title="News", facility=mcr)
    news.crew.add(alex, sam)
    sport = ScheduledEventFactory(title="Sport", facility=man_studio)
    sport.crew.add(sam)
    return {
        "shifts": {
            "alex at mcr": ShiftFactory(user=alex, facility=mcr),
            "sam in manchester": ShiftFactory(user=sam, facility=man_studio),
            "kim at mcr": ShiftFactory(user=kim, facility=mcr),
            "kim in manchester": ShiftFactory(user=kim, facility=man_studio),
        },
        "time_off": {person: TimeOffRequestFactory(user=person) for person in (alex, sam, kim)},
        "events": {"news": news, "sport": sport},
        "man_studio": man_studio,
    }


def console_user(role: Role, **fields):
    user = UserFactory(is_staff=True, **fields)
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


@pytest.mark.parametrize("through", ["person", "role"])
@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.AUDITOR])
def test_console_roles_see_the_rows_of_the_locations_they_cover(rows, alex, sam, kim, london_hq, role, through):
    viewer = console_user(role)
    cover(viewer if through == "person" else viewer.groups.get(), london_hq)

    # shifts and events go by where they happen, time off by where the person is based
    assert set(shifts_visible_to(user=viewer)) == {rows["shifts"]["alex at mcr"], rows["shifts"]["kim at mcr"]}
    assert list(scheduled_events_visible_to(user=viewer)) == [rows["events"]["news"]]
    assert set(time_off_requests_visible_to(user=viewer)) == {rows["time_off"][alex], rows["time_off"][sam]}


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.AUDITOR])
def test_console_roles_covering_nothing_see_only_their_own_rows(rows, role):
    viewer = console_user(role)
    own_shift = ShiftFactory(user=viewer, facility=rows["man_studio"])
    own_time_off = TimeOffRequestFactory(user=viewer)
    rows["events"]["sport"].crew.add(viewer)

    assert list(shifts_visible_to(user=viewer)) == [own_shift]
    assert list(scheduled_events_visible_to(user=viewer)) == [rows["events"]["sport"]]
    assert list(time_off_requests_visible_to(user=viewer)) == [own_time_off]


def test_administrators_see_every_row(rows):
    viewer = console_user(Role.ADMINISTRATOR)

    assert shifts_visible_to(user=viewer).count() == 4
    assert scheduled_events_visible_to(user=viewer).count() == 2
    assert time_off_requests_visible_to(user=viewer).count() == 3


def test_staff_see_their_own_shifts_and_time_off_and_the_events_they_crew(rows, alex, sam):
    assert list(shifts_visible_to(user=alex)) == [rows["shifts"]["alex at mcr"]]
    assert list(time_off_requests_visible_to(user=alex)) == [rows["time_off"][alex]]
    assert list(scheduled_events_visible_to(user=alex)) == [rows["events"]["news"]]
    # their own rows wherever they are, and nothing else of the location they are based at
    assert list(shifts_visible_to(user=sam)) == [rows["shifts"]["sam in manchester"]]
    assert set(scheduled_events_visible_to(user=sam)) == set(rows["events"].values())


def test_crewing_filter_does_not_shrink_a_crew_count(rows, alex):
    news = scheduled_events_visible_to(user=alex).annotate(crew_total=Count("crew", distinct=True)).get()

    assert news.crew_total == 2


def test_anonymous_and_inactive_people_see_nothing(rows, alex, supervisor):
    alex.is_active = False
    supervisor.is_active = False
    for viewer in (AnonymousUser(), alex, supervisor):
        assert not shifts_visible_to(user=viewer).exists()
        assert not scheduled_events_visible_to(user=viewer).exists()
        assert not time_off_requests_visible_to(user=viewer).exists()


def test_list_columns_come_in_the_same_query(rows, supervisor):
    with CaptureQueriesContext(connection) as queries:
        labels = [
            (s.user.get_full_name(), s.facility.code, str(s.facility.location.timezone))
            for s in shifts_visible_to(user=supervisor)
        ]
        labels += [
            (e.facility.code, str(e.facility.location.timezone)) for e in scheduled_events_visible_to(user=supervisor)
        ]
        labels += [t.user.get_full_name() for t in time_off_requests_visible_to(user=supervisor)]

    assert len(labels) == 5  # two shifts and an event at London HQ, two Londoners' time off
    assert len(queries) == 4  # the role check once, then one query per list (the scope is a subquery)
