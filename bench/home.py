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
import statistics
import time

from common import percentile, seed_once, setup_django, use_scratch_database

WARM_UP = 6  # PostgreSQL keeps a statement prepared after 5 runs on a connection (DATABASE_PREPARE_THRESHOLD)
ROLES = ("supervisor", "auditor", "admin")
REFERENCE = "/admin/password_change/"
HOME = "/admin/"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page (default 30)")
    parser.add_argument("--scale", type=int, default=100, help="seed_demo scale on the first run (default 100)")
    return parser.parse_args()


def prepare(scale: int) -> None:
    seed_once(scale)
    added = coverage_requirements_once()
    if added:
        print(f"coverage requirements: {added} added (the demo seeds none)")
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


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
    return {
        "p50": statistics.median(timings),
        "p95": percentile(timings, 0.95),
        "queries": len(queries),
    }


def main() -> None:
    args = parse_args()
    use_scratch_database("home_bench")
    setup_django()
    from django.conf import settings
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
    kept = settings.HOME_CACHE_SECONDS
    for role in ROLES:
        client = Client()
        client.force_login(User.objects.get(username=role))
        home = measure(client, HOME, requests=args.requests)
        settings.HOME_CACHE_SECONDS = 0
        unkept = measure(client, HOME, requests=args.requests)
        settings.HOME_CACHE_SECONDS = kept
        print(
            f"home ({role}): p50 {home['p50']:.1f} ms, p95 {home['p95']:.1f} ms, {home['queries']} queries per request "
            f"(trends and coverage kept {kept} s, as served)"
        )
        print(
            f"home ({role}), nothing kept (HOME_CACHE_SECONDS=0): p50 {unkept['p50']:.1f} ms, "
            f"p95 {unkept['p95']:.1f} ms, {unkept['queries']} queries per request"
        )
        if role == ROLES[0]:
            reference = measure(client, REFERENCE, requests=args.requests)
            print(
                f"reference, a bare admin page ({REFERENCE}, {role}): p50 {reference['p50']:.1f} ms, "
                f"p95 {reference['p95']:.1f} ms, {reference['queries']} queries per request"
            )


if __name__ == "__main__":
    main()
