"""What the ticket admins share: the colours of the choices, the notes inlines and the ticket admin base."""

from collections.abc import Callable, Collection

from unfold.admin import TabularInline

from apps.console.base import PortalModelAdmin
from apps.console.forms import ServiceAdminMixin
from apps.console.scope import ScopedFieldsMixin
from apps.core.scope import sees_everything
from apps.tickets.choices import IncidentStatus, ServicePriority, ServiceStatus, Severity
from apps.tickets.models import TicketNote
from apps.tickets.rules import NEW_REFERENCE, ticket_check_scope, ticket_note_refusal
from apps.tickets.selectors import ticket_notes_visible_to
from apps.tickets.services import ticket_note_add
from apps.tickets.sla import SlaState

# Colours of the choices, defined once (unfold label types; anything else renders neutral grey).
NEUTRAL = "neutral"
SEVERITY_COLOURS = {Severity.SEV1: "danger", Severity.SEV2: "warning", Severity.SEV3: "info", Severity.SEV4: NEUTRAL}
INCIDENT_STATUS_COLOURS = {
    IncidentStatus.NEW: "warning",
    IncidentStatus.TRIAGED: "info",
    IncidentStatus.IN_PROGRESS: "primary",
    IncidentStatus.ON_HOLD: NEUTRAL,
    IncidentStatus.RESOLVED: "success",
    IncidentStatus.CLOSED: NEUTRAL,
    IncidentStatus.DUPLICATE: NEUTRAL,
}
SERVICE_STATUS_COLOURS = {
    ServiceStatus.OPEN: "warning",
    ServiceStatus.SCHEDULED: "info",
    ServiceStatus.IN_PROGRESS: "primary",
    ServiceStatus.WAITING: NEUTRAL,
    ServiceStatus.DONE: "success",
    ServiceStatus.CANCELLED: NEUTRAL,
}
PRIORITY_COLOURS = {
    ServicePriority.URGENT: "danger",
    ServicePriority.HIGH: "warning",
    ServicePriority.NORMAL: "info",
    ServicePriority.LOW: NEUTRAL,
}
SLA_COLOURS = {
    SlaState.BREACHED: "danger",
    SlaState.AT_RISK: "warning",
    SlaState.ON_TRACK: "success",
    SlaState.MET: "success",
    SlaState.MISSED: "danger",
}

PEOPLE_SEARCH = ("username", "first_name", "last_name", "employee_id")
RECORD_FIELDSET = ("Record", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]})


class TicketNoteInline(ScopedFieldsMixin, TabularInline):
    """The journal so far: append-only, so read-only."""

    model = TicketNote
    fields = ["created_at", "author", "text"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "Notes"

    def get_queryset(self, request):
        return ticket_notes_visible_to(user=request.user)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class TicketNoteAddInline(ScopedFieldsMixin, TabularInline):
    """Empty rows to append notes; saved through `ticket_note_add` by the ticket admin."""

    model = TicketNote
    fields = ["text"]
    extra = 1
    can_delete = False
    verbose_name = "new note"
    verbose_name_plural = "Add a note"

    def get_queryset(self, request):
        return super().get_queryset(request).none()


class TicketAdmin(ServiceAdminMixin, PortalModelAdmin):
    """A ticket admin: saved through the services, with its notes inline (appended through `ticket_note_add`).

    The form validates as the service will save: `check_form` runs the service's scope check and rules
    (`<entity>_validate`) on an unsaved copy, then `full_clean()` (`apps.core.saving.instance_validate`). Status
    and the workflow's stamps are read-only here: they move through the workflow's steps (the actions).

    Tickets are closed or cancelled through their workflow; only administrators delete one, through the
    service (`delete_service`), which records who did in history (and so on the Activity page).

    A single ticket can be shared with someone outside its location (guardian's "Object permissions").
    """

    object_permissions = True
    editable_fields: Collection[str]  # what the update service may change
    # the service deleting one ticket: (ticket, *, by) -> None
    delete_service: Callable[..., None]

    def check_form(self, request, form, validate: Callable[..., None]) -> None:
        """The form's dry run: `validate(ticket, changed=)` and the scope check on an unsaved copy; writes nothing.

        `changed` is what the service compares too: None for a new ticket, else the editable fields the form
        changes.
        """
        adding = form.instance._state.adding
        changed = None if adding else [name for name in form.changed_data if name in self.editable_fields]

        def check(ticket) -> None:
            if adding:
                ticket.reference = NEW_REFERENCE  # the counter gives the real one when it is saved
            ticket_check_scope(ticket=ticket, by=request.user, changed=changed)
            validate(ticket, changed=changed)

        form.check_unsaved_copy(check)

    def save_formset(self, request, form, formset, change):
        if formset.model is not TicketNote:
            return super().save_formset(request, form, formset, change)
        # only the "add a note" inline has new rows; existing notes are read-only
        formset.new_objects = [
            ticket_note_add(ticket=form.instance, text=note.text, by=request.user)
            for note in formset.save(commit=False)
        ]
        return None

    # --- deleting: administrators only, through the service ---------------------------------------------------

    def has_delete_permission(self, request, obj=None):
        # the Supervisor role carries the model's delete permission (fixtures/roles.json); it is not enough
        return sees_everything(request.user) and super().has_delete_permission(request, obj)

    def delete_model(self, request, obj):
        self.delete_service(obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for ticket in queryset.order_by("pk"):
            self.delete_service(ticket, by=request.user)

    def get_inlines(self, request, obj):
        if obj is None:
            return []
        # the note box only where a note can be saved: not on a closed incident, nor on a page the user only views
        can_add_note = ticket_note_refusal(obj) is None and self.has_change_permission(request, obj)
        return [TicketNoteInline, TicketNoteAddInline] if can_add_note else [TicketNoteInline]


def minutes_label(minutes: float) -> str:
    """30 -> "30 min", 240 -> "4 h", 90 -> "1 h 30 min", 2880 -> "2 d"."""
    minutes = round(minutes)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [f"{days} d" if days else "", f"{hours} h" if hours else "", f"{mins} min" if mins else ""]
    return " ".join(part for part in parts if part) or "0 min"
