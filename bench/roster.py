"""Benchmark the console's Roster page: one location's week, 60 people, on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal .venv/bin/python bench/roster.py [--renders 9]

Works in a scratch database of its own beside the one DATABASE_URL names (`<name>_roster_bench` on the same
server, created if missing). It migrates it and, on the first run only, seeds the demo station with
`seed_demo --scale 100` (slow: later runs reuse it), then creates (once) a bench location with 60 people based
there, four facilities with 24/7 coverage requirements, three shifts a person across the bench week, approved
time off and events. Then it renders the page through the Django test client as a superuser, people view and
facilities view, and prints per view the median ms per render and the queries per render.

One figure per line.
"""

import argparse
import os
import secrets
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
BENCH_PREFIX = "RBENCH"
PEOPLE = 60
WEEK = date(2027, 3, 22)  # Monday; London's clocks change on Sunday 28 March 2027
ZONE = ZoneInfo("Europe/London")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--renders", type=int, default=9, help="renders per view (default 9); the median is shown")
    parser.add_argument("--scale", type=int, default=100, help="seed_demo scale on the first run (default 100)")
    return parser.parse_args()


def use_scratch_database() -> None:
    """Point DATABASE_URL at `<name>_roster_bench` on the same server, creating that database if missing."""
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    parts = urlsplit(os.environ.get("DATABASE_URL", ""))
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        raise SystemExit("set DATABASE_URL to a PostgreSQL database: the benchmark runs on PostgreSQL")
    scratch = f"{parts.path.lstrip('/') or 'portal'}_roster_bench"
    with psycopg.connect(urlunsplit(parts._replace(scheme="postgresql", path="/postgres")), autocommit=True) as db:
        if not db.execute("SELECT 1 FROM pg_database WHERE datname = %s", [scratch]).fetchone():
            db.execute(f'CREATE DATABASE "{scratch}"')
    os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{scratch}"))


def setup_django() -> None:
    use_scratch_database()
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(48))
    os.environ["ALLOWED_HOSTS"] = "localhost,testserver"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    sys.path.insert(0, str(ROOT))
    import django
    from django.conf import settings

    django.setup()
    # no collectstatic in a scratch database's run: plain static URLs
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def seed_demo_once(scale: int) -> None:
    from io import StringIO

    from django.core.management import call_command

    from apps.demo.generators import existing_demo_site

    if existing_demo_site():
        print("demo data: reused from an earlier run")
        return
    started = time.perf_counter()
    try:
        call_command("seed_demo", scale=scale, stdout=StringIO())
    except Exception as error:  # the bench's own location is enough to measure the page
        print(f"demo data: seed_demo --scale {scale} failed ({type(error).__name__}: {error}); measuring without it")
        return
    print(f"demo data: seed_demo --scale {scale} in {time.perf_counter() - started:.0f} s")


def bench_location():
    """The bench location, its facilities, coverage, 60 people and their week (created on the first run)."""
    from apps.accounts.models import User
    from apps.facilities.models import Facility, Location
    from apps.scheduling.choices import EventStatus, ShiftStatus, TimeOffStatus
    from apps.scheduling.models import CoverageRequirement, ScheduledEvent, Shift, TimeOffRequest

    location, created = Location.objects.get_or_create(
        code=f"{BENCH_PREFIX}-LON", defaults={"name": "Roster bench", "timezone": "Europe/London"}
    )
    if not created:
        return location
    facilities = [
        Facility.objects.create(code=f"{BENCH_PREFIX}-F{number}", name=f"Bench facility {number}", location=location)
        for number in range(4)
    ]
    for facility in facilities:
        CoverageRequirement.objects.create(facility=facility, position="Operator", people=2)
    people = User.objects.bulk_create(
        User(
            username=f"rbench{number}",
            employee_id=f"{BENCH_PREFIX}-{number:03d}",
            first_name="Bench",
            last_name=f"{number:03d}",
            home_location=location,
        )
        for number in range(PEOPLE)
    )
    shifts, time_off = [], []
    for index, person in enumerate(people):
        for day in range(0, 7, 2):
            starts = datetime.combine(WEEK + timedelta(days=day + index % 2), datetime.min.time(), tzinfo=ZONE)
            starts += timedelta(hours=(6, 14, 22)[index % 3])
            shifts.append(
                Shift(
                    user=person,
                    facility=facilities[index % 4],
                    position="Operator",
                    starts_at=starts,
                    ends_at=starts + timedelta(hours=8),
                    status=ShiftStatus.PUBLISHED if day % 4 else ShiftStatus.DRAFT,
                )
            )
        if index % 10 == 0:
            time_off.append(
                TimeOffRequest(
                    user=person,
                    starts_on=WEEK + timedelta(days=5),
                    ends_on=WEEK + timedelta(days=6),
                    status=TimeOffStatus.APPROVED,
                )
            )
    Shift.objects.bulk_create(shifts)  # bench rows: no history wanted
    TimeOffRequest.objects.bulk_create(time_off)
    ScheduledEvent.objects.bulk_create(
        ScheduledEvent(
            title=f"Bench news {day}",
            facility=facilities[0],
            starts_at=datetime.combine(WEEK + timedelta(days=day), datetime.min.time(), tzinfo=ZONE)
            + timedelta(hours=18),
            ends_at=datetime.combine(WEEK + timedelta(days=day), datetime.min.time(), tzinfo=ZONE)
            + timedelta(hours=19),
            status=EventStatus.CONFIRMED,
        )
        for day in range(7)
    )
    return location


def main() -> None:
    args = parse_args()
    setup_django()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from apps.accounts.models import User

    call_command("migrate", verbosity=0)
    seed_demo_once(args.scale)
    location = bench_location()
    admin, _ = User.objects.get_or_create(
        username="rbench-admin",
        defaults={"employee_id": f"{BENCH_PREFIX}-ADMIN", "is_superuser": True, "is_staff": True},
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"database: {User.objects.count()} people, {location.code} has {PEOPLE} based there")

    client = Client()
    client.force_login(admin)
    url = reverse("scheduling_roster")
    for view in ("people", "facilities"):
        params = {"location": location.code, "week": WEEK.isoformat(), "view": view}
        client.get(url, params)  # warm the template cache
        timings, queries = [], []
        for _ in range(args.renders):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(url, params)
                timings.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{view} view answered {response.status_code}")
            queries.append(len(captured))
        print(f"roster {view} view: {statistics.median(timings):.0f} ms per render (median of {args.renders})")
        print(f"roster {view} view: {max(queries)} queries per render")


if __name__ == "__main__":
    main()
