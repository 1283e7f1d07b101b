from django.db import models


class Activity(models.TextChoices):
    SHIFT = "shift", "Shift"
    INCIDENT = "incident", "Incident"
    SERVICE = "service", "Service"
    TRAINING = "training", "Training"
    ADMIN = "admin", "Admin"


class TimeEntryStatus(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
