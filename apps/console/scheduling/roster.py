"""The Roster page of the console: one location's week of shifts, time off, events and coverage gaps, where a
week is built.

The page itself writes nothing: every change happens on the pages it links to, so the shift services stay the
one place of the rules — a shift's change page, the add page prefilled from a cell's "+" or from a coverage gap
(offering only the people free then), and "Publish the week" / "Copy the week", which post to the Shifts list's
own week actions. Each comes back to this week once done.
"""

from datetime import date
from urllib.parse import urlencode

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.console.scheduling.actions import MAX_COPY_WEEKS
from apps.facilities.selectors import locations_visible_to
from apps.scheduling.roster import roster_week, week_start_of

VIEWS = ("people", "facilities")


def roster_view(request):
    """GET ?location=<code>&week=<YYYY-MM-DD>&view=people|facilities."""
    if not request.user.has_perm("scheduling.view_shift"):
        raise PermissionDenied
    locations = list(locations_visible_to(user=request.user).order_by("name"))
    location = _chosen_location(request, locations)
    view = request.GET.get("view") if request.GET.get("view") in VIEWS else VIEWS[0]
    week, back = None, ""
    if location is not None:
        week_start = week_start_of(_chosen_week(request, location.timezone))
        back = (
            f"{reverse('scheduling_roster')}?{urlencode({'location': location.code, 'week': week_start, 'view': view})}"
        )
        week = roster_week(user=request.user, location=location, week_start=week_start, back=back)
    context = {
        **admin.site.each_context(request),
        "title": _("Roster"),
        "subtitle": str(location) if location else None,
        "locations": locations,
        "location": location,
        "week": week,
        "view": view,
        "views": VIEWS,
        "back": back,
        # the grid offers to add, publish and copy shifts only to those who may (an auditor reads the roster)
        "can_add_shift": request.user.has_perm("scheduling.add_shift"),
        "can_change_shift": request.user.has_perm("scheduling.change_shift"),
        "max_weeks": MAX_COPY_WEEKS,
    }
    return TemplateResponse(request, "admin/scheduling/roster.html", context)


def _chosen_location(request, locations):
    wanted = request.GET.get("location")
    if wanted:
        for location in locations:
            if location.code == wanted:
                return location
        raise Http404(_("No such location among the ones you cover."))
    home = getattr(request.user, "home_location_id", None)
    return next((location for location in locations if location.pk == home), locations[0] if locations else None)


def _chosen_week(request, zone) -> date:
    try:
        return week_start_of(date.fromisoformat(request.GET.get("week", "")))
    except ValueError:
        return week_start_of(timezone.localtime(timezone=zone).date())
