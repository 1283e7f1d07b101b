"""Walks every model registered in the console: its pages render, and its list has no query per row.

A model added to the console without a row builder here fails `test_every_registered_model_has_a_builder`,
so new models are covered by adding one line.
"""

from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)

from apps.accounts.models import User
from apps.audit.models import ActivityEntry
from apps.dataio.models import ImportJob
from apps.facilities.models import Facility, Location
from apps.notifications.models import OutboundEmail
from apps.scheduling.models import CoverageRequirement, ScheduledEvent, Shift, TimeOffRequest
from apps.tickets.models import IncidentTicket, IncidentType, ServiceTicket, TicketNote
from apps.timesheets.models import TimeEntry
from tests import factories as f


def _group(n):
    group = Group.objects.create(name=f"Group {n}")
    group.permissions.add(*Permission.objects.all()[:3])
    return group


def _import_job(n):
    return ImportJob.objects.create(
        resource="shifts", file=f"imports/file{n}.csv", format="csv", created_by=f.UserFactory()
    )


def _periodic_task(n):
    interval, _ = IntervalSchedule.objects.get_or_create(every=n + 1, period=IntervalSchedule.MINUTES)
    return PeriodicTask.objects.create(name=f"task {n}", task="portal.noop", interval=interval)


def _shift(n):
    person = f.UserFactory()
    return f.ShiftFactory(user=person)


def _event(n):
    event = f.ScheduledEventFactory()
    event.crew.add(f.UserFactory(), f.UserFactory())
    return event


def _time_entry(n):
    person = f.UserFactory()
    shift = f.ShiftFactory(user=person, starts_at=timezone.now() - timedelta(days=2))
    return f.TimeEntryFactory(user=person, shift=shift, activity="shift", work_date=shift.starts_at.date())


def _activity_entry(n):
    """Activity rows are written by real changes: a new location writes one."""
    location = f.LocationFactory()
    return ActivityEntry.objects.filter(object_id=location.pk, content_type__model="location").latest("history_date")


ROW_BUILDERS = {
    ActivityEntry: _activity_entry,
    User: lambda n: f.UserFactory(),
    Group: _group,
    Location: lambda n: f.LocationFactory(),
    Facility: lambda n: f.FacilityFactory(),
    IncidentType: lambda n: f.IncidentTypeFactory(),
    IncidentTicket: lambda n: f.IncidentTicketFactory(assignee=f.UserFactory()),
    ServiceTicket: lambda n: f.ServiceTicketFactory(assignee=f.UserFactory()),
    TicketNote: lambda n: f.TicketNoteFactory(),
    Shift: _shift,
    ScheduledEvent: _event,
    TimeOffRequest: lambda n: f.TimeOffRequestFactory(),
    CoverageRequirement: lambda n: CoverageRequirement.objects.create(
        facility=f.FacilityFactory(), position=f"Operator {n}"
    ),
    TimeEntry: _time_entry,
    OutboundEmail: lambda n: f.OutboundEmailFactory(),
    ImportJob: _import_job,
    PeriodicTask: _periodic_task,
    IntervalSchedule: lambda n: IntervalSchedule.objects.create(every=100 + n, period=IntervalSchedule.SECONDS),
    CrontabSchedule: lambda n: CrontabSchedule.objects.create(minute=str(n % 60), hour="3"),
    SolarSchedule: lambda n: SolarSchedule.objects.create(event="sunrise", latitude=51.5, longitude=-0.1 + n / 1000),
    ClockedSchedule: lambda n: ClockedSchedule.objects.create(clocked_time=timezone.now() + timedelta(days=n)),
}

REGISTERED = sorted(admin.site._registry, key=lambda m: m._meta.label)


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _build(model, count):
    return [ROW_BUILDERS[model](n) for n in range(count)][-1]


@pytest.fixture
def superuser_client(client, db):
    user = f.SuperUserFactory(username="root")
    client.force_login(user)
    return client


def test_every_registered_model_has_a_builder():
    missing = [m._meta.label for m in REGISTERED if m not in ROW_BUILDERS]
    assert missing == []


@pytest.mark.smoke
@pytest.mark.django_db
@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m._meta.label)
def test_pages_render_for_a_superuser(superuser_client, model):
    obj = _build(model, 1)
    model_admin = admin.site._registry[model]

    changelist = superuser_client.get(_url(model, "changelist"))
    assert changelist.status_code == 200
    assert str(model._meta.verbose_name_plural).lower() in changelist.content.decode().lower()

    change = superuser_client.get(_url(model, "change", obj.pk))
    assert change.status_code == 200

    if model_admin.has_add_permission(_request_for(superuser_client)):
        assert superuser_client.get(_url(model, "add")).status_code == 200

    if hasattr(model_admin, "history_view"):
        history = superuser_client.get(_url(model, "history", obj.pk))
        assert history.status_code == 200

    search = superuser_client.get(_url(model, "changelist"), {"q": "zzz-nothing-matches"})
    assert search.status_code == 200


def _request_for(client):
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = User.objects.get(username="root")
    return request


@pytest.mark.django_db
@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m._meta.label)
def test_changelist_queries_do_not_grow_with_rows(superuser_client, model):
    url = _url(model, "changelist")
    _build(model, 10)
    superuser_client.get(url)  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as ten_rows:
        assert superuser_client.get(url).status_code == 200

    # four times the rows, on the same one page (a second page adds one query, the page's ids, once:
    # tests/console/test_paging.py)
    for n in range(10, 40):
        ROW_BUILDERS[model](n)
    with CaptureQueriesContext(connection) as forty_rows:
        response = superuser_client.get(url)
        assert response.status_code == 200

    assert len(forty_rows) <= len(ten_rows), "\n".join(q["sql"] for q in forty_rows.captured_queries)
