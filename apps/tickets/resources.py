"""Spreadsheets of incident types, incidents and service tickets.

Incident types are keyed by code; tickets by their human reference (INC-000123, SRV-000045). A ticket row
without a reference opens a new ticket: the references of a file's new tickets are taken from the portal's
counter in one block when they are written (`reference_allocate_block`), so a failed or previewed import
leaves no gap.

An imported ticket is the tickets services in bulk, so a row obeys what the form obeys:

- every related column (facility, incident type, reporter, requester, assignee) is looked up within the
  importer's scope (`NaturalKeyWidget`), and the ticket a reference names too (`import_queryset`): one outside
  it reads exactly like one that does not exist;
- the rules are the services' (`rules.py`: `incident_validate`, `service_ticket_validate`): the SLA due times
  follow type, severity and start (`incident_refresh_due_times`), and fields only the workflow sets are refused;
  a cell naming the row a ticket already points at keeps it, wherever it is, as the change form does. A Status
  column is accepted only where it says what the ticket already is: a status changes through the workflow's
  steps (the list's actions), which ask for what a cell cannot give (a resolution, the surviving ticket, the
  maintenance window) and check who takes them;
- what follows a save follows each row written, through the same function as the form's
  (`incident_announce`: the supervisors' SEV1/SEV2 alert, the assignee's e-mail), queued after the bulk write in
  the import's transaction, so a preview or a failed import tells nobody;
- history names the importer and the import job (the import's change context).
"""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import CheckConstraint, Q
from import_export import fields, widgets

from apps.accounts.resources import person_widget
from apps.core.services import reference_allocate_block
from apps.dataio.resources import PortalResource
from apps.dataio.widgets import (
    ChoiceWidget,
    LocalDateTimeWidget,
    LocalDateWidget,
    NaturalKeyWidget,
    TextWidget,
    YesNoWidget,
)
from apps.facilities.models import Facility
from apps.facilities.resources import CaseInsensitiveKeyMixin

from .choices import IncidentStatus, ServiceCategory, ServicePriority, ServiceStatus, Severity
from .models import INCIDENT_PREFIX, SERVICE_PREFIX, IncidentTicket, IncidentType, ServiceTicket
from .rules import (
    NEW_REFERENCE,
    incident_fill_defaults,
    incident_refresh_due_times,
    incident_validate,
    service_ticket_validate,
    ticket_scope_owner,
)
from .services import incident_announce
from .sla import SLA_CLOCK_FIELDS

ANNOUNCE_CHUNK = 1000  # written tickets read back per query to announce them


class WholeNumberWidget(widgets.Widget):
    """A count (minutes, seconds): 90, 90.0 or "1,440"; written as a number."""

    def clean(self, value, row=None, **kwargs):
        if value is None or isinstance(value, bool):
            return None
        if isinstance(value, int):
            return value
        text = str(value).strip().replace(",", "").replace(" ", "")
        if not text:
            return None
        try:
            number = Decimal(text)
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or number != number.to_integral_value():
            raise ValueError(f"“{str(value).strip()}” is not a whole number.")
        return int(number)

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return value if kwargs.get("force_native_type") else str(value)


def check_constraints_validate(instance, changed) -> None:
    """The model's check constraints that read one of the `changed` fields (one query each).

    The import leaves constraints out of `full_clean()` (it checks keys in batches); the ones a changed
    field could break are checked here, so the refusal names the row instead of failing the write.
    """
    errors = []
    for constraint in type(instance)._meta.constraints:
        if isinstance(constraint, CheckConstraint) and Q(constraint.condition).referenced_base_fields & set(changed):
            try:
                constraint.validate(type(instance), instance)
            except ValidationError as exc:
                errors.extend(exc.error_list)
    if errors:
        raise ValidationError({NON_FIELD_ERRORS: errors})


def _zone_of_facility(obj):
    return obj.facility.location.timezone


def facility_widget() -> NaturalKeyWidget:
    return NaturalKeyWidget(Facility, "code", noun="facility", select_related=("location",))


class IncidentTypeResource(CaseInsensitiveKeyMixin, PortalResource):
    """One row per incident type, keyed by its code. Reference data: no location, so no location scope."""

    code = fields.Field(attribute="code", column_name="Code", widget=TextWidget())
    name = fields.Field(attribute="name", column_name="Name", widget=TextWidget())
    default_severity = fields.Field(
        attribute="default_severity", column_name="Default Severity", widget=ChoiceWidget(Severity.choices)
    )
    response_sla_minutes = fields.Field(
        attribute="response_sla_minutes", column_name="Response SLA Minutes", widget=WholeNumberWidget()
    )
    resolve_sla_minutes = fields.Field(
        attribute="resolve_sla_minutes", column_name="Resolve SLA Minutes", widget=WholeNumberWidget()
    )
    is_active = fields.Field(attribute="is_active", column_name="Active", widget=YesNoWidget())

    class Meta(PortalResource.Meta):
        model = IncidentType
        name = "Incident types"
        import_id_fields = ("code",)
        fields = ("code", "name", "default_severity", "response_sla_minutes", "resolve_sla_minutes", "is_active")


class TicketResource(CaseInsensitiveKeyMixin, PortalResource):
    """What incidents and service tickets share: the reference as key, new tickets, scope by facility."""

    prefix = ""
    scope_location_path = "facility__location"
    scope_field = "facility"
    batch_checks_uniqueness = True  # references: by the index; check constraints: check_constraints_validate

    def before_import(self, dataset, **kwargs):
        # a sheet of new tickets may leave the Reference column out altogether
        headers = dataset.headers or []
        if dataset.height and headers and not any(str(header).strip().casefold() == "reference" for header in headers):
            dataset.append_col([""] * dataset.height, header="Reference")
        super().before_import(dataset, **kwargs)

    def row_key(self, row):
        reference = self._clean_cell(self.fields["reference"], row)
        if not reference:
            return ("new", self._row_number)
        key = reference.casefold()
        if key not in self._existing:
            raise ValidationError(
                {
                    "reference": f"There is no {self.noun()} {reference}. Leave “Reference” empty to open a new "
                    f"one: the portal gives it its reference."
                }
            )
        return key

    def import_instance(self, instance, row, **kwargs):
        """A cell naming the row a ticket already points at keeps it, wherever that row is, as the form keeps it.

        A ticket in the importer's scope may name someone outside it (a reporter based elsewhere): its own export
        says so, and importing that file back must not fail on a value nobody changed. Any other key outside the
        scope still reads "No person with employee id …", like a key that does not exist.
        """
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            kept = {name for name in error.error_dict if self._names_current_row(instance, name, row)}
            errors = {name: items for name, items in error.error_dict.items() if name not in kept}
            if errors:
                raise ValidationError(errors) from None

    def _names_current_row(self, instance, name: str, row) -> bool:
        if instance.pk is None:
            return False
        field = next((field for field in self._plan if field.name == name), None)
        if field is None or not isinstance(field.widget, NaturalKeyWidget):
            return False
        current, value = getattr(instance, name), row[field.column]
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # an ID typed as a number in a spreadsheet
        cell = "" if value is None else str(value).strip()
        return current is not None and str(getattr(current, field.widget.field)).casefold() == cell.casefold()

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # (id, the fields its row changed; None for a new ticket) of every ticket written, for `announce`
        self._written: list[tuple[int, list[str] | None]] = []

    def init_instance(self, row=None):
        # the counter gives the real reference just before the write (`bulk_create`)
        return self._meta.model(reference=NEW_REFERENCE)

    def changed_fields(self, instance) -> list[str] | None:
        """The fields the row changes, by name; None for a new ticket (as the services take it)."""
        if instance.pk is None:
            return None
        names = {field.attname: field.name for field in instance._meta.concrete_fields}
        return [names[attname] for attname in self.changed_attnames(instance)]

    # --- what follows the write: the single path's announcements, once per row written -------------------------

    def announce_queryset(self):
        """The written tickets as `announce` reads them (related rows joined); None: nothing to announce."""
        return None

    def announce(self, ticket, changed: list[str] | None) -> None:
        """Tell who must know of a ticket this import wrote, through the single path's own function."""

    def save_instance(self, instance, is_create, row, **kwargs):
        instance._import_changed = self.changed_fields(instance)
        super().save_instance(instance, is_create, row, **kwargs)

    def _note_written(self, batch) -> None:
        if self.announce_queryset() is not None:
            self._written.extend((ticket.pk, ticket._import_changed) for ticket in batch if ticket.pk is not None)

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        written, self._written = self._written, []
        if kwargs.get("dry_run", True) or result.has_errors() or result.has_validation_errors() or not written:
            return  # a preview, or an import rolled back: nobody is told anything
        # read back in chunks (one query each) rather than holding every row of a large file until the end
        for start in range(0, len(written), ANNOUNCE_CHUNK):
            changes = dict(written[start : start + ANNOUNCE_CHUNK])
            for ticket in self.announce_queryset().filter(pk__in=changes).order_by("pk"):
                self.announce(ticket, changes[ticket.pk])

    def scope_owner(self, instance):
        # as the tickets services have it: whoever reports (requests) a new ticket may open it at any facility
        return ticket_scope_owner(instance)

    def bulk_create(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        if self.create_instances and (using_transactions or not dry_run):
            try:
                references = reference_allocate_block(prefix=self.prefix, count=len(self.create_instances))
            except Exception as exc:
                self.create_instances.clear()
                self.handle_import_error(result, exc, raise_errors)
                return
            for ticket, reference in zip(self.create_instances, references, strict=True):
                ticket.reference = reference
        batch = list(self.create_instances)
        super().bulk_create(using_transactions, dry_run, raise_errors, batch_size=batch_size, result=result)
        self._note_written(batch)

    def bulk_update(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        batch = list(self.update_instances)
        super().bulk_update(using_transactions, dry_run, raise_errors, batch_size=batch_size, result=result)
        self._note_written(batch)


class IncidentTicketResource(TicketResource):
    """One row per incident, keyed by its reference; times in the time zone of the facility's location.

    Status and the SLA due times are the portal's: a status is accepted only as it stands ("New" for a new
    incident; the workflow changes it), and the due times are exported but not read back.
    """

    reference = fields.Field(attribute="reference", column_name="Reference", widget=TextWidget(), readonly=True)
    title = fields.Field(attribute="title", column_name="Title", widget=TextWidget())
    description = fields.Field(attribute="description", column_name="Description", widget=TextWidget())
    incident_type = fields.Field(
        attribute="incident_type",
        column_name="Incident Type",
        widget=NaturalKeyWidget(IncidentType, "code", noun="incident type"),
    )
    facility = fields.Field(attribute="facility", column_name="Facility", widget=facility_widget())
    severity = fields.Field(attribute="severity", column_name="Severity", widget=ChoiceWidget(Severity.choices))
    status = fields.Field(attribute="status", column_name="Status", widget=ChoiceWidget(IncidentStatus.choices))
    reporter = fields.Field(attribute="reporter", column_name="Reporter", widget=person_widget())
    assignee = fields.Field(attribute="assignee", column_name="Assignee", widget=person_widget())
    occurred_at = fields.Field(
        attribute="occurred_at", column_name="Occurred", widget=LocalDateTimeWidget(zone_of=_zone_of_facility)
    )
    off_air_seconds = fields.Field(
        attribute="off_air_seconds", column_name="Off Air Seconds", widget=WholeNumberWidget()
    )
    resolution = fields.Field(attribute="resolution", column_name="Resolution", widget=TextWidget())
    response_due_at = fields.Field(
        attribute="response_due_at",
        column_name="Response Due",
        widget=LocalDateTimeWidget(zone_of=_zone_of_facility),
        readonly=True,
    )
    resolve_due_at = fields.Field(
        attribute="resolve_due_at",
        column_name="Resolve Due",
        widget=LocalDateTimeWidget(zone_of=_zone_of_facility),
        readonly=True,
    )

    prefix = INCIDENT_PREFIX

    class Meta(PortalResource.Meta):
        model = IncidentTicket
        name = "Incidents"
        import_id_fields = ("reference",)
        fields = (
            "reference",
            "title",
            "description",
            "incident_type",
            "facility",
            "severity",
            "status",
            "reporter",
            "assignee",
            "occurred_at",
            "off_air_seconds",
            "resolution",
            "response_due_at",
            "resolve_due_at",
        )

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._zone_row = None
        self._zone = None

    def get_queryset(self):
        return IncidentTicket.objects.select_related("incident_type", "facility__location")

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("incident_type", "facility__location", "reporter", "assignee")

    def init_instance(self, row=None):
        incident = super().init_instance(row)
        incident.severity = None  # the type's default, unless the row gives one
        return incident

    def cell_context(self, instance, row):
        """Times are read in the time zone of the row's facility (the ticket's own when the row names none)."""
        if self._zone_row is not row:
            facility = None
            if "Facility" in self._columns:
                facility = self._clean_or_none(self.fields["facility"], row)
            if facility is None and instance is not None and instance.facility_id is not None:
                facility = instance.facility
            self._zone_row, self._zone = row, facility.location.timezone if facility is not None else None
        return {"zone": self._zone}

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        if not instance.severity:
            incident_fill_defaults(incident=instance)
            if not instance.severity:  # no readable type: its own error is the one to report
                instance.severity = Severity.SEV3
        super().validate_instance(instance, import_validation_errors, validate_unique)

    def validate_rules(self, instance):
        changed = self.changed_fields(instance)
        incident_validate(incident=instance, changed=changed)
        if changed:  # a new incident has no workflow fields yet for a constraint to read
            check_constraints_validate(instance, changed)
        incident_refresh_due_times(incident=instance, changed=changed)

    def get_bulk_update_fields(self):
        return [*super().get_bulk_update_fields(), *SLA_CLOCK_FIELDS]

    def announce_queryset(self):
        return IncidentTicket.objects.select_related("facility__location", "assignee", "incident_type")

    def announce(self, ticket, changed):
        incident_announce(incident=ticket, changed=changed, by=self.user)


class ServiceTicketResource(TicketResource):
    """One row per service ticket, keyed by its reference. The status is the workflow's, as for incidents."""

    reference = fields.Field(attribute="reference", column_name="Reference", widget=TextWidget(), readonly=True)
    title = fields.Field(attribute="title", column_name="Title", widget=TextWidget())
    description = fields.Field(attribute="description", column_name="Description", widget=TextWidget())
    facility = fields.Field(attribute="facility", column_name="Facility", widget=facility_widget())
    category = fields.Field(attribute="category", column_name="Category", widget=ChoiceWidget(ServiceCategory.choices))
    priority = fields.Field(attribute="priority", column_name="Priority", widget=ChoiceWidget(ServicePriority.choices))
    status = fields.Field(attribute="status", column_name="Status", widget=ChoiceWidget(ServiceStatus.choices))
    requested_by = fields.Field(attribute="requested_by", column_name="Requested By", widget=person_widget())
    assignee = fields.Field(attribute="assignee", column_name="Assignee", widget=person_widget())
    due_on = fields.Field(attribute="due_on", column_name="Due On", widget=LocalDateWidget())

    prefix = SERVICE_PREFIX

    class Meta(PortalResource.Meta):
        model = ServiceTicket
        name = "Service tickets"
        import_id_fields = ("reference",)
        fields = (
            "reference",
            "title",
            "description",
            "facility",
            "category",
            "priority",
            "status",
            "requested_by",
            "assignee",
            "due_on",
        )

    def get_queryset(self):
        return ServiceTicket.objects.select_related("facility__location")

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("facility__location", "requested_by", "assignee")

    def validate_rules(self, instance):
        changed = self.changed_fields(instance)
        service_ticket_validate(ticket=instance, changed=changed)
        if changed:
            check_constraints_validate(instance, changed)
