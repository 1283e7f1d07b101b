"""The console benchmark's databases: the demo station claimed with a marker table, and grown copies of it.

The base database holds the demo station seeded by the benchmark (30,000 incidents at scale 100). A grown size
is a copy of it (`CREATE DATABASE ... TEMPLATE`), made once, to which older history is added by set-based SQL
until it holds the size's number of incidents: every incident of the base copied again, round after round, each
round shifted back by the base's time span (so the copies are older than anything in the base), closed, with a
new reference and id, one history row ("+", created) and one Activity entry each, and copies of its notes with
their history rows and Activity entries. Copies keep their facility, so every location keeps its share.

Nothing here runs on a database the benchmark did not claim: a database holding the portal's data without the
marker table is refused.
"""

import math
import time
import uuid

import psycopg
from common import server_dsn

MARKER = "console_bench_marker"
PORTAL_TABLES = ("tickets_incidentticket", "accounts_user", "facilities_location")
CHANGE_REASON = "Console bench: older history"

# every timestamp of an incident, shifted back by the round's span on the copy
SHIFTED = (
    "created_at",
    "occurred_at",
    "response_due_at",
    "resolve_due_at",
    "response_risk_at",
    "resolve_risk_at",
    "response_breach_notified_at",
    "resolve_breach_notified_at",
)
# the rest of its columns, copied as they are
KEPT = (
    "title",
    "description",
    "severity",
    "off_air_seconds",
    "assignee_id",
    "facility_id",
    "reporter_id",
    "incident_type_id",
    "held_seconds",
)
# a copy is closed: its clocks made consistent with the table's CHECK constraints (resolved after it occurred,
# closed after resolved; not on hold, not a duplicate), computed from the original's own times
CLOSED = {
    "status": "'closed'",
    "resolved_at": "r.resolved - g.shift",
    "closed_at": "r.closed - g.shift",
    "updated_at": "r.closed - g.shift",
    "acknowledged_at": "least(coalesce(o.acknowledged_at, o.occurred_at + interval '15 minutes'), r.resolved)"
    " - g.shift",
    "resolution": "coalesce(nullif(o.resolution, ''), 'Restored; closed after review.')",
    "on_hold_since": "NULL",
    "duplicate_of_id": "NULL",
}
CLOSED_TIMES = """
    CROSS JOIN LATERAL (
        SELECT greatest(coalesce(o.resolved_at, o.occurred_at + interval '4 hours'), o.occurred_at) AS resolved
    ) AS resolved
    CROSS JOIN LATERAL (
        SELECT resolved.resolved,
               greatest(coalesce(o.closed_at, resolved.resolved + interval '1 day'), resolved.resolved) AS closed
    ) AS r
"""


def claim(dsn: str) -> None:
    """Make the database the benchmark's (a marker table), or refuse it when it holds another's portal data."""
    with psycopg.connect(dsn, autocommit=True) as db:
        if db.execute("SELECT to_regclass(%s)", [MARKER]).fetchone()[0]:
            return
        for table in PORTAL_TABLES:
            if (
                db.execute("SELECT to_regclass(%s)", [table]).fetchone()[0]
                and db.execute(f"SELECT EXISTS (SELECT 1 FROM {table})").fetchone()[0]
            ):
                raise SystemExit(
                    f"{db.info.dbname} holds portal data ({table} has rows) but no {MARKER} table: it is not this "
                    "benchmark's database, and the benchmark will not touch it. Drop it yourself if it is a "
                    "leftover, or point DATABASE_URL at another name."
                )
        db.execute(f"CREATE TABLE {MARKER} (at timestamptz NOT NULL DEFAULT now(), note text NOT NULL)")
        db.execute(f"INSERT INTO {MARKER} (note) VALUES ('claimed by bench/console.py')")


def grown_copy(base: str, suffix: str, incidents: int) -> str:
    """`<base>_<suffix>`, copied from `base` the first time (no one may be connected to it: close Django's
    connections first) and grown to `incidents` incidents. Returns its name."""
    name = f"{base}_{suffix}"
    with psycopg.connect(server_dsn(), autocommit=True) as db:
        if not db.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            db.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [base],
            )
            started = time.perf_counter()
            db.execute(f'CREATE DATABASE "{name}" TEMPLATE "{base}"')
            print(f"{name}: copied from {base} in {time.perf_counter() - started:.0f} s")
    claim(server_dsn(name))
    grow(server_dsn(name), incidents)
    return name


def grow(dsn: str, incidents: int) -> None:
    """Add closed copies of the incidents already there (and their notes, history rows and Activity entries)
    until the database holds `incidents` incidents; in one transaction, then ANALYZE."""
    with psycopg.connect(dsn) as db:
        present = db.execute("SELECT count(*) FROM tickets_incidentticket").fetchone()[0]
        if present >= incidents:
            return
        need = incidents - present
        started = time.perf_counter()
        steps = list(_grow_steps(db, need=need, rounds=math.ceil(need / present)))
        db.commit()
    with psycopg.connect(dsn, autocommit=True) as db:
        name = db.info.dbname
        analysed = time.perf_counter()
        db.execute("ANALYZE")
        steps.append(("ANALYZE", time.perf_counter() - analysed, None))
        counts = {
            table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in (
                "tickets_incidentticket",
                "tickets_historicalincidentticket",
                "tickets_ticketnote",
                "audit_activityentry",
            )
        }
    print(
        f"{name}: grown by {need:,} incidents in {time.perf_counter() - started:.0f} s ("
        + ", ".join(
            f"{step} {seconds:.0f} s" + (f" for {rows:,} rows" if rows else "") for step, seconds, rows in steps
        )
        + ")"
    )
    print(f"{name}: " + ", ".join(f"{table} {count:,}" for table, count in counts.items()))


def _grow_steps(db, *, need: int, rounds: int):
    """The set-based statements of `grow`, each yielding (what, seconds, rows)."""

    def run(what: str, sql: str, params: dict | None = None):
        started = time.perf_counter()
        rows = db.execute(sql, params).rowcount
        return what, time.perf_counter() - started, rows

    content_types = dict(
        db.execute(
            "SELECT model, id FROM django_content_type WHERE app_label = 'tickets' AND model IN "
            "('incidentticket', 'ticketnote')"
        ).fetchall()
    )
    first = (
        db.execute(
            "UPDATE core_referencecounter SET last_value = last_value + %s WHERE prefix = 'INC' RETURNING last_value",
            [need],
        ).fetchone()[0]
        - need
    )
    common = {"request_id": uuid.uuid4().hex, "reason": CHANGE_REASON}

    # which incident is copied in which round, its new id, history id and reference (ids from the tables' own
    # sequences, so history rows and Activity entries can point at them)
    yield run(
        "plan",
        """
        CREATE TEMP TABLE grown ON COMMIT DROP AS
        SELECT o.id AS original_id, plan.shift, plan.n,
               nextval(pg_get_serial_sequence('tickets_incidentticket', 'id')) AS id,
               nextval(pg_get_serial_sequence('tickets_historicalincidentticket', 'history_id')) AS history_id,
               'INC-' || lpad((%(first)s + plan.n)::text, greatest(6, length((%(first)s + plan.n)::text)), '0')
                   AS reference
        FROM (
            SELECT o.id, round.k * span.width AS shift, row_number() OVER (ORDER BY round.k, o.id) AS n
            FROM tickets_incidentticket o
            CROSS JOIN generate_series(1, %(rounds)s) AS round(k)
            CROSS JOIN (
                SELECT date_trunc('day', max(occurred_at) - min(occurred_at)) + interval '1 day' AS width
                FROM tickets_incidentticket
            ) AS span
            ORDER BY round.k, o.id
            LIMIT %(need)s
        ) AS plan
        JOIN tickets_incidentticket o ON o.id = plan.id
        ORDER BY plan.n
        """,
        {"first": first, "rounds": rounds, "need": need},
    )
    columns = ["id", "reference", *SHIFTED, *KEPT, *CLOSED]
    values = [
        "g.id",
        "g.reference",
        *(f"o.{column} - g.shift" for column in SHIFTED),
        *(f"o.{column}" for column in KEPT),
        *CLOSED.values(),
    ]
    yield run(
        "incidents",
        f"""
        INSERT INTO tickets_incidentticket ({", ".join(columns)})
        SELECT {", ".join(values)}
        FROM grown g JOIN tickets_incidentticket o ON o.id = g.original_id {CLOSED_TIMES}
        """,
    )
    yield run(
        "incident history",
        f"""
        INSERT INTO tickets_historicalincidentticket
            ({", ".join(columns)}, history_id, history_date, history_type, history_user_id,
             history_change_reason, request_id)
        SELECT {", ".join(f"i.{column}" for column in columns)}, g.history_id, i.created_at, '+', i.reporter_id,
               %(reason)s, %(request_id)s
        FROM grown g JOIN tickets_incidentticket i ON i.id = g.id
        """,
        common,
    )
    yield run(
        "incident activity",
        """
        INSERT INTO audit_activityentry (content_type_id, object_id, history_id, history_type, history_date,
                                         user_id, change_reason, request_id, object_repr)
        SELECT %(content_type)s, g.id, g.history_id, '+', i.created_at, i.reporter_id, %(reason)s, %(request_id)s,
               left(i.reference || ' ' || i.title, 200)
        FROM grown g JOIN tickets_incidentticket i ON i.id = g.id
        """,
        {**common, "content_type": content_types["incidentticket"]},
    )
    # the notes of each copied incident, on the copy, shifted back as it was
    yield run(
        "plan notes",
        """
        CREATE TEMP TABLE grown_notes ON COMMIT DROP AS
        SELECT n.id AS original_id, g.id AS incident_id, g.shift, g.reference,
               nextval(pg_get_serial_sequence('tickets_ticketnote', 'id')) AS id,
               nextval(pg_get_serial_sequence('tickets_historicalticketnote', 'history_id')) AS history_id
        FROM grown g JOIN tickets_ticketnote n ON n.incident_id = g.original_id
        ORDER BY g.n, n.id
        """,
    )
    yield run(
        "notes",
        """
        INSERT INTO tickets_ticketnote (id, created_at, updated_at, text, author_id, incident_id)
        SELECT gn.id, n.created_at - gn.shift, n.updated_at - gn.shift, n.text, n.author_id, gn.incident_id
        FROM grown_notes gn JOIN tickets_ticketnote n ON n.id = gn.original_id
        """,
    )
    yield run(
        "note history",
        """
        INSERT INTO tickets_historicalticketnote (id, created_at, updated_at, text, author_id, incident_id,
            history_id, history_date, history_type, history_user_id, history_change_reason, request_id)
        SELECT n.id, n.created_at, n.updated_at, n.text, n.author_id, n.incident_id,
               gn.history_id, n.created_at, '+', n.author_id, %(reason)s, %(request_id)s
        FROM grown_notes gn JOIN tickets_ticketnote n ON n.id = gn.id
        """,
        common,
    )
    yield run(
        "note activity",
        """
        INSERT INTO audit_activityentry (content_type_id, object_id, history_id, history_type, history_date,
                                         user_id, change_reason, request_id, object_repr)
        SELECT %(content_type)s, gn.id, gn.history_id, '+', n.created_at, n.author_id, %(reason)s, %(request_id)s,
               left(gn.reference || ': ' || CASE WHEN length(n.text) <= 60 THEN n.text
                                                 ELSE left(n.text, 57) || '...' END, 200)
        FROM grown_notes gn JOIN tickets_ticketnote n ON n.id = gn.id
        """,
        {**common, "content_type": content_types["ticketnote"]},
    )
    db.execute(f"INSERT INTO {MARKER} (note) VALUES (%s)", [f"grown by {need} incidents"])
