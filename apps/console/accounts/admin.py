"""Console pages for people and roles. Other admins autocomplete users and groups through these."""

from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin as UnfoldModelAdmin
from unfold.contrib.filters.admin import (
    BooleanRadioFilter,
    DropdownFilter,
)
from unfold.decorators import action, display
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from apps.accounts.models import CalendarFeed, User
from apps.accounts.resources import UserResource
from apps.accounts.selectors import groups_visible_to, users_visible_to
from apps.accounts.services import calendar_feed_issue, calendar_feed_revoke, user_create, user_update
from apps.console.base import PortalModelAdmin
from apps.console.facilities.grants import GroupLocationScopeInline, UserLocationScopeInline
from apps.console.scope import ScopedAdminMixin, ScopedAutocompleteSelectFilter, ScopedRelatedDropdownFilter
from apps.scheduling.calendar_feed import calendar_url


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
        ("home_location", ScopedAutocompleteSelectFilter),
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
    actions_detail = ("issue_calendar_link", "revoke_calendar_link")

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

    # --- the private calendar link -------------------------------------------------------------------------------

    def has_calendar_permission(self, request, object_id=None) -> bool:
        return request.user.has_perm("accounts.change_user")

    @action(description=_("Issue calendar link"), permissions=["calendar"], icon="calendar_month")
    def issue_calendar_link(self, request, object_id):
        person = get_object_or_404(self.get_queryset(request), pk=object_id)
        had = CalendarFeed.objects.filter(user=person).exists()
        explanation = _(
            "%(person)s gets a private link to subscribe to their published shifts from any calendar app. "
            "It is shown once, on the next page: copy it for them."
        ) % {"person": person}
        if had:
            explanation = _("%(before)s Their current link stops working at once.") % {"before": explanation}
        if request.method != "POST":
            return self._calendar_page(request, person, _("Issue calendar link"), explanation, _("Issue link"))
        try:
            token = calendar_feed_issue(user=person, by=request.user)
        except (PermissionDenied, ValidationError) as error:
            self.message_user(request, " ".join(getattr(error, "messages", [str(error)])), messages.ERROR)
        else:
            self.message_user(
                request,
                _("Calendar link for %(person)s (shown once): %(url)s")
                % {"person": person, "url": calendar_url(token)},
                messages.SUCCESS,
            )
        return redirect(reverse("admin:accounts_user_change", args=[person.pk]))

    @action(description=_("Revoke calendar link"), permissions=["calendar"], icon="event_busy")
    def revoke_calendar_link(self, request, object_id):
        person = get_object_or_404(self.get_queryset(request), pk=object_id)
        if request.method != "POST":
            explanation = _("%(person)s's calendar link stops working; calendars subscribed to it empty.") % {
                "person": person
            }
            return self._calendar_page(request, person, _("Revoke calendar link"), explanation, _("Revoke link"))
        try:
            revoked = calendar_feed_revoke(user=person, by=request.user)
        except PermissionDenied as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            if revoked:
                self.message_user(request, _("The calendar link of %(person)s is revoked.") % {"person": person})
            else:
                self.message_user(request, _("%(person)s had no calendar link.") % {"person": person}, messages.WARNING)
        return redirect(reverse("admin:accounts_user_change", args=[person.pk]))

    def _calendar_page(self, request, person, title, explanation, button):
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "explanation": explanation,
            "button": button,
            "opts": self.opts,
            "original": person,
            "cancel_url": reverse("admin:accounts_user_change", args=[person.pk]),
        }
        return TemplateResponse(request, "admin/accounts/calendar_link.html", context)


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
