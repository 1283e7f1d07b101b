"""The supervisors' console for incidents, service tickets, their notes and the incident types.

Lists start from the selectors (scope in SQL); every write goes through the services. The ticket
forms validate by a dry run of the very service that saves them, so a broken rule shows on the
form next to its field and nothing is written.
"""

from datetime import timedelta
from functools import partial

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import capfirst
from unfold.admin import TabularInline
from unfold.contrib.filters.admin import (
    AutocompleteSelectFilter,
    ChoicesDropdownFilter,
    DropdownFilter,
    MultipleChoicesDropdownFilter,
    RangeDateFilter,
    RangeDateTimeFilter,
    RelatedDropdownFilter,
)
from unfold.decorators import display
from unfold.utils import display_for_label, parse_datetime_str

from apps.core.admin import PortalModelAdmin

from .choices import IncidentStatus, ServicePriority, ServiceStatus, Severity
from .models import IncidentTicket, IncidentType, ServiceTicket, TicketNote
from .selectors import incident_types_list, incidents_visible_to, service_tickets_visible_to, ticket_notes_visible_to
from .services import (
    INCIDENT_EDITABLE_FIELDS,
    SERVICE_TICKET_EDITABLE_FIELDS,
    incident_create,
    incident_update,
    service_ticket_create,
    service_ticket_update,
    ticket_note_add,
)
from .sla import SlaState, incident_sla_q, incident_sla_state, severity_factor

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
    SlaState.DUE_SOON: "warning",
    SlaState.ON_TRACK: "success",
    SlaState.MET: "success",
    SlaState.MISSED: "danger",
}

PEOPLE_SEARCH = ("username", "first_name", "last_name", "employee_id")
RECORD_FIELDSET = ("Record", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]})


class LocalRangeDateTimeFilter(RangeDateTimeFilter):
    """unfold's date-time range, reading what the supervisor typed as local time (not a naive datetime)."""

    def queryset(self, request, queryset):
        bounds = {}
        for end, lookup in (("from", "gte"), ("to", "lte")):
            day = self.used_parameters.get(f"{self.parameter_name}_{end}_0")
            time = self.used_parameters.get(f"{self.parameter_name}_{end}_1")
            moment = parse_datetime_str(f"{day} {time}") if day and time else None
            if moment is not None:  # a bound left empty, or unreadable, does not filter
                bounds[f"{self.parameter_name}__{lookup}"] = timezone.make_aware(moment)
        return queryset.filter(**bounds)


# --- forms that validate through the services -------------------------------------------------


class ServiceValidatedForm(forms.ModelForm):
    """A model form whose model validation is a dry run of the service that will save it.

    Django's own `_post_clean` (copy the data onto the instance, `full_clean()`) is replaced:
    the service builds and checks the object itself, with every rule it has, and writes nothing.
    """

    # bound per request by ServiceBackedAdmin.get_form: (form, *, dry_run) -> the object
    run_service = None

    def _post_clean(self):
        if self._errors:
            return  # fields failed their own cleaning; the service would only repeat it
        try:
            self.run_service(self, dry_run=True)
        except ValidationError as error:
            self._add_service_error(error)

    def _add_service_error(self, error: ValidationError) -> None:
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for field, errors in error.error_dict.items():
            if field in self.fields:
                self.add_error(field, errors)
                continue
            # a read-only or derived field: say which one at the top of the form
            label = (
                ""
                if field == NON_FIELD_ERRORS
                else f"{capfirst(self._meta.model._meta.get_field(field).verbose_name)}: "
            )
            self.add_error(None, [f"{label}{message}" for item in errors for message in item.messages])


class IncidentAdminForm(ServiceValidatedForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance._state.adding and "severity" in self.fields:
            # blank means "the incident type's default", which the service fills in
            severity = self.fields["severity"]
            severity.required = False
            severity.choices = [("", "The incident type's default"), *Severity.choices]
            self.initial["severity"] = ""


class ServiceBackedAdmin(PortalModelAdmin):
    """A ticket admin whose form validation and saving both call the app's services."""

    form = ServiceValidatedForm

    def run_service(self, request, form, *, dry_run: bool) -> models.Model:
        raise NotImplementedError

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        form_class.run_service = staticmethod(partial(self.run_service, request))
        return form_class

    def save_model(self, request, obj, form, change):
        _adopt(obj, self.run_service(request, form, dry_run=False))

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as error:
            # passed the dry run, then the row changed under us (e.g. closed meanwhile); nothing was saved
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_formset(self, request, form, formset, change):
        if formset.model is not TicketNote:
            return super().save_formset(request, form, formset, change)
        # only the "add a note" inline has new rows; existing notes are read-only
        formset.new_objects = [
            ticket_note_add(ticket=form.instance, author=request.user, text=note.text)
            for note in formset.save(commit=False)
        ]
        return None

    def get_inlines(self, request, obj):
        return [TicketNoteInline, TicketNoteAddInline] if obj is not None else []


# --- notes, as inlines on both ticket admins --------------------------------------------------


class TicketNoteInline(TabularInline):
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


class TicketNoteAddInline(TabularInline):
    """Empty rows to append notes; saved through `ticket_note_add` by the ticket admin."""

    model = TicketNote
    fields = ["text"]
    extra = 1
    can_delete = False
    verbose_name = "new note"
    verbose_name_plural = "Add a note"

    def get_queryset(self, request):
        return super().get_queryset(request).none()


# --- incident types ---------------------------------------------------------------------------


@admin.register(IncidentType)
class IncidentTypeAdmin(PortalModelAdmin):
    list_display = ["name", "code", "default_severity_label", "response_sla", "resolve_sla", "is_active"]
    list_filter = [("default_severity", ChoicesDropdownFilter), "is_active"]
    search_fields = ["code", "name"]
    ordering = ["name"]
    readonly_fields = ["sla_by_severity", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["name", "code", "is_active"]}),
        ("SLA", {"fields": ["default_severity", "response_sla_minutes", "resolve_sla_minutes", "sla_by_severity"]}),
        RECORD_FIELDSET,
    ]

    def get_queryset(self, request):
        return _ordered(self, request, incident_types_list())

    @display(description="Default severity", ordering="default_severity", label=SEVERITY_COLOURS)
    def default_severity_label(self, obj):
        return obj.default_severity, obj.default_severity

    @display(description="Respond within", ordering="response_sla_minutes")
    def response_sla(self, obj):
        return _minutes(obj.response_sla_minutes)

    @display(description="Resolve within", ordering="resolve_sla_minutes")
    def resolve_sla(self, obj):
        return _minutes(obj.resolve_sla_minutes)

    @display(description="At each severity")
    def sla_by_severity(self, obj):
        if obj.pk is None or not (obj.response_sla_minutes and obj.resolve_sla_minutes):
            return "Shown once saved."
        lines = []
        for severity in Severity:
            factor = severity_factor(severity=severity, default_severity=obj.default_severity)
            lines.append(
                f"{severity.value}: respond within {_minutes(obj.response_sla_minutes * factor)}, "
                f"resolve within {_minutes(obj.resolve_sla_minutes * factor)}"
            )
        return "\n".join(lines)


# --- incidents --------------------------------------------------------------------------------


class IncidentSlaFilter(DropdownFilter):
    title = "SLA"
    parameter_name = "sla"

    def lookups(self, request, model_admin):
        return [
            (SlaState.BREACHED, "Breached (open)"),
            (SlaState.DUE_SOON, "Due within the hour"),
            (SlaState.ON_TRACK, "On track (open)"),
            (SlaState.MISSED, "Missed (resolved late)"),
            (SlaState.MET, "Met"),
        ]

    def queryset(self, request, queryset):
        if self.value() in SlaState.values:
            return queryset.filter(incident_sla_q(self.value(), now=timezone.now()))
        return queryset


@admin.register(IncidentTicket)
class IncidentTicketAdmin(ServiceBackedAdmin):
    form = IncidentAdminForm
    list_display = [
        "reference",
        "title",
        "facility",
        "severity_label",
        "status_label",
        "sla_label",
        "assignee",
        "occurred_at",
        "response_due_at",
        "resolve_due_at",
    ]
    list_display_links = ["reference", "title"]
    list_select_related = ["facility", "assignee", "incident_type"]
    list_filter = [
        ("status", MultipleChoicesDropdownFilter),
        ("severity", ChoicesDropdownFilter),
        IncidentSlaFilter,
        ("incident_type", RelatedDropdownFilter),
        ("facility__location", RelatedDropdownFilter),
        ("facility", AutocompleteSelectFilter),
        ("assignee", AutocompleteSelectFilter),
        ("occurred_at", LocalRangeDateTimeFilter),
        ("resolve_due_at", LocalRangeDateTimeFilter),
    ]
    search_fields = [
        "reference",
        "title",
        "facility__code",
        "facility__name",
        *(f"reporter__{name}" for name in PEOPLE_SEARCH),
        *(f"assignee__{name}" for name in PEOPLE_SEARCH),
    ]
    search_help_text = "Reference, title, facility code or name, reporter or assignee (name, username, employee ID)."
    ordering = ["-occurred_at"]
    date_hierarchy = "occurred_at"
    autocomplete_fields = ["incident_type", "facility", "reporter", "assignee"]
    add_fieldsets = [
        ("Incident", {"fields": ["title", "incident_type", "severity", "facility", "occurred_at", "description"]}),
        ("People", {"fields": ["reporter", "assignee"]}),
    ]
    fieldsets = [
        (
            "Incident",
            {
                "fields": [
                    "reference",
                    "status",
                    "title",
                    "incident_type",
                    "severity",
                    "facility",
                    "occurred_at",
                    "description",
                ]
            },
        ),
        ("People", {"fields": ["reporter", "assignee"]}),
        (
            "SLA",
            {
                "fields": [
                    "sla_status",
                    "response_due_at",
                    "resolve_due_at",
                    "acknowledged_at",
                    "resolved_at",
                    "closed_at",
                ]
            },
        ),
        ("Outcome", {"fields": ["off_air_seconds", "resolution", "duplicate_of"]}),
        RECORD_FIELDSET,
    ]
    # status and its timestamps belong to the workflow services; reference and due times to these
    readonly_fields = [
        "reference",
        "status",
        "sla_status",
        "response_due_at",
        "resolve_due_at",
        "acknowledged_at",
        "resolved_at",
        "closed_at",
        "duplicate_of",
        "created_at",
        "updated_at",
    ]

    def get_queryset(self, request):
        return _ordered(self, request, incidents_visible_to(user=request.user))

    def get_readonly_fields(self, request, obj=None):
        # the reporter is chosen when the incident is logged, and kept
        return [*self.readonly_fields, "reporter"] if obj is not None else self.readonly_fields

    def get_changeform_initial_data(self, request):
        return {
            "reporter": request.user.pk,
            "occurred_at": timezone.localtime().replace(second=0, microsecond=0),
            **super().get_changeform_initial_data(request),
        }

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.status == IncidentStatus.CLOSED:
            return False  # read-only until reopened through the workflow
        return super().has_change_permission(request, obj)

    def run_service(self, request, form, *, dry_run):
        data = form.cleaned_data
        if form.instance._state.adding:
            return incident_create(
                title=data["title"],
                incident_type=data["incident_type"],
                facility=data["facility"],
                reporter=data.get("reporter") or request.user,
                occurred_at=data["occurred_at"],
                severity=data.get("severity") or None,
                description=data.get("description", ""),
                assignee=data.get("assignee"),
                by=request.user,
                dry_run=dry_run,
            )
        fields = {name: value for name, value in data.items() if name in INCIDENT_EDITABLE_FIELDS}
        return incident_update(incident=form.instance, by=request.user, dry_run=dry_run, **fields)

    @display(description="Severity", ordering="severity", label=SEVERITY_COLOURS)
    def severity_label(self, obj):
        return obj.severity, obj.severity

    @display(description="Status", ordering="status", label=INCIDENT_STATUS_COLOURS)
    def status_label(self, obj):
        return obj.status, obj.get_status_display()

    @display(description="SLA", label=SLA_COLOURS)
    def sla_label(self, obj):
        state = incident_sla_state(obj, now=timezone.now())
        return (state, state.label) if state else None

    @display(description="SLA")
    def sla_status(self, obj):
        return display_for_label(self.sla_label(obj), "-", SLA_COLOURS)


# --- service tickets --------------------------------------------------------------------------


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
class ServiceTicketAdmin(ServiceBackedAdmin):
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
        "created_at",
    ]
    list_display_links = ["reference", "title"]
    list_select_related = ["facility", "requested_by", "assignee"]
    list_filter = [
        ("status", MultipleChoicesDropdownFilter),
        ("priority", ChoicesDropdownFilter),
        ("category", ChoicesDropdownFilter),
        ServiceOverdueFilter,
        ("facility__location", RelatedDropdownFilter),
        ("facility", AutocompleteSelectFilter),
        ("assignee", AutocompleteSelectFilter),
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

    def get_queryset(self, request):
        return _ordered(self, request, service_tickets_visible_to(user=request.user))

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "requested_by"] if obj is not None else self.readonly_fields

    def get_changeform_initial_data(self, request):
        return {"requested_by": request.user.pk, **super().get_changeform_initial_data(request)}

    def run_service(self, request, form, *, dry_run):
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
                dry_run=dry_run,
            )
        fields = {name: value for name, value in data.items() if name in SERVICE_TICKET_EDITABLE_FIELDS}
        return service_ticket_update(ticket=form.instance, by=request.user, dry_run=dry_run, **fields)

    @display(description="Priority", ordering="priority", label=PRIORITY_COLOURS)
    def priority_label(self, obj):
        return obj.priority, obj.get_priority_display()

    @display(description="Status", ordering="status", label=SERVICE_STATUS_COLOURS)
    def status_label(self, obj):
        return obj.status, obj.get_status_display()


# --- notes ------------------------------------------------------------------------------------


@admin.register(TicketNote)
class TicketNoteAdmin(PortalModelAdmin):
    """Every journal line across tickets. Notes are append-only: added here or on a ticket, never edited."""

    list_display = ["ticket_link", "excerpt", "author", "created_at"]
    list_display_links = ["excerpt"]
    list_select_related = ["incident", "service_ticket", "author"]
    list_filter = [("author", AutocompleteSelectFilter), ("created_at", LocalRangeDateTimeFilter)]
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

    def get_queryset(self, request):
        return _ordered(self, request, ticket_notes_visible_to(user=request.user))

    def get_fields(self, request, obj=None):
        return ["incident", "service_ticket", "author", "created_at", "text"] if obj is not None else self.fields

    def has_change_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        _adopt(obj, ticket_note_add(ticket=obj.incident or obj.service_ticket, author=request.user, text=obj.text))

    @display(description="Ticket")
    def ticket_link(self, obj):
        ticket = obj.ticket
        url = reverse(f"admin:tickets_{ticket._meta.model_name}_change", args=[ticket.pk])
        return format_html('<a href="{}" class="text-primary-600">{}</a>', url, ticket.reference)

    @display(description="Note")
    def excerpt(self, obj):
        return obj.text if len(obj.text) <= 80 else f"{obj.text[:77]}..."


def _ordered(model_admin, request, queryset):
    """A selector's queryset in the admin's ordering (get_queryset never starts anywhere else)."""
    ordering = model_admin.get_ordering(request)
    return queryset.order_by(*ordering) if ordering else queryset


def _adopt(obj: models.Model, saved: models.Model) -> None:
    """Make the admin's own object the row a service saved: the admin logs and redirects with it."""
    if saved is obj:
        return
    for field in saved._meta.concrete_fields:
        setattr(obj, field.attname, getattr(saved, field.attname))
    obj._state.adding, obj._state.db = False, saved._state.db


def _minutes(minutes: float) -> str:
    """30 -> "30 min", 240 -> "4 h", 90 -> "1 h 30 min", 2880 -> "2 d"."""
    minutes = round(minutes)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [f"{days} d" if days else "", f"{hours} h" if hours else "", f"{mins} min" if mins else ""]
    return " ".join(part for part in parts if part) or "0 min"
