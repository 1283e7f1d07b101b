"""The incident queues: the saved views of the incident list a supervisor works through, as rules in SQL.

One place for each rule. The console's incident list offers them as tabs and as a filter (`?queue=mine`,
apps/console/tickets/queues.py); the console's home counts them and links to those tabs. The SLA states
("breached", "at risk") are `apps.tickets.sla.incident_sla_q`, which the list's SLA filter (`?sla=breached`)
reads too.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q

from .choices import IncidentStatus, Severity
from .selectors import incidents_visible_to
from .sla import SlaState, incident_breaching_soon_q, incident_sla_q

OPEN = IncidentStatus.open_values()


@dataclass(frozen=True)
class Queue:
    key: str
    title: str
    rows: Callable[..., Q]  # (user=, now=) -> the tickets in the queue


QUEUES = (
    Queue("mine", "My queue", lambda *, user, now: Q(assignee=user, status__in=OPEN)),
    Queue("unassigned", "Unassigned", lambda *, user, now: Q(assignee__isnull=True, status__in=OPEN)),
    Queue("breached", "Breached", lambda *, user, now: incident_sla_q(SlaState.BREACHED, now=now)),
    Queue("breaching", "Breaching soon", lambda *, user, now: incident_breaching_soon_q(now=now)),
    Queue(
        "severe",
        "SEV1–2 open",
        lambda *, user, now: Q(severity__in=[Severity.SEV1, Severity.SEV2], status__in=OPEN),
    ),
    Queue("awaiting_close", "Resolved, awaiting close", lambda *, user, now: Q(status=IncidentStatus.RESOLVED)),
)
QUEUES_BY_KEY = {queue.key: queue for queue in QUEUES}


# every queue and SLA state holds open or resolved tickets only: counting them reads those (by the status index),
# not the closed and duplicate ones a station piles up over the years
COUNTED = (*OPEN, IncidentStatus.RESOLVED)


def incident_counts(*, user, rules: Mapping[str, Q], queryset=None, among=COUNTED) -> dict[str, int]:
    """How many of the incidents `user` sees match each rule, in one query (`queryset`: the caller's own scoped
    list of them, e.g. an admin's, else `incidents_visible_to`). Only tickets whose status is in `among` are read:
    a rule that counts others passes its statuses."""
    rows = incidents_visible_to(user=user) if queryset is None else queryset
    rows = rows.filter(status__in=among)
    return rows.order_by().aggregate(**{key: Count("pk", filter=rule) for key, rule in rules.items()})


def queue_rules(*, user, now: datetime) -> dict[str, Q]:
    """{queue key: its rule} for `user` at `now`."""
    return {queue.key: queue.rows(user=user, now=now) for queue in QUEUES}
