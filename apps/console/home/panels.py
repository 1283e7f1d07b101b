"""The home's tables: coverage gaps per location and week (linking to the Roster), who covers which location (for
who may grant it), and the few shortcuts a person may take from here (each only when their permissions allow it)."""

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import admin
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.facilities.models import Location
from apps.facilities.selectors import location_cover_counts, locations_visible_to
from apps.scheduling.models import Shift
from apps.tickets.models import IncidentTicket

COVERAGE_ROWS = 6  # locations listed, the most gaps first; the rest are summed up below the table
GRANT_ROWS = 6  # locations listed, the fewest people covering first


@dataclass
class CoverageTable:
    """unfold's table component reads `table` (headers, rows of cells); the rest is said around it."""

    table: dict
    totals: list[tuple[int, str]]  # (gaps that week at every location, what they are)
    locations: int = 0  # with coverage requirements
    hidden: int = 0  # locations with gaps that the table does not list
    requirements_link: str = ""


def coverage_table(request, overview) -> CoverageTable:
    """Each location's gaps this week and next, most first, as links to the Roster's facilities view of that week."""
    roster = reverse("scheduling_roster")
    mondays = [overview.week_start + timedelta(weeks=number) for number in range(2)] if overview.week_start else []
    titles = [_("This week"), _("Next week")]
    ranked = sorted(overview.locations, key=lambda row: (-row.total, row.location.name))
    rows = []
    for row in ranked[:COVERAGE_ROWS]:
        cells = [_location_cell(row.location.name, row.location.code)]
        for count, monday in zip(row.gaps, row.week_starts, strict=True):
            query = urlencode({"location": row.location.code, "week": monday.isoformat(), "view": "facilities"})
            cells.append(_gaps_link(count, f"{roster}?{query}"))
        rows.append(cells)
    return CoverageTable(
        table={"headers": [_("Location"), *titles], "rows": rows},
        totals=_totals([sum(row.gaps[week] for row in overview.locations) for week in range(2)], mondays),
        locations=len(overview.locations),
        hidden=sum(1 for row in ranked[COVERAGE_ROWS:] if row.total),
        requirements_link=reverse("admin:scheduling_coveragerequirement_changelist")
        if request.user.has_perm("scheduling.view_coveragerequirement")
        else "",
    )


def _totals(counts: list[int], mondays: list) -> list[tuple[int, str]]:
    """(gaps, what they are) for each week, with the week's first day: headers stay short in a narrow table."""
    this_week, next_week = counts
    phrases = [
        (this_week, ngettext("gap this week", "gaps this week", this_week)),
        (next_week, ngettext("gap next week", "gaps next week", next_week)),
    ]
    if not mondays:
        return phrases
    return [
        (count, f"{phrase} ({_('from %(day)s') % {'day': date_format(monday, 'D j M')}})")
        for (count, phrase), monday in zip(phrases, mondays, strict=True)
    ]


def _location_cell(name: str, code: str):
    return format_html('<span class="home-location">{} <small>{}</small></span>', name, code)


def _gaps_link(count: int, link: str):
    text = ngettext("%(count)d gap", "%(count)d gaps", count) % {"count": count} if count else _("covered")
    return format_html('<a class="home-gaps {}" href="{}">{}</a>', "is-gap" if count else "is-clear", link, text)


@dataclass
class GrantsTable:
    table: dict
    locations: int
    uncovered: int
    locations_link: str
    roles_link: str


def grants_table(request) -> GrantsTable | None:
    """Who covers which location, the fewest first, each with its "manage" link (guardian's object permissions page
    of the location). Only for whoever may grant scope: the Location admin's own check."""
    location_admin = admin.site._registry.get(Location)
    if location_admin is None or not location_admin.has_manage_object_permissions(request):
        return None
    counts = location_cover_counts(user=request.user)
    found = [
        (pk, code, name, *counts.get(pk, (0, 0)))
        for pk, code, name in locations_visible_to(user=request.user).order_by().values_list("pk", "code", "name")
    ]
    found.sort(key=lambda row: (row[3] + row[4], row[2], row[0]))
    rows = [
        [
            _location_cell(name, code),
            people,
            roles,
            format_html(
                '<a class="home-manage" href="{}">{}</a>',
                reverse("admin:facilities_location_permissions", args=[pk]),
                _("Manage"),
            ),
        ]
        for pk, code, name, people, roles in found[:GRANT_ROWS]
    ]
    return GrantsTable(
        table={"headers": [_("Location"), _("People"), _("Roles"), ""], "rows": rows},
        locations=len(found),
        uncovered=sum(1 for row in found if not row[3] and not row[4]),
        locations_link=reverse("admin:facilities_location_changelist"),
        roles_link=reverse("admin:auth_group_changelist") if request.user.has_perm("auth.view_group") else "",
    )


def shortcuts(request) -> list[dict]:
    """Links to start work from the home, each offered only when the console would let this person through."""
    found = []
    incidents = admin.site._registry.get(IncidentTicket)
    if incidents is not None and incidents.has_add_permission(request):
        found.append(
            {"key": "log-incident", "title": _("Log an incident"), "icon": "add_alert", "link": _add(IncidentTicket)}
        )
    shifts = admin.site._registry.get(Shift)
    if shifts is not None and shifts.has_view_permission(request):
        found.append(
            {
                "key": "roster",
                "title": _("Roster"),
                "icon": "calendar_view_week",
                "link": reverse("scheduling_roster"),
            }
        )
        list_actions = {action.action_name for action in shifts.get_actions_list(request)}
        if "scheduling_shift_publish_week" in list_actions:
            found.append(
                {
                    "key": "publish-week",
                    "title": _("Publish a week…"),
                    "icon": "publish",
                    "link": reverse("admin:scheduling_shift_publish_week"),
                }
            )
    return found


def _add(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")
