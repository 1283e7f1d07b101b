"""The reference handler of bench/api.py: the same 50 scoped incident rows, raw psycopg + orjson, as a bare WSGI app.

Run by bench/api.py under the same gunicorn settings as the portal. It reads the SQL (compiled by the
bench from the API's own scoped queryset, so the rows are the same), its parameters and the database
URL from the environment, keeps one connection per thread, and answers every request with those rows as
JSON. No Django, no session, no pagination count: the floor under which the API cannot go.
"""

import json
import os
import threading

import psycopg

try:
    import orjson

    def dumps(data) -> bytes:
        return orjson.dumps(data)

    SERIALIZER = "orjson"
except ImportError:  # not a dependency of the portal: the standard library is the fallback (slower)

    def dumps(data) -> bytes:
        return json.dumps(data, default=str, separators=(",", ":")).encode()

    SERIALIZER = "json"

SQL = os.environ["API_BENCH_REFERENCE_SQL"]
PARAMS = json.loads(os.environ["API_BENCH_REFERENCE_PARAMS"])
DSN = os.environ["API_BENCH_REFERENCE_DSN"]
_local = threading.local()


def _connection():
    connection = getattr(_local, "connection", None)
    if connection is None or connection.closed:
        connection = _local.connection = psycopg.connect(DSN, autocommit=True)
    return connection


def application(environ, start_response):
    with _connection().cursor() as cursor:
        cursor.execute(SQL, PARAMS)
        names = [column.name for column in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    for row in rows:
        for name, value in row.items():
            if hasattr(value, "isoformat"):
                row[name] = value.isoformat().replace("+00:00", "Z")
    body = dumps({"count": len(rows), "results": rows})
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
