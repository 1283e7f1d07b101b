"""Every journal line across tickets. Notes are append-only: added here or on a ticket, never edited."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from unfold.decorators import display

from apps.console.base import PortalModelAdmin
from apps.console.forms import LocalRangeDateTimeFilter, adopt
from apps.console.scope import ScopedAutocompleteSelectFilter
from apps.tickets.models import TicketNote
from apps.tickets.services import ticket_note_add

from .common import PEOPLE_SEARCH


@admin.register(TicketNote)
class TicketNoteAdmin(PortalModelAdmin):
    """Every journal line across tickets. Notes are append-only: added here or on a ticket, never edited."""

    list_display = ["ticket_link", "excerpt", "author", "created_at"]
    list_display_links = ["excerpt"]
    list_select_related = ["incident", "service_ticket", "author"]
    list_filter = [("author", ScopedAutocompleteSelectFilter), ("created_at", LocalRangeDateTimeFilter)]
    search_fields = [
        "text",
        "incident__reference",
        "service_ticket__reference",
        *(f"author__{name}" for name in PEOPLE_SEARCH),
    ]
    search_help_text = "Text, ticket reference, author (name, username, employee ID)."
    ordering = ["-created_at"]
    date_hierarchy = "created_at"
    autocomplete_fields = ["incident", "service_ticket", "author"]
    fields = ["incident", "service_ticket", "text"]
    readonly_fields = ["author", "created_at"]

    def get_fields(self, request, obj=None):
        return ["incident", "service_ticket", "author", "created_at", "text"] if obj is not None else self.fields

    def has_change_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        adopt(obj, ticket_note_add(ticket=obj.incident or obj.service_ticket, text=obj.text, by=request.user))

    @display(description="Ticket")
    def ticket_link(self, obj):
        ticket = obj.ticket
        url = reverse(f"admin:tickets_{ticket._meta.model_name}_change", args=[ticket.pk])
        return format_html('<a href="{}" class="text-primary-600">{}</a>', url, ticket.reference)

    @display(description="Note")
    def excerpt(self, obj):
        return obj.text if len(obj.text) <= 80 else f"{obj.text[:77]}..."
