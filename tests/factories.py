"""factory_boy factories for every domain model. Rows they build obey the domain rules."""

from datetime import timedelta

import factory
from django.utils import timezone

from apps.accounts.models import User
from apps.facilities.choices import FacilityKind
from apps.facilities.models import Facility, Location
from apps.notifications.models import OutboundEmail
from apps.scheduling.choices import EventKind, EventStatus, ShiftStatus, TimeOffKind
from apps.scheduling.models import ScheduledEvent, Shift, TimeOffRequest
from apps.tickets.choices import ServiceCategory, Severity
from apps.tickets.models import IncidentTicket, IncidentType, ServiceTicket, TicketNote
from apps.timesheets.choices import Activity
from apps.timesheets.models import TimeEntry


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"LOC-{n:03d}")
    name = factory.Sequence(lambda n: f"Location {n}")
    timezone = "Europe/London"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    employee_id = factory.Sequence(lambda n: f"E{n:05d}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    home_location = factory.SubFactory(LocationFactory)
    password = factory.PostGenerationMethodCall("set_password", "pass-Word-123")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class SuperUserFactory(UserFactory):
    is_staff = True
    is_superuser = True


class FacilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Facility
        django_get_or_create = ("code",)

    location = factory.SubFactory(LocationFactory)
    code = factory.Sequence(lambda n: f"FAC-{n:03d}")
    name = factory.Sequence(lambda n: f"Facility {n}")
    kind = FacilityKind.STUDIO


class IncidentTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IncidentType
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"type-{n}")
    name = factory.Sequence(lambda n: f"Incident type {n}")
    default_severity = Severity.SEV3
    response_sla_minutes = 30
    resolve_sla_minutes = 240


class IncidentTicketFactory(factory.django.DjangoModelFactory):
    """Builds rows directly (no SLA, no reference service); use the services to test rules."""

    class Meta:
        model = IncidentTicket

    reference = factory.Sequence(lambda n: f"INC-T{n:05d}")
    title = factory.Sequence(lambda n: f"Incident {n}")
    incident_type = factory.SubFactory(IncidentTypeFactory)
    facility = factory.SubFactory(FacilityFactory)
    severity = Severity.SEV3
    reporter = factory.SubFactory(UserFactory)
    occurred_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))


class ServiceTicketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceTicket

    reference = factory.Sequence(lambda n: f"SRV-T{n:05d}")
    title = factory.Sequence(lambda n: f"Service request {n}")
    facility = factory.SubFactory(FacilityFactory)
    category = ServiceCategory.MAINTENANCE
    requested_by = factory.SubFactory(UserFactory)


class TicketNoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TicketNote

    incident = factory.SubFactory(IncidentTicketFactory)
    author = factory.SubFactory(UserFactory)
    text = "Checked the encoder; restarted."


class ShiftFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shift

    user = factory.SubFactory(UserFactory)
    facility = factory.SubFactory(FacilityFactory)
    position = "MCR operator"
    starts_at = factory.Sequence(
        lambda n: timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=n)
    )
    ends_at = factory.LazyAttribute(lambda s: s.starts_at + timedelta(hours=8))
    status = ShiftStatus.DRAFT


class ScheduledEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScheduledEvent
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Evening news {n}")
    kind = EventKind.LIVE_BROADCAST
    facility = factory.SubFactory(FacilityFactory)
    starts_at = factory.Sequence(
        lambda n: timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=n)
    )
    ends_at = factory.LazyAttribute(lambda e: e.starts_at + timedelta(hours=1))
    status = EventStatus.TENTATIVE


class TimeOffRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TimeOffRequest

    user = factory.SubFactory(UserFactory)
    kind = TimeOffKind.VACATION
    starts_on = factory.Sequence(lambda n: timezone.localdate() + timedelta(days=30 + 7 * n))
    ends_on = factory.LazyAttribute(lambda t: t.starts_on + timedelta(days=2))


class TimeEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TimeEntry

    user = factory.SubFactory(UserFactory)
    work_date = factory.Sequence(lambda n: timezone.localdate() - timedelta(days=n))
    minutes = 480
    activity = Activity.TRAINING


class OutboundEmailFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OutboundEmail

    recipients = factory.LazyFunction(lambda: ["ops@example.org"])
    subject = factory.Sequence(lambda n: f"Message {n}")
    body = "Hello."


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "auth.Group"
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Group {n}")


class ImportJobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "dataio.ImportJob"

    resource = "shifts"
    file = factory.django.FileField(filename="shifts.csv", data=b"employee_id,facility\n")
    format = "csv"
    created_by = factory.SubFactory(UserFactory)
