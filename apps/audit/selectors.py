"""What each person may read on the Activity page: the changes of the objects they may see, in one query."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet

from apps.core.scope import is_live, register_selector, scoped_models, sees_everything

from .models import ActivityEntry


def tracked_models() -> list[type]:
    """Models that keep a history (and so appear on the Activity page), with a selector or not."""
    from simple_history.models import registered_models

    return sorted(registered_models.values(), key=lambda model: str(model._meta.verbose_name_plural))


@register_selector(ActivityEntry)
def activity_visible_to(*, user) -> QuerySet[ActivityEntry]:
    """Every change for those who see everything; otherwise the changes of the objects `user` may see now.

    One WHERE clause: per tracked model with a selector, "this content type and an object id among the
    selector's rows" (a subquery). A deleted object is in no selector, so its changes are for administrators.
    """
    entries = ActivityEntry.objects.select_related("content_type", "user")
    if sees_everything(user):
        return entries
    if not is_live(user):
        return entries.none()
    tracked = set(tracked_models())
    selectors = {model: selector for model, selector in scoped_models().items() if model in tracked}
    content_types = ContentType.objects.get_for_models(*selectors)  # cached by Django after the first call
    condition = Q(pk__in=[])
    for model, selector in selectors.items():
        condition |= Q(content_type=content_types[model], object_id__in=selector(user=user).values("pk"))
    return entries.filter(condition)
