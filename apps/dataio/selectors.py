"""Permission-scoped reads of import jobs."""

from django.db.models import QuerySet

from apps.core.roles import sees_all_rows

from .models import ImportJob


def import_jobs_visible_to(*, user) -> QuerySet[ImportJob]:
    """Jobs `user` may read: all of them for the console roles, otherwise the ones they started."""
    queryset = ImportJob.objects.select_related("created_by")
    if sees_all_rows(user):
        return queryset
    if user.is_authenticated:
        return queryset.filter(created_by=user)
    return queryset.none()
