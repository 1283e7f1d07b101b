"""The console's home, `UNFOLD["DASHBOARD_CALLBACK"]`: what needs the signed-in person now, in their scope.

One screen, by permission rather than by role name: figures that link to the lists they count (figures.py),
coverage gaps per location and week linking to the Roster, charts (charts.py), and for whoever may grant scope,
who covers which location (panels.py). Everything is read through the selectors, so a supervisor's figures are
their locations' and nobody else's; an auditor, who may change nothing, is offered no link that would refuse them.

The page costs a fixed number of queries whatever the data (tests/console/test_home.py holds it at 15 or fewer,
bench/home.py times it at seed_demo --scale 100): the incident queues in one aggregate, every other count in one
round trip (counting.py), one query per chart, two for coverage and two for the scope grants.
"""

from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.scope import read_scope_once, sees_everything
from apps.scheduling.overview import coverage_overview

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
        home["charts"] += [incidents_chart(request, now=now, zone=zone), resolution_chart(request, now=now)]
    if user.has_perm("scheduling.view_shift"):
        overview = coverage_overview(user=user, now=now)
        home["coverage"] = coverage_table(request, overview)
        home["hours"] = hours_chart(overview)
    context.update({"title": _("What needs you now"), "home": home})
    return context
