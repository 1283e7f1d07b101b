"""Many counts, one round trip: the home's budget is a fixed handful of queries whatever the data."""

from collections.abc import Mapping

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet


def count_together(querysets: Mapping[str, QuerySet]) -> dict[str, int]:
    """{name: how many rows each queryset holds}, as one `SELECT (SELECT COUNT(*) ...), (...)`.

    Each queryset is the caller's own (a selector narrowed by a rule), compiled by the ORM as it would be for
    `.count()`; only the round trips are saved. A queryset that can match nothing (`.none()`) counts 0 without SQL.
    """
    counts, selects, params, names = {}, [], [], []
    databases = {queryset.db for queryset in querysets.values()}
    if len(databases) > 1:
        raise ValueError(f"count_together() counts in one database, not {sorted(databases)}")
    for name, queryset in querysets.items():
        try:
            sql, query_params = queryset.order_by().values("pk").query.sql_with_params()
        except EmptyResultSet:
            counts[name] = 0
            continue
        selects.append(f"(SELECT COUNT(*) FROM ({sql}) counted_rows)")
        params.extend(query_params)
        names.append(name)
    if selects:
        with connections[databases.pop()].cursor() as cursor:
            cursor.execute(f"SELECT {', '.join(selects)}", params)
            counts.update(zip(names, cursor.fetchone(), strict=True))
    return {name: counts[name] for name in querysets}
