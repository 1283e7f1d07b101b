"""Permission-scoped reads of locations and facilities."""

from django.db.models import Count, QuerySet

from apps.core.scope import register_selector, scoped

from .models import Facility, Location


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
