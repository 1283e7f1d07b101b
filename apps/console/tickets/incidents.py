"""Incidents: logged and edited through incident_create / incident_update, with their SLA clocks; triaged with
the workflow's steps as actions (incident_actions.py) and worked through in queues (queues.py)."""

from django.contrib import admin
from django.utils import timezone
from unfold.contrib.filters.admin import (
    ChoicesDropdownFilter,
    DropdownFilter,
    MultipleChoicesDropdownFilter,
)
from unfold.decorators import display
from unfold.utils import display_for_label

from apps.console.forms import LocalRangeDateTimeFilter, ServiceValidatedForm
from apps.console.localtime import local_column
from apps.console.scope import ScopedAutocompleteSelectFilter, ScopedRelatedDropdownFilter
from apps.tickets.choices import IncidentStatus, Severity
from apps.tickets.models import IncidentTicket
from apps.tickets.resources import IncidentTicketResource
from apps.tickets.rules import INCIDENT_EDITABLE_FIELDS, incident_fill_defaults, incident_validate, person_label
from apps.tickets.services import incident_create, incident_delete, incident_update
from apps.tickets.sla import SlaState, incident_sla_q, incident_sla_state

from .common import (
    INCIDENT_STATUS_COLOURS,
    PEOPLE_SEARCH,
    RECORD_FIELDSET,
    SEVERITY_COLOURS,
    SLA_COLOURS,
    TicketAdmin,
    minutes_label,
)
from .incident_actions import IncidentActionsMixin
from .queues import IncidentQueueFilter, IncidentQueuesMixin, resolve_clock, response_clock


class IncidentAdminForm(ServiceValidatedForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance._state.adding and "severity" in self.fields:
            # blank means "the incident type's default", which the service fills in
            severity = self.fields["severity"]
            severity.required = False
            severity.choices = [("", "The incident type's default"), *Severity.choices]
            self.initial["severity"] = ""


def _incident_check(incident, *, changed) -> None:
    if changed is None:
        incident_fill_defaults(incident=incident)  # as incident_create does: blank is the type's default severity
    incident_validate(incident=incident, changed=changed)


class IncidentSlaFilter(DropdownFilter):
    title = "SLA"
    parameter_name = "sla"

    def lookups(self, request, model_admin):
        return [
            (SlaState.BREACHED, "Breached (open)"),
            (SlaState.AT_RISK, "At risk (last quarter of a window)"),
            (SlaState.ON_TRACK, "On track (open)"),
            (SlaState.MISSED, "Missed (resolved late)"),
            (SlaState.MET, "Met"),
        ]

    def queryset(self, request, queryset):
        if self.value() in SlaState.values:
            return queryset.filter(incident_sla_q(self.value(), now=timezone.now()))
        return queryset


@admin.register(IncidentTicket)
class IncidentTicketAdmin(IncidentActionsMixin, IncidentQueuesMixin, TicketAdmin):
    """Incidents, their queues, and the workflow's steps as actions (incident_actions.py, queues.py)."""

    local_time_via = "facility"  # apps/console/localtime: occurred at, in the facility's local time
    resource_classes = [IncidentTicketResource]
    form = IncidentAdminForm
    editable_fields = INCIDENT_EDITABLE_FIELDS
    delete_service = staticmethod(lambda incident, *, by: incident_delete(incident=incident, by=by))
    # compact rows (apps/console/static/console/console.css): the title over its facility, the assignee's name
    # over their employee ID, each clock under its due time
    list_display = [
        "reference",
        "incident",
        "severity_label",
        "status_label",
        "sla_label",
        "assignee_column",
        "occurred",
        "response_due",
        "resolve_due",
    ]
    list_display_links = ["reference", "incident"]
    list_select_related = ["facility__location", "assignee", "incident_type"]
    occurred = local_column("occurred_at", "Occurred at")  # in the facility's zone, named where not the reader's
    list_filter = [
        IncidentQueueFilter,
        ("status", MultipleChoicesDropdownFilter),
        ("severity", ChoicesDropdownFilter),
        IncidentSlaFilter,
        ("incident_type", ScopedRelatedDropdownFilter),
        ("facility__location", ScopedAutocompleteSelectFilter),
        ("facility", ScopedAutocompleteSelectFilter),
        ("assignee", ScopedAutocompleteSelectFilter),
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
                    "on_hold_since",
                    "held_time",
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
        "on_hold_since",
        "held_time",
        "acknowledged_at",
        "resolved_at",
        "closed_at",
        "duplicate_of",
        "created_at",
        "updated_at",
    ]

    def get_readonly_fields(self, request, obj=None):
        # The reporter is chosen when the incident is logged, and kept. Once logged, the assignee and the
        # severity change through the actions (assign, set severity), which triage, check and notify.
        fields = list(super().get_readonly_fields(request, obj))
        if obj is None:
            return fields
        return [*fields, *(name for name in ("reporter", "assignee", "severity") if name not in fields)]

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
        if dry_run:
            return self.check_form(request, form, _incident_check)
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
            )
        return incident_update(
            incident=form.instance, by=request.user, **self.service_fields(form, self.editable_fields)
        )

    @display(description="Incident", ordering="title", header=True)
    def incident(self, obj):
        return [obj.title, f"{obj.facility.code} · {obj.facility.name}"]

    @display(description="Assignee", ordering="assignee__last_name", header=True)
    def assignee_column(self, obj):
        if obj.assignee is None:
            return ["—", ""]  # unfold's two-line cell takes no None
        return [person_label(obj.assignee), obj.assignee.employee_id]

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

    @display(description="Response due at", ordering="response_due_at")
    def response_due(self, obj):
        return response_clock(obj, now=timezone.now())

    @display(description="Resolve due at", ordering="resolve_due_at")
    def resolve_due(self, obj):
        return resolve_clock(obj, now=timezone.now())

    @display(description="Time held")
    def held_time(self, obj):
        """Time on hold so far, the current hold included: the resolve due time moves by as much on resuming."""
        held = obj.held_seconds or 0
        if obj.on_hold_since is not None:
            held += max(0, int((timezone.now() - obj.on_hold_since).total_seconds()))
        return minutes_label(held / 60) if held else "-"
