"""Permission-scoped reads of import jobs."""

from django.db.models import Q, QuerySet

from apps.core.scope import register_selector, scoped

from .models import ImportJob


@register_selector(ImportJob)
def import_jobs_visible_to(*, user) -> QuerySet[ImportJob]:
    """Jobs `user` started (administrators: every job)."""
    return scoped(ImportJob.objects.select_related("created_by"), user=user, own=lambda person: Q(created_by=person))
