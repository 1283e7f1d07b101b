"""Remove the demo domain data and its history, so that the seed can run again from nothing."""

from collections import Counter

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.test.utils import override_settings
from guardian.models import GroupObjectPermission, UserObjectPermission

from apps.accounts.models import User
from apps.core.models import ReferenceCounter
from apps.dataio.models import ImportJob
from apps.facilities.models import Facility, Location
from apps.notifications.models import OutboundEmail
from apps.scheduling.models import CoverageRequirement, ScheduledEvent, Shift, TimeOffRequest
from apps.tickets.models import INCIDENT_PREFIX, SERVICE_PREFIX, IncidentTicket, ServiceTicket, TicketNote
from apps.timesheets.models import TimeEntry

from .context import DEMO_EMAIL_DOMAIN

# Children before parents, so nothing is protected by a row still to go.
CLEARED_MODELS = (
    TimeEntry,
    TicketNote,
    ServiceTicket,
    IncidentTicket,
    ScheduledEvent,
    Shift,
    TimeOffRequest,
    CoverageRequirement,
    OutboundEmail,
    ImportJob,
    Facility,
    Location,
)


def seeded_people():
    """People the seed created (by their demo address); superusers such as `admin` stay."""
    return User.objects.filter(email__endswith=f"@{DEMO_EMAIL_DOMAIN}", is_superuser=False)


def demo_clear_counts() -> Counter:
    counts = Counter({str(model._meta.verbose_name_plural): model._default_manager.count() for model in CLEARED_MODELS})
    counts["users"] = seeded_people().count()
    return counts


def _delete_incidents() -> None:
    # a duplicate protects the ticket it points to: delete from the ends of the chains inwards
    while IncidentTicket.objects.exists():
        IncidentTicket.objects.filter(duplicates__isnull=True).delete()


def demo_clear() -> Counter:
    """Delete every row of the demo domain (tickets, rosters, time, outbox, imports, places), the
    people the seed created, and all of their history rows. Returns what was deleted, per model.

    History is switched off while deleting: the "deleted" history rows would only be purged next.
    Reference data (roles, incident types) and people not created by the seed are kept; the
    ticket counters restart at 1, since no ticket is left.
    """
    counts = demo_clear_counts()
    with override_settings(SIMPLE_HISTORY_ENABLED=False):
        for model in CLEARED_MODELS:
            if model is IncidentTicket:
                _delete_incidents()
            else:
                model._default_manager.all().delete()
        people = list(seeded_people().values_list("pk", flat=True))
        seeded_people().delete()

    for model in CLEARED_MODELS:
        model.history.all().delete()
    apps.get_model("scheduling", "HistoricalScheduledEvent_crew").objects.all().delete()
    User.history.filter(id__in=people).delete()

    # object permissions that pointed at deleted rows (guardian's generic tables have no foreign key)
    cleared_types = ContentType.objects.get_for_models(*CLEARED_MODELS).values()
    user_type = ContentType.objects.get_for_model(User)
    for permission_model in (UserObjectPermission, GroupObjectPermission):
        permission_model.objects.filter(content_type__in=cleared_types).delete()
        permission_model.objects.filter(content_type=user_type, object_pk__in=[str(pk) for pk in people]).delete()
    ReferenceCounter.objects.filter(prefix__in=[INCIDENT_PREFIX, SERVICE_PREFIX]).update(last_value=0)
    return counts
