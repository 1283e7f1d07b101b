from django.conf import settings
from django.db import models
from django.db.models import F, Q
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from apps.audit.records import PortalHistoricalRecords
from apps.core.models import TimeStampedModel

from .choices import IncidentStatus, ServiceCategory, ServicePriority, ServiceStatus, Severity

INCIDENT_PREFIX = "INC"
SERVICE_PREFIX = "SRV"


class ReferenceManager(models.Manager):
    def get_by_natural_key(self, reference: str):
        return self.get(reference=reference)


class IncidentTypeManager(models.Manager):
    def get_by_natural_key(self, code: str) -> "IncidentType":
        return self.get(code=code)


class IncidentType(TimeStampedModel):
    """A kind of incident, with the SLA clocks that apply at its default severity."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    default_severity = models.CharField(max_length=4, choices=Severity.choices, default=Severity.SEV3)
    response_sla_minutes = models.PositiveIntegerField(help_text="Minutes to acknowledge, at the default severity.")
    resolve_sla_minutes = models.PositiveIntegerField(help_text="Minutes to resolve, at the default severity.")
    is_active = models.BooleanField(default=True)

    history = PortalHistoricalRecords()
    objects = IncidentTypeManager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(response_sla_minutes__gt=0) & Q(resolve_sla_minutes__gte=F("response_sla_minutes")),
                name="incidenttype_sla_positive_and_ordered",
                violation_error_message="SLA minutes must be positive, and resolving cannot be due before responding.",
            ),
        ]

    # __str__ is label_from(<label_fields>): a list shows the label from those columns alone, with no row object
    label_fields = ("name",)

    @staticmethod
    def label_from(name: str) -> str:
        return name

    def __str__(self) -> str:
        return self.label_from(self.name)

    def natural_key(self) -> tuple[str]:
        return (self.code,)


class IncidentTicket(TimeStampedModel):
    """Something broke or went off air; tracked from report to close against its SLA."""

    reference = models.CharField(max_length=16, unique=True, editable=False)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    incident_type = models.ForeignKey(IncidentType, on_delete=models.PROTECT, related_name="incidents")
    facility = models.ForeignKey("facilities.Facility", on_delete=models.PROTECT, related_name="incidents")
    severity = models.CharField(max_length=4, choices=Severity.choices, default=Severity.SEV3)
    status = models.CharField(max_length=20, choices=IncidentStatus.choices, default=IncidentStatus.NEW)
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reported_incidents")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_incidents",
    )
    occurred_at = models.DateTimeField(help_text="When the fault began (not when it was reported).")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    off_air_seconds = models.PositiveIntegerField(default=0, help_text="Seconds of output lost.")
    resolution = models.TextField(blank=True)
    duplicate_of = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="duplicates")
    response_due_at = models.DateTimeField(null=True, blank=True)
    resolve_due_at = models.DateTimeField(null=True, blank=True)
    # the moments each clock enters its last quarter ("at risk"), stored so that lists can filter on them
    response_risk_at = models.DateTimeField("response at risk from", null=True, blank=True)
    resolve_risk_at = models.DateTimeField("resolution at risk from", null=True, blank=True)
    on_hold_since = models.DateTimeField(null=True, blank=True, help_text="Set while the ticket is on hold.")
    held_seconds = models.PositiveIntegerField(
        "time held", default=0, help_text="Seconds spent on hold, added to the resolve due time."
    )
    # when the location's supervisors were told of a breach of each clock (cleared when the clock moves)
    response_breach_notified_at = models.DateTimeField(null=True, blank=True)
    resolve_breach_notified_at = models.DateTimeField(null=True, blank=True)

    history = PortalHistoricalRecords()
    objects = ReferenceManager()

    class Meta:
        ordering = ["-occurred_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(duplicate_of=F("pk")),
                name="incident_not_duplicate_of_itself",
                violation_error_message="A ticket cannot be a duplicate of itself.",
            ),
            models.CheckConstraint(
                condition=(Q(status=IncidentStatus.DUPLICATE) & Q(duplicate_of__isnull=False))
                | (~Q(status=IncidentStatus.DUPLICATE) & Q(duplicate_of__isnull=True)),
                name="incident_duplicate_status_matches_link",
                violation_error_message="A ticket marked duplicate must name the ticket it duplicates, and only then.",
            ),
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True) | Q(resolved_at__gte=F("occurred_at")),
                name="incident_resolved_after_occurred",
                violation_error_message="An incident cannot be resolved before it occurred.",
            ),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | Q(resolved_at__isnull=True) | Q(closed_at__gte=F("resolved_at")),
                name="incident_closed_after_resolved",
                violation_error_message="An incident cannot be closed before it was resolved.",
            ),
            models.CheckConstraint(
                condition=(Q(status=IncidentStatus.ON_HOLD) & Q(on_hold_since__isnull=False))
                | (~Q(status=IncidentStatus.ON_HOLD) & Q(on_hold_since__isnull=True)),
                name="incident_on_hold_has_start",
                violation_error_message="A ticket on hold records since when, and only then.",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "severity"], name="incident_status_severity_idx"),
            models.Index(fields=["facility", "status"], name="incident_facility_status_idx"),
            models.Index(fields=["assignee", "status"], name="incident_assignee_status_idx"),
            models.Index(fields=["reporter"], name="incident_reporter_idx"),
            models.Index(fields=["occurred_at"], name="incident_occurred_idx"),
            models.Index(fields=["response_due_at"], name="incident_response_due_idx"),
            models.Index(fields=["resolve_due_at"], name="incident_resolve_due_idx"),
            # the incident list's pages: the finished tier of its order of urgency (apps.tickets.selectors), and
            # its title column's sort, walked instead of sorted
            models.Index(
                fields=["severity", "-occurred_at", "-id"],
                condition=~models.Q(status__in=IncidentStatus.open_values()),
                name="incident_finished_order_idx",
            ),
            models.Index(fields=["title", "-id"], name="incident_title_idx"),
        ]

    # __str__ is label_from(<label_fields>): a list shows the label from those columns alone, with no row object
    label_fields = ("reference", "title")

    @staticmethod
    def label_from(reference: str, title: str) -> str:
        return f"{reference} {title}"

    def __str__(self) -> str:
        return self.label_from(self.reference, self.title)

    def natural_key(self) -> tuple[str]:
        return (self.reference,)

    @property
    def is_open(self) -> bool:
        return self.status in IncidentStatus.open_values()


class ServiceTicket(TimeStampedModel):
    """Planned work or a request: maintenance, equipment, access, IT."""

    reference = models.CharField(max_length=16, unique=True, editable=False)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    facility = models.ForeignKey("facilities.Facility", on_delete=models.PROTECT, related_name="service_tickets")
    category = models.CharField(max_length=20, choices=ServiceCategory.choices, default=ServiceCategory.OTHER)
    priority = models.CharField(max_length=10, choices=ServicePriority.choices, default=ServicePriority.NORMAL)
    status = models.CharField(max_length=20, choices=ServiceStatus.choices, default=ServiceStatus.OPEN)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="requested_service_tickets"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_service_tickets",
    )
    due_on = models.DateField(null=True, blank=True)
    scheduled_event = models.ForeignKey(
        "scheduling.ScheduledEvent",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="service_tickets",
        help_text="The maintenance window in which the work is done.",
    )

    history = PortalHistoricalRecords()
    objects = ReferenceManager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "priority"], name="service_status_priority_idx"),
            models.Index(fields=["facility", "status"], name="service_facility_status_idx"),
            models.Index(fields=["assignee", "status"], name="service_assignee_status_idx"),
            models.Index(fields=["requested_by"], name="service_requested_by_idx"),
            models.Index(fields=["due_on"], name="service_due_on_idx"),
        ]

    # __str__ is label_from(<label_fields>): a list shows the label from those columns alone, with no row object
    label_fields = ("reference", "title")

    @staticmethod
    def label_from(reference: str, title: str) -> str:
        return f"{reference} {title}"

    def __str__(self) -> str:
        return self.label_from(self.reference, self.title)

    def natural_key(self) -> tuple[str]:
        return (self.reference,)


class TicketNoteManager(models.Manager):
    def get_by_natural_key(self, reference: str, created_at):
        ticket_filter = (
            Q(incident__reference=reference)
            if reference.startswith(INCIDENT_PREFIX)
            else Q(service_ticket__reference=reference)
        )
        return self.get(ticket_filter, created_at=created_at)


class TicketNote(TimeStampedModel):
    """A journal line on an incident or a service ticket."""

    incident = models.ForeignKey(IncidentTicket, on_delete=models.CASCADE, null=True, blank=True, related_name="notes")
    service_ticket = models.ForeignKey(
        ServiceTicket, on_delete=models.CASCADE, null=True, blank=True, related_name="notes"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ticket_notes")
    text = models.TextField()

    history = PortalHistoricalRecords()
    objects = TicketNoteManager()

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(incident__isnull=False) & Q(service_ticket__isnull=True))
                | (Q(incident__isnull=True) & Q(service_ticket__isnull=False)),
                name="ticketnote_exactly_one_ticket",
                violation_error_message="A note belongs to exactly one ticket: an incident or a service ticket.",
            ),
        ]
        indexes = [
            models.Index(fields=["incident", "created_at"], name="note_incident_created_idx"),
            models.Index(fields=["service_ticket", "created_at"], name="note_service_created_idx"),
        ]

    @property
    def ticket(self):
        return self.incident or self.service_ticket

    def __str__(self) -> str:
        text = self.text if len(self.text) <= 60 else f"{self.text[:57]}..."
        return f"{self.ticket.reference}: {text}"

    def natural_key(self) -> tuple:
        return (self.ticket.reference, self.created_at)


# A single ticket can be shared with someone outside its location's scope (a contractor, another
# site's engineer) with guardian's direct foreign-key permission tables.


class IncidentTicketUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(IncidentTicket, on_delete=models.CASCADE, related_name="user_permissions")

    history = PortalHistoricalRecords()

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = "incident shared with a person"


class IncidentTicketGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(IncidentTicket, on_delete=models.CASCADE, related_name="group_permissions")

    history = PortalHistoricalRecords()

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = "incident shared with a role"


class ServiceTicketUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(ServiceTicket, on_delete=models.CASCADE, related_name="user_permissions")

    history = PortalHistoricalRecords()

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = "service ticket shared with a person"


class ServiceTicketGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(ServiceTicket, on_delete=models.CASCADE, related_name="group_permissions")

    history = PortalHistoricalRecords()

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = "service ticket shared with a role"
