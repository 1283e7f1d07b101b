"""The portal's roles: Django groups carrying model permissions (fixtures/roles.json)."""

from django.db.models import TextChoices


class Role(TextChoices):
    ADMINISTRATOR = "Administrator"
    SUPERVISOR = "Supervisor"
    STAFF = "Staff"
    AUDITOR = "Auditor"


CONSOLE_ROLES = (Role.ADMINISTRATOR, Role.SUPERVISOR, Role.AUDITOR)
