"""Pruning old history: what goes, what stays, and that nothing is left pointing at a deleted row."""

from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

from apps.audit import services
from apps.audit.models import ActivityEntry
from apps.audit.services import historical_models, history_prune
from apps.audit.tasks import prune_history
from apps.core.actors import system_user
from apps.facilities.models import Location
from apps.facilities.services import location_update
from apps.scheduling.models import ScheduledEvent
from tests.audit.helpers import activity_of
from tests.factories import LocationFactory, ScheduledEventFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now()
OLD = NOW - timedelta(days=400)
RETAIN_DAYS = 365


def _age(history_rows, *, days_ago: int) -> None:
    """Date rows (and their Activity entries) `days_ago`, oldest first, a minute apart, in their order."""
    for offset, row in enumerate(history_rows):
        moment = NOW - timedelta(days=days_ago) + timedelta(minutes=offset)
        type(row).objects.filter(history_id=row.history_id).update(history_date=moment)


def _with_history(*, changes: int) -> Location:
    location = LocationFactory()
    for n in range(changes):
        location_update(location=location, by=system_user(), name=f"{location.code} v{n + 2}")
    return location


def _rows(obj) -> list:
    return list(type(obj).history.filter(id=obj.pk).order_by("history_date", "history_id"))


def test_live_object_keeps_its_creation_and_latest_record_however_old():
    location = _with_history(changes=3)
    created, middle_1, middle_2, latest = _rows(location)
    _age(_rows(location), days_ago=400)

    deleted = history_prune(older_than_days=RETAIN_DAYS, now=NOW, by=system_user())

    assert [row.history_id for row in _rows(location)] == [created.history_id, latest.history_id]
    assert deleted["facilities.HistoricalLocation"] == 2
    assert deleted["audit.ActivityEntry"] == 2
    for gone in (middle_1, middle_2):
        assert not ActivityEntry.objects.filter(history_id=gone.history_id, object_id=location.pk).exists()
    assert activity_of(created) and activity_of(latest)


def test_recent_rows_stay_and_old_intermediate_ones_go():
    location = _with_history(changes=3)
    created, old_change, recent_1, recent_2 = _rows(location)
    _age([created, old_change], days_ago=400)
    _age([recent_1, recent_2], days_ago=10)

    history_prune(older_than_days=RETAIN_DAYS, now=NOW, by=system_user())

    assert [row.history_id for row in _rows(location)] == [
        created.history_id,
        recent_1.history_id,
        recent_2.history_id,
    ]


def test_a_deleted_objects_old_rows_all_go_and_recent_ones_stay():
    gone_long_ago = _with_history(changes=1)
    gone_long_ago_pk = gone_long_ago.pk
    gone_long_ago.delete()
    _age(list(Location.history.filter(id=gone_long_ago_pk).order_by("history_id")), days_ago=400)

    gone_lately = _with_history(changes=1)
    gone_lately_pk = gone_lately.pk
    gone_lately.delete()
    created, changed, deletion = Location.history.filter(id=gone_lately_pk).order_by("history_id")
    _age([created, changed], days_ago=400)

    history_prune(older_than_days=RETAIN_DAYS, now=NOW, by=system_user())

    assert not Location.history.filter(id=gone_long_ago_pk).exists()
    assert list(Location.history.filter(id=gone_lately_pk)) == [deletion]
    entries = ActivityEntry.objects.filter(object_id=gone_lately_pk, content_type=activity_of(deletion).content_type)
    assert list(entries) == [activity_of(deletion)]


def test_nothing_within_the_retention_period_is_touched():
    location = _with_history(changes=2)
    before = _rows(location)

    assert history_prune(older_than_days=RETAIN_DAYS, now=NOW, by=system_user()) == {}
    assert _rows(location) == before


def test_m2m_history_of_pruned_rows_goes_with_them():
    crew = UserFactory.create_batch(2)
    event = ScheduledEventFactory()
    event.crew.add(crew[0])
    event.crew.add(crew[1])
    event.crew.remove(crew[0])
    rows = _rows(event)
    assert len(rows) == 4
    _age(rows, days_ago=400)
    historical_crew = apps.get_model("scheduling", "HistoricalScheduledEvent_crew")
    kept_ids = {rows[0].history_id, rows[-1].history_id}

    deleted = history_prune(older_than_days=RETAIN_DAYS, now=NOW, by=system_user())

    assert deleted["scheduling.HistoricalScheduledEvent_crew"] == 3  # one row after the first add, two after the second
    assert {row.history_id for row in _rows(event)} == kept_ids
    assert set(historical_crew.objects.values_list("history_id", flat=True)) <= kept_ids
    assert list(rows[-1].crew.values_list("user_id", flat=True)) == [crew[1].pk]
    assert not historical_crew.objects.exclude(history_id__in=ScheduledEvent.history.values("history_id")).exists()


def test_prunes_in_batches(monkeypatch):
    monkeypatch.setattr(services, "PRUNE_BATCH_SIZE", 2)
    locations = [_with_history(changes=3) for _ in range(3)]
    for location in locations:
        _age(_rows(location), days_ago=400)

    deleted = history_prune(older_than_days=RETAIN_DAYS, now=NOW, by=system_user())

    assert deleted["facilities.HistoricalLocation"] == 6
    assert all(len(_rows(location)) == 2 for location in locations)


def test_every_model_kept_with_history_is_pruned():
    tracked = {
        model.history.model
        for model in apps.get_models()
        if getattr(model._meta, "simple_history_manager_attribute", None) == "history"
    }
    assert tracked == set(historical_models())


def test_negative_days_are_refused():
    with pytest.raises(ValueError):
        history_prune(older_than_days=-1, by=system_user())


# --- the periodic task ------------------------------------------------------------------------------------


def test_task_keeps_everything_when_no_retention_is_set(settings):
    settings.HISTORY_RETENTION_DAYS = None
    location = _with_history(changes=3)
    _age(_rows(location), days_ago=4000)

    assert prune_history.delay().get() == {}
    assert len(_rows(location)) == 4


def test_task_prunes_beyond_the_setting(settings):
    settings.HISTORY_RETENTION_DAYS = 30
    location = _with_history(changes=3)
    _age(_rows(location), days_ago=31)

    deleted = prune_history.delay().get()

    assert deleted["facilities.HistoricalLocation"] == 2
    assert len(_rows(location)) == 2


@pytest.mark.django_db(transaction=True)  # the scheduler closes and reopens its database connection
def test_beat_installs_the_daily_prune_among_the_consoles_periodic_tasks():
    from portal.celery import app

    DatabaseScheduler(app=app)  # what beat does when it starts

    periodic = PeriodicTask.objects.get(name="prune-history")
    assert periodic.task == prune_history.name == "apps.audit.tasks.prune_history"
    assert periodic.enabled
    assert (periodic.crontab.hour, periodic.crontab.day_of_week, periodic.crontab.day_of_month) == ("3", "*", "*")
