"""Benchmark `manage.py seed_demo --scale N` on a throwaway PostgreSQL database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal .venv/bin/python bench/seed_demo.py [SCALE]

DATABASE_URL says which server and credentials to use; the benchmark creates its own database
there (portal_bench_seed), migrates it, seeds it at SCALE (default 100), prints one line of
figures, and drops the database again, whatever happened.
"""

import os
import resource
import sys
import time
from io import StringIO
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH_DATABASE = "portal_bench_seed"


def server_url(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, parts.fragment))


def admin_connection(url: str):
    import psycopg

    parts = urlsplit(url)
    return psycopg.connect(
        host=parts.hostname or "localhost",
        port=parts.port or 5432,
        user=parts.username or None,
        password=parts.password or None,
        dbname="postgres",
        autocommit=True,
    )


def drop_database(url: str) -> None:
    with admin_connection(url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)')


def main() -> int:
    scale = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://", "pgsql://")):
        print("bench/seed_demo.py needs DATABASE_URL pointing at PostgreSQL (postgres://...)", file=sys.stderr)
        return 2

    drop_database(url)
    with admin_connection(url) as conn:
        conn.execute(f'CREATE DATABASE "{BENCH_DATABASE}"')
    try:
        os.environ["DATABASE_URL"] = server_url(url, BENCH_DATABASE)
        os.environ["DATABASE_POOL"] = "false"  # one plain connection, closed before the drop
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections

        from apps.scheduling.models import Shift
        from apps.tickets.models import IncidentTicket

        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        call_command("seed_demo", scale=scale, verbosity=0, stdout=StringIO())
        elapsed = time.perf_counter() - started
        shifts, incidents = Shift.objects.count(), IncidentTicket.objects.count()
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux
        print(
            f"seed_demo scale={scale}: {elapsed:.1f} s, {shifts} shifts, {incidents} incidents, "
            f"peak RSS {peak_mb:.0f} MB"
        )
        connections.close_all()
    finally:
        drop_database(url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
