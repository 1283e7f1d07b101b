"""The console's home, `UNFOLD["DASHBOARD_CALLBACK"]`: what needs the signed-in person now, in their scope.

One screen, by permission rather than by role name: figures that link to the lists they count (figures.py),
coverage gaps per location and week linking to the Roster, charts (charts.py), and for whoever may grant scope,
who covers which location (panels.py). Everything is read through the selectors, so a supervisor's figures are
their locations' and nobody else's; an auditor, who may change nothing, is offered no link that would refuse them.

The page costs a fixed number of queries whatever the data (tests/console/test_home.py holds it at 15 or fewer,
bench/home.py times it at seed_demo --scale 100): the incident queues in one aggregate, every other count in one
round trip (counting.py), one query per chart, two for coverage and two for the scope grants.
"""

import hashlib
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.core.scope import read_scope_once, sees_everything
from apps.scheduling.overview import coverage_overview, coverage_version

from .charts import hours_chart, incidents_chart, resolution_chart
from .figures import incident_figures, work_figures
from .panels import coverage_table, grants_table, shortcuts


def dashboard_callback(request, context: dict) -> dict:
    user = request.user
    # the person's roles and covered locations, read once for this request: every scoped query below then names
    # the locations by id (an auditor covering 400 locations: 12 plans made from a literal list, not a subquery)
    read_scope_once(user)
    now = timezone.now()
    # days are counted in the zone the console shows this person (the current time zone: the portal's, unless a
    # request activates another)
    zone = timezone.get_current_timezone()
    home = {
        "scope": _("All locations") if sees_everything(user) else _("The locations you cover"),
        "incidents": incident_figures(request, now=now),
        "work": work_figures(request, now=now),
        "shortcuts": shortcuts(request),
        "charts": [],
        "coverage": None,
        "grants": grants_table(request),
    }
    if user.has_perm("tickets.view_incidentticket"):
        home["charts"] += trend_charts(request, now=now, zone=zone)
    if user.has_perm("scheduling.view_shift"):
        overview = kept_coverage_overview(request, now=now)
        home["coverage"] = coverage_table(request, overview)
        home["hours"] = hours_chart(overview)
    context.update({"title": _("What needs you now"), "home": home})
    return context


def trend_charts(request, *, now: datetime, zone: ZoneInfo) -> list:
    """The incident trends (per day over 30 days, SLA met per location), kept for `HOME_CACHE_SECONDS` per
    person, scope, zone and language: they move by the hour, and reading them costs the page much of its SQL.
    Each says when it was read. The counts above them are read on every visit."""
    seconds = settings.HOME_CACHE_SECONDS

    def read() -> list:
        return [incidents_chart(request, now=now, zone=zone), resolution_chart(request, now=now)]

    if seconds <= 0:
        return read()
    key = _kept_key(request, "home-trends", zone.key)
    charts = cache.get(key)
    if charts is None:
        as_of = now.astimezone(zone)
        charts = [replace(chart, as_of=f"{as_of:%H:%M} {as_of.tzname()}") for chart in read()]
        cache.set(key, charts, seconds)
    return charts


def kept_coverage_overview(request, *, now: datetime):
    """The coverage overview, kept for `HOME_CACHE_SECONDS` under the version of the shifts, requirements and
    facilities it reads (`coverage_version`): any change to the roster reads it afresh, and so does a new hour."""
    seconds = settings.HOME_CACHE_SECONDS
    if seconds <= 0:
        return coverage_overview(user=request.user, now=now)
    key = _kept_key(request, "home-coverage", coverage_version(), f"{now:%Y-%m-%dT%H}")
    overview = cache.get(key)
    if overview is None:
        overview = coverage_overview(user=request.user, now=now)
        cache.set(key, overview, seconds)
    return overview


def _kept_key(request, name: str, *parts) -> str:
    """A cache key for what `request.user` sees: who they are (their id and when the account was made, so a reused
    id is another key), their scope, their language, and `parts`."""
    user = request.user
    scope = "all" if sees_everything(user) else ",".join(map(str, user._portal_covered_location_ids))
    signature = ":".join(map(str, (user.pk, user.date_joined.timestamp(), scope, translation.get_language(), *parts)))
    return f"{name}:" + hashlib.sha256(signature.encode()).hexdigest()
