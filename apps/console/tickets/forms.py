"""The input some ticket actions ask for: whom to assign, how it was resolved, which ticket survives, a note.

Every form is built for one request and the tickets it will act on; its choices start from the selectors
(scope in SQL). The forms check the shape of the input only: the workflow services decide, ticket by ticket,
and a refusal naming a field ({"resolution": ...}) is shown next to that field (`add_service_error`).
"""

from django import forms
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone
from unfold.widgets import (
    UnfoldAdminIntegerFieldWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminTextareaWidget,
)

from apps.accounts.selectors import users_visible_to
from apps.scheduling.choices import EventKind, EventStatus
from apps.scheduling.selectors import scheduled_events_visible_to
from apps.tickets.choices import Severity
from apps.tickets.selectors import incidents_visible_to


class TicketActionForm(forms.Form):
    """An action's form; with no fields of its own it is the confirmation of an action on one ticket's page."""

    # a key of the services' errors -> the field showing it, where the names differ
    error_fields: dict[str, str] = {}

    def __init__(self, data=None, *, request, tickets, model_admin):
        super().__init__(data)
        self.request, self.tickets, self.model_admin = request, tickets, model_admin
        self.setup()

    def setup(self) -> None:
        """Narrow the choices to the user's scope and the tickets at hand (subclasses)."""

    def add_service_error(self, error: ValidationError) -> None:
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for key, errors in error.error_dict.items():
            field = self.error_fields.get(key, key)
            self.add_error(field if field in self.fields else None, errors)

    def autocomplete(self, name: str, model_field: str | None = None) -> None:
        """The admin's own autocomplete widget for `name` (searching through the related admin, scoped)."""
        form_field = self.fields[name]
        widget = AutocompleteSelect(
            self.model_admin.model._meta.get_field(model_field or name), self.model_admin.admin_site
        )
        widget.is_required, widget.choices = form_field.required, form_field.choices  # as the field would set them
        form_field.widget = widget

    @property
    def single_ticket(self):
        return self.tickets[0] if len(self.tickets) == 1 else None


def _textarea(rows: int = 4) -> UnfoldAdminTextareaWidget:
    return UnfoldAdminTextareaWidget(attrs={"rows": rows})


class AssignForm(TicketActionForm):
    assignee = forms.ModelChoiceField(
        queryset=None,
        label="Assign to",
        help_text="An active person of the locations you cover (or yourself).",
        # the search lists the people in scope, inactive ones too: say why one of those is refused
        error_messages={"invalid_choice": "Pick an active person of the locations you cover."},
    )

    def setup(self):
        people = users_visible_to(user=self.request.user).filter(is_active=True)
        self.fields["assignee"].queryset = people.order_by("last_name", "first_name", "username")
        self.autocomplete("assignee")


class SeverityForm(TicketActionForm):
    severity = forms.ChoiceField(
        choices=[("", "Select value"), *Severity.choices],
        widget=UnfoldAdminSelectWidget,
        help_text="The SLA clocks follow the new severity; a rise to SEV1 or SEV2 is e-mailed to the supervisors.",
    )

    def setup(self):
        if self.single_ticket is not None:
            self.initial["severity"] = self.single_ticket.severity


class ResolveForm(TicketActionForm):
    error_fields = {"off_air_seconds": "off_air_minutes"}

    resolution = forms.CharField(widget=_textarea(), help_text="What was done; the reporter is told.")
    off_air_minutes = forms.IntegerField(
        label="Minutes off air",
        required=False,
        min_value=0,
        widget=UnfoldAdminIntegerFieldWidget,
        help_text="Output lost, if any. Left empty, what the ticket has stays.",
    )


class ReasonForm(TicketActionForm):
    reason = forms.CharField(
        required=False, widget=_textarea(3), help_text="Optional; when given it is added to the ticket's notes."
    )


class DuplicateForm(TicketActionForm):
    duplicate_of = forms.ModelChoiceField(
        queryset=None,
        label="Duplicate of",
        error_messages={"invalid_choice": "Pick an incident you can see."},
        help_text="The ticket that stays: the notes move there, and each ticket gets a note naming the other.",
    )

    def setup(self):
        self.fields["duplicate_of"].queryset = incidents_visible_to(user=self.request.user)
        self.autocomplete("duplicate_of")


class NoteForm(TicketActionForm):
    text = forms.CharField(label="Note", widget=_textarea())


class ScheduleForm(TicketActionForm):
    scheduled_event = forms.ModelChoiceField(
        queryset=None,
        label="Maintenance window",
        empty_label="Select value",
        widget=UnfoldAdminSelectWidget,
        help_text="Maintenance windows at the tickets' locations that are not cancelled; upcoming ones first.",
    )

    def setup(self):
        locations = {ticket.facility.location_id for ticket in self.tickets}
        now = timezone.now()
        windows = (
            scheduled_events_visible_to(user=self.request.user)
            .filter(kind=EventKind.MAINTENANCE, facility__location__in=locations)
            .exclude(status=EventStatus.CANCELLED)
            .annotate(past=Case(When(ends_at__lt=now, then=Value(1)), default=Value(0), output_field=IntegerField()))
        )
        self.fields["scheduled_event"].queryset = windows.order_by("past", "starts_at", "pk")
        if self.single_ticket is not None and self.single_ticket.scheduled_event_id:
            self.initial["scheduled_event"] = self.single_ticket.scheduled_event_id
