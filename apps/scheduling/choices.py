from django.db import models


class ShiftStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    CANCELLED = "cancelled", "Cancelled"


class EventKind(models.TextChoices):
    LIVE_BROADCAST = "live_broadcast", "Live broadcast"
    RECORDING = "recording", "Recording"
    MAINTENANCE = "maintenance", "Maintenance"
    REHEARSAL = "rehearsal", "Rehearsal"
    OTHER = "other", "Other"


class EventStatus(models.TextChoices):
    TENTATIVE = "tentative", "Tentative"
    CONFIRMED = "confirmed", "Confirmed"
    CANCELLED = "cancelled", "Cancelled"


class TimeOffKind(models.TextChoices):
    VACATION = "vacation", "Vacation"
    SICK = "sick", "Sick"
    PERSONAL = "personal", "Personal"
    OTHER = "other", "Other"


class TimeOffStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    DENIED = "denied", "Denied"
    CANCELLED = "cancelled", "Cancelled"
