"""Who sees which shifts, events and time off: console roles everything, anyone else their own (in SQL)."""

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.core.roles import Role
from apps.scheduling.selectors import (
    scheduled_events_visible_to,
    shifts_visible_to,
    time_off_requests_visible_to,
)
from tests.factories import ScheduledEventFactory, ShiftFactory, TimeOffRequestFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows(alex, sam):
    news = ScheduledEventFactory(title="News")
    news.crew.add(alex, sam)
    sport = ScheduledEventFactory(title="Sport")
    sport.crew.add(sam)
    return {
        "shifts": {alex: ShiftFactory(user=alex), sam: ShiftFactory(user=sam)},
        "time_off": {alex: TimeOffRequestFactory(user=alex), sam: TimeOffRequestFactory(user=sam)},
        "events": {"news": news, "sport": sport},
    }


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.ADMINISTRATOR, Role.AUDITOR])
def test_console_roles_see_every_row(rows, role):
    viewer = UserFactory()
    viewer.groups.add(Group.objects.get_or_create(name=role)[0])

    assert shifts_visible_to(user=viewer).count() == 2
    assert scheduled_events_visible_to(user=viewer).count() == 2
    assert time_off_requests_visible_to(user=viewer).count() == 2


def test_staff_see_their_own_shifts_and_time_off_and_the_events_they_crew(rows, alex):
    assert list(shifts_visible_to(user=alex)) == [rows["shifts"][alex]]
    assert list(time_off_requests_visible_to(user=alex)) == [rows["time_off"][alex]]
    assert list(scheduled_events_visible_to(user=alex)) == [rows["events"]["news"]]


def test_crewing_filter_does_not_shrink_a_crew_count(rows, alex):
    from django.db.models import Count

    news = scheduled_events_visible_to(user=alex).annotate(crew_total=Count("crew", distinct=True)).get()

    assert news.crew_total == 2


def test_anonymous_and_inactive_people_see_nothing(rows, alex):
    alex.is_active = False
    for viewer in (AnonymousUser(), alex):
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

    assert len(labels) == 6
    assert len(queries) == 4  # the role check once, then one query per list
