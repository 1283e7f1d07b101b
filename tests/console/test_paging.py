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


@pytest.fixture
def mixed(db):
    """57 incidents: 20 open (new), the rest finished (closed, resolved), of every severity."""
    rows = IncidentTicketFactory.create_batch(57)
    finished = ["closed", "resolved"]
    for number, row in enumerate(rows[20:]):
        IncidentTicket.objects.filter(pk=row.pk).update(status=finished[number % 2], severity=f"SEV{number % 4 + 1}")
    return rows


@pytest.mark.parametrize("per_page", [50, 10])
def test_the_order_of_urgency_read_tier_by_tier_holds_djangos_rows_on_every_page(root_client, mixed, per_page):
    """Open incidents first, by urgency; then the finished ones by severity and date: a page may span both tiers
    (page 1 of 50: 20 open and 30 finished), or lie wholly beyond the first (page 3 of 10)."""
    from apps.console.tickets.incidents import IncidentTicketAdmin

    IncidentTicketAdmin.list_per_page, before = per_page, IncidentTicketAdmin.list_per_page
    try:
        pages = -(-57 // per_page)
        for page in range(1, pages + 1):
            response = root_client.get(f"{INCIDENTS}?p={page}")
            cl = response.context["cl"]
            assert cl.paginator.tiers  # the default order: read in tiers
            shown = [row.pk for row in cl.result_list]
            expected = [row.pk for row in Paginator(cl.queryset, per_page).page(page).object_list]
            assert shown == expected and shown, page
    finally:
        IncidentTicketAdmin.list_per_page = before


def test_a_count_beyond_the_bound_is_postgresqls_estimate_and_says_so(root_client, mixed, monkeypatch):
    from apps.console import paging

    monkeypatch.setattr(paging, "COUNT_EXACT_UP_TO", 10)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {IncidentTicket._meta.db_table}")
    response = root_client.get(INCIDENTS)
    html = response.content.decode()
    if connection.vendor == "postgresql":
        assert isinstance(response.context["cl"].result_count, paging.About)
        assert "about 57 incident tickets" in html  # freshly analysed: the estimate is the count
        assert "Select all about 57 incident tickets" in html
    else:  # other databases count exactly
        assert response.context["cl"].result_count == 57 and "about 57" not in html
    monkeypatch.setattr(paging, "COUNT_EXACT_UP_TO", 57)
    assert "about" not in str(root_client.get(INCIDENTS).context["cl"].result_count)  # within the bound: exact
