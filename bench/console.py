"""Benchmark the console's list pages (issue 15, "Console speed") per role, at 30k, 300k and 1m incidents.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench .venv/bin/python bench/console.py \
        [--seconds 5] [--connections 4] [--workers 2] [--threads 4] [--sizes base,300k,1m] \
        [--pages incidents,shifts,...] [--roles supervisor,admin] [--requests 15]

Works in scratch databases of its own beside the one DATABASE_URL names, on the same server (bench/growth.py):
`<name>_console_bench`, the demo station seeded once with `seed_demo --scale 100` (30,000 incidents; slow the first
time), and, for the sizes asked for, `<name>_console_bench_300k` and `<name>_console_bench_1m`: copies of it grown
once with older, closed incidents (with their notes, history rows and Activity entries) to 300,000 and 1,000,000
incidents. It refuses a database that holds portal data it did not write (no marker table).

For every size, role (the demo logins) and page (PAGES below; a page that does not answer 200 for a role is
skipped, and said so), DEBUG off, static files as collected for production:

- in process, through Django's test client: median and p95 server ms over N requests after a warm-up (a page of
  seconds stops after BUDGET_SECONDS, 3 requests at least, and says how many); queries and SQL ms of one request;
  the HTML's size, and gzipped (level 6);
- under gunicorn (one server per size: --workers gthread workers × --threads threads), from --connections
  keep-alive connections accepting gzip, as a browser does, for --seconds after a 3 s warm-up: requests per
  second, p50 and p95, and what was sent (compressed or not). A page with no answer in that window says so.

The framework's floor (/healthz) and a bare console page (the password change form: the same middleware, session,
sidebar and layout, no data) are measured the same way and printed first. Then, per role and page, the median at
each grown size as a multiple of the base's, and the figures against the bars of issue 15. One figure per line.
"""

import argparse
import gzip
import signal
import statistics
import sys
import time

from common import (
    drive,
    free_port,
    percentile,
    seed_once,
    serve,
    server_dsn,
    session_for,
    setup_django,
    stop,
    use_scratch_database,
)
from growth import claim, grown_copy

# the console's list pages, by the name --pages takes
PAGES = {
    "incidents": "/admin/tickets/incidentticket/",
    "incidents searched": "/admin/tickets/incidentticket/?q=encoder",
    # IncidentTicketAdmin.list_display[1] is the title ("incident"); ?o= counts the action checkbox first
    "incidents by title": "/admin/tickets/incidentticket/?o=2",
    "service tickets": "/admin/tickets/serviceticket/",
    "shifts": "/admin/scheduling/shift/",
    "events": "/admin/scheduling/scheduledevent/",
    "time off": "/admin/scheduling/timeoffrequest/",
    "time entries": "/admin/timesheets/timeentry/",
    "people": "/admin/accounts/user/",
    "activity": "/admin/audit/activityentry/",
    "import jobs": "/admin/dataio/importjob/",
    "roster": "/admin/scheduling/roster/",
}
FLOOR = ("healthz", "/healthz")
BARE = ("bare console page", "/admin/password_change/")
SIZES = {"base": None, "300k": 300_000, "1m": 1_000_000}  # incidents in all; the base is what the seed makes
ROLES = ("supervisor", "admin")
SCALE = 100
WARM_UP = 6  # PostgreSQL keeps a statement prepared after 5 runs on a connection (DATABASE_PREPARE_THRESHOLD)
WARM_UP_SECONDS = 3
BUDGET_SECONDS = 30  # in process, a page of seconds gets this long for its timed requests (3 at least)
BARS = {"p50": 100, "rps": 20, "html_kb": 150, "queries": 10, "sql_ms": 30, "ratio": 1.5}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5, help="measured seconds per page under gunicorn (5)")
    parser.add_argument("--connections", type=int, default=4, help="concurrent keep-alive connections (4)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (2, one per core)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker (4)")
    parser.add_argument("--sizes", default=",".join(SIZES), help=f"of {', '.join(SIZES)} (default: all)")
    parser.add_argument("--pages", default="", help="page names, comma-separated (default: all of PAGES)")
    parser.add_argument("--roles", default=",".join(ROLES), help="demo logins (default: supervisor,admin)")
    parser.add_argument("--requests", type=int, default=15, help="timed requests per page in process (15)")
    args = parser.parse_args()
    args.sizes = chosen(args.sizes, SIZES, "size")
    args.pages = chosen(args.pages, PAGES, "page") if args.pages else list(PAGES)
    args.roles = chosen(args.roles, ROLES, "role")
    return args


def chosen(value: str, known, what: str) -> list[str]:
    names = [name.strip() for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name not in known]
    if unknown or not names:
        raise SystemExit(f"unknown {what} {', '.join(unknown) or '(none)'}: choose among {', '.join(known)}")
    return names


def switch_database(name: str) -> None:
    """Point Django's connection (and its pool) at `name`, with nothing kept from the last one."""
    from django.core.cache import cache
    from django.db import connection

    connection.close()
    connection.close_pool()
    connection.settings_dict["NAME"] = name
    cache.clear()


def prepare(sizes: list[str]) -> dict[str, str]:
    """The base seeded (once), static files collected (once), the grown copies made (once). Returns each size's
    database name."""
    from django.core.management import call_command
    from django.db import connection

    seed_once(SCALE)
    collect_static_once()
    base = connection.settings_dict["NAME"]
    names = {"base": base}
    for size in sizes:
        if SIZES[size]:
            switch_database(base)  # a template must have no connection
            names[size] = grown_copy(base, size, SIZES[size])
            switch_database(names[size])
            call_command("migrate", verbosity=0)  # a copy made before a new migration needs it too
    switch_database(base)
    return names


def collect_static_once() -> None:
    """The static files and their manifest, as a production server has them (the pages link hashed names)."""
    from io import StringIO
    from pathlib import Path

    from django.conf import settings
    from django.core.management import call_command

    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        started = time.perf_counter()
        call_command("collectstatic", interactive=False, verbosity=0, stdout=StringIO())
        print(f"static files: collected in {time.perf_counter() - started:.0f} s")


def in_process(client, path: str, requests: int) -> dict:
    """Server time without the network: warm-up, N timed requests, then one counted and one gzip request."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    began = time.perf_counter()
    for _ in range(WARM_UP):
        client.get(path)
        if time.perf_counter() - began > BUDGET_SECONDS / 2:
            break  # a page of seconds: its plans settle less than its time varies
    timings, began = [], time.perf_counter()
    while len(timings) < requests and (len(timings) < 3 or time.perf_counter() - began < BUDGET_SECONDS):
        started = time.perf_counter()
        client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
    sql_ms = []

    def timed(execute, sql, params, many, context):  # Django logs whole milliseconds: this times each query
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            sql_ms.append((time.perf_counter() - started) * 1000)

    # a separate request: capturing costs time
    with CaptureQueriesContext(connection) as queries, connection.execute_wrapper(timed):
        response = client.get(path)
    return {
        "p50": statistics.median(timings),
        "p95": percentile(timings, 0.95),
        "requests": len(timings),
        "queries": len(queries),
        "sql_ms": sum(sql_ms),
        "html_kb": len(response.content) / 1024,
        "gzip_kb": len(gzip.compress(response.content, compresslevel=6)) / 1024,
    }


def measure_size(size: str, database: str, args) -> tuple[list, dict]:
    """Every figure of one size: (label, role, figures) rows, and the count of incidents."""
    from django.conf import settings
    from django.test import Client

    from apps.accounts.models import User
    from apps.tickets.models import IncidentTicket

    switch_database(database)
    incidents = IncidentTicket.objects.count()
    clients, cookies = {}, {}
    for role in args.roles:
        clients[role] = Client()
        clients[role].force_login(User.objects.get(username=role))
        cookies[role] = f"{settings.SESSION_COOKIE_NAME}={session_for(role)[1]}"

    plan = [(FLOOR[0], FLOOR[1], None)] + [(BARE[0], BARE[1], role) for role in args.roles]
    for role in args.roles:
        for page in args.pages:
            status = clients[role].get(PAGES[page]).status_code
            if status == 200:
                plan.append((page, PAGES[page], role))
            else:
                print(f"{page} ({role}, {size_label(incidents)}): HTTP {status}, skipped")

    rows = []
    for label, path, role in plan:
        rows.append((label, role, in_process(clients[role] if role else Client(), path, args.requests)))
    port = free_port()
    server = serve(
        "portal.wsgi:application", port, workers=args.workers, threads=args.threads,
        env={"DATABASE_URL": server_dsn(database)},
    )  # fmt: skip
    try:
        for (_, path, role), (_, _, figures) in zip(plan, rows, strict=True):
            try:  # as a browser asks: gzip accepted
                served = drive(
                    port, path, cookie=cookies[role] if role else "", connections=args.connections,
                    seconds=args.seconds, warm_up=WARM_UP_SECONDS, compressed=True,
                )  # fmt: skip
            except SystemExit as failure:  # no answer in the window, or not 200: said, and the next page goes on
                figures.update(served=None, failure=str(failure), rps=0)
                continue
            figures.update(
                served=served["p50"], served_p95=served["p95"], rps=served["rps"],
                sent_kb=served["bytes"] / 1024, encoding=served["encoding"],
            )  # fmt: skip
    finally:
        stop(server)
    return rows, incidents


def size_label(incidents: int) -> str:
    return f"{incidents / 1_000_000:g}m" if incidents >= 1_000_000 else f"{round(incidents / 1000)}k"


def report(label: str, role: str | None, size: str, figures: dict, requested: int) -> str:
    who = f"{role}, {size}" if role else size
    if figures["served"] is None:
        served = f"under gunicorn: {figures['failure']}"
    else:
        served = f"p50 {figures['served']:.1f} ms, p95 {figures['served_p95']:.1f} ms, {figures['rps']:.1f} req/s"
    line = (
        f"{label} ({who}): {served} | in process p50 {figures['p50']:.1f} ms, p95 {figures['p95']:.1f} ms"
        + (f" ({figures['requests']} requests)" if figures["requests"] < requested else "")
        + f", {figures['queries']} queries, SQL {figures['sql_ms']:.1f} ms, HTML {figures['html_kb']:.0f} KB, "
        f"gzip {figures['gzip_kb']:.0f} KB"
    )
    if figures["served"] is None:
        return line
    if figures["encoding"] != "identity":
        return f"{line}, sent {figures['sent_kb']:.0f} KB ({figures['encoding']})"
    return f"{line}, sent uncompressed"


def misses(figures: dict) -> list[str]:
    """What one figure set misses of the bars of issue 15."""
    found = []
    if figures["p50"] > BARS["p50"]:
        found.append(f"median {figures['p50']:.0f} ms")
    if figures["served"] is None:
        found.append("no figure under gunicorn")
    elif figures["rps"] < BARS["rps"]:
        found.append(f"{figures['rps']:.1f} req/s")
    if figures["html_kb"] > BARS["html_kb"]:
        found.append(f"HTML {figures['html_kb']:.0f} KB")
    if figures["queries"] > BARS["queries"]:
        found.append(f"{figures['queries']} queries")
    if figures["sql_ms"] > BARS["sql_ms"]:
        found.append(f"SQL {figures['sql_ms']:.0f} ms")
    return found


def summarise(results: dict, sizes: list[str]) -> None:
    """Scaling ratios per role and page, then the bars of issue 15 met and missed."""
    medians = {
        (size, label, role): figures["p50"] for size, (rows, _) in results.items() for label, role, figures in rows
    }
    labels = {size: size_label(incidents) for size, (_, incidents) in results.items()}
    grown = [size for size in sizes if size != "base"]
    ratios = {}
    if "base" in results and grown:
        print(f"scaling (in-process medians, each size / {labels['base']}):")
        for label, role, _ in results["base"][0]:
            if label not in PAGES:
                continue
            parts = []
            for size in grown:
                if (size, label, role) in medians:
                    ratio = medians[(size, label, role)] / medians[("base", label, role)]
                    ratios[(size, label, role)] = ratio
                    parts.append(f"{labels[size]} / {labels['base']} = {ratio:.2f}×")
            print(f"{label} ({role}): {', '.join(parts)}")
    figures_met, figures_all, missed = 0, 0, []
    for size, (rows, _) in results.items():
        for label, role, figures in rows:
            if label in PAGES:
                figures_all += 1
                found = misses(figures)
                ratio = ratios.get((size, label, role))
                if ratio is not None and size == "1m" and ratio > BARS["ratio"]:
                    found.append(f"1m / base {ratio:.2f}×")
                if found:
                    missed.append(f"  {label} ({role}, {labels[size]}): {', '.join(found)}")
                else:
                    figures_met += 1
    print(
        f"bars met: {figures_met} of {figures_all} page figures (a figure: one size, role and page; bars: in-process "
        f"median ≤ {BARS['p50']} ms, ≥ {BARS['rps']} req/s under gunicorn, HTML ≤ {BARS['html_kb']} KB, "
        f"≤ {BARS['queries']} queries, SQL ≤ {BARS['sql_ms']} ms, and at 1m the median ≤ {BARS['ratio']}× the base's)"
    )
    if missed:
        print("misses:")
        print("\n".join(missed))


def main() -> None:
    args = parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped (SIGTERM)"))  # so that `finally` stops gunicorn
    started = time.perf_counter()
    claim(use_scratch_database("console_bench"))  # refuses a database with portal data it did not write
    setup_django(plain_static=False)
    databases = prepare(args.sizes)
    setup = (
        f"gunicorn {args.workers} workers × {args.threads} threads, {args.connections} keep-alive connections, "
        f"{args.seconds:g} s after {WARM_UP_SECONDS} s; in process {args.requests} requests after {WARM_UP}"
    )
    print(f"setup: {setup}")
    results = {}
    for size in args.sizes:
        rows, incidents = measure_size(size, databases[size], args)
        results[size] = rows, incidents
        print(f"{databases[size]}: {incidents:,} incidents")
        for label, role, figures in rows:
            print(report(label, role, size_label(incidents), figures, args.requests))
    summarise(results, args.sizes)
    print(f"run: {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
