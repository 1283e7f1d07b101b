from django.db import models


class Severity(models.TextChoices):
    SEV1 = "SEV1", "SEV1 — off air / critical"
    SEV2 = "SEV2", "SEV2 — major"
    SEV3 = "SEV3", "SEV3 — minor"
    SEV4 = "SEV4", "SEV4 — cosmetic"

    @property
    def rank(self) -> int:
        return int(self.value[-1])


class IncidentStatus(models.TextChoices):
    NEW = "new", "New"
    TRIAGED = "triaged", "Triaged"
    IN_PROGRESS = "in_progress", "In progress"
    ON_HOLD = "on_hold", "On hold"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"
    DUPLICATE = "duplicate", "Duplicate"

    @classmethod
    def open_values(cls) -> list[str]:
        return [cls.NEW, cls.TRIAGED, cls.IN_PROGRESS, cls.ON_HOLD]


class ServiceCategory(models.TextChoices):
    MAINTENANCE = "maintenance", "Maintenance"
    EQUIPMENT = "equipment", "Equipment"
    ACCESS = "access", "Access"
    IT = "it", "IT"
    OTHER = "other", "Other"


class ServicePriority(models.TextChoices):
    LOW = "low", "Low"
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"
    URGENT = "urgent", "Urgent"


class ServiceStatus(models.TextChoices):
    OPEN = "open", "Open"
    SCHEDULED = "scheduled", "Scheduled"
    IN_PROGRESS = "in_progress", "In progress"
    WAITING = "waiting", "Waiting"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"

    @classmethod
    def open_values(cls) -> list[str]:
        return [cls.OPEN, cls.SCHEDULED, cls.IN_PROGRESS, cls.WAITING]
