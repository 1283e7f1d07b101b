"""Benchmark the frontend's API: a supervisor's incident list, page of 50, under gunicorn, DEBUG off, on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal .venv/bin/python bench/api.py \
        [--seconds 10] [--connections 16] [--workers 2] [--threads 8] [--scale 100]

Works in a scratch database of its own beside the one DATABASE_URL names (`<name>_api_bench` on the same
server, created if missing): migrates it and, on the first run only, seeds the demo station with
`seed_demo --scale 100` (slow: later runs reuse it). Then it:

- counts the queries of one list request through Django's test client, for page sizes 50 and 200;
- serves the portal with gunicorn (DEBUG off) on a free local port, signs the demo supervisor in through a
  session, and drives `GET /api/incident-tickets/?page_size=50` from 16 keep-alive connections for the given
  seconds (after a warm-up): requests per second, median and p95 latency;
- serves the reference under the same gunicorn settings (bench/reference/api_reference_app.py: the same 50 scoped
  rows, compiled from the API's own queryset, fetched with raw psycopg and serialised with orjson, or the
  standard json module where orjson is not installed) and drives it the same way;
- prints the API's latency as a multiple of the reference's.

One figure per line. The load generator runs on the same machine (asyncio, no third-party client): with 2
cores it takes part of one, as a browser's requests would not.
"""

import argparse
import json
import os
import sys

from common import ROOT, drive, free_port, seed_once, serve, session_for, setup_django, stop, use_scratch_database

PATH = "/api/incident-tickets/?page_size=50"
WARM_UP_SECONDS = 5  # every pooled connection plans a statement 5 times before PostgreSQL keeps it prepared


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10, help="measured seconds per server (default 10)")
    parser.add_argument("--connections", type=int, default=16, help="concurrent keep-alive connections (16)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (default 2, one per core)")
    parser.add_argument("--threads", type=int, default=8, help="threads per gunicorn worker (default 8)")
    parser.add_argument("--scale", type=int, default=100, help="seed_demo scale on the first run (default 100)")
    return parser.parse_args()


def queries_per_request(supervisor) -> dict[int, int]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(supervisor)
    counts = {}
    for size in (50, 200):
        client.get(f"/api/incident-tickets/?page_size={size}")
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/api/incident-tickets/?page_size={size}")
        assert response.status_code == 200, response.status_code
        counts[size] = len(queries)
    return counts


def reference_query(supervisor) -> tuple[str, list]:
    """The SQL of the API's own first page for the supervisor (scoped, ordered, 50 rows), labels joined in."""
    from apps.api import rows

    page = (
        rows.incidents(supervisor)
        .order_by("-occurred_at")
        .values(
            "id",
            "reference",
            "title",
            "status",
            "severity",
            "occurred_at",
            "response_due_at",
            "resolve_due_at",
            "facility_id",
            "facility__name",
            "facility__code",
            "facility__location_id",
            "facility__location__name",
            "incident_type_id",
            "incident_type__name",
            "reporter_id",
            "reporter__first_name",
            "reporter__last_name",
            "assignee_id",
            "assignee__first_name",
            "assignee__last_name",
        )[:50]
    )
    sql, params = page.query.sql_with_params()
    return sql, [
        str(param) if not isinstance(param, int | float | str | bool | type(None)) else param for param in params
    ]


def main() -> None:
    args = parse_args()
    dsn = use_scratch_database("api_bench")
    setup_django(plain_static=False)
    seed_once(args.scale)
    from django.conf import settings

    supervisor, session_key = session_for("supervisor")
    counts = queries_per_request(supervisor)
    sql, params = reference_query(supervisor)
    cookie = f"{settings.SESSION_COOKIE_NAME}={session_key}"

    api_port = free_port()
    api = serve("portal.wsgi:application", api_port, workers=args.workers, threads=args.threads)
    try:
        api_figures = drive(
            api_port, PATH, cookie=cookie, connections=args.connections, seconds=args.seconds,
            warm_up=WARM_UP_SECONDS, accept="application/json",
        )  # fmt: skip
    finally:
        stop(api)

    reference_env = {
        "API_BENCH_REFERENCE_SQL": sql,
        "API_BENCH_REFERENCE_PARAMS": json.dumps(params),
        "API_BENCH_REFERENCE_DSN": dsn,
    }
    reference_port = free_port()
    reference = serve(
        "api_reference_app:application", reference_port, workers=args.workers, threads=args.threads, env=reference_env
    )
    try:
        reference_figures = drive(
            reference_port, "/", cookie=cookie, connections=args.connections, seconds=args.seconds,
            warm_up=WARM_UP_SECONDS, accept="application/json",
        )  # fmt: skip
    finally:
        stop(reference)
    sys.path.insert(0, str(ROOT / "bench" / "reference"))
    os.environ.update(reference_env)
    from api_reference_app import SERIALIZER

    setup = f"{args.connections} connections, gunicorn {args.workers} workers × {args.threads} threads"
    print(
        f"API GET {PATH} (supervisor, {setup}): {api_figures['rps']:.0f} req/s, "
        f"p50 {api_figures['p50']:.1f} ms, p95 {api_figures['p95']:.1f} ms ({api_figures['requests']} requests)"
    )
    print(
        f"reference (raw psycopg + {SERIALIZER}, the same 50 scoped rows, {setup}): "
        f"{reference_figures['rps']:.0f} req/s, p50 {reference_figures['p50']:.1f} ms, "
        f"p95 {reference_figures['p95']:.1f} ms ({reference_figures['requests']} requests)"
    )
    print(
        f"API latency / reference latency: p50 {api_figures['p50'] / reference_figures['p50']:.1f}×, "
        f"p95 {api_figures['p95'] / reference_figures['p95']:.1f}×"
    )
    print(f"queries per list request: {counts[50]} (page_size=50), {counts[200]} (page_size=200)")


if __name__ == "__main__":
    main()
