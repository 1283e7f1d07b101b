"""Permission-scoped reads of people and roles."""

from django.contrib.auth.models import Group
from django.db.models import Q, QuerySet

from apps.core.scope import is_live, register_selector, scoped, sees_everything

from .models import User


@register_selector(User)
def users_visible_to(*, user) -> QuerySet[User]:
    """People based at the locations `user` covers, and `user` themselves (administrators: everyone)."""
    return scoped(User.objects.select_related("home_location"), user=user, location="home_location", own=_self)


@register_selector(Group)
def groups_visible_to(*, user) -> QuerySet[Group]:
    """Roles: all of them for administrators, otherwise the user's own."""
    if sees_everything(user):
        return Group.objects.all()
    if not is_live(user):
        return Group.objects.none()
    return Group.objects.filter(user=user)


def _self(user) -> Q:
    return Q(pk=user.pk)
