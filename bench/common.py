"""What the benchmarks share: a scratch PostgreSQL database of their own, Django in production mode, the demo station
seeded once, a signed-in session, gunicorn on a free local port, and a keep-alive load generator.

Each benchmark works in `<name>_<suffix>` beside the database DATABASE_URL names (created if missing), so a run
never touches the portal's own data, and reuses what an earlier run seeded there.
"""

import asyncio
import math
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
import warnings
from io import StringIO
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_SCHEMES = ("postgres", "postgresql", "pgsql")


def server_dsn(database: str = "postgres") -> str:
    """A psycopg address of `database` on the server DATABASE_URL names."""
    parts = urlsplit(os.environ.get("DATABASE_URL", ""))
    if parts.scheme not in POSTGRES_SCHEMES:
        raise SystemExit("set DATABASE_URL to a PostgreSQL database: the benchmark runs on PostgreSQL")
    return urlunsplit(parts._replace(scheme="postgresql", path=f"/{database}"))


def scratch_name(suffix: str) -> str:
    parts = urlsplit(os.environ.get("DATABASE_URL", ""))
    return f"{parts.path.lstrip('/') or 'portal'}_{suffix}"


def use_scratch_database(suffix: str, *, template: str | None = None) -> str:
    """Point DATABASE_URL at `<name>_<suffix>` on the same server, creating it (as a copy of `template`, when
    given) if missing. Returns its psycopg address."""
    import psycopg

    scratch = scratch_name(suffix)
    with psycopg.connect(server_dsn(), autocommit=True) as db:
        if not db.execute("SELECT 1 FROM pg_database WHERE datname = %s", [scratch]).fetchone():
            copy = f' TEMPLATE "{template}"' if template else ""
            db.execute(f'CREATE DATABASE "{scratch}"{copy}')
    parts = urlsplit(os.environ["DATABASE_URL"])
    os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{scratch}"))
    return server_dsn(scratch)


def production_environment() -> None:
    """DEBUG off and the settings a local HTTP run needs (no TLS, loopback hosts)."""
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(48))
    os.environ["ALLOWED_HOSTS"] = "127.0.0.1,localhost,testserver"
    os.environ["SESSION_COOKIE_SECURE"] = "false"
    os.environ["CSRF_COOKIE_SECURE"] = "false"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("STATIC_ROOT", str(ROOT / "bench" / ".static"))


def setup_django(*, plain_static: bool = True) -> None:
    """Django in production mode. `plain_static`: plain static URLs, not the manifest collectstatic would write
    (the pages are measured, not their static files)."""
    production_environment()
    sys.path.insert(0, str(ROOT))
    warnings.filterwarnings("ignore", message="No directory at")  # whitenoise: static files are not collected
    import django
    from django.conf import settings

    django.setup()
    if plain_static:
        settings.STORAGES = {
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }


def seed_once(scale: int) -> None:
    """Migrate, load the reference data and, on the first run only, seed the demo station at `scale`; ANALYZE."""
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
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh statistics: a seed's planner estimates are not a running portal's


def session_for(username: str) -> tuple[object, str]:
    """The user and a session key for them (a real session row, as a sign-in makes)."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from apps.accounts.models import User

    user = User.objects.get(username=username)
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return user, session.session_key


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


# --- gunicorn and the load ---------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(app: str, port: int, *, workers: int, threads: int, env: dict | None = None) -> subprocess.Popen:
    """gunicorn serving `app` on 127.0.0.1:`port` (gthread workers), once it listens."""
    command = [
        sys.executable, "-m", "gunicorn", app,
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers),
        "--worker-class", "gthread",
        "--threads", str(threads),
        "--keep-alive", "30",
        "--log-level", "warning",
        "--chdir", str(ROOT),
        "--pythonpath", f"{ROOT},{ROOT / 'bench' / 'reference'}",
    ]  # fmt: skip
    process = subprocess.Popen(command, env={**os.environ, **(env or {})}, start_new_session=True)
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


async def _one_connection(port, request: bytes, until: float, record_from: float, found: dict) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.perf_counter() < until:
            started = time.perf_counter()
            writer.write(request)
            await writer.drain()
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, ConnectionError):
                found["errors"].append("connection closed")  # e.g. gunicorn's worker timeout
                return
            status = int(head.split(b" ", 2)[1])
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip())
                elif name.strip().lower() == b"content-encoding":
                    found["encoding"] = value.strip().decode()
            body = await reader.readexactly(length)
            finished = time.perf_counter()
            if status != 200:
                found["errors"].append(status)
            elif started >= record_from:
                found["latencies"].append(finished - started)
                found["bytes"] = len(body)
    finally:
        writer.close()


async def _drive(port: int, request: bytes, connections: int, seconds: float, warm_up: float) -> dict:
    found = {"latencies": [], "errors": [], "bytes": 0, "encoding": "identity"}
    record_from = time.perf_counter() + warm_up
    until = record_from + seconds
    await asyncio.gather(*(_one_connection(port, request, until, record_from, found) for _ in range(connections)))
    return found


def drive(
    port: int,
    path: str,
    *,
    cookie: str = "",
    connections: int,
    seconds: float,
    warm_up: float = 5,
    accept: str = "text/html",
    compressed: bool = False,
) -> dict:
    """`path` requested over `connections` keep-alive connections for `seconds` after `warm_up` seconds:
    req/s, median and p95 ms, requests, and the bytes of one answer as sent (gzip when `compressed`) with its
    Content-Encoding ("identity" when none)."""
    headers = f"Accept: {accept}\r\n" + ("Accept-Encoding: gzip\r\n" if compressed else "")
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{headers}Cookie: {cookie}\r\nConnection: keep-alive\r\n\r\n"
    ).encode()
    found = asyncio.run(_drive(port, request, connections, seconds, warm_up))
    if found["errors"]:
        raise SystemExit(f"{len(found['errors'])} answers were not 200 (first: {found['errors'][0]}) from {path}")
    latencies = found["latencies"]
    if not latencies:
        raise SystemExit(f"no answer from {path} within {seconds} s")
    return {
        "rps": len(latencies) / seconds,
        "p50": statistics.median(latencies) * 1000,
        "p95": percentile(latencies, 0.95) * 1000,
        "requests": len(latencies),
        "bytes": found["bytes"],
        "encoding": found["encoding"],
    }
