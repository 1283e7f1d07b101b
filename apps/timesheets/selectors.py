"""Permission-scoped reads of time entries (filtered in SQL)."""

from django.db.models import QuerySet

from apps.core.roles import sees_all_rows

from .models import TimeEntry


def time_entries_visible_to(*, user) -> QuerySet[TimeEntry]:
    """Console roles see every entry; anyone else their own."""
    entries = TimeEntry.objects.select_related("user", "shift__facility__location", "incident", "service_ticket")
    if sees_all_rows(user):
        return entries
    if not (user.is_authenticated and user.is_active):
        return entries.none()
    return entries.filter(user=user)
