"""Permission-scoped reads of time entries (filtered in SQL)."""

from django.db.models import Q, QuerySet

from apps.core.scope import register_selector, scoped

from .choices import TimeEntryStatus
from .models import TimeEntry


@register_selector(TimeEntry)
def time_entries_visible_to(*, user) -> QuerySet[TimeEntry]:
    """Entries of the people based at the locations `user` covers, and `user`'s own."""
    entries = TimeEntry.objects.select_related("user", "shift__facility__location", "incident", "service_ticket")
    return scoped(entries, user=user, location="user__home_location", own=lambda person: Q(user=person))


def time_entries_awaiting_review_q(*, user) -> Q:
    """The entries waiting for `user`'s review: submitted, and not their own (nobody approves their own time).

    Narrows a scoped list (`time_entries_visible_to`): the console's home counts these, and the time entries
    list's "Waiting for me" filter shows them.
    """
    return Q(status=TimeEntryStatus.SUBMITTED) & ~Q(user=user)
