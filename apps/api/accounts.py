"""/api/profiles/: the people (`accounts.User`) under the frontend's names, and the current user's body.

`title`, `department`, `phone`, `location` (the home location) and `profile_image` (the avatar's URL; a file
to change it, null to remove it). A person changes their own phone and photo; administrators change every
field and add people. Writes go through `apps.accounts.services`.
"""

import django_filters
from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser

from apps.accounts.models import User
from apps.accounts.services import user_create, user_update
from apps.core.scope import sees_everything

from . import rows
from .base import Creates, ResourceViewSet, Updates
from .fields import ModelOutput, VisibleRowField, label
from .filters import IdFilter
from .permissions import roles_of

PROFILE_FIELDS = (
    "id",
    "username",
    "email",
    "first_name",
    "last_name",
    "employee_id",
    "title",
    "department",
    "phone",
    "location",
    "location_label",
    "profile_image",
)
OWN_FIELDS = frozenset({"phone", "profile_image"})
OWN_ONLY = "You may change only the phone and photo of your own profile; administrators change the rest."
API_NAMES = {"home_location": "location", "avatar": "profile_image"}


class ProfileSerializer(ModelOutput):
    email = serializers.CharField(read_only=True, help_text="The portal e-mail address; empty when there is none.")
    location = serializers.PrimaryKeyRelatedField(source="home_location", read_only=True, allow_null=True)
    location_label = label("home_location", nullable=True)
    profile_image = serializers.SerializerMethodField(help_text="The avatar's URL, or null.")

    class Meta:
        model = User
        fields = PROFILE_FIELDS
        read_only_fields = PROFILE_FIELDS

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_profile_image(self, user) -> str | None:
        if not user.avatar:
            return None
        request = self.context.get("request")
        return request.build_absolute_uri(user.avatar.url) if request is not None else user.avatar.url


class CurrentUserSerializer(ProfileSerializer):
    roles = serializers.SerializerMethodField(help_text="The person's roles (Administrator, Supervisor, …).")
    permissions = serializers.SerializerMethodField(help_text="`app_label.codename` strings the person holds.")

    class Meta(ProfileSerializer.Meta):
        fields = (*PROFILE_FIELDS, "roles", "permissions")
        read_only_fields = fields

    def get_roles(self, user) -> list[str]:
        return sorted(roles_of(user))

    def get_permissions(self, user) -> list[str]:
        return sorted(user.get_all_permissions())


def _location_field(**kwargs):
    return VisibleRowField(rows=rows.locations, model=User.home_location.field.related_model, noun="location", **kwargs)


class ProfileInput(serializers.Serializer):
    """What an administrator sets; the model's own validation (and the service's scope rule) speak for the values."""

    username = serializers.CharField(trim_whitespace=False)
    employee_id = serializers.CharField()
    email = serializers.CharField(required=False, allow_blank=True)
    first_name = serializers.CharField(required=False, allow_blank=True)
    last_name = serializers.CharField(required=False, allow_blank=True)
    title = serializers.CharField(required=False, allow_blank=True)
    department = serializers.CharField(required=False, allow_blank=True)
    phone = serializers.CharField(required=False, allow_blank=True)
    location = _location_field(required=False, allow_null=True)
    profile_image = serializers.ImageField(required=False, allow_null=True)


class ProfileChange(ProfileInput):
    username = serializers.CharField(required=False, trim_whitespace=False)
    employee_id = serializers.CharField(required=False)


def _model_fields(data: dict) -> dict:
    renamed = {"location": "home_location", "profile_image": "avatar"}
    fields = {renamed.get(name, name): value for name, value in data.items()}
    if "avatar" in fields and fields["avatar"] is None:
        fields["avatar"] = ""
    return fields


class ProfileFilter(django_filters.FilterSet):
    location = IdFilter(field_name="home_location_id", help_text="People based at this location (its id).")
    department = django_filters.CharFilter(lookup_expr="iexact")
    title = django_filters.CharFilter(lookup_expr="iexact")

    class Meta:
        model = User
        fields = ["location", "department", "title"]


@extend_schema_view(
    list=extend_schema(summary="People", tags=["profiles"]),
    retrieve=extend_schema(summary="A person", tags=["profiles"]),
    create=extend_schema(
        summary="Add a person (administrators)",
        tags=["profiles"],
        request={"application/json": ProfileInput, "multipart/form-data": ProfileInput},
        responses={201: ProfileSerializer},
    ),
    partial_update=extend_schema(
        summary="Change a person (own phone and photo; administrators: every field)",
        tags=["profiles"],
        request={"application/json": ProfileChange, "multipart/form-data": ProfileChange},
        responses={200: ProfileSerializer},
    ),
)
class ProfileViewSet(Creates, Updates, ResourceViewSet):
    resource = "profiles"
    output = ProfileSerializer
    create_input = ProfileInput
    update_input = ProfileChange
    field_names = API_NAMES
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    filterset_class = ProfileFilter
    search_fields = ["username", "first_name", "last_name", "employee_id", "email", "title", "department"]
    ordering_fields = ["last_name", "first_name", "username", "employee_id", "department"]
    ordering = ["last_name", "first_name", "username"]

    rows_from = staticmethod(rows.people)

    def perform_create(self, data):
        return user_create(by=self.request.user, **_model_fields(data))

    def perform_update(self, instance, data):
        by = self.request.user
        if not sees_everything(by) and (instance.pk != by.pk or set(data) - OWN_FIELDS):
            raise PermissionDenied(OWN_ONLY)
        return user_update(user=instance, by=by, **_model_fields(data))
