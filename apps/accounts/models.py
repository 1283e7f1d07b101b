from django.contrib.auth.models import AbstractUser
from django.db import models

from apps.audit.records import PortalHistoricalRecords
from apps.core.actors import SYSTEM_USERNAME
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

    @property
    def is_system_account(self) -> bool:
        """The portal itself (tasks, commands), not a person: history names it, nobody logs in as it."""
        return self.username == SYSTEM_USERNAME  # apps.core.actors.system_user

    def check_password(self, raw_password) -> bool:
        # Even if someone gave the system account a password and activated it, it cannot log in.
        if self.is_system_account:
            return False
        return super().check_password(raw_password)

    # __str__ is label_from(<label_fields>): a list shows the label from those columns alone, with no row object
    label_fields = ("first_name", "last_name", "employee_id", "username")

    @staticmethod
    def label_from(first_name: str, last_name: str, employee_id: str, username: str) -> str:
        full_name = f"{first_name} {last_name}".strip()  # AbstractUser.get_full_name
        return f"{full_name} ({employee_id})" if full_name else username

    def __str__(self) -> str:
        return self.label_from(self.first_name, self.last_name, self.employee_id, self.username)


class CalendarFeed(TimeStampedModel):
    """A person's private calendar link: whoever has the URL reads their published shifts, without logging in.

    Only a SHA-256 of the token is kept: the link is shown once, when it is issued, and a lost or leaked link
    is replaced (the old one stops working at once) or revoked.
    """

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="calendar_feed")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    last_read_at = models.DateTimeField(null=True, blank=True, editable=False)

    # the hash is a secret's fingerprint, and reads are bookkeeping: neither belongs in the change history
    history = PortalHistoricalRecords(excluded_fields=["token_hash", "last_read_at"])

    class Meta:
        verbose_name = "calendar link"

    def __str__(self) -> str:
        return f"Calendar link of {self.user}"
