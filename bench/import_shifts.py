"""Benchmark spreadsheet import and export of shifts on PostgreSQL, with generated files.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal .venv/bin/python bench/import_shifts.py \
        [--rows 100000] [--people 500] [--baseline 3000]

Works in a scratch database of its own beside the one DATABASE_URL names (`<name>_import_bench` on the same
server, created if missing), so it never mixes its people and shifts with real or demo data. It migrates it,
creates (once) two bench locations in different time zones
with 20 facilities and PEOPLE people, deletes the bench people's shifts from an earlier run, then:

1. imports a generated CSV of ROWS shifts (read, validation, rule checks, scope, bulk writes with
   history) as an administrator: rows/s end to end and the process's peak RSS;
2. imports the same file again: rows/s and the history rows it wrote (should be 0);
3. exports the ROWS shifts through the console's streaming CSV writer: rows/s;
4. for comparison, django-import-export's default row-by-row path (a plain ModelResource, one
   query per lookup and per save) on BASELINE rows: rows/s.

One figure per line.
"""

import argparse
import csv
import io
import os
import resource
import secrets
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_PREFIX = "BENCH"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000, help="shifts in the generated file (default 100000)")
    parser.add_argument("--people", type=int, default=500, help="people the shifts are spread over (default 500)")
    parser.add_argument("--baseline", type=int, default=3_000, help="rows for the default path (0: skip)")
    return parser.parse_args()


def use_scratch_database() -> None:
    """Point DATABASE_URL at `<name>_import_bench` on the same server, creating that database if missing."""
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    url = os.environ.get("DATABASE_URL", "")
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        raise SystemExit("set DATABASE_URL to a PostgreSQL database: the benchmark runs on PostgreSQL")
    scratch = f"{parts.path.lstrip('/') or 'portal'}_import_bench"
    with psycopg.connect(urlunsplit(parts._replace(scheme="postgresql", path="/postgres")), autocommit=True) as db:
        if not db.execute("SELECT 1 FROM pg_database WHERE datname = %s", [scratch]).fetchone():
            db.execute(f'CREATE DATABASE "{scratch}"')
    os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{scratch}"))


def setup_django() -> None:
    use_scratch_database()
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(48))
    os.environ.setdefault("ALLOWED_HOSTS", "localhost")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def bench_places(people: int):
    """The bench's locations, facilities and people, created on the first run."""
    from apps.accounts.models import User
    from apps.facilities.models import Facility, Location

    zones = {"LON": "Europe/London", "SYD": "Australia/Sydney"}
    facilities = []
    for code, zone in zones.items():
        location, _ = Location.objects.get_or_create(
            code=f"{BENCH_PREFIX}-{code}", defaults={"name": f"Bench {code}", "timezone": zone}
        )
        for number in range(10):
            facility, _ = Facility.objects.get_or_create(
                code=f"{BENCH_PREFIX}-{code}-F{number:02d}",
                defaults={"name": f"Facility {number}", "location": location},
            )
            facilities.append(facility)
    existing = set(
        User.objects.filter(employee_id__startswith=f"{BENCH_PREFIX}-").values_list("employee_id", flat=True)
    )
    User.objects.bulk_create(
        User(
            username=f"bench{number}",
            employee_id=f"{BENCH_PREFIX}-{number:05d}",
            first_name="Bench",
            last_name=str(number),
        )
        for number in range(people)
        if f"{BENCH_PREFIX}-{number:05d}" not in existing
    )
    admin, _ = User.objects.get_or_create(
        username="bench-admin",
        defaults={"employee_id": f"{BENCH_PREFIX}-ADMIN", "is_superuser": True, "is_staff": True},
    )
    return facilities, admin


def clear_bench_shifts() -> None:
    """Forget an earlier run's shifts, their history and Activity entries, in three DELETEs.

    (`QuerySet.delete()` would write a deletion history row per shift, one INSERT each.)
    """
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    from apps.audit.models import ActivityEntry
    from apps.scheduling.models import Shift

    people = f"{BENCH_PREFIX}-%"
    history = Shift.history.model._meta.db_table
    with connection.cursor() as cursor:
        # Statistics from before an earlier run's 100k rows would plan these as nested loops (minutes).
        cursor.execute(f"ANALYZE {ActivityEntry._meta.db_table}, {history}, {Shift._meta.db_table}")
        cursor.execute(
            f"DELETE FROM {ActivityEntry._meta.db_table} WHERE content_type_id = %s AND history_id IN "
            f"(SELECT h.history_id FROM {history} h JOIN accounts_user u ON u.id = h.user_id "
            f"WHERE u.employee_id LIKE %s)",
            [ContentType.objects.get_for_model(Shift).pk, people],
        )
        cursor.execute(
            f"DELETE FROM {history} h USING accounts_user u WHERE u.id = h.user_id AND u.employee_id LIKE %s", [people]
        )
        cursor.execute(
            f"DELETE FROM {Shift._meta.db_table} s USING accounts_user u WHERE u.id = s.user_id "
            f"AND u.employee_id LIKE %s",
            [people],
        )


def generated_csv(*, rows: int, people: int, facilities) -> bytes:
    """One 8-hour shift a day per person, at the facilities of one location in turn (so every rest is 16 h in
    local time): no overlaps, no short rest, every row new."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Employee ID", "Facility", "Position", "Starts", "Ends", "Status", "Notes"])
    first_day = datetime(2027, 1, 4, 6, 0)
    per_location = len(facilities) // 2  # bench_places: the London facilities, then the Sydney ones
    for index in range(rows):
        person, day = index % people, index // people
        starts = first_day + timedelta(days=day, hours=8 * ((person // 2) % 2))
        writer.writerow(
            [
                f"{BENCH_PREFIX}-{person:05d}",
                facilities[(person % 2) * per_location + (person + day) % per_location].code,
                "Operator",
                starts.strftime("%Y-%m-%d %H:%M"),
                (starts + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M"),
                "Published" if day % 3 else "Draft",
                "",
            ]
        )
    return out.getvalue().encode()


def main() -> None:
    args = parse_args()
    setup_django()
    from django.core.management import call_command
    from django.db import connection

    from apps.dataio.exporting import iter_export_rows, stream_csv
    from apps.dataio.formats import read_upload
    from apps.dataio.services import import_dataset
    from apps.scheduling.models import Shift
    from apps.scheduling.resources import ShiftResource

    call_command("migrate", verbosity=0)
    facilities, admin = bench_places(args.people)
    clear_bench_shifts()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    data = generated_csv(rows=args.rows, people=args.people, facilities=facilities)
    print(f"generated file: {args.rows} rows, {len(data) / 1e6:.1f} MB")

    def timed_import(label: str) -> None:
        history_before = Shift.history.count()
        started, cpu_started = time.perf_counter(), time.process_time()
        upload = read_upload(data, filename="shifts.csv")
        outcome = import_dataset(
            resource_class=ShiftResource, dataset=upload.dataset, by=admin, dry_run=False, reason=f"Bench {label}"
        )
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        if outcome.failed:
            raise SystemExit(f"{label}: the import failed: {[str(error) for error in outcome.errors[:5]]}")
        history = Shift.history.count() - history_before
        print(
            f"{label}: {args.rows / elapsed:,.0f} rows/s "
            f"({elapsed:.1f} s, {cpu:.1f} s of it in Python; {outcome.summary()})"
        )
        print(f"{label}: {history} history rows written")
        print(f"{label}: peak RSS {peak_rss_mb():.0f} MB")

    timed_import("import of new shifts")
    timed_import("re-import of the same file")

    started = time.perf_counter()
    queryset = ShiftResource().get_queryset().filter(user__employee_id__startswith=f"{BENCH_PREFIX}-")
    resource_ = ShiftResource()
    size = sum(
        len(chunk) for chunk in stream_csv(resource_.get_export_headers(), iter_export_rows(resource_, queryset))
    )
    elapsed = time.perf_counter() - started
    print(f"export to CSV: {args.rows / elapsed:,.0f} rows/s ({elapsed:.1f} s, {size / 1e6:.1f} MB)")

    if args.baseline:
        baseline(args, facilities, admin)


def baseline(args, facilities, admin) -> None:
    """django-import-export's default path: a plain ModelResource, ForeignKeyWidget lookups, save() per row."""
    import tablib
    from import_export import fields, resources, widgets

    from apps.accounts.models import User
    from apps.audit.history import change_context
    from apps.facilities.models import Facility
    from apps.scheduling.models import Shift

    class DefaultShiftResource(resources.ModelResource):
        employee = fields.Field("user", "Employee ID", widget=widgets.ForeignKeyWidget(User, "employee_id"))
        facility = fields.Field("facility", "Facility", widget=widgets.ForeignKeyWidget(Facility, "code"))
        position = fields.Field("position", "Position")
        starts_at = fields.Field("starts_at", "Starts", widget=widgets.DateTimeWidget("%Y-%m-%d %H:%M"))
        ends_at = fields.Field("ends_at", "Ends", widget=widgets.DateTimeWidget("%Y-%m-%d %H:%M"))
        status = fields.Field("status", "Status")
        notes = fields.Field("notes", "Notes")

        class Meta:
            model = Shift
            import_id_fields = ("employee", "starts_at")
            fields = ("employee", "facility", "position", "starts_at", "ends_at", "status", "notes")
            skip_unchanged = True
            clean_model_instances = True

    first_day = datetime(2030, 1, 7, 6, 0)
    rows = []
    for index in range(args.baseline):
        person, day = index % args.people, index // args.people
        starts = first_day + timedelta(days=day)
        rows.append(
            [
                f"{BENCH_PREFIX}-{person:05d}",
                facilities[person % len(facilities)].code,
                "Operator",
                starts.strftime("%Y-%m-%d %H:%M"),
                (starts + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M"),
                "draft",
                "",
            ]
        )
    dataset = tablib.Dataset(
        *rows, headers=["Employee ID", "Facility", "Position", "Starts", "Ends", "Status", "Notes"]
    )
    started = time.perf_counter()
    with change_context(user=admin, reason="Bench baseline"):
        result = DefaultShiftResource().import_data(dataset, dry_run=False, use_transactions=True)
    elapsed = time.perf_counter() - started
    if result.has_errors() or result.has_validation_errors():
        raise SystemExit("baseline import failed")
    print(f"default django-import-export path: {args.baseline / elapsed:,.0f} rows/s ({args.baseline} rows)")
    clear_bench_shifts()


if __name__ == "__main__":
    main()
