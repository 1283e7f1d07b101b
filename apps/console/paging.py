"""A change list's pages: counted up to a bound, read in two steps, and in tiers where the list's order allows.

- **Ids first.** Django reads a page as one query: every row of the list joined to what the cells show (facility,
  location, people, type...), sorted, then cut to 50. When the order is not an index PostgreSQL can walk (an
  incident's urgency, a person's name), it joins the whole list before sorting it: an administrator's incident
  list joined 30,000 rows six ways to show 50. Here the sort reads only the columns the order and the filters need,
  and the 50 ids it keeps are then read with their joins, by primary key.
- **Tiers.** A list whose order falls into tiers (incidents: the open ones by urgency, then the finished ones by
  severity and date, `get_ordering_tiers`) reads a page from each tier in turn, each with an order an index can
  serve, instead of sorting the whole list by one expression: the finished incidents of years are walked by
  their index, not sorted. A page within the first tier costs the same one query as before.
- **Counted up to a bound.** The count is exact up to `COUNT_EXACT_UP_TO` rows (`SELECT COUNT(*)` of at most that
  many and one); beyond, it is PostgreSQL's estimate for the list, shown as "about 1,000,000" (counting a million
  rows exactly is a scan of a million rows on every page). Other databases count exactly.

`IdsFirstPaginator` does this for every page of a list of more than one page (Django reads a one-page list whole,
as before); the page holds the same rows in the same order (tests/console/test_paging.py).
"""

import json
from functools import cached_property

from django.core.paginator import Paginator
from django.db import connections
from django.utils.formats import number_format

COUNT_EXACT_UP_TO = 10_000


class About(int):
    """A count that is an estimate: compares and computes as the number, reads "about 12,300"."""

    def __str__(self) -> str:
        return f"about {number_format(int(self), force_grouping=True)}"

    __html__ = __str__


class IdsFirstPaginator(Paginator):
    def __init__(self, object_list, per_page, orphans=0, allow_empty_first_page=True, *, tiers=None):
        super().__init__(object_list, per_page, orphans, allow_empty_first_page)
        self.tiers = tiers  # [(condition, ordering), ...]: the list's order, tier by tier (see the module)

    @cached_property
    def count(self) -> int:
        rows = self.object_list
        if not hasattr(rows, "query"):
            return super().count
        counted = rows.order_by()[: COUNT_EXACT_UP_TO + 1].count()
        if counted <= COUNT_EXACT_UP_TO or connections[rows.db].vendor != "postgresql":
            return counted if counted <= COUNT_EXACT_UP_TO else super().count
        return About(max(_estimate(rows), counted))

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        rows = self.object_list
        if not hasattr(rows, "values_list"):  # a list, not a queryset
            return super().page(number)
        ids = self._ids(rows, bottom, top)
        found = rows.model._default_manager.none() if not ids else rows.order_by().filter(pk__in=ids)
        by_id = {row.pk: row for row in found}
        return self._get_page([by_id[pk] for pk in ids if pk in by_id], number, self)

    def _ids(self, rows, bottom: int, top: int) -> list:
        if not self.tiers:
            return list(rows.values_list("pk", flat=True)[bottom:top])
        ids, skipped = [], 0  # skipped: rows of the earlier tiers, all before `bottom`
        for number, (condition, ordering) in enumerate(self.tiers):
            tier = rows.filter(condition).order_by(*ordering).values_list("pk", flat=True)
            start = max(bottom + len(ids) - skipped, 0)
            found = list(tier[start : start + (top - bottom - len(ids))])
            ids.extend(found)
            if len(ids) >= top - bottom or number == len(self.tiers) - 1:
                break
            if found or start == 0:
                skipped += start + len(found)  # the tier ended within (or before) the page: its size is known
            else:
                skipped += tier.count()  # the page lies beyond this tier: how many rows it held
        return ids


def _estimate(rows) -> int:
    """PostgreSQL's estimate of how many rows `rows` holds (its plan's top row count)."""
    connection = connections[rows.db]
    sql, params = rows.order_by().values("pk").query.get_compiler(connection=connection).as_sql()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return int(plan[0]["Plan"]["Plan Rows"])
