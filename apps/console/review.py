""" "Waiting for me": a list filter showing the rows the signed-in person may review, by a selector's rule.

The console's home counts the same rule on the same scoped list and links here (`?waiting=me`), so the list
shows exactly as many rows as the home said.
"""

from collections.abc import Callable

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from unfold.contrib.filters.admin import DropdownFilter

WAITING_PARAMETER = "waiting"
WAITING_FOR_ME = "me"


class WaitingForMeFilter(DropdownFilter):
    title = _("review")
    parameter_name = WAITING_PARAMETER
    rule: Callable[..., Q]  # (user=) -> the rows waiting for that person's review

    def lookups(self, request, model_admin):
        return [(WAITING_FOR_ME, _("Waiting for me"))]

    def queryset(self, request, queryset):
        if self.value() == WAITING_FOR_ME:
            return queryset.filter(self.rule(user=request.user))
        return queryset


def waiting_for_me_filter(rule: Callable[..., Q]) -> type[WaitingForMeFilter]:
    """The filter class for one model's rule (e.g. `time_off_awaiting_review_q`)."""
    return type(f"WaitingForMe_{rule.__name__}", (WaitingForMeFilter,), {"rule": staticmethod(rule)})
