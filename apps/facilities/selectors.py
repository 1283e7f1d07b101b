"""Permission-scoped reads of locations and facilities."""

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from apps.core.scope import COVER_PERMISSION, register_selector, scoped

from .models import Facility, Location, LocationGroupObjectPermission, LocationUserObjectPermission


@register_selector(Location)
def locations_visible_to(*, user) -> QuerySet[Location]:
    """The locations `user` covers (administrators: all of them)."""
    return scoped(Location.objects.all(), user=user, location="pk")


def locations_with_facility_count(*, user) -> QuerySet[Location]:
    """Visible locations annotated with `facility_count`, counted in the same query."""
    return locations_visible_to(user=user).annotate(facility_count=Count("facilities"))


@register_selector(Facility)
def facilities_visible_to(*, user) -> QuerySet[Facility]:
    """The facilities at the locations `user` covers (administrators: all of them)."""
    return scoped(Facility.objects.select_related("location"), user=user, location="location")


def locations_with_coverers(*, user) -> QuerySet[Location]:
    """Visible locations annotated with who is granted to cover them: `covering_people` (active people, directly) and
    `covering_roles` (groups), each counted in a subquery of guardian's direct permission tables (one query in all)."""
    people = (
        LocationUserObjectPermission.objects.filter(
            content_object=OuterRef("pk"), permission__codename=COVER_PERMISSION, user__is_active=True
        )
        .order_by()
        .values("content_object")
        .annotate(count=Count("pk"))
        .values("count")
    )
    roles = (
        LocationGroupObjectPermission.objects.filter(
            content_object=OuterRef("pk"), permission__codename=COVER_PERMISSION
        )
        .order_by()
        .values("content_object")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return locations_visible_to(user=user).annotate(
        covering_people=Coalesce(Subquery(people), 0), covering_roles=Coalesce(Subquery(roles), 0)
    )
