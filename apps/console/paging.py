"""A change list's page read in two steps: the page's ids in the list's order from the table alone, then those
rows with everything the cells show.

Django reads a page as one query: every row of the list joined to what the cells show (facility, location,
people, type...), sorted, then cut to 50. When the order is not an index PostgreSQL can walk (an incident's
urgency, a person's name), it joins the whole list before sorting it: an administrator's incident list joined
30,000 rows six ways to show 50. Here the sort reads only the columns the order and the filters need, and the 50
ids it keeps are then read with their joins, by primary key.

`IdsFirstPaginator` does this for every page of a list of more than one page (Django reads a one-page list whole,
as before); the page holds the same rows in the same order (tests/console/test_paging.py).
"""

from django.core.paginator import Paginator


class IdsFirstPaginator(Paginator):
    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        rows = self.object_list
        if not hasattr(rows, "values_list"):  # a list, not a queryset
            return super().page(number)
        ids = list(rows.values_list("pk", flat=True)[bottom:top])
        found = rows.model._default_manager.none() if not ids else rows.order_by().filter(pk__in=ids)
        by_id = {row.pk: row for row in found}
        return self._get_page([by_id[pk] for pk in ids if pk in by_id], number, self)
