"""Reads of locations and facilities: reference data every signed-in person may read."""

from django.db.models import Count, QuerySet

from .models import Facility, Location


def locations_visible_to(*, user) -> QuerySet[Location]:
    """Locations `user` may read: all of them when signed in (reference data), none otherwise."""
    if not (user.is_authenticated and user.is_active):
        return Location.objects.none()
    return Location.objects.all()


def locations_with_facility_count(*, user) -> QuerySet[Location]:
    """Visible locations annotated with `facility_count`, counted in the same query."""
    return locations_visible_to(user=user).annotate(facility_count=Count("facilities"))


def facilities_visible_to(*, user) -> QuerySet[Facility]:
    """Facilities `user` may read: all of them when signed in (reference data), none otherwise."""
    if not (user.is_authenticated and user.is_active):
        return Facility.objects.none()
    return Facility.objects.select_related("location")
