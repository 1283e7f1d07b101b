"""Service tickets: requested and edited through service_ticket_create / service_ticket_update."""

from datetime import timedelta

from django.contrib import admin
from django.db import models
from django.utils import timezone
from unfold.contrib.filters.admin import (
    ChoicesDropdownFilter,
    DropdownFilter,
    MultipleChoicesDropdownFilter,
    RangeDateFilter,
)
from unfold.decorators import display

from apps.console.forms import LocalRangeDateTimeFilter
from apps.console.localtime import local_column
from apps.console.scope import ScopedAutocompleteSelectFilter
from apps.tickets.choices import ServiceStatus
from apps.tickets.models import ServiceTicket
from apps.tickets.resources import ServiceTicketResource
from apps.tickets.rules import SERVICE_TICKET_EDITABLE_FIELDS, service_ticket_validate
from apps.tickets.services import service_ticket_create, service_ticket_delete, service_ticket_update

from .common import PEOPLE_SEARCH, PRIORITY_COLOURS, RECORD_FIELDSET, SERVICE_STATUS_COLOURS, TicketAdmin
from .service_ticket_actions import ServiceTicketActionsMixin


class ServiceOverdueFilter(DropdownFilter):
    title = "due date"
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return [("overdue", "Overdue (open)"), ("week", "Due in the next 7 days (open)")]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        is_open = models.Q(status__in=ServiceStatus.open_values())
        if self.value() == "overdue":
            return queryset.filter(is_open, due_on__lt=today)
        if self.value() == "week":
            return queryset.filter(is_open, due_on__gte=today, due_on__lte=today + timedelta(days=7))
        return queryset


@admin.register(ServiceTicket)
class ServiceTicketAdmin(ServiceTicketActionsMixin, TicketAdmin):
    """Service tickets, with the workflow's steps as actions (service_ticket_actions.py)."""

    resource_classes = [ServiceTicketResource]
    editable_fields = SERVICE_TICKET_EDITABLE_FIELDS
    delete_service = staticmethod(lambda ticket, *, by: service_ticket_delete(ticket=ticket, by=by))
    list_display = [
        "reference",
        "title",
        "facility",
        "category",
        "priority_label",
        "status_label",
        "requested_by",
        "assignee",
        "due_on",
        "created",
    ]
    list_display_links = ["reference", "title"]
    list_select_related = ["facility__location", "requested_by", "assignee"]
    local_time_via = "facility"  # apps/console/localtime: the record's times in the facility's local time
    created = local_column("created_at", "Created at")  # in the facility's zone, named where not the reader's
    list_filter = [
        ("status", MultipleChoicesDropdownFilter),
        ("priority", ChoicesDropdownFilter),
        ("category", ChoicesDropdownFilter),
        ServiceOverdueFilter,
        ("facility__location", ScopedAutocompleteSelectFilter),
        ("facility", ScopedAutocompleteSelectFilter),
        ("assignee", ScopedAutocompleteSelectFilter),
        ("due_on", RangeDateFilter),
        ("created_at", LocalRangeDateTimeFilter),
    ]
    search_fields = [
        "reference",
        "title",
        "facility__code",
        "facility__name",
        *(f"requested_by__{name}" for name in PEOPLE_SEARCH),
        *(f"assignee__{name}" for name in PEOPLE_SEARCH),
    ]
    search_help_text = "Reference, title, facility code or name, requester or assignee (name, username, employee ID)."
    ordering = ["-created_at"]
    date_hierarchy = "created_at"
    autocomplete_fields = ["facility", "requested_by", "assignee", "scheduled_event"]
    add_fieldsets = [
        ("Request", {"fields": ["title", "facility", "category", "priority", "description"]}),
        ("People and dates", {"fields": ["requested_by", "assignee", "due_on", "scheduled_event"]}),
    ]
    fieldsets = [
        ("Request", {"fields": ["reference", "status", "title", "facility", "category", "priority", "description"]}),
        ("People and dates", {"fields": ["requested_by", "assignee", "due_on", "scheduled_event"]}),
        RECORD_FIELDSET,
    ]
    readonly_fields = ["reference", "status", "created_at", "updated_at"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "requested_by"] if obj is not None and "requested_by" not in fields else fields

    def get_changeform_initial_data(self, request):
        return {"requested_by": request.user.pk, **super().get_changeform_initial_data(request)}

    def run_service(self, request, form, *, dry_run):
        if dry_run:
            return self.check_form(
                request, form, lambda ticket, *, changed: service_ticket_validate(ticket=ticket, changed=changed)
            )
        data = form.cleaned_data
        if form.instance._state.adding:
            return service_ticket_create(
                title=data["title"],
                facility=data["facility"],
                requested_by=data.get("requested_by") or request.user,
                category=data["category"],
                priority=data["priority"],
                description=data.get("description", ""),
                assignee=data.get("assignee"),
                due_on=data.get("due_on"),
                scheduled_event=data.get("scheduled_event"),
                by=request.user,
            )
        return service_ticket_update(
            ticket=form.instance, by=request.user, **self.service_fields(form, self.editable_fields)
        )

    @display(description="Priority", ordering="priority", label=PRIORITY_COLOURS)
    def priority_label(self, obj):
        return obj.priority, obj.get_priority_display()

    @display(description="Status", ordering="status", label=SERVICE_STATUS_COLOURS)
    def status_label(self, obj):
        return obj.status, obj.get_status_display()
