"""The home's charts as unfold draws them: a <canvas class="chart"> with its data and options as JSON attributes,
rendered by unfold's own script (Chart.js, shipped with unfold). No inline script: everything is in data attributes.

Each chart comes with a sentence saying what it shows in figures, for whoever does not read charts.
"""

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from apps.tickets.choices import Severity
from apps.tickets.overview import incidents_per_day, resolution_by_location

INCIDENT_DAYS = 30
RESOLUTION_DAYS = 30
RESOLUTION_LOCATIONS = 8  # the locations with the lowest share of SLAs met, when there are more
TICKS = "#9ca3af"  # unfold's own axis colour; grid lines follow the theme (unfold's script sets them)
SEVERITY_COLOURS = {  # as the lists' labels: danger, warning, info, neutral
    Severity.SEV1: "var(--color-red-600)",
    Severity.SEV2: "var(--color-orange-500)",
    Severity.SEV3: "var(--color-blue-500)",
    Severity.SEV4: "var(--color-base-400)",
}


@dataclass(frozen=True)
class Chart:
    key: str  # id="home-chart-<key>"
    title: str
    kind: str  # unfold's chart component: "bar" or "line"
    data: str  # JSON
    options: str  # JSON
    summary: str
    empty: bool = False
    as_of: str = ""  # when a kept chart was read ("18:31 GMT"); empty for one read on this visit


def _options(*, stacked: bool = False, legend: bool = True, y: dict | None = None, y1: dict | None = None) -> str:
    axis = {"ticks": {"color": TICKS}, "border": {"display": False}}
    scales = {
        "x": {**axis, "stacked": stacked, "grid": {"display": False}, "ticks": {"color": TICKS, "maxRotation": 0}},
        "y": {**axis, "stacked": stacked, "beginAtZero": True, "ticks": {"color": TICKS, "precision": 0}, **(y or {})},
    }
    if y1 is not None:
        scales["y1"] = {**axis, "beginAtZero": True, "position": "right", "grid": {"drawOnChartArea": False}, **y1}
    return json.dumps(
        {
            "animation": False,
            "responsive": True,
            "maintainAspectRatio": False,
            "interaction": {"mode": "index", "intersect": False},
            "plugins": {
                "legend": {
                    "display": legend,
                    "align": "end",
                    "position": "top",
                    "labels": {"boxWidth": 8, "boxHeight": 8, "usePointStyle": True, "color": TICKS},
                },
                "tooltip": {"enabled": True},
            },
            "datasets": {"bar": {"borderRadius": 3, "maxBarThickness": 28}},
            "scales": scales,
        }
    )


def _axis_title(text: str) -> dict:
    return {"title": {"display": True, "text": text, "color": TICKS}}


def incidents_chart(request, *, now: datetime, zone: ZoneInfo) -> Chart:
    """Incidents per local day by severity over the last 30 days (today included), stacked."""
    last_day = now.astimezone(zone).date()
    days = [last_day - timedelta(days=offset) for offset in range(INCIDENT_DAYS - 1, -1, -1)]
    counts = incidents_per_day(user=request.user, first_day=days[0], last_day=last_day, zone=zone)
    datasets = [
        {
            "label": severity.value,
            "data": [counts.get((day, severity.value), 0) for day in days],
            "backgroundColor": SEVERITY_COLOURS[severity],
            "stack": "incidents",
        }
        for severity in Severity
    ]
    by_severity = {severity.value: sum(dataset["data"]) for severity, dataset in zip(Severity, datasets, strict=True)}
    total = sum(by_severity.values())
    summary = _("%(total)d incidents began in the last %(days)d days (days in %(zone)s): %(split)s.") % {
        "total": total,
        "days": INCIDENT_DAYS,
        "zone": zone.key,
        "split": ", ".join(f"{count} {severity}" for severity, count in by_severity.items()),
    }
    return Chart(
        key="incidents",
        title=_("Incidents per day, by severity"),
        kind="bar",
        data=json.dumps({"labels": [_day_label(day) for day in days], "datasets": datasets}),
        options=_options(stacked=True),
        summary=summary,
        empty=total == 0,
    )


def resolution_chart(request, *, now: datetime) -> Chart:
    """Per location (the lowest first when there are many): the share of resolve SLAs met, and the mean time to
    resolve, over the incidents resolved in the last 30 days."""
    rows = resolution_by_location(user=request.user, since=now - timedelta(days=RESOLUTION_DAYS), now=now)
    rows.sort(key=lambda row: (row.met_percent, -row.resolved, row.name))
    shown = rows[:RESOLUTION_LOCATIONS]
    datasets = [
        {
            "label": _("SLA met %"),
            "data": [round(row.met_percent, 1) for row in shown],
            "backgroundColor": "var(--color-primary-600)",
            "yAxisID": "y",
        },
        {
            "label": _("Mean time to resolve (h)"),
            "data": [round(_hours(row.mean_to_resolve), 1) for row in shown],
            "backgroundColor": "var(--color-base-400)",
            "yAxisID": "y1",
        },
    ]
    if shown:
        worst = shown[0]
        summary = _(
            "%(count)d incidents resolved in the last %(days)d days at %(locations)d location(s). Lowest: %(name)s, "
            "%(percent).0f%% within the resolve SLA, %(hours).1f h to resolve on average."
        ) % {
            "count": sum(row.resolved for row in rows),
            "days": RESOLUTION_DAYS,
            "locations": len(rows),
            "name": worst.name,
            "percent": worst.met_percent,
            "hours": _hours(worst.mean_to_resolve),
        }
        if len(rows) > len(shown):
            summary += " " + _("The chart shows the %(shown)d lowest of %(all)d.") % {
                "shown": len(shown),
                "all": len(rows),
            }
    else:
        summary = _("No incident was resolved in the last %(days)d days.") % {"days": RESOLUTION_DAYS}
    return Chart(
        key="resolution",
        title=_("SLA met and time to resolve, per location"),
        kind="bar",
        data=json.dumps({"labels": [row.code for row in shown], "datasets": datasets}),
        options=_options(y={"max": 100, **_axis_title("% met")}, y1=_axis_title(_("hours"))),
        summary=summary,
        empty=not shown,
    )


def hours_chart(overview) -> Chart:
    """This week's hours rostered (published, draft) against the hours coverage needs, per local day."""
    hours, monday = overview.hours, overview.week_start
    labels = [_day_label(monday + timedelta(days=offset)) for offset in range(7)] if monday else []
    datasets = [
        {
            "label": _("Published"),
            "data": [round(value, 1) for value in hours.published],
            "backgroundColor": "var(--color-green-600)",
            "stack": "rostered",
            "order": 2,
        },
        {
            "label": _("Draft"),
            "data": [round(value, 1) for value in hours.draft],
            "backgroundColor": "var(--color-blue-300)",
            "stack": "rostered",
            "order": 2,
        },
        {
            "label": _("Needed"),
            "type": "line",
            "data": [round(value, 1) for value in hours.needed],
            "borderColor": "var(--color-red-500)",
            "backgroundColor": "var(--color-red-500)",
            "borderDash": [6, 4],
            "borderWidth": 2,
            "pointRadius": 3,
            "stack": "needed",
            "order": 1,
        },
    ]
    needed, published, draft = sum(hours.needed), sum(hours.published), sum(hours.draft)
    summary = _(
        "This week coverage needs %(needed).0f h; %(rostered).0f h are rostered (%(published).0f h published, "
        "%(draft).0f h draft)."
    ) % {"needed": needed, "rostered": published + draft, "published": published, "draft": draft}
    return Chart(
        key="hours",
        title=_("Hours rostered against coverage needed, this week"),
        kind="bar",
        data=json.dumps({"labels": labels, "datasets": datasets}),
        options=_options(stacked=True, y=_axis_title(_("hours"))),
        summary=summary,
        empty=not overview.locations,
    )


def _day_label(day: date) -> str:
    return date_format(day, "D j M")


def _hours(duration: timedelta | None) -> float:
    return duration.total_seconds() / 3600 if duration else 0.0
