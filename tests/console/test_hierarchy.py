"""The date drill-down above a list (apps/console/hierarchy.py): the periods between the first and last dates
listed, read with one query at every level."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.console.hierarchy import date_hierarchy
from tests.factories import IncidentTicketFactory

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
INCIDENTS = reverse("admin:tickets_incidentticket_changelist")


@pytest.fixture
def spread(db):
    """Incidents in March 2024, on 3 and 17 May 2026 (London time), and a late evening of 31 May 2026."""
    for moment in ((2024, 3, 2, 9), (2026, 5, 3, 10), (2026, 5, 17, 8), (2026, 5, 31, 23)):
        IncidentTicketFactory(occurred_at=datetime(*moment, 30, tzinfo=LONDON))


def drill_down(client, query: str = "") -> tuple[dict, list[str]]:
    """The drill-down's context for the list at `query`, and the SQL it ran."""
    response = client.get(f"{INCIDENTS}{query}")
    assert response.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        context = date_hierarchy(response.context["cl"])
    return context, [query["sql"] for query in queries.captured_queries]


def titles(context: dict) -> list[str]:
    return [choice["title"] for choice in context["choices"]]


def test_every_year_between_the_first_and_the_last_is_offered_from_one_query(root_client, spread):
    context, sql = drill_down(root_client)
    assert titles(context) == ["2024", "2025", "2026"]  # 2025 holds nothing: its link lists none, and says so
    assert context["back"] is None
    assert len(sql) == 1 and "DISTINCT" not in sql[0].upper()
    assert "occurred_at__year=2026" in context["choices"][-1]["link"]


def test_a_year_offers_its_months_from_the_first_to_the_last_listed(root_client, spread):
    context, sql = drill_down(root_client, "?occurred_at__year=2026")
    assert titles(context) == ["May 2026"]
    assert context["back"]["title"] == "All dates"
    assert len(sql) == 1


def test_a_month_offers_its_days_from_the_first_to_the_last_in_the_readers_zone(root_client, spread):
    context, sql = drill_down(root_client, "?occurred_at__year=2026&occurred_at__month=5")
    days = titles(context)
    assert days[0] == "3 May" and days[-1] == "31 May" and len(days) == 29  # 23:30 on the 31st in London
    assert context["back"]["title"] == "2026"
    assert len(sql) == 1


def test_a_day_names_itself_without_a_query(root_client, spread):
    context, sql = drill_down(root_client, "?occurred_at__year=2026&occurred_at__month=5&occurred_at__day=17")
    assert titles(context) == ["17 May"]
    assert context["back"]["title"] == "May 2026"
    assert sql == []


def test_an_empty_list_offers_no_period(root_client):
    context, _ = drill_down(root_client)
    assert context == {"show": True, "back": None, "choices": []}
