"""Saved views of the incident list ("queues"), their order, and due times a supervisor can read at a glance.

A queue is a filter of the list (`?queue=mine`), offered in the filter panel and as tabs above the list with
how many tickets each holds (one query for all of them). The list, in a queue or not, is ordered by urgency
(apps.tickets.selectors.incident_urgency_ordering): breached first, then at risk, then by severity and the
nearest running deadline. A column's sort, when clicked, wins.
"""

from datetime import datetime
from functools import partial
from urllib.parse import urlencode

from django.contrib.admin.views.main import ORDER_VAR
from django.utils import timezone
from django.utils.html import format_html
from unfold.contrib.filters.admin import DropdownFilter

from apps.console.localtime import local_display, zone_of
from apps.tickets.choices import IncidentStatus
from apps.tickets.queues import OPEN, QUEUES, QUEUES_BY_KEY, incident_counts, queue_rules
from apps.tickets.selectors import incident_urgency_ordering, incident_urgency_tiers

from .common import minutes_label

QUEUE_PARAMETER = "queue"


class IncidentQueueFilter(DropdownFilter):
    title = "queue"
    parameter_name = QUEUE_PARAMETER

    def lookups(self, request, model_admin):
        return [(queue.key, queue.title) for queue in QUEUES]

    def queryset(self, request, queryset):
        queue = QUEUES_BY_KEY.get(self.value() or "")
        if queue is None:
            return queryset
        return queryset.filter(queue.rows(user=request.user, now=timezone.now()))


class IncidentQueuesMixin:
    """The queues' tabs above the incident list, and the order of urgency."""

    list_before_template = "admin/tickets/incident_queues.html"

    def get_ordering(self, request):
        return incident_urgency_ordering(now=timezone.now())

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        # the default order, read tier by tier (apps.console.paging); a column's sort is read as it is
        tiers = None if ORDER_VAR in request.GET else incident_urgency_tiers(now=timezone.now())
        return self.paginator(queryset, per_page, orphans, allow_empty_first_page, tiers=tiers)

    def changelist_view(self, request, extra_context=None):
        # evaluated only when the page is rendered (not for an action's redirect)
        tabs = partial(self.queue_tabs, request)
        return super().changelist_view(request, {"incident_queue_tabs": tabs, **(extra_context or {})})

    def queue_tabs(self, request) -> list[dict]:
        rules = queue_rules(user=request.user, now=timezone.now())
        counts = incident_counts(user=request.user, rules=rules, queryset=self.get_queryset(request))
        current = request.GET.get(QUEUE_PARAMETER, "")
        path = request.path
        tabs = [_tab("All incidents", path, active=current not in QUEUES_BY_KEY)]
        for queue in QUEUES:
            link = f"{path}?{urlencode({QUEUE_PARAMETER: queue.key})}"
            tabs.append(_tab(f"{queue.title} ({counts[queue.key]})", link, active=current == queue.key))
        return tabs


def _tab(title: str, link: str, *, active: bool) -> dict:
    """An item as unfold's tab bar reads it."""
    return {"title": title, "link": link, "active": active, "has_permission": True}


# --- due times with their running clock ---------------------------------------------------------------------------


def clock_text(due: datetime, *, now: datetime, paused: bool = False) -> str:
    """ "in 12 min", "14 min overdue", "due now", "2 d 5 h overdue" (beyond a day, to the hour);
    on hold: "paused, 12 min left", "paused, 14 min overdue"."""
    minutes = (due - now).total_seconds() / 60
    if round(abs(minutes)) == 0:
        text = "due now"
    elif minutes > 0:
        text = f"{_glance(minutes)} left" if paused else f"in {_glance(minutes)}"
    else:
        text = f"{_glance(-minutes)} overdue"
    return f"paused, {text}" if paused else text


def _glance(minutes: float) -> str:
    """Minutes under a day; beyond, the minutes are noise in a list cell (and cost it width)."""
    return minutes_label(round(minutes / 60) * 60 if minutes >= 24 * 60 else minutes)


def due_with_clock(
    due: datetime | None, *, running: bool, paused_at: datetime | None = None, now: datetime, zone=None
):
    """The due time (in `zone`, the facility's: apps/console/localtime) and, beside it, how far away it is while
    its clock runs (or was when it stopped, on hold)."""
    shown = local_display(due, zone)
    if due is None or not (running or paused_at):
        return shown
    moment = paused_at or now
    colour = "text-red-600 dark:text-red-500" if due <= moment else "text-base-500 dark:text-base-400"
    text = clock_text(due, now=moment, paused=paused_at is not None)
    return format_html('{} <span class="text-xs {}">({})</span>', shown, colour, text)


def response_clock(incident, *, now: datetime):
    running = incident.status in OPEN and incident.acknowledged_at is None
    return due_with_clock(incident.response_due_at, running=running, now=now, zone=zone_of(incident.facility))


def resolve_clock(incident, *, now: datetime):
    on_hold = incident.status == IncidentStatus.ON_HOLD
    running = incident.status in OPEN and not on_hold
    return due_with_clock(
        incident.resolve_due_at,
        running=running,
        paused_at=incident.on_hold_since if on_hold else None,
        now=now,
        zone=zone_of(incident.facility),
    )
