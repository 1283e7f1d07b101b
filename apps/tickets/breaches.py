"""Finding SLA breaches and telling the location's supervisors, once per breach (the periodic scan's service)."""

import logging
from datetime import datetime

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from apps.core.actors import writes
from apps.core.saving import instance_save

from .changes import history_reason
from .choices import IncidentStatus
from .models import IncidentTicket
from .notifications import incident_notify_breach
from .sla import incident_breaches

logger = logging.getLogger(__name__)

# tickets handled per scan; the rest wait a minute for the next one
SCAN_BATCH = 500


def _untold_breaches(now: datetime) -> Q:
    on_hold = Q(status=IncidentStatus.ON_HOLD)
    return Q(status__in=IncidentStatus.open_values()) & (
        Q(acknowledged_at__isnull=True, response_due_at__lte=now, response_breach_notified_at__isnull=True)
        | (~on_hold & Q(resolve_due_at__lte=now, resolve_breach_notified_at__isnull=True))
        | (on_hold & Q(resolve_due_at__lte=F("on_hold_since"), resolve_breach_notified_at__isnull=True))
    )


@writes
def incident_breach_scan(*, by, now: datetime | None = None, batch: int = SCAN_BATCH) -> int:
    """Tell the supervisors of every open incident whose clock has just breached; return the breaches told.

    `by`: who runs the scan, the system account for the periodic task and the command.

    Safe to run twice at once (two beat runs overlapping, a task retried): the tickets are locked with SKIP
    LOCKED, so a second scan passes over what the first is handling, and each breach is marked on its ticket
    in the same transaction as its e-mail is queued, under an idempotency key naming the clock and due time.
    """
    now = now or timezone.now()
    told = 0
    with transaction.atomic():
        incidents = (
            IncidentTicket.objects.filter(_untold_breaches(now))
            .select_related("facility__location", "assignee", "incident_type")
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("pk")[:batch]
        )
        for incident in incidents:
            clocks = [
                clock
                for clock in incident_breaches(incident, now=now)
                if getattr(incident, f"{clock}_breach_notified_at") is None
            ]
            for clock in clocks:
                if not incident_notify_breach(incident=incident, clock=clock, by=by):
                    logger.warning("%s breached its %s clock: nobody supervises its location", incident, clock)
                setattr(incident, f"{clock}_breach_notified_at", now)
                told += 1
            if clocks:
                reason = history_reason(f"SLA breached ({', '.join(clocks)}): supervisors told")
                instance_save(instance=incident, by=by, reason=reason)
    return told
