"""The Activity page: every change across the portal, newest first, each linking to its object's history.

Read-only for everyone; rows are written next to each history row (apps.audit.receivers). The list starts
from `activity_visible_to` (the user's scope, in SQL) and never counts the whole table.
"""

from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.contrib.filters.admin import ChoicesDropdownFilter, DropdownFilter, TextFilter
from unfold.decorators import display
from unfold.paginator import InfinitePaginator

from apps.audit.diffs import EMPTY, local_moment
from apps.audit.models import ActivityEntry, HistoryType
from apps.audit.selectors import activity_visible_to, tracked_models
from apps.console.forms import LocalRangeDateFilter
from apps.console.scope import ReadOnlyAdminMixin, ScopedAdminMixin, ScopedAutocompleteSelectFilter
from apps.core.scope import scoped_models, sees_everything

ACTION_COLOURS = {HistoryType.CREATED: "success", HistoryType.CHANGED: "info", HistoryType.DELETED: "danger"}


class TrackedModelFilter(DropdownFilter):
    """The models that keep a history; without the whole view, only those with a scope (the rest never show)."""

    title = _("model")
    parameter_name = "model"

    def lookups(self, request, model_admin):
        models = tracked_models()
        if not sees_everything(request.user):
            models = [model for model in models if model in scoped_models()]
        content_types = ContentType.objects.get_for_models(*models)
        return [(str(content_types[model].pk), capfirst(model._meta.verbose_name_plural)) for model in models]

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(content_type_id=value) if value and value.isdigit() else queryset


class RequestIdFilter(TextFilter):
    """Everything one request (or task, or command) changed; the list's request links set it."""

    title = _("request id")
    parameter_name = "request_id"

    def queryset(self, request, queryset):
        value = (self.value() or "").strip()
        return queryset.filter(request_id=value) if value else queryset


class ActorFilter(ScopedAutocompleteSelectFilter):
    """Who made the change. The column is called "by", and filters are titled "By <title>": not "By by"."""

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        self.title = _("person")


@admin.register(ActivityEntry)
class ActivityEntryAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, ModelAdmin):
    list_display = ["when", "by", "action_label", "model_name", "object_link", "change_reason", "request_link"]
    list_display_links = None
    list_select_related = ["content_type", "user"]
    list_filter = [
        ("user", ActorFilter),
        TrackedModelFilter,
        ("history_type", ChoicesDropdownFilter),
        ("history_date", LocalRangeDateFilter),
        RequestIdFilter,
    ]
    list_filter_submit = True
    search_fields = ["object_repr", "change_reason", "request_id"]
    search_help_text = _("The object's name at the time, the reason, or a request id.")
    ordering = ["-history_date", "-id"]
    # a COUNT over every change ever made is the slowest query on the page; the list only pages forward
    paginator = InfinitePaginator
    show_full_result_count = False
    list_per_page = 50
    fields = [
        "when",
        "by",
        "action_label",
        "model_name",
        "object_link",
        "change_reason",
        "request_link",
        "history_id",
    ]
    readonly_fields = fields

    def visible_to(self, user):
        return activity_visible_to(user=user)

    @display(description=_("when"), ordering="history_date")
    def when(self, entry: ActivityEntry) -> str:
        return local_moment(entry.history_date)

    @display(description=_("by"), ordering="user__last_name")
    def by(self, entry: ActivityEntry) -> str:
        return str(entry.user) if entry.user_id else EMPTY

    @display(description=_("action"), ordering="history_type", label=ACTION_COLOURS)
    def action_label(self, entry: ActivityEntry) -> tuple[str, str]:
        return entry.history_type, entry.get_history_type_display()

    @display(description=_("model"), ordering="content_type__model")
    def model_name(self, entry: ActivityEntry) -> str:
        model = entry.content_type.model_class()  # from the app registry, no query
        return capfirst(model._meta.verbose_name) if model else entry.content_type.model

    @display(description=_("object"), ordering="object_repr")
    def object_link(self, entry: ActivityEntry) -> str:
        content_type = entry.content_type
        try:
            url = reverse(f"admin:{content_type.app_label}_{content_type.model}_history", args=[entry.object_id])
        except NoReverseMatch:  # a model kept out of the console
            return entry.object_repr
        return format_html('<a href="{}">{}</a>', url, entry.object_repr)

    @display(description=_("request id"), ordering="request_id")
    def request_link(self, entry: ActivityEntry) -> str:
        if not entry.request_id:
            return EMPTY
        url = reverse("admin:audit_activityentry_changelist")
        request_id = entry.request_id
        return format_html('<a href="{}?request_id={}" title="{}">{}</a>', url, request_id, request_id, request_id[:8])
