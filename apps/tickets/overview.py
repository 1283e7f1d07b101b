"""Incidents at a glance, for what a person may see: what the console's home draws (one query each, grouped in SQL).

- `incidents_per_day`: how many incidents began on each local day, by severity;
- `resolution_by_location`: per location, the incidents resolved in a period, how many met their resolve SLA
  (`SlaState.MET` and `MISSED`, the rule the list's SLA filter uses) and the mean time from the fault to its
  resolution.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F
from django.db.models.functions import TruncDate

from .selectors import incidents_visible_to
from .sla import SlaState, incident_sla_q


def incidents_per_day(*, user, first_day: date, last_day: date, zone: ZoneInfo) -> dict[tuple[date, str], int]:
    """{(local day, severity): incidents that began that day} over [first_day, last_day], days in `zone`."""
    start = datetime.combine(first_day, datetime.min.time(), tzinfo=zone)
    end = datetime.combine(last_day + timedelta(days=1), datetime.min.time(), tzinfo=zone)
    rows = (
        incidents_visible_to(user=user)
        .filter(occurred_at__gte=start, occurred_at__lt=end)
        .order_by()
        .annotate(day=TruncDate("occurred_at", tzinfo=zone))
        .values("day", "severity")
        .annotate(count=Count("pk"))
        .values_list("day", "severity", "count")
    )
    return {(day, severity): count for day, severity, count in rows}


@dataclass(frozen=True)
class LocationResolution:
    location_id: int
    code: str
    name: str
    met: int
    missed: int
    mean_to_resolve: timedelta | None

    @property
    def resolved(self) -> int:
        return self.met + self.missed

    @property
    def met_percent(self) -> float | None:
        return 100 * self.met / self.resolved if self.resolved else None


def resolution_by_location(*, user, since: datetime, now: datetime) -> list[LocationResolution]:
    """Per location, the incidents resolved since `since`: met and missed resolve SLAs, mean time to resolve."""
    met, missed = incident_sla_q(SlaState.MET, now=now), incident_sla_q(SlaState.MISSED, now=now)
    to_resolve = ExpressionWrapper(F("resolved_at") - F("occurred_at"), output_field=DurationField())
    rows = (
        incidents_visible_to(user=user)
        .filter(met | missed, resolved_at__gte=since)
        .order_by()
        .values("facility__location", "facility__location__code", "facility__location__name")
        .annotate(met=Count("pk", filter=met), missed=Count("pk", filter=missed), mean=Avg(to_resolve))
        .values_list(
            "facility__location", "facility__location__code", "facility__location__name", "met", "missed", "mean"
        )
    )
    return [LocationResolution(*row) for row in rows]
