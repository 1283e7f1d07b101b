"""Permission-scoped reads of people and roles."""

from django.contrib.auth.models import Group
from django.db.models import QuerySet

from apps.core.roles import sees_all_rows

from .models import User


def users_visible_to(*, user) -> QuerySet[User]:
    """People `user` may read: everyone for the console roles, otherwise only themselves."""
    queryset = User.objects.all()
    if sees_all_rows(user):
        return queryset
    if user.is_authenticated:
        return queryset.filter(pk=user.pk)
    return queryset.none()


def groups_visible_to(*, user) -> QuerySet[Group]:
    """Roles `user` may read: all of them for the console roles, otherwise their own."""
    queryset = Group.objects.all()
    if sees_all_rows(user):
        return queryset
    if user.is_authenticated:
        return queryset.filter(user=user)
    return queryset.none()
