"""The home's figures: counts of lists the person can open, each linking to that list filtered to those rows.

A figure's count and its link's list apply the same rule to the same scoped rows: the incident queues and SLA
states (apps/tickets/queues.py, `incident_sla_q`), the selectors' "waiting for me" rules, a status. Each figure is
shown only to whoever may open its list (the model's view permission) and, for what waits for a decision, may
take it (the change permission): an auditor's home links to nothing that would refuse them.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.console.review import WAITING_FOR_ME, WAITING_PARAMETER
from apps.console.tickets.incidents import IncidentSlaFilter
from apps.console.tickets.queues import QUEUE_PARAMETER
from apps.dataio.choices import ImportStatus
from apps.dataio.selectors import import_jobs_visible_to
from apps.notifications.choices import EmailStatus
from apps.notifications.selectors import outbound_emails_visible_to
from apps.scheduling.choices import ShiftStatus
from apps.scheduling.selectors import shifts_visible_to, time_off_awaiting_review_q, time_off_requests_visible_to
from apps.tickets.queues import QUEUES_BY_KEY, incident_counts, queue_rules
from apps.tickets.sla import SlaState, incident_sla_q
from apps.timesheets.selectors import time_entries_awaiting_review_q, time_entries_visible_to

from .counting import count_together

# "Import jobs failed" looks this many days back: older failures are history, not what needs someone now
FAILED_IMPORTS_DAYS = 7
IMPORTS_UNDER_WAY = (ImportStatus.PENDING, ImportStatus.RUNNING)


@dataclass(frozen=True)
class Figure:
    key: str  # the figure's id on the page: id="home-<key>"
    title: str
    count: int
    link: str
    tone: str = "neutral"  # how a non-zero count is coloured: danger, warning, primary, neutral
    hint: str = ""

    @property
    def alert(self) -> str:
        return self.tone if self.count else "none"


def changelist(app_label: str, model: str, **query) -> str:
    url = reverse(f"admin:{app_label}_{model}_changelist")
    return f"{url}?{urlencode(query)}" if query else url


def incident_figures(request, *, now: datetime) -> list[Figure]:
    """The queues a supervisor works through and the SLA states, counted in one query."""
    user = request.user
    if not user.has_perm("tickets.view_incidentticket"):
        return []
    queues = queue_rules(user=user, now=now)
    sla = IncidentSlaFilter.parameter_name

    def queue(key: str, tone: str, hint: str) -> tuple:
        return key, queues[key], QUEUES_BY_KEY[key].title, {QUEUE_PARAMETER: key}, tone, hint

    def sla_state(state: SlaState, title: str, tone: str, hint: str) -> tuple:
        return state.value, incident_sla_q(state, now=now), title, {sla: state.value}, tone, hint

    wanted = [
        # (key, rule, title, the list's query, tone, hint)
        queue("mine", "primary", _("open, assigned to you")),
        queue("unassigned", "warning", _("open, nobody assigned")),
        sla_state(SlaState.BREACHED, _("Breached"), "danger", _("open, past a deadline")),
        sla_state(SlaState.AT_RISK, _("At risk"), "warning", _("in the last quarter of a window")),
        queue("severe", "danger", _("open SEV1 and SEV2")),
        queue("awaiting_close", "primary", _("resolved, not yet closed")),
    ]
    if not user.has_perm("tickets.change_incidentticket"):  # who works no tickets (an auditor) has no queue
        wanted = [item for item in wanted if item[0] != "mine"]
    counts = incident_counts(user=user, rules={key: rule for key, rule, *_rest in wanted})
    return [
        Figure(
            key=f"incidents-{key}",
            title=title,
            count=counts[key],
            link=changelist("tickets", "incidentticket", **query),
            tone=tone,
            hint=hint,
        )
        for key, _rule, title, query, tone, hint in wanted
    ]


def work_figures(request, *, now: datetime) -> list[Figure]:
    """Drafts to publish, reviews waiting, imports under way or failed, failed e-mails: one query for them all."""
    user = request.user
    since = timezone.localdate(now) - timedelta(days=FAILED_IMPORTS_DAYS - 1)
    candidates = [
        # (key, permission, rows, title, link, tone, hint)
        (
            "drafts",
            "scheduling.view_shift",
            lambda: shifts_visible_to(user=user).filter(status=ShiftStatus.DRAFT),
            _("Draft shifts"),
            changelist("scheduling", "shift", status__exact=ShiftStatus.DRAFT),
            "warning",
            _("not yet published"),
        ),
        (
            "time-off",
            "scheduling.change_timeoffrequest",
            lambda: time_off_requests_visible_to(user=user).filter(time_off_awaiting_review_q(user=user)),
            _("Time off to review"),
            changelist("scheduling", "timeoffrequest", **{WAITING_PARAMETER: WAITING_FOR_ME}),
            "warning",
            _("pending, waiting for you"),
        ),
        (
            "time-entries",
            "timesheets.change_timeentry",
            lambda: time_entries_visible_to(user=user).filter(time_entries_awaiting_review_q(user=user)),
            _("Time sheets to review"),
            changelist("timesheets", "timeentry", **{WAITING_PARAMETER: WAITING_FOR_ME}),
            "warning",
            _("submitted, waiting for you"),
        ),
        (
            "imports-running",
            "dataio.view_importjob",
            lambda: import_jobs_visible_to(user=user).filter(status__in=IMPORTS_UNDER_WAY),
            _("Imports under way"),
            changelist("dataio", "importjob", status__in=",".join(IMPORTS_UNDER_WAY)),
            "primary",
            _("queued or running"),
        ),
        (
            "imports-failed",
            "dataio.view_importjob",
            # the list's date filter (LocalRangeDateFilter) compares the local date the same way
            lambda: import_jobs_visible_to(user=user).filter(status=ImportStatus.FAILED, created_at__date__gte=since),
            _("Imports failed"),
            changelist("dataio", "importjob", status__exact=ImportStatus.FAILED, created_at_from=since.isoformat()),
            "danger",
            _("in the last %(days)d days") % {"days": FAILED_IMPORTS_DAYS},
        ),
        (
            "emails-failed",
            "notifications.view_outboundemail",
            lambda: outbound_emails_visible_to(user=user).filter(status=EmailStatus.FAILED),
            _("E-mails failed"),
            changelist("notifications", "outboundemail", status__exact=EmailStatus.FAILED),
            "danger",
            _("in the outbox, not sent"),
        ),
    ]
    shown = [item for item in candidates if user.has_perm(item[1])]
    counts = count_together({key: rows() for key, _permission, rows, *_rest in shown})
    return [
        Figure(key=key, title=title, count=counts[key], link=link, tone=tone, hint=hint)
        for key, _permission, _rows, title, link, tone, hint in shown
    ]
