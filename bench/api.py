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
import asyncio
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
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


def use_scratch_database() -> str:
    """Point DATABASE_URL at `<name>_api_bench` on the same server, creating that database if missing."""
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    parts = urlsplit(os.environ.get("DATABASE_URL", ""))
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        raise SystemExit("set DATABASE_URL to a PostgreSQL database: the benchmark runs on PostgreSQL")
    scratch = f"{parts.path.lstrip('/') or 'portal'}_api_bench"
    with psycopg.connect(urlunsplit(parts._replace(scheme="postgresql", path="/postgres")), autocommit=True) as db:
        if not db.execute("SELECT 1 FROM pg_database WHERE datname = %s", [scratch]).fetchone():
            db.execute(f'CREATE DATABASE "{scratch}"')
    os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{scratch}"))
    return urlunsplit(parts._replace(scheme="postgresql", path=f"/{scratch}"))


def setup_django() -> str:
    dsn = use_scratch_database()
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(48))
    os.environ["ALLOWED_HOSTS"] = "127.0.0.1,localhost,testserver"
    os.environ["SESSION_COOKIE_SECURE"] = "false"
    os.environ["CSRF_COOKIE_SECURE"] = "false"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("STATIC_ROOT", str(ROOT / "bench" / ".static"))  # no collectstatic: the API serves none
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    return dsn


def prepare(scale: int) -> None:
    from io import StringIO

    from django.core.management import call_command

    from apps.demo.generators import existing_demo_site

    call_command("migrate", verbosity=0)
    call_command("load_reference_data", verbosity=0, stdout=StringIO())
    if existing_demo_site():
        print("demo data: reused from an earlier run")
    else:
        started = time.perf_counter()
        call_command("seed_demo", scale=scale, stdout=StringIO())
        print(f"demo data: seed_demo --scale {scale} in {time.perf_counter() - started:.0f} s")
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh statistics: a seed's planner estimates are not a running portal's


def supervisor_session() -> tuple[object, str]:
    """The demo supervisor and a session cookie value for them (a real session row, as a sign-in makes)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from apps.accounts.models import User

    supervisor = User.objects.get(username="supervisor")
    session = SessionStore()
    session[SESSION_KEY] = str(supervisor.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = supervisor.get_session_auth_hash()
    session.save()
    return supervisor, session.session_key


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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(app: str, port: int, args, env: dict) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        app,
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(args.workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(args.threads),
        "--keep-alive",
        "30",
        "--log-level",
        "warning",
        "--chdir",
        str(ROOT),
        "--pythonpath",
        f"{ROOT},{ROOT / 'bench' / 'reference'}",
    ]
    process = subprocess.Popen(command, env={**os.environ, **env}, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process
        except OSError:
            if process.poll() is not None:
                raise SystemExit(f"gunicorn {app} stopped at start (exit {process.returncode})") from None
            time.sleep(0.2)
    stop(process)
    raise SystemExit(f"gunicorn {app} did not listen on {port} within 60 s")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


async def _one_connection(port: int, request: bytes, until: float, record_from: float, latencies: list, errors: list):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.perf_counter() < until:
            started = time.perf_counter()
            writer.write(request)
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip())
            await reader.readexactly(length)
            finished = time.perf_counter()
            if status != 200:
                errors.append(status)
            elif started >= record_from:
                latencies.append(finished - started)
    finally:
        writer.close()


async def _drive(port: int, request: bytes, connections: int, seconds: float) -> tuple[list, list, float]:
    latencies: list[float] = []
    errors: list[int] = []
    record_from = time.perf_counter() + WARM_UP_SECONDS
    until = record_from + seconds
    await asyncio.gather(
        *(_one_connection(port, request, until, record_from, latencies, errors) for _ in range(connections))
    )
    return latencies, errors, seconds


def drive(port: int, path: str, cookie: str, connections: int, seconds: float) -> dict:
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: application/json\r\n"
        f"Cookie: {cookie}\r\nConnection: keep-alive\r\n\r\n"
    ).encode()
    latencies, errors, measured = asyncio.run(_drive(port, request, connections, seconds))
    if errors:
        raise SystemExit(f"{len(errors)} answers were not 200 (first: {errors[0]}) from {path}")
    latencies.sort()
    return {
        "rps": len(latencies) / measured,
        "p50": statistics.median(latencies) * 1000,
        "p95": latencies[max(0, int(len(latencies) * 0.95) - 1)] * 1000,
        "requests": len(latencies),
    }


def main() -> None:
    args = parse_args()
    dsn = setup_django()
    prepare(args.scale)
    from django.conf import settings

    supervisor, session_key = supervisor_session()
    counts = queries_per_request(supervisor)
    sql, params = reference_query(supervisor)
    cookie = f"{settings.SESSION_COOKIE_NAME}={session_key}"

    api_port = free_port()
    api = serve("portal.wsgi:application", api_port, args, {})
    try:
        api_figures = drive(api_port, PATH, cookie, args.connections, args.seconds)
    finally:
        stop(api)

    reference_env = {
        "API_BENCH_REFERENCE_SQL": sql,
        "API_BENCH_REFERENCE_PARAMS": json.dumps(params),
        "API_BENCH_REFERENCE_DSN": dsn,
    }
    reference_port = free_port()
    reference = serve("api_reference_app:application", reference_port, args, reference_env)
    try:
        reference_figures = drive(reference_port, "/", cookie, args.connections, args.seconds)
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
