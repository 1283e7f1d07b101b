"""Console pages for people and roles. Other admins autocomplete users and groups through these."""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin as UnfoldModelAdmin
from unfold.contrib.filters.admin import (
    BooleanRadioFilter,
    DropdownFilter,
)
from unfold.decorators import display
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from apps.core.admin import PortalModelAdmin
from apps.core.admin_scope import ScopedAdminMixin, ScopedRelatedDropdownFilter
from apps.facilities.admin_grants import GroupLocationScopeInline, UserLocationScopeInline

from .models import User
from .resources import UserResource
from .selectors import groups_visible_to, users_visible_to
from .services import user_create, user_update


def _ordered(admin_obj, request, queryset):
    ordering = admin_obj.get_ordering(request)
    return queryset.order_by(*ordering) if ordering else queryset


class DepartmentFilter(DropdownFilter):
    title = _("department")
    parameter_name = "department"

    def lookups(self, request, model_admin):
        departments = (
            users_visible_to(user=request.user)
            .exclude(department="")
            .order_by("department")
            .values_list("department", flat=True)
            .distinct()
        )
        return [(department, department) for department in departments]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(department=self.value())
        return queryset


@admin.register(User)
class UserAdmin(DjangoUserAdmin, PortalModelAdmin):
    resource_classes = [UserResource]
    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = AdminPasswordChangeForm

    list_display = ("display_name", "employee_id", "title", "department", "home_location", "roles", "is_active")
    list_display_links = ("display_name", "employee_id")
    list_filter = (
        ("groups", ScopedRelatedDropdownFilter),
        ("home_location", ScopedRelatedDropdownFilter),
        DepartmentFilter,
        ("is_active", BooleanRadioFilter),
        ("is_staff", BooleanRadioFilter),
    )
    list_select_related = ("home_location",)
    search_fields = ["username", "employee_id", "first_name", "last_name", "email"]
    ordering = ("last_name", "first_name", "username")
    autocomplete_fields = ("home_location",)
    readonly_fields = ("last_login", "date_joined", "created_at", "updated_at")
    inlines = (UserLocationScopeInline,)

    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Person"), {"fields": ("first_name", "last_name", "email", "phone", "avatar")}),
        (_("Employment"), {"fields": ("employee_id", "title", "department", "home_location")}),
        (
            _("Roles and permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined", "created_at", "updated_at")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "usable_password", "password1", "password2")}),
        (_("Person"), {"fields": ("first_name", "last_name", "email")}),
        (_("Employment"), {"fields": ("employee_id", "title", "department", "home_location")}),
        (_("Roles"), {"fields": ("is_staff", "groups")}),
    )

    def get_queryset(self, request):
        queryset = users_visible_to(user=request.user).select_related("home_location").prefetch_related("groups")
        return _ordered(self, request, queryset)

    @display(description=_("name"), ordering="last_name")
    def display_name(self, obj: User) -> str:
        return obj.get_full_name() or obj.username

    @display(description=_("roles"), label=True)
    def roles(self, obj: User):
        # obj.groups.all() is served from the prefetch above: no query per row
        return [group.name for group in obj.groups.all()]

    def save_model(self, request, obj, form, change):
        if change:
            user_update(user=obj, by=request.user)
        else:
            user_create(user=obj, by=request.user)


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(ScopedAdminMixin, DjangoGroupAdmin, UnfoldModelAdmin):
    list_display = ("name", "permission_count", "member_count")
    search_fields = ["name"]
    ordering = ("name",)
    inlines = (GroupLocationScopeInline,)

    def get_queryset(self, request):
        queryset = groups_visible_to(user=request.user).annotate(
            permission_total=Count("permissions", distinct=True),
            member_total=Count("user", distinct=True),
        )
        return _ordered(self, request, queryset)

    @display(description=_("permissions"), ordering="permission_total")
    def permission_count(self, obj: Group) -> int:
        return obj.permission_total

    @display(description=_("members"), ordering="member_total")
    def member_count(self, obj: Group) -> int:
        return obj.member_total
