"""Global search from the console's search box (the command palette, Ctrl+K): pages of the console, incidents,
service tickets, people, facilities, shifts and events.

Each kind of row is searched by its own admin: its search fields (`get_search_results`, what the list's search box
does) over its own queryset (`get_queryset`, the model's selector), and only for people who may view that list. So
a person finds exactly the rows they could find in the lists, and every row found opens. A kind with more matches
than are shown ends with a link to its list searched for the same words.

It answers /admin/search/ in place of unfold's view (portal/urls.py routes it first), keeping unfold's markup so
the palette's own script works unchanged. Unfold's view searches every registered model, reads every match into
memory and keeps the results in the cache for five minutes (a grant withdrawn meanwhile would still show rows);
and a `?page=x` or a NUL byte in the words made it fail. Here bad input gets a sentence.
"""

import unicodedata
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.admin.views.main import SEARCH_VAR
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.facilities.models import Facility
from apps.scheduling.models import ScheduledEvent, Shift
from apps.tickets.models import IncidentTicket, ServiceTicket

# (model, icon) in the order the results are listed
SEARCHED = (
    (IncidentTicket, "emergency"),
    (ServiceTicket, "build"),
    (User, "person"),
    (Facility, "apartment"),
    (Shift, "schedule"),
    (ScheduledEvent, "event"),
)
PER_KIND = 5
MAX_LENGTH = 100
MAX_WORDS = 8
TEMPLATE = "admin/search/command_results.html"


@dataclass(frozen=True)
class Found:
    title: str
    description: str
    link: str
    icon: str


def search_view(request):
    """GET ?s=<words>[&extended=1][&page=1]: what the palette shows for the words."""
    words = request.GET.get("s", "")
    problem = words_problem(words) or page_problem(request.GET.get("page", "1"))
    if problem:
        return _answer(request, results=[], message=problem)
    words = " ".join(words.split())
    if not words or request.GET.get("page", "1").strip() != "1":  # every result fits the first page
        return _answer(request, results=[], message="")
    results = [*_pages(request, words), *_rows(request, words)]
    message = "" if results else _("Nothing found for “%(words)s” among what you may see.") % {"words": words}
    return _answer(request, results=results, message=message)


def words_problem(words: str) -> str:
    """Why these words cannot be searched for, or "" when they can."""
    if any(unicodedata.category(char) == "Cc" for char in words):
        return _("Search words cannot contain control characters (such as a NUL byte): type them again.")
    if len(words) > MAX_LENGTH:
        return _("Search for %(limit)d characters at most (this is %(length)d).") % {
            "limit": MAX_LENGTH,
            "length": len(words),
        }
    if len(words.split()) > MAX_WORDS:
        return _("Search for %(limit)d words at most.") % {"limit": MAX_WORDS}
    return ""


def page_problem(page: str) -> str:
    if not page.strip().isdigit() or int(page) < 1:
        return _("The page of results must be a whole number, 1 or more.")
    return ""


def _pages(request, words: str) -> list[Found]:
    """The console's pages (the sidebar's links, as the person's permissions show them) whose title matches."""
    wanted = words.casefold()
    found = []
    for group in admin.site.get_sidebar_list(request):
        for item in group["items"]:
            if item["has_permission"] and wanted in str(item["title"]).casefold():
                found.append(Found(str(item["title"]), str(group.get("title", "")), str(item["link"]), item["icon"]))
    return found


def _rows(request, words: str) -> list[Found]:
    found = []
    for model, icon in SEARCHED:
        model_admin = admin.site._registry.get(model)
        if model_admin is None or not model_admin.has_view_permission(request):
            continue
        rows, may_have_duplicates = model_admin.get_search_results(request, model_admin.get_queryset(request), words)
        if may_have_duplicates:
            rows = rows.distinct()
        rows = list(rows[: PER_KIND + 1])
        kind = str(model._meta.verbose_name).capitalize()
        for row in rows[:PER_KIND]:
            link = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[row.pk])
            found.append(Found(str(row), kind, link, icon))
        if len(rows) > PER_KIND:
            changelist = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
            found.append(
                Found(
                    _("Every match in %(list)s") % {"list": model._meta.verbose_name_plural},
                    _("the list, searched for “%(words)s”") % {"words": words},
                    f"{changelist}?{urlencode({SEARCH_VAR: words})}",
                    "list",
                )
            )
    return found


def _answer(request, *, results: list[Found], message: str):
    # never kept by a browser or a proxy: what a person may see changes with their grants
    return TemplateResponse(
        request,
        TEMPLATE,
        {"results": results, "message": message, "extended": "extended" in request.GET},
        headers={"HX-Trigger": "search", "Cache-Control": "private, no-store"},
    )
