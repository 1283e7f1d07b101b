"""A list's page read ids first (apps/console/paging.py) holds the rows Django's own slicing gives, in its order,
on every page, however the list is sorted; a one-page list is read whole as before; the page costs one query more
than one, not one per row."""

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.tickets.models import IncidentTicket
from tests.factories import IncidentTicketFactory

pytestmark = pytest.mark.django_db

INCIDENTS = reverse("admin:tickets_incidentticket_changelist")


@pytest.fixture
def many(db):
    return IncidentTicketFactory.create_batch(57)


@pytest.mark.parametrize("order", ["", "o=2", "o=-2", "o=8.-3"])
def test_every_page_holds_the_rows_djangos_slicing_gives_in_order(root_client, many, order):
    for page in (1, 2):
        query = f"?p={page}" + (f"&{order}" if order.startswith("o=") else "")
        response = root_client.get(INCIDENTS + query)
        assert response.status_code == 200
        cl = response.context["cl"]
        shown = [row.pk for row in cl.result_list]
        expected = [row.pk for row in Paginator(cl.queryset, cl.list_per_page).page(page).object_list]
        assert shown == expected and shown, query
    assert len(shown) == 57 - 50


def test_a_page_is_read_by_ids_then_rows(root_client, many):
    root_client.get(INCIDENTS)
    with CaptureQueriesContext(connection) as queries:
        root_client.get(INCIDENTS)
    table = IncidentTicket._meta.db_table
    reads = [q["sql"] for q in queries.captured_queries if f'FROM "{table}"' in q["sql"]]
    ids_only = [sql for sql in reads if sql.startswith(f'SELECT "{table}"."id" AS "pk" FROM')]
    by_ids = [sql for sql in reads if '"id" IN (' in sql and "LIMIT" not in sql]
    assert len(ids_only) == 1 and "LIMIT 50" in ids_only[0] and "JOIN" not in ids_only[0]
    assert len(by_ids) == 1


def test_a_second_page_costs_one_query_more_than_a_list_of_one_page(root_client):
    IncidentTicketFactory.create_batch(50)

    def queries() -> int:
        root_client.get(INCIDENTS)
        with CaptureQueriesContext(connection) as captured:
            root_client.get(INCIDENTS)
        return len(captured)

    one_page = queries()
    IncidentTicketFactory.create_batch(60)
    assert queries() == one_page + 1  # the page's ids, then its rows
