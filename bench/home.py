"""Benchmark the console's home (/admin/) per role on the demo station at scale 100, on PostgreSQL, DEBUG off.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal .venv/bin/python bench/home.py [--requests 30] [--scale 100]

Works in a scratch database of its own beside the one DATABASE_URL names (`<name>_home_bench` on the same server,
created if missing): migrates it, loads the reference data and, on the first run only, seeds the demo station with
`seed_demo --scale 100` (slow: later runs reuse it). Where the demo seeds no coverage requirement, it adds (once) the
ones a station has: one MCR operator around the clock in every master control room, one transmission engineer at
every transmitter site, so the home's coverage gaps and hours have work to do.

Then it renders the home through Django's test client (in-process: server time, no network) for the demo
supervisor (one location), auditor (every location, read-only) and administrator (everything, with the outbox and
the scope grants), and a bare admin page (the password change form: the same middleware, session, sidebar and
layout, no data) as the reference: median and p95 ms over N requests after a warm-up, and queries per request.
One figure per line.
"""

import argparse
import math
import os
import secrets
import statistics
import sys
import time
import warnings
from io import StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WARM_UP = 6  # PostgreSQL keeps a statement prepared after 5 runs on a connection (DATABASE_PREPARE_THRESHOLD)
ROLES = ("supervisor", "auditor", "admin")
REFERENCE = "/admin/password_change/"
HOME = "/admin/"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page (default 30)")
    parser.add_argument("--scale", type=int, default=100, help="seed_demo scale on the first run (default 100)")
    return parser.parse_args()


def use_scratch_database() -> None:
    """Point DATABASE_URL at `<name>_home_bench` on the same server, creating that database if missing."""
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    parts = urlsplit(os.environ.get("DATABASE_URL", ""))
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        raise SystemExit("set DATABASE_URL to a PostgreSQL database: the benchmark runs on PostgreSQL")
    scratch = f"{parts.path.lstrip('/') or 'portal'}_home_bench"
    with psycopg.connect(urlunsplit(parts._replace(scheme="postgresql", path="/postgres")), autocommit=True) as db:
        if not db.execute("SELECT 1 FROM pg_database WHERE datname = %s", [scratch]).fetchone():
            db.execute(f'CREATE DATABASE "{scratch}"')
    os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{scratch}"))


def setup_django() -> None:
    use_scratch_database()
    os.environ["DEBUG"] = "false"  # measured as served: production settings, no query log kept
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(48))
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))
    warnings.filterwarnings("ignore", message="No directory at")  # whitenoise: static files are not collected here
    import django
    from django.conf import settings

    django.setup()
    # no collectstatic in a scratch database's run: plain static URLs instead of the manifest's
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def prepare(scale: int) -> None:
    from django.core.management import call_command
    from django.db import connection

    from apps.demo.generators import existing_demo_site

    call_command("migrate", verbosity=0)
    call_command("load_reference_data", verbosity=0, stdout=StringIO())
    if existing_demo_site():
        print("demo data: reused from an earlier run")
    else:
        started = time.perf_counter()
        call_command("seed_demo", scale=scale, stdout=StringIO())
        print(f"demo data: seed_demo --scale {scale} in {time.perf_counter() - started:.0f} s")
    added = coverage_requirements_once()
    if added:
        print(f"coverage requirements: {added} added (the demo seeds none)")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh statistics: a seed's planner estimates are not a running portal's


def coverage_requirements_once() -> int:
    """Around-the-clock requirements at every master control room and transmitter, when there are none at all."""
    from apps.facilities.choices import FacilityKind
    from apps.facilities.models import Facility
    from apps.scheduling.models import CoverageRequirement

    if CoverageRequirement.objects.exists():
        return 0
    positions = {FacilityKind.MASTER_CONTROL: "MCR operator", FacilityKind.TRANSMITTER: "Transmission engineer"}
    requirements = [
        CoverageRequirement(facility=facility, position=positions[facility.kind], people=1)
        for facility in Facility.objects.filter(kind__in=list(positions)).order_by("pk")
    ]
    return len(CoverageRequirement.objects.bulk_create(requirements))  # bench rows: no history wanted


def measure(client, path: str, *, requests: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(WARM_UP):
        response = client.get(path)
        assert response.status_code == 200, f"{path}: HTTP {response.status_code}"
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:  # a separate request: capturing costs time
        client.get(path)
    ordered = sorted(timings)
    return {
        "p50": statistics.median(timings),
        "p95": ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)],
        "queries": len(queries),
    }


def main() -> None:
    args = parse_args()
    setup_django()
    from django.test import Client

    from apps.accounts.models import User
    from apps.facilities.models import Location
    from apps.scheduling.models import CoverageRequirement, Shift
    from apps.tickets.models import IncidentTicket

    prepare(args.scale)
    print(
        f"data: {Location.objects.count():,} locations, {IncidentTicket.objects.count():,} incidents, "
        f"{Shift.objects.count():,} shifts, {CoverageRequirement.objects.count():,} coverage requirements; "
        f"{args.requests} requests per page after {WARM_UP} warm-up"
    )
    for role in ROLES:
        client = Client()
        client.force_login(User.objects.get(username=role))
        home = measure(client, HOME, requests=args.requests)
        print(
            f"home ({role}): p50 {home['p50']:.1f} ms, p95 {home['p95']:.1f} ms, {home['queries']} queries per request"
        )
        if role == ROLES[0]:
            reference = measure(client, REFERENCE, requests=args.requests)
            print(
                f"reference, a bare admin page ({REFERENCE}, {role}): p50 {reference['p50']:.1f} ms, "
                f"p95 {reference['p95']:.1f} ms, {reference['queries']} queries per request"
            )


if __name__ == "__main__":
    main()
