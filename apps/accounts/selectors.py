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


def location_supervisors(*, location) -> QuerySet[User]:
    """The active supervisors covering `location` (directly or through a role) who have an e-mail address.

    Who is told of a new SEV1/SEV2 or an SLA breach there. Administrators are not included: they see
    everything, and would be told of everything.
    """
    from apps.core.roles import Role
    from apps.core.scope import COVER_PERMISSION
    from apps.facilities.models import LocationGroupObjectPermission, LocationUserObjectPermission

    direct = LocationUserObjectPermission.objects.filter(content_object=location, permission__codename=COVER_PERMISSION)
    through_roles = LocationGroupObjectPermission.objects.filter(
        content_object=location, permission__codename=COVER_PERMISSION
    )
    return (
        User.objects.filter(is_active=True, groups__name=Role.SUPERVISOR)
        .exclude(email="")
        .filter(Q(pk__in=direct.values("user")) | Q(groups__in=through_roles.values("group")))
        .distinct()
        .order_by("pk")
    )
