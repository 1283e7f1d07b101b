"""Benchmark the scoped console: a supervisor's incident list and the Activity page, on the demo station.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench .venv/bin/python bench/scope_admin.py \
        [--requests 20] [--scale 100] [--skip-seed]

Works on the database DATABASE_URL names and on no other: migrates it, and seeds the demo station
(`seed_demo --scale SCALE`) when it holds no demo data yet — it refuses to seed a database that holds other
data, and `--skip-seed` never seeds. Then it times real admin views through Django's test Client (in-process,
DEBUG off): median and p95 over N requests after a warm-up, queries per request, rows on the page; and prints
EXPLAIN (ANALYZE, BUFFERS) of the supervisor's incident page query and of the Activity page query, with one
line saying whether the scoped tables are read through indexes. One figure per line.
"""

import argparse
import math
import os
import re
import secrets
import statistics
import sys
import time
import warnings
from io import StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WARM_UP = 3
BIG_TABLE_ROWS = 10_000  # a sequential scan on a table this big is worth an index
INDEX_NODE = re.compile(r"(Index Only Scan|Index Scan|Bitmap Index Scan)(?: Backward)?(?: using (\S+))? on (\S+)")
SEQ_NODE = re.compile(r"Seq Scan on (\S+)")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=20, help="timed requests per page (default 20)")
    parser.add_argument("--scale", type=int, default=100, help="seed_demo --scale when seeding (default 100)")
    parser.add_argument("--skip-seed", action="store_true", help="never seed; the database must hold demo data")
    return parser.parse_args()


def setup_django() -> None:
    os.environ["DEBUG"] = "false"  # measured as served: no query log kept, production settings
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(48))
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def prepare_database(*, scale: int, skip_seed: bool) -> None:
    from django.core.management import call_command
    from django.db import connection

    from apps.demo.generators import existing_demo_site

    call_command("migrate", verbosity=0)
    if not existing_demo_site():
        seed(scale=scale, skip_seed=skip_seed)
    with connection.cursor() as cursor:  # fresh statistics, as autovacuum would leave them: plans as in production
        cursor.execute("ANALYZE")


def seed(*, scale: int, skip_seed: bool) -> None:
    from django.core.management import call_command

    from apps.facilities.models import Location

    if skip_seed:
        raise SystemExit("--skip-seed: the database holds no demo data (run seed_demo first)")
    if Location.objects.exists():
        raise SystemExit("the database holds data but no demo station: refusing to seed it; use a scratch database")
    started = time.perf_counter()
    call_command("seed_demo", scale=scale, verbosity=0, stdout=StringIO())
    print(f"seeded the demo station at scale {scale}: {time.perf_counter() - started:.1f} s")


def result_rows(html: str) -> int:
    """Rows in the changelist's result table."""
    table = html.split('id="result_list"', 1)[-1].split("</table>", 1)[0]
    body = table.split("<tbody", 1)[-1]
    return len(re.findall(r"<tr[\s>]", body))


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
        response = client.get(path)
    ordered = sorted(timings)
    p95 = ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]
    return {
        "median": statistics.median(timings),
        "p95": p95,
        "queries": len(queries),
        "rows": result_rows(response.content.decode()),
    }


def page_queryset(model, user, path: str):
    """The page the admin shows `user` at `path`: its own changelist's first page, as a queryset."""
    from django.contrib import admin
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.test import RequestFactory

    request = RequestFactory().get(path)
    request.user, request.session = user, {}
    request._messages = FallbackStorage(request)
    changelist = admin.site._registry[model].get_changelist_instance(request)
    per_page = changelist.list_per_page
    return changelist.queryset[:per_page]


def catalogue() -> tuple[dict[str, int], dict[str, str], dict[str, set[str]]]:
    """Rows per table (planner statistics), the table of each index, the leading columns indexed per table."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, reltuples::bigint FROM pg_class WHERE relkind = 'r'")
        rows = dict(cursor.fetchall())
        cursor.execute("SELECT indexname, tablename, indexdef FROM pg_indexes WHERE schemaname = current_schema()")
        indexes, leading = {}, {}
        for index, table, definition in cursor.fetchall():
            indexes[index] = table
            first = re.search(r"\((\w+)", definition.split(" USING ", 1)[-1])
            leading.setdefault(table, set()).add(first.group(1) if first else "")
    return rows, indexes, leading


def node_lines(lines: list[str], number: int) -> list[str]:
    """The detail lines of the plan node at `number` (up to its first child)."""
    detail = []
    for line in lines[number + 1 :]:
        if "->" in line:
            break
        detail.append(line)
    return detail


def rows_read(lines: list[str], number: int) -> int:
    actual = re.search(r"actual time=\S+ rows=(\d+) loops=(\d+)", lines[number])
    if not actual:
        return 0
    detail = "\n".join(node_lines(lines, number))
    removed = sum(int(count) for count in re.findall(r"Rows Removed by Filter: (\d+)", detail))
    return (int(actual.group(1)) + removed) * int(actual.group(2))


def scan_condition(lines: list[str], number: int, alias: str) -> str:
    """The scan's own filter, else the condition its parent joins it on."""
    own = [line.split("Filter:", 1)[1].strip() for line in node_lines(lines, number) if "Filter:" in line]
    if own:
        return own[0]
    parent = [line.split(":", 1)[1].strip() for line in lines[max(0, number - 4) : number] if "Cond:" in line]
    return next((cond for cond in parent if f"{alias}." in cond), "")


def index_verdict(name: str, plan: str, *, table: str, shown: int, catalogue) -> list[str]:
    """One line on how the page's table and the scope's tables are read; one more per big sequential scan."""
    rows, indexes, leading = catalogue
    lines, reads, main_read, big_scans = plan.splitlines(), {}, 0, []
    for number, line in enumerate(lines):
        for kind, index, target in INDEX_NODE.findall(line):
            on = indexes.get(target, target) if kind == "Bitmap Index Scan" else target
            reads.setdefault(on, set()).add(f"{kind} using {index or target}")
            main_read += rows_read(lines, number) if on == table else 0
        scan = SEQ_NODE.search(line)
        if scan and rows.get(scan.group(1), 0) >= BIG_TABLE_ROWS:
            alias = (line.split(scan.group(0), 1)[1].split() or [scan.group(1)])[0]
            big_scans.append((scan.group(1), alias, scan_condition(lines, number, alias)))
    verdict = "NO" if table not in reads else "partly" if big_scans else "yes"
    main = "; ".join(sorted(reads[table])) if table in reads else "a sequential scan"
    out = [
        f"{name} plan: uses indexes {verdict}: {table} by {main}, {main_read:,} rows read for {shown} shown; "
        f"index scans on {len(reads) - (table in reads)} other tables"
        + ("" if big_scans else f"; no sequential scan on a table of {BIG_TABLE_ROWS:,}+ rows")
    ]
    seen = set()
    for scanned, alias, condition in big_scans:
        if scanned in seen:
            continue
        seen.add(scanned)
        columns = re.findall(rf"\b{re.escape(alias)}\.(\w+)", condition) or re.findall(
            r"\b(\w+_(?:id|at|on))\b", condition
        )
        missing = [column for column in dict.fromkeys(columns) if column not in leading.get(scanned, set())]
        if missing:
            advice = f"suggest CREATE INDEX ON {scanned} ({', '.join(missing)})"
        else:
            advice = "no index is missing: the planner reads the table whole to hash-join it with the scope's id set"
        out.append(
            f"{name} plan: sequential scan on {scanned} ({rows[scanned]:,} rows) on {condition or '-'}; {advice}"
        )
    return out


def main() -> int:
    args = parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://", "pgsql://")):
        print("bench/scope_admin.py needs DATABASE_URL pointing at PostgreSQL (postgres://...)", file=sys.stderr)
        return 2
    warnings.filterwarnings("ignore", message="No directory at")  # whitenoise: static files are not collected here
    setup_django()
    from django.db import connections
    from django.test import Client
    from django.test.utils import override_settings

    from apps.accounts.models import User
    from apps.audit.models import ActivityEntry
    from apps.tickets.models import IncidentTicket

    prepare_database(scale=args.scale, skip_seed=args.skip_seed)
    supervisor, administrator = User.objects.get(username="supervisor"), User.objects.get(username="admin")
    incidents, activity = "/admin/tickets/incidentticket/", "/admin/audit/activityentry/"
    print(
        f"data: {IncidentTicket.objects.count():,} incidents, {ActivityEntry.objects.count():,} activity entries; "
        f"{args.requests} requests per page after {WARM_UP} warm-up"
    )
    # static files are not collected here: plain static URLs instead of the manifest's (one lookup per tag either way)
    plain_static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    with override_settings(STORAGES={"default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
                                     "staticfiles": plain_static}):  # fmt: skip
        for label, user, path in [
            ("incident changelist (supervisor)", supervisor, incidents),
            ("activity page (supervisor)", supervisor, activity),
            ("activity page (administrator)", administrator, activity),
        ]:
            client = Client()
            client.force_login(user)
            figures = measure(client, path, requests=args.requests)
            print(
                f"{label}: median {figures['median']:.1f} ms, p95 {figures['p95']:.1f} ms, "
                f"{figures['queries']} queries, {figures['rows']} rows"
            )

    known = catalogue()
    for name, model, user, path in [
        ("incident page (supervisor)", IncidentTicket, supervisor, incidents),
        ("activity page (supervisor)", ActivityEntry, supervisor, activity),
        ("activity page (administrator)", ActivityEntry, administrator, activity),
    ]:
        page = page_queryset(model, user, path)
        plan = page.explain(analyze=True, buffers=True)
        print(f"EXPLAIN (ANALYZE, BUFFERS) {name}:")
        print("\n".join(f"    {line}" for line in plan.splitlines()))
        for line in index_verdict(name, plan, table=model._meta.db_table, shown=len(page), catalogue=known):
            print(line)
    connections.close_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
