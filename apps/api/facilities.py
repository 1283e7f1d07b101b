"""/api/locations/ and /api/facilities/: reference data every form needs; administrators add them.

A location carries its IANA `timezone` so the frontend can show local times. Writes go through
`apps.facilities.services`.
"""

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers

from apps.facilities.choices import FacilityKind, FacilityStatus
from apps.facilities.models import Facility, Location
from apps.facilities.services import facility_create, location_create

from . import rows
from .base import Creates, ResourceViewSet
from .fields import ModelOutput, VisibleRowField, choice_label, label
from .filters import IdFilter


class LocationSerializer(ModelOutput):
    timezone = serializers.CharField(read_only=True, help_text="IANA time zone, e.g. Europe/London.")

    class Meta:
        model = Location
        fields = ("id", "code", "name", "address", "timezone", "is_active", "created_at", "updated_at")
        read_only_fields = fields


class LocationInput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    address = serializers.CharField(required=False, allow_blank=True)
    timezone = serializers.CharField(required=False, help_text="IANA time zone (default UTC).")
    is_active = serializers.BooleanField(required=False)


class LocationFilter(django_filters.FilterSet):
    class Meta:
        model = Location
        fields = ["is_active", "code"]


@extend_schema_view(
    list=extend_schema(summary="Locations", tags=["locations"]),
    retrieve=extend_schema(summary="A location", tags=["locations"]),
    create=extend_schema(
        summary="Add a location (administrators)", tags=["locations"], responses={201: LocationSerializer}
    ),
)
class LocationViewSet(Creates, ResourceViewSet):
    resource = "locations"
    output = LocationSerializer
    create_input = LocationInput
    filterset_class = LocationFilter
    search_fields = ["code", "name"]
    ordering_fields = ["name", "code", "created_at"]
    ordering = ["name"]

    rows_from = staticmethod(rows.locations)

    def perform_create(self, data):
        return location_create(by=self.request.user, **data)


class FacilitySerializer(ModelOutput):
    location_label = label("location")
    kind_label = choice_label("kind")
    status_label = choice_label("status")

    class Meta:
        model = Facility
        fields = (
            "id",
            "code",
            "name",
            "location",
            "location_label",
            "kind",
            "kind_label",
            "status",
            "status_label",
            "on_air_critical",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


class FacilityInput(serializers.Serializer):
    location = VisibleRowField(rows=rows.locations, model=Location, noun="location")
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=FacilityKind.choices, required=False)
    status = serializers.ChoiceField(choices=FacilityStatus.choices, required=False)
    on_air_critical = serializers.BooleanField(required=False)


class FacilityFilter(django_filters.FilterSet):
    location = IdFilter(field_name="location_id", help_text="Facilities at this location (its id).")

    class Meta:
        model = Facility
        fields = ["location", "kind", "status", "on_air_critical", "code"]


@extend_schema_view(
    list=extend_schema(summary="Facilities", tags=["facilities"]),
    retrieve=extend_schema(summary="A facility", tags=["facilities"]),
    create=extend_schema(
        summary="Add a facility (administrators)", tags=["facilities"], responses={201: FacilitySerializer}
    ),
)
class FacilityViewSet(Creates, ResourceViewSet):
    resource = "facilities"
    output = FacilitySerializer
    create_input = FacilityInput
    filterset_class = FacilityFilter
    search_fields = ["code", "name"]
    ordering_fields = ["name", "code", "created_at"]
    ordering = ["location__name", "name"]

    rows_from = staticmethod(rows.facilities)

    def perform_create(self, data):
        return facility_create(by=self.request.user, **data)
