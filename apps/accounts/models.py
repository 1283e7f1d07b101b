from django.contrib.auth.models import AbstractUser
from django.db import models

from apps.audit.history import PortalHistoricalRecords
from apps.core.models import TimeStampedModel


class User(TimeStampedModel, AbstractUser):
    """A person of the operation: staff, supervisors, administrators, auditors.

    Logins use `username`; spreadsheets and integrations refer to people by
    `employee_id`, their HR number, which never changes.
    """

    employee_id = models.CharField(
        "employee ID", max_length=20, unique=True, help_text="HR number; spreadsheets refer to people by it."
    )
    title = models.CharField(max_length=120, blank=True, help_text="Job title, e.g. MCR operator.")
    department = models.CharField(max_length=120, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    home_location = models.ForeignKey(
        "facilities.Location",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="people",
        help_text="Where this person is based; supervisors of that location manage their shifts and time.",
    )
    avatar = models.ImageField(upload_to="avatars/", blank=True)

    history = PortalHistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        ordering = ["last_name", "first_name", "username"]
        indexes = [
            models.Index(fields=["home_location", "is_active"], name="user_location_active_idx"),
            models.Index(fields=["last_name", "first_name"], name="user_name_idx"),
        ]

    def __str__(self) -> str:
        full_name = self.get_full_name()
        return f"{full_name} ({self.employee_id})" if full_name else self.username
