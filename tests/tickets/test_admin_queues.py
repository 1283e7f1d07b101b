"""The incident queues of the console through real HTTP: what each holds, in which order, their tabs, the SLA
column and filter, the running clocks beside the due times, and a query count that does not grow with the rows."""

import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.core.actors import system_user
from apps.tickets.choices import IncidentStatus, Severity
from apps.tickets.models import IncidentTicket
from apps.tickets.services import incident_create

pytestmark = pytest.mark.django_db

INCIDENTS = reverse("admin:tickets_incidentticket_changelist")


@pytest.fixture(autouse=True)
def roles(db):
    call_command("load_reference_data", verbosity=0)


@pytest.fixture
def lead_client(client, supervisor):
    client.force_login(supervisor)
    return client


@pytest.fixture
def make(outage, mcr, alex):
    """An incident of `severity` that began `minutes_ago`, then given `status` and `fields` directly."""

    def build(title, severity, minutes_ago, status=IncidentStatus.NEW, **fields):
        incident = incident_create(
            title=title,
            incident_type=outage,  # SEV3: respond within 30 min, resolve within 4 h; SEV1 a quarter of that
            facility=mcr,
            reporter=alex,
            severity=severity,
            occurred_at=timezone.now() - timedelta(minutes=minutes_ago),
            by=system_user(),
        )
        if status != IncidentStatus.NEW:
            fields.setdefault("acknowledged_at", incident.occurred_at + timedelta(minutes=1))
        if status == IncidentStatus.ON_HOLD:
            fields.setdefault("on_hold_since", timezone.now() - timedelta(minutes=5))
        if status in (IncidentStatus.RESOLVED, IncidentStatus.CLOSED):
            fields.setdefault("resolved_at", timezone.now() - timedelta(minutes=2))
        if status == IncidentStatus.CLOSED:
            fields.setdefault("closed_at", timezone.now() - timedelta(minutes=1))
        IncidentTicket.objects.filter(pk=incident.pk).update(status=status, **fields)
        return incident

    return build


@pytest.fixture
def board(make, supervisor):
    """The morning's incidents at master control (the supervisor covers London HQ)."""
    return {
        "breached": make("Transmitter off air", Severity.SEV1, 117.5),  # responding was due 110 min ago
        "fresh_sev1": make("Playout stalled", Severity.SEV1, 1),  # respond within 7.5 min
        "mine_sev1": make("Encoder 3 rebooting", Severity.SEV1, 30, "triaged", assignee=supervisor),  # resolve: 60 min
        "mine_sev2": make("Studio 2 talkback", Severity.SEV2, 50, "in_progress", assignee=supervisor),  # 120 min
        "held_sev2": make("Satellite uplink", Severity.SEV2, 90, "on_hold"),  # the resolve clock is paused
        "minor": make("Clock drifting", Severity.SEV3, 10),  # respond within 30 min
        "resolved": make("Lamp flickering", Severity.SEV3, 60, "resolved"),
        "closed": make("Old fault", Severity.SEV3, 300, "closed"),
    }


def listed(client, **query) -> list[str]:
    response = client.get(INCIDENTS, query)
    assert response.status_code == 200
    return [incident.title for incident in response.context["cl"].result_list]


@pytest.mark.parametrize(
    ("queue", "expected"),
    [
        ("mine", ["mine_sev1", "mine_sev2"]),
        ("unassigned", ["breached", "fresh_sev1", "held_sev2", "minor"]),
        ("breached", ["breached"]),
        ("breaching", ["fresh_sev1", "mine_sev1", "minor"]),
        ("severe", ["breached", "fresh_sev1", "mine_sev1", "held_sev2", "mine_sev2"]),
        ("awaiting_close", ["resolved"]),
    ],
)
def test_each_queue_holds_its_tickets_in_order_of_urgency(lead_client, board, queue, expected):
    assert listed(lead_client, queue=queue) == [board[key].title for key in expected]


def test_the_queues_are_tabs_above_the_list_with_their_counts(lead_client, board):
    html = lead_client.get(INCIDENTS, {"queue": "unassigned"}).content.decode()

    for tab in [
        "All incidents",
        "My queue (2)",
        "Unassigned (4)",
        "Breached (1)",
        "Breaching soon (3)",
        "SEV1–2 open (5)",
        "Resolved, awaiting close (1)",
    ]:
        assert tab in html, tab
    assert f'href="{INCIDENTS}?queue=breaching"' in html
    assert re.search(r'class="active"\s*>\s*Unassigned \(4\)', html)


def test_the_whole_list_is_in_order_of_urgency_breached_then_at_risk_then_severity_and_deadline(
    lead_client, board, make
):
    at_risk = make("Audio drop-outs", Severity.SEV3, 25)  # responding due in 5 min: in the last quarter
    expected = [
        board["breached"],  # breached
        at_risk,  # at risk, though only SEV3
        board["fresh_sev1"],  # SEV1, responding due in 6.5 min
        board["mine_sev1"],  # SEV1, resolving due in 30 min
        board["held_sev2"],  # SEV2, resolving due in 30 min (paused)
        board["mine_sev2"],  # SEV2, resolving due in 70 min
        board["minor"],  # SEV3
        board["resolved"],  # finished: the most recent first
        board["closed"],
    ]
    assert listed(lead_client) == [incident.title for incident in expected]


def test_a_column_sort_wins_over_urgency(lead_client, board):
    by_title = listed(lead_client, queue="mine", o="2")  # the title column, ascending
    assert by_title == [board["mine_sev1"].title, board["mine_sev2"].title]
    assert listed(lead_client, queue="mine", o="-2") == by_title[::-1]


def test_the_due_columns_show_the_running_clocks(lead_client, board):
    html = lead_client.get(INCIDENTS).content.decode()

    assert "(in 20 min)" in html  # the minor one: responding is due 30 minutes after it began, 10 minutes ago
    assert "(1 h 50 min overdue)" in html  # the breached one's response
    assert "(paused, " in html  # the held one's resolve clock stopped when it was put on hold
    assert "(in 3 h 50 min)" in html  # the minor one's resolve clock


def test_the_sla_filter_offers_at_risk(lead_client, make):
    at_risk = make("Audio drop-outs", Severity.SEV3, 25)  # responding due in 5 min: in the last quarter
    make("Fine", Severity.SEV3, 5)
    html = lead_client.get(INCIDENTS).content.decode()
    assert "At risk (last quarter of a window)" in html

    assert listed(lead_client, sla="at_risk") == [at_risk.title]
    assert "At risk" in lead_client.get(INCIDENTS, {"sla": "at_risk"}).content.decode()


def test_a_queue_page_runs_as_many_queries_for_many_rows_as_for_few(lead_client, make):
    def queries() -> int:
        lead_client.get(INCIDENTS, {"queue": "unassigned"})  # warm caches
        with CaptureQueriesContext(connection) as captured:
            assert lead_client.get(INCIDENTS, {"queue": "unassigned"}).status_code == 200
        return len(captured)

    for n in range(3):
        make(f"Fault {n}", Severity.SEV2, 10 + n)
    few = queries()
    for n in range(3, 30):
        make(f"Fault {n}", Severity.SEV2, 10 + n)
    assert queries() <= few


def test_a_clock_past_a_day_is_told_to_the_hour(lead_client, make):
    make("Old fault", Severity.SEV3, 3 * 24 * 60 + 17)  # resolving (4 h) was due 2 d 20 h 17 min ago

    html = lead_client.get(INCIDENTS).content.decode()

    assert "(2 d 20 h overdue)" in html
    assert "2 d 20 h 17 min" not in html


def test_the_breached_tab_lists_the_breached_tickets_only(lead_client, board):
    html = lead_client.get(INCIDENTS).content.decode()

    assert f'href="{INCIDENTS}?queue=breached"' in html
    assert "Breached (1)" in html
