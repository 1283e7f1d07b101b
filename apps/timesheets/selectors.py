"""Permission-scoped reads of time entries (filtered in SQL)."""

from django.db.models import Q, QuerySet

from apps.core.scope import register_selector, scoped

from .models import TimeEntry


@register_selector(TimeEntry)
def time_entries_visible_to(*, user) -> QuerySet[TimeEntry]:
    """Entries of the people based at the locations `user` covers, and `user`'s own."""
    entries = TimeEntry.objects.select_related("user", "shift__facility__location", "incident", "service_ticket")
    return scoped(entries, user=user, location="user__home_location", own=lambda person: Q(user=person))
